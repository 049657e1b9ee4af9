// Package proctest holds what tests share to watch work that runs beside
// them: Buffer, which loggers, goroutines and child processes write while
// the test reads it, and Proc, a child process the test starts, polls,
// waits for and (when the test ends) kills. capture, daemon, publish,
// cmd/edged and internal/mosquittotest use it, so that each does not keep
// its own copy.
package proctest

import (
	"bytes"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Buffer is a bytes.Buffer safe for one writer goroutine (or several) and
// a reading test at once.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Bytes is a copy of everything written so far.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// Proc is a started child process and its output.
type Proc struct {
	Cmd  *exec.Cmd
	Out  Buffer // stdout and stderr, interleaved as written
	done chan struct{}
}

// Start starts cmd with its stdout and stderr going to p.Out. When the
// test ends, a process still running is killed (with its whole process
// group when cmd makes one, Setpgid, so that the children of a `go run`
// die too), and its output is logged under name if the test failed.
func Start(t testing.TB, name string, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.Out, &p.Out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if p.Running() {
			if a := cmd.SysProcAttr; a != nil && a.Setpgid {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			} else {
				_ = cmd.Process.Kill()
			}
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Out.String())
		}
	})
	return p
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Running reports whether the process has not exited yet.
func (p *Proc) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Wait waits for the process to exit and returns its exit status. limit
// only keeps a hung process from hanging the test: passing it fails t.
func (p *Proc) Wait(t testing.TB, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("%s did not exit within %v", p.Cmd.Path, limit)
	}
	return p.Cmd.ProcessState.ExitCode()
}

// Until polls cond until it holds. It fails t when the process exits
// first, or when limit passes (a hang, not a speed requirement).
func (p *Proc) Until(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	Eventually(t, what, limit, func() bool {
		if cond() {
			return true
		}
		if !p.Running() {
			t.Fatalf("%s exited (status %d) while waiting for %s", p.Cmd.Path, p.Cmd.ProcessState.ExitCode(), what)
		}
		return false
	})
}

// Eventually polls cond every 20 ms until it holds, failing t when limit
// passes first: the limit only keeps a broken build from hanging the
// test; it asserts nothing about speed.
func Eventually(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
