package daemon

import (
	"context"
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

	predictions atomic.Uint64
	failed      atomic.Uint64 // frames that could not be classified
	failLog     failLog
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
		// Not under c.mu: Run calls this while stop may hold it and wait.
		if err != nil {
			c.d.log.Info("camera state", "camera", c.name, "state", string(s), "err", err)
		} else {
			c.d.log.Info("camera state", "camera", c.name, "state", string(s))
		}
		c.d.pub.SetCameraState(c.name, string(s), err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	c.cap, c.cancel, c.done = cam, cancel, done
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); cam.Run(cctx) }()
	decode := c.cfg.Decode
	go func() { defer wg.Done(); c.pipeline(cctx, cam, decode) }()
	go func() { wg.Wait(); close(done) }()
	c.d.log.Info("camera started", "camera", c.name, "source", c.cfg.Source, "fps", fps)
}

// stop stops capture and waits until the frame being classified, if any,
// has been published, or until wait has passed (0: no limit). It reports
// whether the camera stopped in time. Callers hold Daemon.ctl.
func (c *camera) stop(wait time.Duration) bool {
	c.mu.Lock()
	cam, cancel, done := c.cap, c.cancel, c.done
	c.mu.Unlock()
	if cam == nil {
		return true
	}
	cancel()
	stopped := true
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-done:
		case <-t.C:
			stopped = false
		}
		t.Stop()
	} else {
		<-done
	}
	c.mu.Lock()
	c.base = addStats(c.base, cam.Stats())
	c.cap, c.cancel, c.done = nil, nil, nil
	c.mu.Unlock()
	return stopped
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
