package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/edged/edged/internal/testdata"
)

// TestInt8Accuracy is the int8 acceptance test: calibrate on 100 of the
// 500 shared ImageNet images (every 5th by name), evaluate on the other
// 400, and hold each model to its bar against torchvision's float
// predictions. The same commands produce README's accuracy table.
//
// Calibration and the kernels are deterministic, so each number is exact
// for this code. The bounds are README's measured values (default
// settings) less a stated margin: 1.0 point of top-1 and agreement (4 of
// the 400 images) and 1.0 dB of SQNR, room for a harmless change that
// moves an image or two, so that a regression of 2 points fails.
func TestInt8Accuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("calibrates two models and evaluates 800 images: skipped in -short mode")
	}
	images := testdata.Path(t, "imagenet-sample", "images")
	labels := testdata.Path(t, "imagenet-sample", "labels.tsv")
	for _, tc := range []struct {
		ckpt, ref, padding string
		maxDrop, minAgree  float64
		minSQNR            float64
	}{
		// measured: top-1 +0.75 over float, agreement 95.00 %, 22.4 dB
		{"shufflenet_v2_x0_5.pth", "float-shufflenet_v2_x0_5.tsv", "torch", -0.75 + 1.0, 95.00 - 1.0, 22.4 - 1.0},
		// measured: top-1 −0.50, agreement 94.50 %, 13.5 dB
		{"mobilenet_v3_small_tf.pth", "float-mobilenet_v3_small_tf.tsv", "tf", 0.50 + 1.0, 94.50 - 1.0, 13.5 - 1.0},
		// Random weights: accuracy means nothing, but the int8 logits must
		// track the float ones. measured: 39.1 dB
		{"mobilenet_v3_small_random.pth", "", "torch", 0, 0, 39.1 - 1.0},
	} {
		t.Run(tc.ckpt, func(t *testing.T) {
			weights := testdata.Path(t, "models", tc.ckpt)
			out := filepath.Join(t.TempDir(), "model.edgeq")
			code, stdout, stderr := runEdged(t, "calibrate", "--weights", weights, "--padding", tc.padding,
				"--images", images, "--limit", "100", "--out", out)
			if code != 0 {
				t.Fatalf("calibrate: exit %d\n%s", code, stderr)
			}
			t.Log(stdout)
			args := []string{"eval", "--model", out, "--float-weights", weights, "--images", images, "--labels", labels, "--json"}
			if tc.ref != "" {
				args = append(args, "--reference", testdata.Path(t, "imagenet-sample", tc.ref))
			}
			code, stdout, stderr = runEdged(t, args...)
			if code != 0 {
				t.Fatalf("eval: exit %d\n%s", code, stderr)
			}
			var r evalResult
			if err := json.Unmarshal([]byte(stdout), &r); err != nil || r.SQNR == nil || (tc.ref != "") != (r.Agreement != nil) {
				t.Fatalf("eval output %q: %v", stdout, err)
			}
			var refTop1, agreement float64
			if tc.ref != "" {
				refTop1, agreement = *r.ReferenceTop1, *r.Agreement
			}
			t.Logf("%s: %d images (%d calibration images excluded): top-1 %.2f%% (float %.2f%%, %+.2f), top-1 agreement %.2f%%, logits SQNR %.1f dB",
				tc.ckpt, r.Images, r.Excluded, r.Top1, refTop1, r.Top1-refTop1, agreement, *r.SQNR)
			if r.Images != 400 || r.Excluded != 100 {
				t.Errorf("evaluated %d images with %d excluded, want 400 and 100", r.Images, r.Excluded)
			}
			if *r.SQNR < tc.minSQNR {
				t.Errorf("logits SQNR %.1f dB < %.1f dB", *r.SQNR, tc.minSQNR)
			}
			if tc.ref == "" {
				return
			}
			if drop := refTop1 - r.Top1; drop > tc.maxDrop {
				t.Errorf("int8 top-1 %.2f%% is %.2f points below float %.2f%% (allowed %.2f)", r.Top1, drop, refTop1, tc.maxDrop)
			}
			if agreement < tc.minAgree {
				t.Errorf("top-1 agreement %.2f%% < %.2f%%", agreement, tc.minAgree)
			}
		})
	}
}
