package engine

import (
	"runtime"
	"sync/atomic"
)

// workers is a fixed pool of goroutines that run a layer's tasks, one task
// per worker, the first task on the calling goroutine.
//
// With the assembly kernels a layer takes microseconds, so waking a
// sleeping goroutine per layer (a futex round trip, tens of microseconds
// on a busy VM) would cost more than a second thread saves. The handoff
// is therefore by atomics, as XNNPACK's and ncnn's thread pools do: a
// worker spins for a while after each task, waiting for the next layer's,
// and only then sleeps on its channel; the caller spins for the workers'
// tasks to finish. Nothing allocates per inference.
type workers struct {
	slots []slot
	done  atomic.Int32 // tasks finished in the current run
	quit  atomic.Bool
	spin  int // polls before sleeping: spinLimit, smaller in tests
}

// slot is one worker's mailbox.
type slot struct {
	task func()
	// state holds the task count in its upper bits (the caller adds
	// posted to it) and the worker's asleep bit in bit 0. Both live in
	// one word so that posting and falling asleep are read-modify-writes
	// of the same location, ordered without any store-to-load fence: a
	// Dekker pair of flags (set mine, read yours) lost wake-ups under
	// qemu-user, whose arm64 STLR/LDAR on an x86 host do not order a
	// store before a later load.
	state atomic.Uint32
	wake  chan struct{} // buffered: a wake-up is never lost
	_     [64]byte      // keep slots on separate cache lines
}

const (
	asleep = 1 // state bit: the worker is, or is about to be, blocked on wake
	posted = 2 // state increment: one task posted
)

// spinLimit is how many times a worker polls for its next task before it
// sleeps: about 100 µs, longer than the gap between two layers, far
// shorter than the gap between two frames.
const spinLimit = 1 << 15

func newWorkers(n int) *workers {
	return startWorkers(n, spinLimit)
}

func startWorkers(n, spin int) *workers {
	w := &workers{slots: make([]slot, n), spin: spin}
	for i := range w.slots {
		s := &w.slots[i]
		s.wake = make(chan struct{}, 1)
		go w.loop(s)
	}
	return w
}

func (w *workers) loop(s *slot) {
	last := uint32(0) // state when the last task was taken, asleep bit clear
	for {
		for spins := 0; s.state.Load() == last; spins++ {
			if w.quit.Load() {
				return
			}
			if spins&1023 == 1023 {
				runtime.Gosched()
			}
			if spins < w.spin {
				continue
			}
			// Set the asleep bit only if nothing was posted meanwhile; a
			// caller that posts after this sees the bit and sends a wake.
			if s.state.CompareAndSwap(last, last|asleep) {
				<-s.wake
				s.state.And(^uint32(asleep))
			}
			spins = 0
		}
		last = s.state.Load() &^ asleep
		s.task()
		w.done.Add(1)
	}
}

// run executes tasks, the first on the calling goroutine, and waits for all.
func (w *workers) run(tasks []func()) {
	if w == nil || len(tasks) == 1 {
		for _, f := range tasks {
			f()
		}
		return
	}
	w.done.Store(0)
	for i, f := range tasks[1:] {
		s := &w.slots[i]
		s.task = f
		if s.state.Add(posted)&asleep != 0 {
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
	}
	tasks[0]()
	for spins := 0; w.done.Load() != int32(len(tasks)-1); spins++ {
		if spins&1023 == 1023 {
			runtime.Gosched()
		}
	}
}

func (w *workers) stop() {
	w.quit.Store(true)
	for i := range w.slots {
		select {
		case w.slots[i].wake <- struct{}{}:
		default:
		}
	}
}
