// Package mosquittotest runs a real mosquitto broker for tests: one per
// test, on 127.0.0.1 and a free port, with persistence in the test's temp
// dir, so that tests can kill, restart and save it to exercise reconnects,
// queued QoS 1 delivery and retained state. It is the one broker harness
// of the repository (publish and cmd/edged use it).
//
// Without mosquitto the test is skipped, or fails in CI (see
// internal/testdata.Required; EDGED_REQUIRE_MOSQUITTO=1 also requires it).
package mosquittotest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edged/edged/internal/proctest"
	"github.com/edged/edged/internal/testdata"
)

// Broker is one mosquitto process (restartable) and its configuration.
type Broker struct {
	Port int
	Dir  string // persistence and configuration
	t    testing.TB
	bin  string
	conf string
	mu   sync.Mutex
	log  proctest.Buffer // broker output of all runs, shown when the test fails
	cmd  *exec.Cmd
	done chan struct{}
}

// Tool finds a mosquitto program (mosquitto, mosquitto_passwd, ...),
// skipping t without it, or failing it in CI.
func Tool(t testing.TB, name string) string {
	t.Helper()
	if os.Getenv("EDGED_REQUIRE_MOSQUITTO") == "1" && !testdata.Required() {
		if tt, ok := t.(interface{ Setenv(k, v string) }); ok {
			tt.Setenv("EDGED_REQUIRE_TESTDATA", "1")
		}
	}
	return testdata.Tool(t, name, "mosquitto mosquitto-clients")
}

// Start runs a broker. extra is appended after the listener line (TLS,
// auth, more listeners); "" means plain and anonymous. The broker is
// killed when the test ends, and its output logged if the test failed.
func Start(t testing.TB, extra string) *Broker {
	t.Helper()
	b := &Broker{t: t, bin: Tool(t, "mosquitto"), Dir: t.TempDir(), Port: FreePort(t)}
	b.conf = filepath.Join(b.Dir, "mosquitto.conf")
	if extra == "" {
		extra = "allow_anonymous true\n"
	}
	conf := fmt.Sprintf(`listener %d 127.0.0.1
%s
persistence true
persistence_location %s/
autosave_interval 3600
max_queued_messages 100000
queue_qos0_messages true
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
`, b.Port, extra, b.Dir)
	if os.Geteuid() == 0 {
		// As root mosquitto would switch to user mosquitto, which cannot
		// write the test's private temp dir.
		conf += "user root\n"
	}
	if err := os.WriteFile(b.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.Kill()
		if t.Failed() {
			t.Logf("mosquitto output:\n%s", b.Output())
		}
	})
	b.Start()
	return b
}

// URL is the broker's address as a paho broker URL.
func (b *Broker) URL() string { return "tcp://" + b.Addr() }

// Addr is host:port.
func (b *Broker) Addr() string { return "127.0.0.1:" + strconv.Itoa(b.Port) }

// Start runs the broker (again) and waits until its port accepts
// connections.
func (b *Broker) Start() {
	b.t.Helper()
	cmd := exec.Command(b.bin, "-c", b.conf)
	cmd.Stdout, cmd.Stderr = &b.log, &b.log
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("start mosquitto: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	b.mu.Lock()
	b.cmd, b.done = cmd, done
	b.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", b.Addr(), time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			b.t.Fatalf("mosquitto exited at start-up:\n%s", b.Output())
		default:
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("mosquitto does not listen on port %d: %v\n%s", b.Port, err, b.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Output is what the broker printed in all its runs.
func (b *Broker) Output() string { return b.log.String() }

// Kill ends the broker abruptly: no state saved, connections reset.
func (b *Broker) Kill() { b.signal(syscall.SIGKILL) }

// Stop ends the broker gracefully: it saves its persistence database.
func (b *Broker) Stop() { b.signal(syscall.SIGTERM) }

func (b *Broker) signal(sig syscall.Signal) {
	b.mu.Lock()
	cmd, done := b.cmd, b.done
	b.cmd = nil
	b.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Save makes the running broker write its persistence database (SIGUSR1)
// and waits for the file, so that a later Kill keeps the sessions saved.
func (b *Broker) Save() {
	b.t.Helper()
	db := filepath.Join(b.Dir, "mosquitto.db")
	_ = os.Remove(db)
	b.mu.Lock()
	cmd := b.cmd
	b.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		b.t.Fatal(err)
	}
	proctest.Eventually(b.t, "mosquitto to save "+db, 20*time.Second, func() bool {
		_, err := os.Stat(db)
		return err == nil
	})
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
