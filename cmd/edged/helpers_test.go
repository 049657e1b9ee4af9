package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edged/edged/internal/proctest"
	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/publish"
)

// The harness of the tests that run the built binary (run_test.go,
// hostile_test.go, mqtt_test.go): build it, write its config, start it,
// watch its log, predictions, metrics and systemd notifications, stop it.

func buildEdged(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "edged")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func sampleFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if ext := strings.ToLower(filepath.Ext(e.Name())); ext == ".jpeg" || ext == ".jpg" {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	if len(files) < 26 {
		testdata.Skipf(t, "%s: %d images, the tests need 26", dir, len(files))
	}
	return files
}

// calibrateModel makes an int8 model with `edged calibrate` on 4 images.
func calibrateModel(t *testing.T, bin, weights string, images []string) string {
	t.Helper()
	dir := testdata.CopyFiles(t, images)
	out := filepath.Join(t.TempDir(), "shufflenet_v2_x0_5.edgeq")
	cmd := exec.Command(bin, "calibrate", "--weights", weights, "--images", dir, "--limit", "4", "--int16", "0", "--out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("edged calibrate: %v\n%s", err, b)
	}
	return out
}

// writeConfig writes a config.yaml for one directory camera; extra is
// appended to the camera's entry.
func writeConfig(t *testing.T, path, model, source, extra string) {
	t.Helper()
	text := fmt.Sprintf(`device_id: test
model: {path: %s, threads: 1, top_k: 5}
cameras:
  - name: cam
    source: %s
    fps: 20
    reconnect: {initial: 20ms, max: 200ms}
%s
mqtt:
  broker: embedded
  embedded_listen: 127.0.0.1:0
  publish: {on_change: false}
http: {listen: "127.0.0.1:0"}
log: {level: debug}
`, model, source, extra)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newConfig writes a config.yaml (see writeConfig) into a new temporary
// directory and returns its path.
func newConfig(t *testing.T, model, source, extra string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	writeConfig(t, path, model, source, extra)
	return path
}

// edgedProc is a running `edged run`.
type edgedProc struct {
	*proctest.Proc
	t     *testing.T
	preds string // --predictions-out file
}

func startEdged(t *testing.T, bin, cfg string, env ...string) *edgedProc {
	t.Helper()
	preds := filepath.Join(t.TempDir(), "predictions.jsonl")
	cmd := exec.Command(bin, "run", "--config", cfg, "--predictions-out", preds)
	cmd.Env = append(os.Environ(), env...)
	return &edgedProc{Proc: proctest.Start(t, "edged", cmd), t: t, preds: preds}
}

// logText is what edged logged so far.
func (p *edgedProc) logText() string { return p.Out.String() }

func (p *edgedProc) signal(s os.Signal) {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(s); err != nil {
		p.t.Fatalf("signal %v: %v", s, err)
	}
}

// waitExit waits for the process to exit (the bound catches a hang) and
// returns its exit status.
func (p *edgedProc) waitExit() int {
	p.t.Helper()
	return p.Wait(p.t, 20*time.Second)
}

// until polls cond, failing if the process exits or a generous bound
// passes first.
func (p *edgedProc) until(what string, cond func() bool) {
	p.t.Helper()
	p.Until(p.t, what, 30*time.Second, cond)
}

func (p *edgedProc) untilLog(substr string) {
	p.t.Helper()
	p.until("log "+strconv.Quote(substr), func() bool { return strings.Contains(p.logText(), substr) })
}

// predictions parses the complete lines of the predictions file.
func (p *edgedProc) predictions() []publish.PredictionPayload {
	p.t.Helper()
	b, err := os.ReadFile(p.preds)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		p.t.Fatal(err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1] // a line being written is not complete yet
	} else {
		b = nil
	}
	var out []publish.PredictionPayload
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var pl publish.PredictionPayload
		if err := json.Unmarshal(sc.Bytes(), &pl); err != nil {
			p.t.Fatalf("predictions file: bad line %q: %v", sc.Bytes(), err)
		}
		out = append(out, pl)
	}
	return out
}

var httpAddrRE = regexp.MustCompile(`msg="serving /healthz and /metrics" addr=(\S+)`)

// metric reads one series from the process's /metrics.
func (p *edgedProc) metric(series string) float64 {
	p.t.Helper()
	p.untilLog("serving /healthz and /metrics")
	m := httpAddrRE.FindStringSubmatch(p.logText())
	if m == nil {
		p.t.Fatal("no HTTP address in the log")
	}
	resp, err := http.Get("http://" + m[1] + "/metrics")
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	v := re.FindStringSubmatch(string(b))
	if v == nil {
		p.t.Fatalf("%s not in /metrics:\n%s", series, b)
	}
	f, _ := strconv.ParseFloat(v[1], 64)
	return f
}

// stop sends SIGTERM and checks the clean exit.
func (p *edgedProc) stop() {
	p.t.Helper()
	start := time.Now()
	p.signal(syscall.SIGTERM)
	if code := p.waitExit(); code != 0 {
		p.t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
	p.t.Logf("exited 0 %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(p.logText(), "msg=stopped") {
		p.t.Errorf("log has no clean-shutdown line (msg=stopped)")
	}
}

// runBin runs the built binary to its end and returns its exit status and
// its stdout and stderr together.
func runBin(bin string, args ...string) (int, string) {
	cmd := exec.Command(bin, args...)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}

// notifications are what edged sent to the NOTIFY_SOCKET of notifySocket.
type notifications struct {
	mu   sync.Mutex
	msgs []string
}

// notifySocket plays systemd's NOTIFY_SOCKET: it returns the socket's
// path and the notifications it receives.
func notifySocket(t *testing.T) (string, *notifications) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("no unix datagram socket: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	n := &notifications{}
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				return
			}
			n.mu.Lock()
			n.msgs = append(n.msgs, string(buf[:k]))
			n.mu.Unlock()
		}
	}()
	return sock, n
}

// matching returns the notifications containing s, in order.
func (n *notifications) matching(s string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, m := range n.msgs {
		if strings.Contains(m, s) {
			out = append(out, m)
		}
	}
	return out
}

// count is the number of notifications containing s.
func (n *notifications) count(s string) int { return len(n.matching(s)) }
