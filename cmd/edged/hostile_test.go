package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// notifySocket plays systemd's NOTIFY_SOCKET and returns its path and a
// counter of the notifications containing a string.
func notifySocket(t *testing.T) (string, func(string) int) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("no unix datagram socket: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	var mu sync.Mutex
	var msgs []string
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			mu.Lock()
			msgs = append(msgs, string(buf[:n]))
			mu.Unlock()
		}
	}()
	return sock, func(s string) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, m := range msgs {
			if strings.Contains(m, s) {
				n++
			}
		}
		return n
	}
}

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
	sock, count := notifySocket(t)
	p := startEdged(t, bin, cfg, "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=2000000")
	p.until("READY=1", func() bool { return count("READY=1") == 1 })
	p.untilLog("not a regular file (a named pipe)")

	// A reload that restarts the camera (enabled changes).
	writeConfig(t, cfg, model, fifo, "    enabled: false")
	p.signal(syscall.SIGHUP)
	p.untilLog(`msg="config reloaded"`)
	pings := count("WATCHDOG=1")
	p.until("watchdog pings after the reload", func() bool { return count("WATCHDOG=1") >= pings+2 })

	start := time.Now()
	p.signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("edged did not exit within 5 s of SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
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
	cmd := exec.Command(bin, "run", "--config", cfg)
	done := make(chan struct{})
	var out []byte
	go func() { out, _ = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("edged started with an open broker on 0.0.0.0")
	}
	if code := cmd.ProcessState.ExitCode(); code == 0 || !strings.Contains(string(out), "mqtt.username") ||
		!strings.Contains(string(out), "allow_anonymous") {
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
