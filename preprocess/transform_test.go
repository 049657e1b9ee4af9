package preprocess

import (
	"strings"
	"sync"
	"testing"
)

func TestTransformRejectsBadInput(t *testing.T) {
	img := synth(40, 30)
	dst := make([]float32, Size*Size*3)
	for name, c := range map[string]struct {
		tr  Transform
		img *RGB
		dst []float32
		msg string
	}{
		"zero resize":    {Transform{Crop: 224, Std: [3]float32{1, 1, 1}}, img, dst, "must be positive"},
		"zero std":       {Transform{ResizeShort: 256, Crop: 224, Std: [3]float32{1, 0, 1}}, img, dst, "std[1]"},
		"nil image":      {ImageNet(), nil, dst, "nil image"},
		"short pixels":   {ImageNet(), &RGB{W: 40, H: 30, Pix: img.Pix[:100]}, dst, "pixel bytes"},
		"small dst":      {ImageNet(), img, dst[:1000], "need 150528"},
		"empty image":    {ImageNet(), &RGB{}, dst, "must be positive"},
		"negative width": {ImageNet(), &RGB{W: -1, H: 3}, dst, "must be positive"},
	} {
		err := c.tr.Apply(c.img, c.dst)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: Apply = %v; want an error containing %q", name, err, c.msg)
		}
	}
}

// Apply must equal ApplyUint8 followed by ToTensor+Normalize in float32.
func TestApplyNormalizes(t *testing.T) {
	tr := ImageNet()
	tr.ResizeShort = 100 // smaller than the crop: zero padding shows too
	img := synth(120, 100)
	u8 := make([]uint8, Size*Size*3)
	f32 := make([]float32, Size*Size*3)
	if err := tr.ApplyUint8(img, u8); err != nil {
		t.Fatal(err)
	}
	if err := tr.Apply(img, f32); err != nil {
		t.Fatal(err)
	}
	for i, v := range u8 {
		c := i % 3
		x := float32(v) / 255
		want := (x - tr.Mean[c]) / tr.Std[c]
		if f32[i] != want {
			t.Fatalf("value %d: %v, want (%d/255-%v)/%v = %v", i, f32[i], v, tr.Mean[c], tr.Std[c], want)
		}
	}
	// 120x100 -> 120x100 (no resize), padded (224-120)/2 = 52 left, 62 top.
	if u8[0] != 0 || u8[(62*Size+52)*3] != img.Pix[0] || u8[(61*Size+52)*3] != 0 || u8[(62*Size+51)*3] != 0 {
		t.Errorf("padding misplaced: first image byte should be at (52, 62)")
	}
}

func TestApplyConcurrentAndAllocationFree(t *testing.T) {
	tr := ImageNet()
	imgs := []*RGB{synth(500, 375), synth(375, 500), synth(64, 48)}
	want := make([][]float32, len(imgs))
	for i, img := range imgs {
		want[i] = make([]float32, Size*Size*3)
		if err := tr.Apply(img, want[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := make([]float32, Size*Size*3)
			for k := range 20 {
				i := (g + k) % len(imgs)
				if err := tr.Apply(imgs[i], dst); err != nil {
					t.Error(err)
					return
				}
				for j := range dst {
					if dst[j] != want[i][j] {
						t.Errorf("concurrent Apply of image %d differs at %d", i, j)
						return
					}
				}
			}
		}()
	}
	wg.Wait()

	if raceEnabled {
		return // sync.Pool drops items at random under -race
	}
	dst := make([]float32, Size*Size*3)
	allocs := testing.AllocsPerRun(50, func() {
		if err := tr.Apply(imgs[0], dst); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 { // a GC may empty the pool once in a while
		t.Errorf("steady-state Apply allocates %.1f times per call; want ~0", allocs)
	}
}
