package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/edged/edged/imagenet"
	"github.com/edged/edged/internal/testdata"
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

func testBadConfig(t *testing.T, bin string) {
	cfg := newConfig(t, "nowhere.edgeq", "images/", "    min_score: 1.5")
	code, out := runBin(bin, "run", "--config", cfg)
	if code != 2 {
		t.Fatalf("exit status %d, want 2\n%s", code, out)
	}
	if !strings.Contains(out, "cameras[0].min_score") || !strings.Contains(out, "config.yaml:") {
		t.Fatalf("message does not name the file and key cameras[0].min_score:\n%s", out)
	}

	code, out = runBin(bin, "run", "--config", filepath.Join(t.TempDir(), "absent.yaml"))
	if code != 2 || !strings.Contains(out, "absent.yaml") {
		t.Fatalf("missing config file: exit %d, want 2 naming it:\n%s", code, out)
	}
}

func testMissingModel(t *testing.T, bin string) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	writeConfig(t, cfg, "models/shufflenet_v2_x0_5.edgeq", "images/", "")
	code, out := runBin(bin, "run", "--config", cfg)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	model := filepath.Join(dir, "models", "shufflenet_v2_x0_5.edgeq")
	for _, want := range []string{
		"https://download.pytorch.org/models/shufflenetv2_x0.5-f707e7126e.pth",
		"https://download.pytorch.org/models/mobilenet_v3_small-047dcff4.pth",
		"edged calibrate --weights shufflenetv2_x0.5-f707e7126e.pth --images DIR --out " + model,
		"model.path",
	} {
		if !strings.Contains(out, want) {
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
	code, out := runBin(bin, "config", "check", cfg)
	if code != 2 || !strings.Contains(out, "cameras[0].fps") {
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

	cfg := newConfig(t, model, dir, "")
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
	cfg := newConfig(t, model, dir, "")
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
	cfg := newConfig(t, model, dir, "")
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
	cfg := newConfig(t, model, dir, "")
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
	cfg := newConfig(t, model, dir, "")
	sock, notes := notifySocket(t)
	p := startEdged(t, bin, cfg, "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=1000000")
	p.until("READY=1", func() bool { return notes.count("READY=1") == 1 })
	p.until("two watchdog pings", func() bool { return notes.count("WATCHDOG=1") >= 2 })
	p.signal(syscall.SIGHUP)
	p.until("RELOADING=1 then READY=1", func() bool { return notes.count("RELOADING=1") == 1 && notes.count("READY=1") == 2 })
	if reloading := notes.matching("RELOADING=1"); !strings.Contains(reloading[0], "MONOTONIC_USEC=") {
		t.Errorf("RELOADING=1 without MONOTONIC_USEC: %q", reloading)
	}
	p.stop()
	if notes.count("STOPPING=1") != 1 {
		t.Errorf("no STOPPING=1 on SIGTERM")
	}
}
