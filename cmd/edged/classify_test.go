package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edged/edged/internal/testdata"
)

// runEdged runs the CLI in-process, as `edged args...` would.
func runEdged(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

type classifyLine struct {
	Image string `json:"image"`
	Top   []struct {
		Class int     `json:"class"`
		Label string  `json:"label"`
		Score float64 `json:"score"`
	} `json:"top"`
}

// TestClassifyAgreesWithTorchvision runs `edged classify --json` with its own
// JPEG decoding and PIL-exact preprocessing over the 500 shared ImageNet
// images and compares the top-1 with torchvision's float predictions.
func TestClassifyAgreesWithTorchvision(t *testing.T) {
	if testing.Short() {
		t.Skip("500 images per model: skipped in -short mode")
	}
	images := testdata.Path(t, "imagenet-sample", "images")
	for _, tc := range []struct{ ckpt, ref, padding string }{
		{"shufflenet_v2_x0_5.pth", "float-shufflenet_v2_x0_5.tsv", "torch"},
		{"mobilenet_v3_small_tf.pth", "float-mobilenet_v3_small_tf.tsv", "tf"},
	} {
		t.Run(tc.ckpt, func(t *testing.T) {
			ref, err := readTSVColumn(testdata.Path(t, "imagenet-sample", tc.ref), 2)
			if err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runEdged(t, "classify", "--weights", testdata.Path(t, "models", tc.ckpt),
				"--padding", tc.padding, "--json", "--top", "5", images)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			n, agree := 0, 0
			var disagree []string
			sc := bufio.NewScanner(strings.NewReader(out))
			for sc.Scan() {
				var l classifyLine
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
					t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
				}
				if len(l.Top) != 5 || l.Top[0].Label == "" || l.Top[0].Score <= 0 || l.Top[0].Score > 1 {
					t.Fatalf("bad top-5 %+v", l)
				}
				want, ok := ref[filepath.Base(l.Image)]
				if !ok {
					t.Fatalf("%s not in %s", l.Image, tc.ref)
				}
				n++
				if l.Top[0].Class == want {
					agree++
				} else {
					disagree = append(disagree, filepath.Base(l.Image))
				}
			}
			if n != 500 {
				t.Fatalf("classified %d images, want 500", n)
			}
			pct := 100 * float64(agree) / float64(n)
			t.Logf("%s: top-1 agrees with torchvision on %d/%d images (%.1f%%); differ: %v", tc.ckpt, agree, n, pct, disagree)
			if pct < 99 {
				t.Errorf("agreement %.1f%% < 99%%", pct)
			}
		})
	}
}

func TestClassifyErrors(t *testing.T) {
	shuffle := testdata.Path(t, "models", "shufflenet_v2_x0_5.pth")
	img := testdata.Path(t, "imagenet-sample", "images", "n01443537_goldfish.JPEG")
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notes.jpg")
	if err := os.WriteFile(notImage, []byte("this is not a JPEG\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// A bad image is reported, the others still classified, exit 1.
	code, out, errOut := runEdged(t, "classify", "--weights", shuffle, "--json", notImage, img)
	if code != 1 || !strings.Contains(errOut, "notes.jpg") || !strings.Contains(out, `"label":"goldfish"`) {
		t.Errorf("bad image: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// So is a path that does not exist.
	code, out, errOut = runEdged(t, "classify", "--weights", shuffle, "--json", filepath.Join(dir, "absent.jpg"), img)
	if code != 1 || !strings.Contains(errOut, "absent.jpg") || !strings.Contains(out, `"label":"goldfish"`) {
		t.Errorf("missing path: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// A checkpoint of another architecture than --arch says.
	code, _, errOut = runEdged(t, "classify", "--weights", shuffle, "--arch", "mobilenet_v3_small", img)
	if code != 1 || !strings.Contains(errOut, "features.0.0.weight") {
		t.Errorf("wrong arch: exit %d, stderr %q", code, errOut)
	}

	// A file that is not a checkpoint.
	code, _, errOut = runEdged(t, "classify", "--weights", notImage, img)
	if code != 1 || !strings.Contains(errOut, "not a PyTorch checkpoint") {
		t.Errorf("not a checkpoint: exit %d, stderr %q", code, errOut)
	}

	// A truncated checkpoint.
	raw, err := os.ReadFile(shuffle)
	if err != nil {
		t.Fatal(err)
	}
	trunc := filepath.Join(dir, "truncated.pth")
	if err := os.WriteFile(trunc, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runEdged(t, "classify", "--weights", trunc, img)
	if code != 1 || !strings.Contains(errOut, "truncated.pth") {
		t.Errorf("truncated checkpoint: exit %d, stderr %q", code, errOut)
	}

	// Usage errors exit 2.
	if code, _, _ := runEdged(t, "classify", img); code != 2 {
		t.Errorf("no model: exit %d, want 2", code)
	}
	if code, _, _ := runEdged(t, "classify", "--weights", shuffle, "--padding", "diagonal", img); code != 2 {
		t.Errorf("bad padding: exit %d, want 2", code)
	}
}
