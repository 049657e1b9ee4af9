//go:build linux

package generic_test

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tqThreadCPU returns the calling thread's CPU time. Benchmarks lock their
// goroutine to a thread and report ops per CPU second as well as per wall
// second, because a shared build machine's load inflates wall time but
// not the CPU time the kernel actually got.
func tqThreadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// tqCPUTimer measures the thread CPU time of a benchmark loop.
type tqCPUTimer struct{ start time.Duration }

func tqStartCPU(b *testing.B) *tqCPUTimer {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	return &tqCPUTimer{start: tqThreadCPU()}
}

// restart starts the measurement again from now.
func (t *tqCPUTimer) restart() { t.start = tqThreadCPU() }

// elapsed returns the CPU time since start, or 0 if unavailable.
func (t *tqCPUTimer) elapsed() time.Duration { return tqThreadCPU() - t.start }
