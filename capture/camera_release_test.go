package capture

import (
	"context"
	"sync"
	"testing"
)

// loans is a lender recording which frames were given back, and how often.
type loans struct {
	mu   sync.Mutex
	back map[uint64]int // lease -> times given back
}

func (l *loans) giveBack(lease uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.back[lease]++
}

// frame returns a frame lent under lease i.
func (l *loans) frame(i byte) Frame {
	return Frame{Data: []byte{i}, lender: l, lease: uint64(i)}
}

// check fails unless exactly the leases in want were given back, once each.
func (l *loans) check(t *testing.T, when string, want ...uint64) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	ok := len(l.back) == len(want)
	for _, w := range want {
		ok = ok && l.back[w] == 1
	}
	if !ok {
		t.Fatalf("%s: given back %v, want leases %v once each", when, l.back, want)
	}
}

func newLoans() *loans { return &loans{back: map[uint64]int{}} }

// The camera gives back every frame it does not hand to the consumer: those
// replaced in the mailbox, and the one left there when Run returns; the
// consumer gives back the ones it takes.
func TestCameraReleasesFramesNobodyTakes(t *testing.T) {
	l := newLoans()
	src := newQueueSource(false)
	cam := NewCamera("c", "queue", 1e6, Options{})
	cam.open = func(string, Options) (Source, error) { return src, nil }
	for i := byte(1); i <= 4; i++ {
		src.frames <- l.frame(i)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan struct{})
	go func() { cam.Run(ctx); close(done) }()
	<-src.drained
	l.check(t, "after 3 frames were replaced", 1, 2, 3)

	f, err := cam.Latest(ctx)
	if err != nil || f.Data[0] != 4 {
		t.Fatalf("Latest = %v, %v; want frame 4", f.Data, err)
	}
	l.check(t, "while the consumer holds frame 4", 1, 2, 3)
	f.Release()
	f.Release() // cleared by the first: not given back again
	if f.Data != nil {
		t.Error("Release left Data set")
	}
	l.check(t, "after the consumer released frame 4 (twice)", 1, 2, 3, 4)

	src.frames <- l.frame(5)
	<-src.drained
	cancel()
	<-done
	l.check(t, "after Run returned with frame 5 in the mailbox", 1, 2, 3, 4, 5)
	if _, err := cam.Latest(testCtx(t)); err == nil {
		t.Error("Latest after Run returned handed out a released frame")
	}
}

// Frames of a live source read only to keep to the fps are given back.
func TestCameraReleasesSkippedFrames(t *testing.T) {
	l := newLoans()
	src := newQueueSource(true)
	cam := NewCamera("live", "queue", 0.001, Options{}) // one frame per 1000 s
	cam.open = func(string, Options) (Source, error) { return src, nil }
	for i := byte(1); i <= 5; i++ {
		src.frames <- l.frame(i)
	}
	ctx := runCamera(t, cam)
	<-src.drained
	l.check(t, "after 4 frames were skipped", 2, 3, 4, 5)
	f, err := cam.Latest(ctx)
	if err != nil || f.Data[0] != 1 {
		t.Fatalf("Latest = %v, %v; want frame 1", f.Data, err)
	}
	f.Release()
	l.check(t, "after the consumer released frame 1", 1, 2, 3, 4, 5)
}
