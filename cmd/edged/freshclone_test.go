package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edged/edged/internal/proctest"
	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/publish"
)

// TestFreshClone is README's quickstart as a new user meets it: `git
// clone` of the committed repository into an empty directory (no
// ../shared beside it), then `go run ./cmd/edged run` there, with a real
// MQTT client subscribed to the embedded broker. The photos are classified
// and published (the cat photo's top-1 is a domestic cat), SIGTERM stops
// it with exit status 0, `offline` once and no warning. Then, when
// the shared checkpoint is at hand, README's "Another model" steps as
// `edged run` prints them. It tests the committed HEAD: uncommitted
// changes are not in the clone.
//
// The one change to the clone: config.yaml's two listen addresses
// (127.0.0.1:1883 and :9108) are moved to free ports, so that the test
// does not depend on nothing else using them.
func TestFreshClone(t *testing.T) {
	if testing.Short() {
		t.Skip("clones the repository and builds it with go run (a minute or more): skipped in -short mode")
	}
	if runtime.GOOS != "linux" {
		t.Skip("signals and process groups: tested on Linux")
	}
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("not in a git checkout: %v", err)
	}
	if st, _ := exec.Command("git", "status", "--porcelain").Output(); len(st) > 0 {
		t.Logf("uncommitted changes are not tested (the clone is of HEAD):\n%s", st)
	}
	parent := t.TempDir()
	clone := filepath.Join(parent, "edged")
	start := time.Now()
	if out, err := exec.Command("git", "clone", "--quiet", strings.TrimSpace(string(root)), clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	t.Logf("git clone: %v", time.Since(start).Round(time.Millisecond))
	if _, err := os.Stat(filepath.Join(parent, "shared")); err == nil {
		t.Fatal("the clone has a ../shared")
	}

	mqttAddr, httpAddr := freeAddr(t), freeAddr(t)
	cfgPath := filepath.Join(clone, "config.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	for from, to := range map[string]string{
		"embedded_listen: 127.0.0.1:1883": "embedded_listen: " + mqttAddr,
		"listen: 127.0.0.1:9108":          "listen: " + httpAddr,
	} {
		if !bytes.Contains(cfg, []byte(from)) {
			t.Fatalf("config.yaml has no %q", from)
		}
		cfg = bytes.Replace(cfg, []byte(from), []byte(to), 1)
	}
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}

	// go run ./cmd/edged run
	run := startGoRun(t, clone, "run")
	sub := subscribeWhenUp(t, run, mqttAddr)
	var cat, espresso *publish.PredictionPayload
	waitFor(t, "predictions of cat.jpg and espresso.jpg", func() bool {
		// samples/ in name order: astronaut, cat, espresso, rocket.
		for _, p := range predictionsOn(t, sub, "/sample/prediction") {
			switch (p.Frame - 1) % 4 {
			case 1:
				cat = &p
			case 2:
				espresso = &p
			}
		}
		return cat != nil && espresso != nil
	})
	t.Logf("first predictions %v after go run started (%v after git clone started)", time.Since(run.started).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if len(cat.Top) != 5 || cat.Top[0].Class < 281 || cat.Top[0].Class > 285 {
		t.Errorf("cat.jpg (frame %d): top %+v, want a domestic cat (281-285) first", cat.Frame, cat.Top)
	} else {
		t.Logf("cat.jpg (frame %d): %s %.4f", cat.Frame, cat.Top[0].Label, cat.Top[0].Score)
	}
	if len(espresso.Top) == 0 || espresso.Top[0].Class != 967 {
		t.Errorf("espresso.jpg (frame %d): top %+v, want espresso (967) first", espresso.Frame, espresso.Top)
	}
	run.terminate(t)
	checkCleanStop(t, run, sub)

	t.Run("AnotherModel", func(t *testing.T) { testAnotherModel(t, clone, mqttAddr) })
}

// testAnotherModel deletes the clone's model and follows README's "Another
// model" steps: `go run ./cmd/edged run` prints exactly README's commands;
// they are run in order (the checkpoint copied from the shared test data
// instead of downloaded, DIR = samples/) and the daemon runs on the new
// model.
func testAnotherModel(t *testing.T, clone, mqttAddr string) {
	shared := testdata.Path(t, "models", "shufflenet_v2_x0_5.pth")
	readme, err := os.ReadFile(filepath.Join(clone, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Another model")
	_, block, ok2 := strings.Cut(section, "```sh\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no \"### Another model\" section with a sh block")
	}
	steps := strings.Split(strings.TrimSpace(block), "\n")
	if err := os.Remove(filepath.Join(clone, "models", "shufflenet_v2_x0_5.edgeq")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(clone, "models", "README.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(clone, "models")); err != nil {
		t.Fatal(err) // so that the printed mkdir is needed
	}

	p := startGoRun(t, clone, "run")
	if code := p.wait(t); code != 1 {
		t.Fatalf("edged run without its model: exit %d, want 1\n%s", code, p.output())
	}
	for _, s := range steps {
		if !strings.Contains(p.output(), "       "+s+"\n") {
			t.Errorf("edged run does not print README's step %q:\n%s", s, p.output())
		}
	}
	if t.Failed() {
		return
	}

	for _, s := range steps {
		args := strings.Fields(s)
		switch {
		case args[0] == "curl":
			// No network in tests: the shared copy of the checkpoint,
			// under the name the download would have.
			b, err := os.ReadFile(shared)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(clone, filepath.Base(args[len(args)-1])), b, 0o644); err != nil {
				t.Fatal(err)
			}
			st, err := gitIn(clone, "status", "--porcelain", "--untracked-files=all")
			if err != nil || strings.Contains(st, ".pth") {
				t.Errorf("the downloaded checkpoint is not gitignored: %v\n%s", err, st)
			}
		case args[0] == "mkdir":
			mkdir := exec.Command(args[0], args[1:]...)
			mkdir.Dir = clone
			if out, err := mkdir.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", s, err, out)
			}
		case strings.HasPrefix(s, "go run ./cmd/edged calibrate "):
			for i := range args {
				if args[i] == "DIR" {
					args[i] = "samples"
				}
			}
			start := time.Now()
			c := startGoRun(t, clone, args[3:]...)
			if code := c.wait(t); code != 0 {
				t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), code, c.output())
			}
			t.Logf("%s: %v", strings.Join(args, " "), time.Since(start).Round(time.Second))
		case strings.HasPrefix(s, "go run ./cmd/edged run"):
			r := startGoRun(t, clone, args[3:]...)
			sub := subscribeWhenUp(t, r, mqttAddr)
			waitFor(t, "a prediction on the new model", func() bool { return len(predictionsOn(t, sub, "/sample/prediction")) > 0 })
			r.terminate(t)
			checkCleanStop(t, r, sub)
		default:
			t.Fatalf("README step %q: the test does not know how to run it", s)
		}
	}
}

// goRun is a `go run ./cmd/edged ...` in its own process group (so that
// cleanup can kill the go command and edged together).
type goRun struct {
	*proctest.Proc
	started time.Time
}

func startGoRun(t *testing.T, dir string, args ...string) *goRun {
	t.Helper()
	cmd := exec.Command("go", append([]string{"run", "./cmd/edged"}, args...)...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "EDGED_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	started := time.Now()
	return &goRun{Proc: proctest.Start(t, "go run ./cmd/edged "+strings.Join(args, " "), cmd), started: started}
}

func (r *goRun) output() string { return r.Out.String() }

// terminate sends SIGTERM to edged, the go command's child (as `kill` or
// systemd would): the go command then exits with edged's exit status.
// (Ctrl-C, SIGINT to the whole process group, stops edged the same way,
// but the go command then exits 1 whatever edged's status.)
func (r *goRun) terminate(t *testing.T) {
	t.Helper()
	child := 0
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", r.Cmd.Process.Pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		if fs := strings.Fields(string(b)); len(fs) > 0 {
			child, _ = strconv.Atoi(fs[0])
		}
	}
	if child == 0 {
		t.Fatalf("no child process of go run (pid %d) found in /proc", r.Cmd.Process.Pid)
	}
	if err := syscall.Kill(child, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
}

// wait returns the exit status; the bound (generous: go run may compile)
// catches a hang.
func (r *goRun) wait(t *testing.T) int {
	t.Helper()
	return r.Wait(t, 5*time.Minute)
}

// subscribeWhenUp waits for edged's embedded broker (go run compiles first)
// and subscribes to edged/#.
func subscribeWhenUp(t *testing.T, r *goRun, addr string) *subscriber {
	t.Helper()
	r.Until(t, "the embedded broker to listen", 5*time.Minute, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	t.Logf("embedded broker up %v after go run started", time.Since(r.started).Round(time.Millisecond))
	return subscribe(t, addr)
}

// predictionsOn decodes the predictions on the topics ending in suffix
// (the device level is the hostname).
func predictionsOn(t *testing.T, s *subscriber, suffix string) []publish.PredictionPayload {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []publish.PredictionPayload
	for _, m := range s.msgs {
		if !strings.HasSuffix(m.Topic(), suffix) {
			continue
		}
		var p publish.PredictionPayload
		if err := json.Unmarshal(m.Payload(), &p); err != nil {
			t.Errorf("prediction payload %q: %v", m.Payload(), err)
			continue
		}
		out = append(out, p)
	}
	return out
}

var logKeyRE = regexp.MustCompile(`(?:^| )([a-z_]+)=`)

// checkCleanStop: after SIGTERM, exit status 0, subscribers got offline
// once, and the log has no warning, no empty message and no repeated key.
func checkCleanStop(t *testing.T, r *goRun, sub *subscriber) {
	t.Helper()
	stop := time.Now()
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit status %d after SIGTERM, want 0", code)
	}
	t.Logf("exit 0, %v after SIGTERM", time.Since(stop).Round(time.Millisecond))
	offline := func() int {
		n := 0
		for _, m := range statusMessages(sub) {
			if m == "offline" {
				n++
			}
		}
		return n
	}
	waitFor(t, "offline", func() bool { return offline() > 0 })
	time.Sleep(200 * time.Millisecond)
	if st := statusMessages(sub); offline() != 1 || st[0] != "online" {
		t.Errorf("status messages %q, want online first and offline once", st)
	}
	out := r.output()
	if !strings.Contains(out, "msg=stopped") {
		t.Errorf("no clean-stop line (msg=stopped) in the log")
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") || strings.Contains(line, `msg=""`) {
			t.Errorf("a first run logged: %s", line)
		}
		seen := map[string]bool{}
		for _, m := range logKeyRE.FindAllStringSubmatch(line, -1) {
			if seen[m[1]] {
				t.Errorf("key %s repeated: %s", m[1], line)
			}
			seen[m[1]] = true
		}
	}
}

func statusMessages(s *subscriber) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var st []string
	for _, m := range s.msgs {
		if strings.HasSuffix(m.Topic(), "/status") {
			st = append(st, string(m.Payload()))
		}
	}
	return st
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func gitIn(dir string, args ...string) (string, error) {
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	return string(out), err
}
