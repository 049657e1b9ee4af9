package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/edged/edged/internal/limits"
)

// State is what a Camera is doing.
type State string

const (
	StateStarting     State = "starting"     // Run not started, or no frame yet
	StateStreaming    State = "streaming"    // frames are arriving
	StateReconnecting State = "reconnecting" // the source failed; waiting to reopen it
	StateFailed       State = "failed"       // retrying cannot help (e.g. ErrNoGoCV); Run returned
	StateStopped      State = "stopped"      // Run returned because its context ended
)

// ErrStopped is returned by Latest once the camera's Run has returned.
var ErrStopped = errors.New("camera stopped")

// Stats is a snapshot of a camera's state and counters.
type Stats struct {
	State State
	Err   error     // why the camera is reconnecting or failed; nil otherwise
	Since time.Time // when State was entered
	// LastError is the most recent source error, kept after recovery.
	LastError error
	// LastFrame is when the last frame was captured; zero before the first.
	LastFrame time.Time

	Captured   uint64 // frames put in the mailbox
	Dropped    uint64 // frames replaced in the mailbox before anyone took them
	Skipped    uint64 // frames of a live source read and discarded to keep to fps
	Failed     uint64 // errors opening or reading the source
	Reconnects uint64 // times the source was reopened after an error
}

// Camera runs one source: it pulls frames at most fps times a second into a
// one-frame mailbox (latest frame wins), reopens the source with exponential
// backoff when it fails, and reports its state. Every frame it reads and
// does not hand to Latest (skipped, replaced in the mailbox, or left there
// when Run returns) it releases, so a source's frame memory comes back.
type Camera struct {
	// OnState, if set before Run, is called from Run's goroutine on every
	// state change, with the error that caused it (nil for streaming and
	// stopped). It must not block for long: capture waits for it.
	OnState func(State, error)

	name, spec string
	interval   time.Duration
	opts       Options
	log        *slog.Logger
	open       func(string, Options) (Source, error)

	mu    sync.Mutex
	stats Stats
	slot  Frame
	full  bool
	seq   uint64
	wake  chan struct{} // closed and replaced whenever slot or state changes
}

// DefaultFPS is used when NewCamera is given a non-positive fps.
const DefaultFPS = 5

// NewCamera makes a camera reading spec (see Open) at most fps frames per
// second. An fps outside limits.MinFPS..MaxFPS (which config and commands
// reject) is clamped, so the frame interval can neither overflow nor spin.
func NewCamera(name, spec string, fps float64, opts Options) *Camera {
	if !(fps > 0) {
		fps = DefaultFPS
	}
	fps = min(max(fps, limits.MinFPS), limits.MaxFPS)
	opts.Name = name
	if opts.FPS <= 0 {
		opts.FPS = fps
	}
	opts = opts.withDefaults()
	return &Camera{
		name:     name,
		spec:     spec,
		interval: time.Duration(float64(time.Second) / fps),
		opts:     opts,
		log:      opts.Logger.With("camera", name),
		open:     Open,
		stats:    Stats{State: StateStarting, Since: time.Now()},
		wake:     make(chan struct{}),
	}
}

// Name is the camera's name.
func (c *Camera) Name() string { return c.name }

// State is the camera's current state.
func (c *Camera) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats.State
}

// Stats returns the camera's state and counters.
func (c *Camera) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Latest waits for a frame newer than the last one it returned and takes it
// from the mailbox: the caller owns it and must Release it. It returns an
// error when ctx ends, when the camera has failed (the cause), or when Run
// has returned (ErrStopped); a camera that is reconnecting keeps it
// waiting.
func (c *Camera) Latest(ctx context.Context) (Frame, error) {
	for {
		c.mu.Lock()
		if c.full {
			f := c.slot
			c.slot, c.full = Frame{}, false
			c.mu.Unlock()
			return f, nil
		}
		state, err, wake := c.stats.State, c.stats.Err, c.wake
		c.mu.Unlock()
		switch state {
		case StateFailed:
			return Frame{}, err
		case StateStopped:
			return Frame{}, fmt.Errorf("camera %q: %w", c.name, ErrStopped)
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		}
	}
}

// Run captures until ctx ends or the source fails for good. Call it once.
// A frame still in the mailbox when it returns is released: its source is
// closed and nobody is waiting for it.
func (c *Camera) Run(ctx context.Context) {
	defer c.empty()
	bo := newBackoff(c.opts.BackoffInitial, c.opts.BackoffMax)
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.count(func(s *Stats) { s.Reconnects++ })
		}
		streamed, err := c.session(ctx)
		if ctx.Err() != nil {
			c.setState(StateStopped, nil)
			return
		}
		c.count(func(s *Stats) { s.Failed++; s.LastError = err })
		if permanent(err) {
			c.log.Error("capture: camera failed; not retrying", "err", err)
			c.setState(StateFailed, err)
			return
		}
		if streamed {
			bo.reset() // it worked for a while: retry soon
		}
		wait := bo.next()
		c.log.Warn("capture: source failed; reconnecting", "err", err, "retry_in", wait.Round(time.Millisecond))
		c.setState(StateReconnecting, err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			c.setState(StateStopped, nil)
			return
		case <-t.C:
		}
	}
}

// session opens the source and streams from it until it fails. streamed
// tells whether it delivered any frame.
func (c *Camera) session(ctx context.Context) (streamed bool, err error) {
	src, err := c.open(c.spec, c.opts)
	if err != nil {
		return false, err
	}
	defer src.Close()
	var due time.Time // when the next frame may be kept
	for {
		live := false
		if l, ok := src.(liveSource); ok {
			live = l.live()
		}
		if !live && !due.IsZero() {
			// Pull sources are asked only when a frame is due.
			if err := sleep(ctx, time.Until(due)); err != nil {
				return streamed, err
			}
		}
		f, err := src.Next(ctx)
		if err != nil {
			return streamed, err
		}
		now := time.Now()
		if live && now.Before(due) {
			// Live sources are drained continuously so the kept frame is
			// fresh, not one that waited in a buffer.
			c.count(func(s *Stats) { s.Skipped++ })
			f.Release()
			continue
		}
		// Keep the average rate: the next frame is due one interval after
		// this one was, unless we fell behind by more than an interval.
		if due.IsZero() || now.Sub(due) > c.interval {
			due = now
		}
		due = due.Add(c.interval)
		if !streamed {
			// Before the frame is visible, so a consumer never holds a
			// frame of a camera still said to be reconnecting.
			streamed = true
			if c.State() == StateReconnecting {
				c.log.Info("capture: source recovered")
			}
			c.setState(StateStreaming, nil)
		}
		c.put(f)
	}
}

func (c *Camera) put(f Frame) {
	if f.Time.IsZero() {
		f.Time = time.Now()
	}
	c.mu.Lock()
	c.seq++
	f.Seq = c.seq
	old, dropped := c.slot, c.full
	if dropped {
		c.stats.Dropped++
	}
	c.slot, c.full = f, true
	c.stats.Captured++
	c.stats.LastFrame = f.Time
	c.broadcastLocked()
	c.mu.Unlock()
	if dropped {
		old.Release() // nobody took it: its memory goes back to the source
	}
}

// empty releases a frame left in the mailbox.
func (c *Camera) empty() {
	c.mu.Lock()
	f, full := c.slot, c.full
	c.slot, c.full = Frame{}, false
	c.mu.Unlock()
	if full {
		f.Release()
	}
}

func (c *Camera) count(update func(*Stats)) {
	c.mu.Lock()
	update(&c.stats)
	c.mu.Unlock()
}

func (c *Camera) setState(s State, err error) {
	c.mu.Lock()
	changed := c.stats.State != s
	c.stats.State, c.stats.Err = s, err
	if changed {
		c.stats.Since = time.Now()
	}
	c.broadcastLocked()
	c.mu.Unlock()
	if changed && c.OnState != nil {
		c.OnState(s, err)
	}
}

func (c *Camera) broadcastLocked() {
	close(c.wake)
	c.wake = make(chan struct{})
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
