package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/edged/edged/capture"
	"github.com/edged/edged/internal/testdata"
)

// TestVersionCapture: `edged version` says whether GoCV is compiled in.
func TestVersionCapture(t *testing.T) {
	code, stdout, stderr := runEdged(t, "version")
	if code != 0 {
		t.Fatalf("version: exit %d\n%s", code, stderr)
	}
	want := "capture: pure Go: images, HTTP snapshots, MJPEG (no GoCV"
	if capture.HasGoCV {
		want = "capture: pure Go + GoCV (OpenCV " + capture.OpenCVVersion() + ")"
	}
	if !strings.Contains(stdout, want) || !strings.Contains(stdout, "cpu features: ") {
		t.Fatalf("version output lacks %q:\n%s", want, stdout)
	}
}

// TestVersionARMv7 runs the linux/arm/v7 build (make dist's armv7 binary)
// under qemu-arm-static: no CPU feature is used there, and version says so
// instead of printing an empty list.
func TestVersionARMv7(t *testing.T) {
	qemu := testdata.Tool(t, "qemu-arm-static", "qemu-user-static")
	bin := filepath.Join(t.TempDir(), "edged-armv7")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm", "GOARM=7")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build for linux/arm/v7: %v\n%s", err, out)
	}
	out, err := exec.Command(qemu, bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("edged version on armv7: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(v) == "" {
			t.Errorf("armv7 version prints an empty %s:\n%s", k, out)
		}
	}
	if !strings.Contains(string(out), "cpu features: none used on arm") {
		t.Errorf("armv7 version does not say that no CPU feature is used:\n%s", out)
	}
}

// TestConfigCheckNeedsGoCV: a camera only OpenCV can read is refused up
// front by a binary without GoCV, naming the camera and the fix.
func TestConfigCheckNeedsGoCV(t *testing.T) {
	if capture.HasGoCV {
		t.Skip("this binary has GoCV")
	}
	cfg := newConfig(t, "m.edgeq", "images/", "  - {name: door, source: /dev/video0}")
	code, _, stderr := runEdged(t, "config", "check", cfg)
	for _, want := range []string{`cameras[1] "door"`, `"/dev/video0" needs GoCV`, "go build -tags gocv ./cmd/edged"} {
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("config check with a V4L2 camera: exit %d, want 2 with %q:\n%s", code, want, stderr)
		}
	}
	if strings.Contains(stderr, `"cam"`) {
		t.Errorf("the directory camera was reported too:\n%s", stderr)
	}
}

// TestBenchDefaultsAndLayers: bench's threads default like the other
// commands' (the CPU count) and the --layers table's columns align.
func TestBenchDefaultsAndLayers(t *testing.T) {
	code, stdout, stderr := runEdged(t, "bench", "--model", committedModel, "--iterations", "1", "--layers")
	if code != 0 {
		t.Fatalf("bench: exit %d\n%s", code, stderr)
	}
	if want := fmt.Sprintf("threads: %d ", runtime.NumCPU()); !strings.Contains(stdout, want) {
		t.Errorf("bench output lacks %q:\n%s", want, stdout)
	}
	_, table, ok := strings.Cut(stdout, "\n\n")
	if !ok {
		t.Fatalf("no layer table:\n%s", stdout)
	}
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	header := lines[0]
	kindCol, perRunEnd := strings.Index(header, "kind"), strings.Index(header, "per run")+len("per run")
	for _, l := range lines[1:] {
		if utf8.RuneCountInString(l) != utf8.RuneCountInString(header) || l[kindCol-1] != ' ' || l[kindCol-2] != ' ' || l[kindCol] == ' ' ||
			l[perRunEnd-1] == ' ' || !strings.HasSuffix(l, "%") {
			t.Errorf("line does not align with the header:\n%s\n%s", header, l)
		}
	}
}
