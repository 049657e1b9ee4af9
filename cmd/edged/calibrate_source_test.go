package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edged/edged/internal/proctest"
	"github.com/edged/edged/internal/testdata"
)

// TestCalibrateFromSource calibrates on frames of a live exec: source
// (Debian's ffmpeg test pattern, 10 frames a second) and checks the model:
// inspect reads it with the frame count, and it classifies an image.
func TestCalibrateFromSource(t *testing.T) {
	source := proctest.FFmpegPattern(t, "")
	weights := testdata.Path(t, "models", "shufflenet_v2_x0_5.pth")
	out := filepath.Join(t.TempDir(), "cam.edgeq")
	code, stdout, stderr := runEdged(t, "calibrate", "--weights", weights, "--source", source,
		"--frames", "4", "--every", "300ms", "--int16", "0", "--out", out)
	if code != 0 {
		t.Fatalf("calibrate --source: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "4 images") {
		t.Errorf("calibrate output %q does not report 4 frames", stdout)
	}
	code, stdout, stderr = runEdged(t, "inspect", out)
	if code != 0 || !strings.Contains(stdout, "calibration_images: 4") {
		t.Fatalf("inspect: exit %d\n%s%s", code, stdout, stderr)
	}
	// The frames are 300 ms apart, not the stream's 100 ms: the capture
	// times recorded in the model differ.
	m, _ := os.ReadFile(out)
	if times := regexp.MustCompile(`frame-\d{4}@[0-9T:Z-]+`).FindAll(m, -1); len(times) != 4 {
		t.Errorf("model records %d frame names, want 4", len(times))
	}
	img := testdata.Path(t, "imagenet-sample", "images")
	ents, err := os.ReadDir(img)
	if err != nil || len(ents) == 0 {
		t.Fatal(err)
	}
	code, stdout, stderr = runEdged(t, "classify", "--model", out, "--json", filepath.Join(img, ents[0].Name()))
	if code != 0 || !strings.Contains(stdout, `"top":[{"class":`) {
		t.Fatalf("classify with the calibrated model: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestCalibrateSourceErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.edgeq")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--weights", "w.pth", "--images", "d", "--source", "exec:x", "--out", out}, 2, "give one of them"},
		{[]string{"--weights", "w.pth", "--source", "exec:x", "--frames", "0", "--out", out}, 2, "--frames"},
		{[]string{"--weights", "w.pth", "--source", "exec:x", "--every", "0s", "--out", out}, 2, "--every"},
	} {
		code, _, stderr := runEdged(t, append([]string{"calibrate"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	// A source that fails for good ends calibration with its error.
	weights := testdata.Path(t, "models", "shufflenet_v2_x0_5.pth")
	code, _, stderr := runEdged(t, "calibrate", "--weights", weights, "--source", "exec:", "--frames", "2", "--out", out)
	if code != 1 || !strings.Contains(stderr, "exec: needs a command") {
		t.Errorf("bad source: exit %d, stderr %q", code, stderr)
	}
}
