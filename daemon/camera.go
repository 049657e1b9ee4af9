package daemon

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edged/edged/capture"
	"github.com/edged/edged/config"
)

// camera is one configured camera. It outlives the capture.Camera it runs:
// a command or a reload that changes the capture replaces that, and the
// counters of the replaced one are kept in base so that the metrics stay
// monotonic.
type camera struct {
	d    *Daemon
	name string

	mu       sync.Mutex
	cfg      config.Camera
	enabled  *bool   // {"enabled":...} command; nil: cfg.Enabled
	fps      float64 // {"fps":...} command; 0: cfg.FPS
	cap      *capture.Camera
	cancel   context.CancelFunc
	done     chan struct{} // closed when the capture and the pipeline have returned
	base     capture.Stats // counters of the captures replaced so far
	disabled bool          // stopped because it is disabled (state "disabled")
	started  time.Time     // when the running capture was started

	predictions atomic.Uint64
	failed      atomic.Uint64 // frames that could not be classified
	failLog     failLog
	// abandoned counts captures that did not stop within stopWait (a source
	// or a decode that ignores cancellation) and were left to end on their
	// own, so that control never waits on them.
	abandoned atomic.Uint64

	// Health of the pipeline (see health.go): when the last prediction was
	// made, the failures since, and the error of the last one.
	health pipelineHealth
}

// failingAfter is how many frames in a row must fail, with no prediction
// between, before the camera's state says "failing".
const failingAfter = 3

// pipelineHealth tracks whether a camera's frames turn into predictions.
type pipelineHealth struct {
	mu       sync.Mutex
	lastPred time.Time
	streak   int   // frames failed since the last prediction
	lastErr  error // of the last failed frame
	failing  bool  // the "failing" state was published
}

func newCamera(d *Daemon, cfg config.Camera) *camera {
	return &camera{d: d, name: cfg.Name, cfg: cfg}
}

// settings returns what the camera runs with: config.yaml's entry with the
// commands' overrides applied.
func (c *camera) settings() (enabled bool, fps, minScore float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.settingsLocked()
}

func (c *camera) settingsLocked() (enabled bool, fps, minScore float64) {
	enabled, fps = c.cfg.Enabled, c.cfg.FPS
	if c.enabled != nil {
		enabled = *c.enabled
	}
	if c.fps > 0 {
		fps = c.fps
	}
	return enabled, fps, c.cfg.MinScore
}

// start starts capture and the pipeline if the camera is enabled and not
// running. Callers hold Daemon.ctl.
func (c *camera) start(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	enabled, fps, _ := c.settingsLocked()
	if c.cap != nil {
		return
	}
	if !enabled {
		if !c.disabled {
			c.disabled = true
			c.d.log.Info("camera disabled", "camera", c.name)
			c.d.pub.SetCameraState(c.name, "disabled", nil)
		}
		return
	}
	c.disabled = false
	cam := capture.NewCamera(c.name, c.cfg.Source, fps, capture.Options{
		BackoffInitial: c.cfg.Reconnect.Initial,
		BackoffMax:     c.cfg.Reconnect.Max,
		Width:          c.cfg.Width,
		Height:         c.cfg.Height,
		Logger:         c.d.log,
	})
	cam.OnState = func(s capture.State, err error) {
		// Not under c.mu while calling out: Run calls this while stop may
		// wait for it. A capture that was abandoned (see stop) and ends
		// later must not overwrite the state of the one that replaced it.
		c.mu.Lock()
		current := c.cap == cam
		c.mu.Unlock()
		if !current && s == capture.StateStopped {
			return
		}
		if err != nil {
			c.d.log.Info("camera state", "camera", c.name, "state", string(s), "err", err)
		} else {
			c.d.log.Info("camera state", "camera", c.name, "state", string(s))
		}
		c.d.pub.SetCameraState(c.name, string(s), err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	c.cap, c.cancel, c.done, c.started = cam, cancel, done, time.Now()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); cam.Run(cctx) }()
	decode := c.cfg.Decode
	go func() { defer wg.Done(); c.pipeline(cctx, cam, decode) }()
	go func() { wg.Wait(); close(done) }()
	c.d.log.Info("camera started", "camera", c.name, "source", capture.Redact(c.cfg.Source), "fps", fps)
}

// stop stops capture and waits until the frame being classified, if any,
// has been published, or until wait has passed. It reports whether the
// camera stopped in time; one that did not (a source read or a decode that
// ignores cancellation) is abandoned: its goroutines end when that call
// returns, it is counted in edged_camera_abandoned_total, and the caller
// goes on. Control therefore never waits on a source for longer than
// wait. Callers hold Daemon.ctl.
func (c *camera) stop(wait time.Duration) bool {
	c.mu.Lock()
	cam, cancel, done, source := c.cap, c.cancel, c.done, capture.Redact(c.cfg.Source)
	c.mu.Unlock()
	if cam == nil {
		return true
	}
	cancel()
	stopped := true
	t := time.NewTimer(wait)
	select {
	case <-done:
	case <-t.C:
		stopped = false
	}
	t.Stop()
	if !stopped {
		c.abandoned.Add(1)
		c.d.log.Warn("camera did not stop in time; abandoning its capture, which ends when its blocked call returns",
			"camera", c.name, "waited", wait, "source", source)
	}
	c.mu.Lock()
	c.base = addStats(c.base, cam.Stats())
	c.cap, c.cancel, c.done = nil, nil, nil
	c.mu.Unlock()
	c.health.reset()
	return stopped
}

// stopAll stops cameras in parallel, so that n stuck cameras cost one wait
// rather than n (a reload must not outlast the watchdog). Callers hold
// Daemon.ctl.
func stopAll(cams []*camera, wait time.Duration) {
	var wg sync.WaitGroup
	for _, c := range cams {
		wg.Add(1)
		go func() { defer wg.Done(); c.stop(wait) }()
	}
	wg.Wait()
}

// startedAt is when the running capture was started (zero when stopped).
func (c *camera) startedAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cap == nil {
		return time.Time{}
	}
	return c.started
}

// stats returns the capture counters over the camera's whole life, the
// current state and when the last frame was captured.
func (c *camera) stats() (total capture.Stats, running bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total = c.base
	if c.cap != nil {
		cur := c.cap.Stats()
		total = addStats(total, cur)
		total.State, total.Err, total.Since, total.LastError = cur.State, cur.Err, cur.Since, cur.LastError
		if !cur.LastFrame.IsZero() {
			total.LastFrame = cur.LastFrame
		}
		return total, true
	}
	total.State, total.Err = capture.StateStopped, nil
	return total, false
}

// addStats sums counters; the state fields and LastFrame are b's where set.
func addStats(a, b capture.Stats) capture.Stats {
	a.Captured += b.Captured
	a.Dropped += b.Dropped
	a.Skipped += b.Skipped
	a.Failed += b.Failed
	a.Reconnects += b.Reconnects
	if !b.LastFrame.IsZero() {
		a.LastFrame = b.LastFrame
	}
	if b.LastError != nil {
		a.LastError = b.LastError
	}
	return a
}

// failLog limits the warnings about unclassifiable frames: a directory with
// a corrupt image would otherwise log it on every pass.
type failLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// allow reports whether to log now and how many were suppressed since the
// last logged one.
func (f *failLog) allow(now time.Time, every time.Duration) (bool, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.last.IsZero() && now.Sub(f.last) < every {
		f.suppressed++
		return false, 0
	}
	n := f.suppressed
	f.last, f.suppressed = now, 0
	return true, n
}

// predicted records a prediction; a camera that was failing recovers.
func (c *camera) predicted() {
	c.predictions.Add(1)
	h := &c.health
	h.mu.Lock()
	recovered := h.failing
	h.lastPred, h.streak, h.lastErr, h.failing = time.Now(), 0, nil, false
	h.mu.Unlock()
	if recovered {
		c.d.log.Info("camera recovered: frames are classified again", "camera", c.name)
		c.publishState()
	}
}

// frameFailed records a frame that could not be classified. After
// failingAfter in a row the camera's MQTT state becomes "failing" with the
// error, and /healthz reports it once no prediction came for its window.
func (c *camera) frameFailed(err error) {
	c.failed.Add(1)
	h := &c.health
	h.mu.Lock()
	h.streak++
	h.lastErr = err
	becameFailing := !h.failing && h.streak >= failingAfter
	if becameFailing {
		h.failing = true
	}
	h.mu.Unlock()
	if becameFailing {
		c.d.log.Error("camera failing: its frames cannot be classified", "camera", c.name, "err", err)
		c.d.pub.SetCameraState(c.name, "failing", fmt.Errorf("every frame fails: %w", err))
	}
}

// failure returns whether the camera is failing and why.
func (h *pipelineHealth) failure() (failing bool, streak int, err error, lastPred time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failing, h.streak, h.lastErr, h.lastPred
}

func (h *pipelineHealth) reset() {
	h.mu.Lock()
	h.streak, h.lastErr, h.failing = 0, nil, false
	h.mu.Unlock()
}

// publishState republishes the capture's state, after "failing" ended.
func (c *camera) publishState() {
	st, running := c.stats()
	if running {
		c.d.pub.SetCameraState(c.name, string(st.State), st.Err)
	}
}
