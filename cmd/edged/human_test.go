package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: what edged writes to tty, the test
// reads from pty.
func openPTY(t *testing.T) (pty, tty *os.File) {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { pty.Close() })
	if err := unix.IoctlSetPointerInt(int(pty.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(pty.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return pty, tty
}

// humanLineRE is daemon's per-prediction line: time, camera, frame, top-1
// and its score, inference time.
var humanLineRE = regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d cam #(\d+): (.+) (\d+\.\d)% \(inference \d+\.\d ms\)\r?$`)

// TestRunHumanLines runs the real binary with stderr on a terminal, on the
// committed model and photos: at log level info each prediction is also
// one readable line there; at warn there are none; with stderr a pipe
// (every other test) there are none either.
func TestRunHumanLines(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pseudo-terminal test is Linux-only")
	}
	bin := buildEdged(t)
	model, err := filepath.Abs(committedModel)
	if err != nil {
		t.Fatal(err)
	}
	samples, _ := filepath.Abs("../../samples")
	for _, level := range []string{"info", "warn"} {
		t.Run(level, func(t *testing.T) {
			pty, tty := openPTY(t)
			cfg := newConfig(t, model, samples, "")
			b, _ := os.ReadFile(cfg)
			os.WriteFile(cfg, []byte(strings.Replace(string(b), "log: {level: debug}", "log: {level: "+level+"}", 1)), 0o644)

			cmd := exec.Command(bin, "run", "--config", cfg)
			cmd.Stderr = tty
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var out strings.Builder
			go func() {
				sc := bufio.NewScanner(pty)
				for sc.Scan() {
					mu.Lock()
					out.WriteString(sc.Text() + "\n")
					mu.Unlock()
				}
			}()
			text := func() string { mu.Lock(); defer mu.Unlock(); return out.String() }
			defer func() {
				if t.Failed() {
					t.Logf("terminal:\n%s", text())
				}
			}()
			// At info, wait for a cat; at warn, give it as long as 8
			// predictions take, then check that none was printed.
			deadline := time.Now().Add(30 * time.Second)
			if level == "warn" {
				deadline = time.Now().Add(2 * time.Second)
			}
			for time.Now().Before(deadline) && !strings.Contains(text(), "cat") {
				time.Sleep(50 * time.Millisecond)
			}
			cmd.Process.Signal(syscall.SIGTERM)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("edged run: %v", err)
			}
			lines := humanLineRE.FindAllStringSubmatch(text(), -1)
			if level == "warn" {
				if len(lines) > 0 {
					t.Fatalf("log.level warn: %d prediction lines on the terminal, want none", len(lines))
				}
				return
			}
			if len(lines) == 0 {
				t.Fatal("no prediction lines on the terminal")
			}
			// samples/ in name order: astronaut, cat, espresso, rocket.
			for _, l := range lines {
				var frame int
				fmt.Sscan(l[1], &frame)
				if (frame-1)%4 == 1 && !strings.Contains(l[2], "cat") {
					t.Errorf("frame %d is cat.jpg but the line says %q", frame, l[0])
				}
			}
		})
	}
}
