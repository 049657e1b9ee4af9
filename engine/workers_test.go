package engine

import (
	"testing"
)

// TestWorkersNoLostWakeup hands out many short layers to workers that
// sleep after almost no spinning, so that posting a task and a worker
// falling asleep race on nearly every layer. A lost wake-up hangs the
// test (go test's timeout reports it). It matters most under qemu-user,
// which runs the arm64 CI: a store followed by a load of another
// variable was not ordered there, and a pair of flags lost wake-ups.
func TestWorkersNoLostWakeup(t *testing.T) {
	layers := 20000
	if testing.Short() {
		layers = 2000
	}
	for _, spin := range []int{0, 1, 64} {
		w := startWorkers(3, spin)
		var counts [4]int
		tasks := make([]func(), 4)
		for i := range tasks {
			tasks[i] = func() { counts[i]++ }
		}
		var want [4]int
		for l := range layers {
			// vary the number of tasks, as layers do
			n := 2 + l%3
			w.run(tasks[:n])
			for i := range n {
				want[i]++
			}
		}
		w.stop()
		for i := range counts {
			if counts[i] != want[i] {
				t.Errorf("spin %d: task %d ran %d times, want %d", spin, i, counts[i], want[i])
			}
		}
	}
}
