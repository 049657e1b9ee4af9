package preprocess

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/kernels"
)

// cropOnEveryPath resizes and crops img on every kernel path this build
// and CPU can run and fails unless all give the generic path's bytes.
func cropOnEveryPath(t *testing.T, name string, tr Transform, img *RGB) {
	t.Helper()
	var want []uint8
	for _, p := range append([]string{kernels.Generic}, kernels.Paths()...) {
		t.Setenv("EDGED_KERNELS", p) // a new Cropper asks useSIMD
		var c Cropper
		got := make([]uint8, tr.Crop*tr.Crop*3)
		if err := c.Apply(tr, img, got); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
			continue
		}
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("%s (%dx%d, resize %d, crop %d): kernel path %s differs from generic at byte %d: %d, want %d",
				name, img.W, img.H, tr.ResizeShort, tr.Crop, p, i, got[i], want[i])
		}
	}
}

func firstDiff(a, b []uint8) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// The NEON resampling passes equal the Go ones byte for byte: random
// images of random sizes (odd widths, strides that are no multiple of 16,
// upscaling, crops larger than the image, extreme values that saturate),
// and the real test images and frames. Under qemu-aarch64 this runs the
// NEON kernels (cortex-a72: neon; max: dotprod and neon).
func TestResampleNEONEqualsGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	for i := range 60 {
		w, h := 1+rng.IntN(700), 1+rng.IntN(500)
		img := NewRGB(w, h)
		switch i % 3 {
		case 0:
			for j := range img.Pix {
				img.Pix[j] = uint8(rng.IntN(256))
			}
		case 1: // black and white: sums at both clamps
			for j := range img.Pix {
				img.Pix[j] = uint8(rng.IntN(2) * 255)
			}
		default:
			for j := range img.Pix {
				img.Pix[j] = uint8(j)
			}
		}
		tr := ImageNet()
		tr.ResizeShort = 1 + rng.IntN(300)
		tr.Crop = 1 + rng.IntN(min(tr.ResizeShort+20, 256))
		cropOnEveryPath(t, "random", tr, img)
	}
	files, _ := filepath.Glob(filepath.Join(testdata.Path(t, "frames"), "*.jpg"))
	imgs, _ := filepath.Glob(filepath.Join(testdata.Path(t, "imagenet-sample", "images"), "*"))
	if len(files) == 0 || len(imgs) == 0 {
		t.Fatal("no frames or images")
	}
	files = append(files, imgs[:min(len(imgs), 12)]...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		cropOnEveryPath(t, filepath.Base(f), ImageNet(), img)
	}
}
