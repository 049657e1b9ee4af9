package proctest

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A process's exit status and both its streams reach the test.
func TestProcWaitAndOutput(t *testing.T) {
	p := Start(t, "sh", exec.Command("sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"))
	if code := p.Wait(t, time.Minute); code != 3 {
		t.Errorf("exit status %d, want 3", code)
	}
	if p.Running() {
		t.Error("Running after Wait")
	}
	if out := p.Out.String(); !strings.Contains(out, "to-stdout") || !strings.Contains(out, "to-stderr") {
		t.Errorf("output %q lacks a stream", out)
	}
}

// The cleanup kills a process group made with Setpgid whole: a child of
// the started process (as edged is of `go run`) does not outlive the test.
func TestProcCleanupKillsGroup(t *testing.T) {
	var child int
	t.Run("start", func(t *testing.T) {
		cmd := exec.Command("sh", "-c", "sleep 600 & echo $!; wait")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		p := Start(t, "sh", cmd)
		p.Until(t, "the child's pid", time.Minute, func() bool { return strings.Contains(p.Out.String(), "\n") })
		var err error
		if child, err = strconv.Atoi(strings.TrimSpace(p.Out.String())); err != nil {
			t.Fatal(err)
		}
	})
	// The killed sleep is a zombie until init reaps it: gone or a zombie
	// both mean dead.
	Eventually(t, "the end of the process group's child", time.Minute, func() bool {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(child) + "/stat")
		return err != nil || strings.Contains(string(st), ") Z ")
	})
}
