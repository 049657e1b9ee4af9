package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edged/edged/internal/testdata"
)

// committedModel is the default model in git (models/README.md).
const committedModel = "../../models/shufflenet_v2_x0_5.edgeq"

// readmeCalibrate returns the arguments of the calibrate command that
// models/README.md documents (the line starting "go run ./cmd/edged
// calibrate"), without "go run ./cmd/edged".
func readmeCalibrate(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../models/README.md")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "go run ./cmd/edged calibrate "); ok {
			return append([]string{"calibrate"}, strings.Fields(rest)...)
		}
	}
	t.Fatal("models/README.md has no line starting `go run ./cmd/edged calibrate`")
	return nil
}

// TestCommittedModel runs models/README.md's calibrate command (with
// ../shared standing for the test data directory and --out a temporary
// file) and checks that the committed model is byte-identical: the file in
// git is what the code makes. One calibration of 100 images: 83 s on an
// idle 2-core x86 machine, 3 minutes on a busy one.
func TestCommittedModel(t *testing.T) {
	if testing.Short() {
		t.Skip("recalibrates the committed model (1.5-3 min): skipped in -short mode")
	}
	args := readmeCalibrate(t)
	want, err := os.ReadFile(committedModel)
	if err != nil {
		t.Fatalf("the default model is not in the repository: %v", err)
	}
	out := filepath.Join(t.TempDir(), "shufflenet_v2_x0_5.edgeq")
	sawOut := false
	for i := range args {
		switch {
		case strings.HasPrefix(args[i], "../shared/"):
			elem := strings.Split(strings.TrimPrefix(args[i], "../shared/"), "/")
			args[i] = testdata.Path(t, elem...)
		case i > 0 && args[i-1] == "--out":
			if args[i] != "models/shufflenet_v2_x0_5.edgeq" {
				t.Fatalf("models/README.md's command writes %s, not the committed models/shufflenet_v2_x0_5.edgeq", args[i])
			}
			args[i], sawOut = out, true
		}
	}
	if !sawOut {
		t.Fatalf("models/README.md's command %q has no --out", args)
	}
	start := time.Now()
	code, stdout, stderr := runEdged(t, args...)
	if code != 0 {
		t.Fatalf("edged %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	t.Logf("%s(%v)", stdout, time.Since(start).Round(time.Second))
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("models/shufflenet_v2_x0_5.edgeq (%d bytes) is not what models/README.md's command makes now (%d bytes).\n"+
			"If calibration, quantization or preprocessing changed on purpose, re-run the command from the repository root and commit the file:\n"+
			"  go run ./cmd/edged %s", len(want), len(got), strings.Join(readmeCalibrate(t), " "))
	}
}

// TestDefaultModelOnSamples: the committed model and photos, with nothing
// from ../shared, classify the cat as a domestic cat (ImageNet 281-285:
// tabby, tiger cat, Persian, Siamese, Egyptian cat) and the espresso as
// espresso (967).
func TestDefaultModelOnSamples(t *testing.T) {
	code, stdout, stderr := runEdged(t, "classify", "--model", committedModel, "--json", "--top", "2", "../../samples")
	if code != 0 {
		t.Fatalf("classify samples/: exit %d\n%s", code, stderr)
	}
	top1 := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r classifyLine
		if err := json.Unmarshal([]byte(line), &r); err != nil || len(r.Top) != 2 {
			t.Fatalf("classify --json line %q: %v", line, err)
		}
		top1[filepath.Base(r.Image)] = r.Top[0].Class
	}
	if len(top1) != 4 {
		t.Fatalf("classified %d photos in samples/, want the 4 of samples/README.md:\n%s", len(top1), stdout)
	}
	if c := top1["cat.jpg"]; c < 281 || c > 285 {
		t.Errorf("cat.jpg: top-1 class %d, want a domestic cat (281-285)", c)
	}
	if c := top1["espresso.jpg"]; c != 967 {
		t.Errorf("espresso.jpg: top-1 class %d, want espresso (967)", c)
	}
}
