package preprocess

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// synth is a deterministic test pattern with high-frequency content, so
// that any difference in filter support, weights or rounding shows. The
// expectations below come from Pillow 9.4 (Image.resize(size, BILINEAR)
// plus torchvision's center_crop rules) run on the same pattern.
func synth(w, h int) *RGB {
	m := NewRGB(w, h)
	for y := range h {
		for x := range w {
			for c := range 3 {
				m.Pix[(y*w+x)*3+c] = uint8((x*7 + y*13 + c*50 + (x*y)%31) & 255)
			}
		}
	}
	return m
}

func TestResizeCropMatchesPillow(t *testing.T) {
	cases := []struct {
		w, h, short, crop int
		sha256            string
	}{
		{500, 375, 256, 224, "13b6c1bf26ce3b94faa0b5b10d794fe053bcf76e38a549882a5f85bf041facc6"},
		{375, 500, 256, 224, "6c47ab0f81b3b700be8ba5c6e29f25a128bb8199c67036d0ba74bce051a42952"},
		{50, 40, 256, 224, "2a12cc546e99cf719b3a0e80d64698a24de15e5f8c7fa325a72f056903384a26"},     // upscale: support 1
		{1000, 260, 256, 224, "ec4439a92b35369e740e726fb3cba5e640ee88a6b7f921d527d702cfe157d0f2"},  // long side truncated
		{256, 400, 256, 224, "c5520d7936859e8b063614a0267cecc53087bc18d900ca38dd493764b6ca28e3"},   // no resize at all
		{300, 299, 256, 224, "a2dff39cdddb168d9a6a60140dd6e08de7cb95632cbfdece523cf03f27ba8a11"},   // long side 256.9 truncated to 256
		{2000, 1500, 256, 224, "8d90e2de29bfe56ce80edaa5435fcfea93afaba742c5ec0f20b000ea8dc549b3"}, // wide support
		{40, 30, 20, 24, "bf1494757fe3824fc6e5d8ddc46ed8d0b6562674c7ae6fd940ae74a5802b7397"},       // padded crop
	}
	for _, c := range cases {
		tr := Transform{ResizeShort: c.short, Crop: c.crop, Std: [3]float32{1, 1, 1}}
		out := make([]uint8, c.crop*c.crop*3)
		if err := tr.ApplyUint8(synth(c.w, c.h), out); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(out)
		if got := hex.EncodeToString(sum[:]); got != c.sha256 {
			t.Errorf("%dx%d resize %d crop %d: sha256 %s, Pillow's is %s", c.w, c.h, c.short, c.crop, got, c.sha256)
		}
	}
}

// Small cases spelled out, so a failure shows the bytes.
func TestResizeSmallMatchesPillow(t *testing.T) {
	cases := []struct {
		w, h, short, crop int
		want              []uint8
	}{
		// 7x5 -> 4x3, crop 3: downscale, asymmetric support at the edges.
		{7, 5, 3, 3, []uint8{10, 60, 110, 21, 71, 121, 34, 84, 134, 31, 81, 131, 45, 95, 145, 61, 111, 161, 52, 102, 152, 69, 119, 169, 88, 138, 188}},
		// 5x7 -> 9x12, crop 6: upscale.
		{5, 7, 9, 6, []uint8{28, 78, 128, 33, 83, 133, 37, 87, 137, 42, 92, 142, 47, 97, 147, 51, 101, 151, 36, 86, 136, 41, 91, 141, 46, 96, 146, 51, 101, 151, 56, 106, 156, 61, 111, 161, 44, 94, 144, 49, 99, 149, 55, 105, 155, 60, 110, 160, 65, 115, 165, 71, 121, 171, 52, 102, 152, 57, 107, 157, 63, 113, 163, 69, 119, 169, 75, 125, 175, 81, 131, 181, 60, 110, 160, 66, 116, 166, 72, 122, 172, 78, 128, 178, 84, 134, 184, 90, 140, 190, 68, 118, 168, 74, 124, 174, 81, 131, 181, 87, 137, 187, 93, 143, 193, 100, 150, 200}},
	}
	for _, c := range cases {
		tr := Transform{ResizeShort: c.short, Crop: c.crop, Std: [3]float32{1, 1, 1}}
		out := make([]uint8, c.crop*c.crop*3)
		if err := tr.ApplyUint8(synth(c.w, c.h), out); err != nil {
			t.Fatal(err)
		}
		for i := range out {
			if out[i] != c.want[i] {
				t.Errorf("%dx%d resize %d crop %d:\n got %v\nwant %v", c.w, c.h, c.short, c.crop, out, c.want)
				break
			}
		}
	}
}

func TestResizedSize(t *testing.T) {
	tr := ImageNet()
	for _, c := range []struct{ w, h, nw, nh int }{
		{500, 375, 341, 256}, // 341.33 truncated
		{375, 500, 256, 341},
		{500, 500, 256, 256},
		{1000, 260, 984, 256}, // 984.6 truncated, not rounded
		{100, 50, 512, 256},   // upscale
		{256, 999, 256, 999},  // already there
	} {
		if nw, nh := tr.ResizedSize(c.w, c.h); nw != c.nw || nh != c.nh {
			t.Errorf("ResizedSize(%d, %d) = %d, %d; torchvision gives %d, %d", c.w, c.h, nw, nh, c.nw, c.nh)
		}
	}
}

func TestCropAxisRoundsHalfToEven(t *testing.T) {
	// torchvision: int(round((n - crop) / 2.0)) with Python's round.
	for _, c := range []struct{ n, first, pad int }{
		{341, 58, 0}, // 58.5 -> 58
		{343, 60, 0}, // 59.5 -> 60
		{342, 59, 0},
		{224, 0, 0},
		{221, 0, 1}, // (224-221)//2 zeros before
		{100, 0, 62},
	} {
		if first, pad := cropAxis(c.n, Size); first != c.first || pad != c.pad {
			t.Errorf("cropAxis(%d) = %d, %d; want %d, %d", c.n, first, pad, c.first, c.pad)
		}
	}
}
