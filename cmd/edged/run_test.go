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
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edged/edged/imagenet"
	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/publish"
)

// TestEdgedRun runs the real binary as a user would: one build and one
// model for all the subtests.
func TestEdgedRun(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("edged run is tested on Linux (signals, systemd)")
	}
	bin := buildEdged(t)

	t.Run("BadConfigExit2", func(t *testing.T) { testBadConfig(t, bin) })
	t.Run("MissingModel", func(t *testing.T) { testMissingModel(t, bin) })
	t.Run("ConfigCheck", func(t *testing.T) { testConfigCheck(t, bin) })

	sample := testdata.Path(t, "imagenet-sample", "images")
	weights := testdata.Path(t, "models", "shufflenet_v2_x0_5.pth")
	images := sampleFiles(t, sample)
	model := calibrateModel(t, bin, weights, images[:4])
	eval := images[20:26] // never the calibration images

	t.Run("MatchesClassify", func(t *testing.T) { testMatchesClassify(t, bin, model, eval) })
	t.Run("SIGHUPReload", func(t *testing.T) { testSIGHUP(t, bin, model, eval[:2]) })
	t.Run("CorruptImage", func(t *testing.T) { testCorruptImage(t, bin, model, eval[:2]) })
	t.Run("SourceVanishes", func(t *testing.T) { testSourceVanishes(t, bin, model, eval[:2]) })
	t.Run("SystemdNotify", func(t *testing.T) { testSystemdNotify(t, bin, model, eval[:1]) })
	t.Run("FIFOCamera", func(t *testing.T) { testFIFOCamera(t, bin, model) })
	t.Run("BrokerOnNetwork", func(t *testing.T) { testBrokerOnNetwork(t, bin, model) })
}

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

// edgedProc is a running `edged run`.
type edgedProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	mu    sync.Mutex
	log   bytes.Buffer
	done  chan struct{}
	preds string // --predictions-out file
}

func (p *edgedProc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.Write(b)
}

func startEdged(t *testing.T, bin, cfg string, env ...string) *edgedProc {
	t.Helper()
	p := &edgedProc{t: t, done: make(chan struct{}), preds: filepath.Join(t.TempDir(), "predictions.jsonl")}
	p.cmd = exec.Command(bin, "run", "--config", cfg, "--predictions-out", p.preds)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("edged log:\n%s", p.logText())
		}
	})
	return p
}

func (p *edgedProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

func (p *edgedProc) signal(s os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(s); err != nil {
		p.t.Fatalf("signal %v: %v", s, err)
	}
}

// running reports whether the process has not exited.
func (p *edgedProc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// waitExit waits for the process to exit (the bound catches a hang) and
// returns its exit status.
func (p *edgedProc) waitExit() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.t.Fatalf("edged did not exit")
	}
	return p.cmd.ProcessState.ExitCode()
}

// until polls cond, failing if the process exits or a generous bound
// passes first.
func (p *edgedProc) until(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if !p.running() {
			p.t.Fatalf("edged exited (status %d) while waiting for %s", p.cmd.ProcessState.ExitCode(), what)
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
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

func testBadConfig(t *testing.T, bin string) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	writeConfig(t, cfg, "nowhere.edgeq", "images/", "    min_score: 1.5")
	cmd := exec.Command(bin, "run", "--config", cfg)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Fatalf("exit status %d, want 2\n%s", code, out)
	}
	if !strings.Contains(string(out), "cameras[0].min_score") || !strings.Contains(string(out), "config.yaml:") {
		t.Fatalf("message does not name the file and key cameras[0].min_score:\n%s", out)
	}

	cmd = exec.Command(bin, "run", "--config", filepath.Join(t.TempDir(), "absent.yaml"))
	out, _ = cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "absent.yaml") {
		t.Fatalf("missing config file: exit %d, want 2 naming it:\n%s", code, out)
	}
}

func testMissingModel(t *testing.T, bin string) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	writeConfig(t, cfg, "models/shufflenet_v2_x0_5.edgeq", "images/", "")
	cmd := exec.Command(bin, "run", "--config", cfg)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	model := filepath.Join(dir, "models", "shufflenet_v2_x0_5.edgeq")
	for _, want := range []string{
		"https://download.pytorch.org/models/shufflenetv2_x0.5-f707e7126e.pth",
		"https://download.pytorch.org/models/mobilenet_v3_small-047dcff4.pth",
		"edged calibrate --weights shufflenetv2_x0.5-f707e7126e.pth --images DIR --out " + model,
		"model.path",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("message lacks %q:\n%s", want, out)
		}
	}
}

func testConfigCheck(t *testing.T, bin string) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	writeConfig(t, cfg, "m.edgeq", "images/", "")
	cmd := exec.Command(bin, "config", "check", cfg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("config check: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{
		"path: " + filepath.Join(dir, "m.edgeq"), // resolved against the file's directory
		"min_score: 0",                           // a default filled in
		"client_id: edged-test",                  // a derived default
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("effective config lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "OK") || !strings.Contains(stderr.String(), "does not exist") {
		t.Errorf("stderr %q: want OK and a warning about the missing model", stderr.String())
	}

	writeConfig(t, cfg, "m.edgeq", "images/", "    fps: 0")
	cmd = exec.Command(bin, "config", "check", cfg)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "cameras[0].fps") {
		t.Errorf("invalid config: exit %d, want 2 naming cameras[0].fps:\n%s", code, out)
	}
}

// testMatchesClassify is the acceptance test: the daemon's predictions of a
// directory of real images have the top-1 (indeed the whole top-5) that
// `edged classify --model` gives those images.
func testMatchesClassify(t *testing.T, bin, model string, images []string) {
	dir := testdata.CopyFiles(t, images)
	cmd := exec.Command(bin, "classify", "--model", model, "--json", dir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("edged classify: %v", err)
	}
	want := map[string][]imagenet.Class{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r struct {
			Image string
			Top   []imagenet.Class
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("classify --json line %q: %v", line, err)
		}
		want[filepath.Base(r.Image)] = r.Top
	}
	if len(want) != len(images) {
		t.Fatalf("classify gave %d results for %d images", len(want), len(images))
	}

	cfg := filepath.Join(t.TempDir(), "config.yaml")
	writeConfig(t, cfg, model, dir, "")
	p := startEdged(t, bin, cfg)
	n := len(images)
	seen := func() map[uint64]bool {
		s := map[uint64]bool{}
		for _, pr := range p.predictions() {
			s[(pr.Frame-1)%uint64(n)] = true
		}
		return s
	}
	p.until("a prediction of every image", func() bool { return len(seen()) == n })
	p.stop()

	// The directory is cycled in name order: frame k is image (k-1) mod n.
	names := make([]string, n)
	for i, f := range images {
		names[i] = filepath.Base(f)
	}
	sort.Strings(names)
	for _, pr := range p.predictions() {
		name := names[(pr.Frame-1)%uint64(n)]
		w := want[name]
		if len(pr.Top) != len(w) {
			t.Fatalf("frame %d (%s): %d classes, classify gives %d", pr.Frame, name, len(pr.Top), len(w))
		}
		if pr.Top[0].Class != w[0].Class {
			t.Errorf("frame %d (%s): top-1 %d %q, classify gives %d %q", pr.Frame, name, pr.Top[0].Class, pr.Top[0].Label, w[0].Class, w[0].Label)
		}
		for i := range w {
			if pr.Top[i].Class != w[i].Class || pr.Top[i].Score != w[i].Score {
				t.Errorf("frame %d (%s): top[%d] %+v, classify gives %+v", pr.Frame, name, i, pr.Top[i], w[i])
			}
		}
	}
}

func testSIGHUP(t *testing.T, bin, model string, images []string) {
	dir := testdata.CopyFiles(t, images)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	writeConfig(t, cfg, model, dir, "")
	p := startEdged(t, bin, cfg)
	p.until("a prediction", func() bool { return len(p.predictions()) > 0 })

	// A bad file: rejected, the old config keeps running.
	writeConfig(t, cfg, model, dir, "    fps: -1")
	p.signal(syscall.SIGHUP)
	p.untilLog("config reload rejected")
	if !strings.Contains(p.logText(), "cameras[0].fps") {
		t.Errorf("the rejection does not name the key cameras[0].fps")
	}
	n := len(p.predictions())
	p.until("predictions after the rejected reload", func() bool { return len(p.predictions()) > n+2 })
	if strings.Contains(p.logText(), "msg=\"config reloaded\"") {
		t.Fatalf("a bad config was applied")
	}

	// A good file: min_score 1 leaves no confident class.
	writeConfig(t, cfg, model, dir, "    min_score: 1.0")
	p.signal(syscall.SIGHUP)
	p.untilLog(`msg="config reloaded"`)
	p.until("predictions with no confident class", func() bool {
		prs := p.predictions()
		return len(prs) > 0 && len(prs[len(prs)-1].Top) == 0
	})
	p.stop()
}

func testCorruptImage(t *testing.T, bin, model string, images []string) {
	dir := testdata.CopyFiles(t, images)
	if err := os.WriteFile(filepath.Join(dir, "0-corrupt.jpg"), []byte("\xff\xd8\xff\xe0 truncated JPEG"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	writeConfig(t, cfg, model, dir, "")
	p := startEdged(t, bin, cfg)
	p.until("predictions of both good images, twice", func() bool { return len(p.predictions()) >= 4 })
	if v := p.metric(`edged_frames_failed_total{camera="cam"}`); v < 1 {
		t.Errorf("edged_frames_failed_total = %v, want >= 1", v)
	}
	p.untilLog("skipping a frame that cannot be classified")
	for _, pr := range p.predictions() {
		if (pr.Frame-1)%3 == 0 {
			t.Errorf("prediction for frame %d, the corrupt file", pr.Frame)
		}
	}
	p.stop()
}

func testSourceVanishes(t *testing.T, bin, model string, images []string) {
	dir := testdata.CopyFiles(t, images)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	writeConfig(t, cfg, model, dir, "")
	p := startEdged(t, bin, cfg)
	p.until("a prediction", func() bool { return len(p.predictions()) > 0 })

	gone := dir + ".gone"
	if err := os.Rename(dir, gone); err != nil {
		t.Fatal(err)
	}
	p.untilLog("state=reconnecting")
	n := len(p.predictions())
	if err := os.Rename(gone, dir); err != nil {
		t.Fatal(err)
	}
	p.untilLog("source recovered")
	p.until("predictions after recovery", func() bool { return len(p.predictions()) > n+2 })
	if v := p.metric(`edged_source_reconnects_total{camera="cam"}`); v < 1 {
		t.Errorf("edged_source_reconnects_total = %v, want >= 1", v)
	}
	p.stop()
}

// testSystemdNotify plays systemd: it receives the notifications on a
// NOTIFY_SOCKET and turns the watchdog on.
func testSystemdNotify(t *testing.T, bin, model string, images []string) {
	dir := testdata.CopyFiles(t, images)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	writeConfig(t, cfg, model, dir, "")
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("no unix datagram socket: %v", err)
	}
	defer conn.Close()
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
	// count of notifications containing s.
	count := func(s string) int {
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
	p := startEdged(t, bin, cfg, "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=1000000")
	p.until("READY=1", func() bool { return count("READY=1") == 1 })
	p.until("two watchdog pings", func() bool { return count("WATCHDOG=1") >= 2 })
	p.signal(syscall.SIGHUP)
	p.until("RELOADING=1 then READY=1", func() bool { return count("RELOADING=1") == 1 && count("READY=1") == 2 })
	mu.Lock()
	var reloading string
	for _, m := range msgs {
		if strings.Contains(m, "RELOADING=1") {
			reloading = m
		}
	}
	mu.Unlock()
	if !strings.Contains(reloading, "MONOTONIC_USEC=") {
		t.Errorf("RELOADING=1 without MONOTONIC_USEC: %q", reloading)
	}
	p.stop()
	if count("STOPPING=1") != 1 {
		t.Errorf("no STOPPING=1 on SIGTERM")
	}
}
