package engine

import "sync"

// workers is a fixed pool of goroutines that run a layer's tasks. Tasks are
// sent as func values over a channel: no allocation per inference.
type workers struct {
	work chan func()
	wg   sync.WaitGroup
}

func newWorkers(n int) *workers {
	w := &workers{work: make(chan func())}
	for i := 0; i < n; i++ {
		go func() {
			for f := range w.work {
				f()
				w.wg.Done()
			}
		}()
	}
	return w
}

// run executes tasks, the first on the calling goroutine, and waits for all.
func (w *workers) run(tasks []func()) {
	if w == nil || len(tasks) == 1 {
		for _, f := range tasks {
			f()
		}
		return
	}
	w.wg.Add(len(tasks) - 1)
	for _, f := range tasks[1:] {
		w.work <- f
	}
	tasks[0]()
	w.wg.Wait()
}

func (w *workers) stop() { close(w.work) }
