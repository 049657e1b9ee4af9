package preprocess

import (
	"encoding/binary"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/edged/edged/internal/testdata"
)

// TestGoldenInputs runs the whole pipeline (decode, resize, crop,
// normalize) on the 8 images whose torchvision tensors are in
// golden/inputs and requires the same float32 values: torchvision's
// tensors were made with PIL (libjpeg-turbo) and this package reproduces
// its integer arithmetic, so the expected difference is exactly zero.
func TestGoldenInputs(t *testing.T) {
	dir := testdataDir(t)
	goldens, err := filepath.Glob(filepath.Join(dir, "golden", "inputs", "*.f32"))
	if err != nil || len(goldens) == 0 {
		testdata.Skipf(t, "no golden inputs under %s/golden/inputs", dir)
	}
	tr := ImageNet()
	got := make([]float32, Size*Size*3)
	var allDiff, allVals int
	for _, g := range goldens {
		name := strings.TrimSuffix(filepath.Base(g), ".f32")
		want := readF32(t, g)
		if len(want) != 3*Size*Size {
			t.Fatalf("%s: %d floats, want %d (CHW 3x224x224)", g, len(want), 3*Size*Size)
		}
		img, err := DecodeFile(filepath.Join(dir, "imagenet-sample", "images", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Apply(img, got); err != nil {
			t.Fatal(err)
		}
		var maxAbs, sumAbs float64
		diffLevels := 0
		for c := range 3 {
			for i := range Size * Size {
				w := want[c*Size*Size+i] // CHW
				v := got[i*3+c]          // HWC
				d := math.Abs(float64(v - w))
				maxAbs = max(maxAbs, d)
				sumAbs += d
				if math.Round(d*float64(tr.Std[c])*255) != 0 {
					diffLevels++
				}
			}
		}
		t.Logf("%-36s %dx%d: max|diff| %.3g, mean|diff| %.3g, uint8 levels differing %d of %d",
			name, img.W, img.H, maxAbs, sumAbs/float64(len(want)), diffLevels, len(want))
		allDiff += diffLevels
		allVals += len(want)
		if maxAbs != 0 || diffLevels != 0 {
			t.Errorf("%s: differs from torchvision's tensor (max|diff| %g, %d uint8 levels); PIL-exact decoding or resizing broke",
				name, maxAbs, diffLevels)
		}
	}
	t.Logf("all %d golden images: %d of %d values differ", len(goldens), allDiff, allVals)
}

func readF32(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := make([]float32, len(b)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return f
}

// TestSampleDecodeAgainstGoIDCT cross-checks the JPEG decoder on every
// image of imagenet-sample against Go's image/jpeg, an independent
// entropy decoder: with both fed through the same upsampling and colour
// conversion, only the IDCT rounding differs, which moves a few percent
// of the bytes by at most 3 levels. A wrong Huffman, progressive or
// restart path would show as gross differences.
func TestSampleDecodeAgainstGoIDCT(t *testing.T) {
	dir := testdataDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "imagenet-sample", "images", "*.JPEG"))
	if len(files) == 0 {
		testdata.Skipf(t, "no images in %s/imagenet-sample/images", dir)
	}
	sort.Strings(files)
	if testing.Short() {
		files = files[:50]
	}
	var differ, total, worst int
	for _, f := range files {
		mine, err := DecodeFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		gm, err := jpeg.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: image/jpeg: %v", f, err)
		}
		ref, err := FromImage(gm)
		if err != nil {
			t.Fatal(err)
		}
		if ref.W != mine.W || ref.H != mine.H {
			t.Fatalf("%s: size %dx%d, image/jpeg says %dx%d", f, mine.W, mine.H, ref.W, ref.H)
		}
		for i, v := range mine.Pix {
			d := int(v) - int(ref.Pix[i])
			if d != 0 {
				differ++
				worst = max(worst, d, -d)
			}
		}
		total += len(mine.Pix)
	}
	frac := float64(differ) / float64(total)
	t.Logf("%d images: %.2f%% of bytes differ from image/jpeg's IDCT, by at most %d", len(files), 100*frac, worst)
	if worst > 4 || frac > 0.05 {
		t.Errorf("decoder departs from image/jpeg by up to %d levels on %.2f%% of bytes; expected IDCT rounding only (<= 4, < 5%%)", worst, 100*frac)
	}
}
