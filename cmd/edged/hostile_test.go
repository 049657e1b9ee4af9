package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edged/edged/internal/proctest"
)

// testFIFOCamera (issue 12 defects 3 and 6): a camera whose source is a
// named pipe nobody writes to used to block its capture forever; a reload
// that restarts it then wedged the main loop (no watchdog ping, SIGTERM
// ignored). Now the FIFO is refused with a named error, a reload goes
// through, the watchdog keeps pinging, and SIGTERM exits within 5 s.
func testFIFOCamera(t *testing.T, bin, model string) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "camera.jpg")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	writeConfig(t, cfg, model, fifo, "")
	sock, notes := notifySocket(t)
	p := startEdged(t, bin, cfg, "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=2000000")
	p.until("READY=1", func() bool { return notes.count("READY=1") == 1 })
	p.untilLog("not a regular file (a named pipe)")

	// A reload that restarts the camera (enabled changes).
	writeConfig(t, cfg, model, fifo, "    enabled: false")
	p.signal(syscall.SIGHUP)
	p.untilLog(`msg="config reloaded"`)
	pings := notes.count("WATCHDOG=1")
	p.until("watchdog pings after the reload", func() bool { return notes.count("WATCHDOG=1") >= pings+2 })

	start := time.Now()
	p.signal(syscall.SIGTERM)
	select {
	case <-p.Done():
	case <-time.After(5 * time.Second):
		t.Fatalf("edged did not exit within 5 s of SIGTERM")
	}
	if code := p.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
	t.Logf("exited %v after SIGTERM (wall clock, shared machine)", time.Since(start).Round(time.Millisecond))
}

// testBrokerOnNetwork (issue 12 defect 2): the embedded broker on 0.0.0.0
// without credentials refuses to start, naming the fix; with
// allow_anonymous: true it starts and warns.
func testBrokerOnNetwork(t *testing.T, bin, model string) {
	dir := t.TempDir()
	src := filepath.Join(dir, "images")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	writeConfig(t, cfg, model, src, "")
	open := func(extra string) {
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Replace(string(b), "embedded_listen: 127.0.0.1:0", "embedded_listen: 0.0.0.0:0"+extra, 1)
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	open("")
	run := proctest.Start(t, "edged", exec.Command(bin, "run", "--config", cfg))
	select {
	case <-run.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("edged started with an open broker on 0.0.0.0")
	}
	out := run.Out.String()
	if code := run.Cmd.ProcessState.ExitCode(); code == 0 || !strings.Contains(out, "mqtt.username") ||
		!strings.Contains(out, "allow_anonymous") {
		t.Fatalf("0.0.0.0 without credentials: exit %d, want a failure naming mqtt.username and allow_anonymous:\n%s", code, out)
	}

	writeConfig(t, cfg, model, src, "")
	open("\n  allow_anonymous: true")
	p := startEdged(t, bin, cfg)
	p.untilLog("edged running")
	if !strings.Contains(p.logText(), "level=WARN") || !strings.Contains(p.logText(), "allow_anonymous: true") {
		t.Fatalf("no warning about the anonymous broker:\n%s", p.logText())
	}
	p.stop()
}
