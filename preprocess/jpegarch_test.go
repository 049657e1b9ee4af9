package preprocess

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// withArch runs f with the NEON or AVX2 kernels on or off (a no-op
// switch where there are none).
func withArch(on bool, f func()) {
	saved := useArch
	useArch = on && saved
	defer func() { useArch = saved }()
	f()
}

// TestArchKernelsMatchGo compares the kernels (NEON: colour conversion,
// h2v1 and h2v2 upsampling; AVX2: colour conversion and h2v2) with the
// Go code on random rows of every length up to 80, including the extremes
// of every input byte.
func TestArchKernelsMatchGo(t *testing.T) {
	if !useArch {
		t.Log("no kernels on this architecture: Go against itself")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 3; n <= 80; n++ {
		for trial := range 20 {
			row := func() []uint8 {
				r := make([]uint8, n)
				for i := range r {
					switch trial {
					case 0:
						r[i] = 0
					case 1:
						r[i] = 255
					default:
						r[i] = uint8(rng.IntN(256))
					}
				}
				return r
			}
			y, cb, cr := row(), row(), row()
			if trial < 2 { // extreme chroma against extreme luma
				cb, cr = row(), row()
				for i := range y {
					y[i] = uint8(255 * (i % 2))
				}
			}
			var want, got []uint8
			for _, on := range []bool{false, true} {
				dst := make([]uint8, 3*n)
				withArch(on, func() { yccToRGB(dst, y, cb, cr) })
				if on {
					got = dst
				} else {
					want = dst
				}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("yccToRGB n=%d trial %d: kernel %v, Go %v", n, trial, got, want)
			}
			var h2v1 [2][]uint8
			for i, on := range []bool{false, true} {
				buf := make([]uint8, 2*n+8)
				withArch(on, func() { h2v1Row(buf, cb); h2v1[i] = buf[:2*n] })
			}
			if !bytes.Equal(h2v1[0], h2v1[1]) {
				t.Fatalf("h2v1 n=%d: kernel %v, Go %v", n, h2v1[1], h2v1[0])
			}
			up := upsampler{pix: append(bytes.Clone(cb), cr...), stride: n, w: n, h: 2, hExp: 2, vExp: 2, fancyH: true, fancyV: true}
			sums := make([]int32, n)
			for yy := range 4 {
				var outs [2][]uint8
				for i, on := range []bool{false, true} {
					buf := make([]uint8, 2*n+8)
					withArch(on, func() { outs[i] = bytes.Clone(up.row(buf, 2*n, yy, sums)[:2*n]) })
				}
				if !bytes.Equal(outs[0], outs[1]) {
					t.Fatalf("h2v2 n=%d row %d: kernel %v, Go %v", n, yy, outs[1], outs[0])
				}
			}
		}
	}
}

// TestArchDecodeMatchesGo decodes the shared frames and the generated
// images with and without the kernels, at every scale.
func TestArchDecodeMatchesGo(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "scaled", "*.jpg"))
	frames, _ := filepath.Glob(filepath.Join(testdataDir(t), "frames", "*.jpg"))
	for _, f := range append(files, frames...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, denom := range []int{1, 2, 4, 8} {
			var outs [2][]uint8
			for i, on := range []bool{false, true} {
				withArch(on, func() {
					var d Decoder
					m, err := d.Decode(data, DecodeOptions{ScaleDenom: denom})
					if err != nil {
						t.Fatal(err)
					}
					outs[i] = m.Pix
				})
			}
			if !bytes.Equal(outs[0], outs[1]) {
				t.Errorf("%s 1/%d: the kernels' and Go's decodes differ", filepath.Base(f), denom)
			}
		}
	}
}

// TestArchIDCTMatchesGo compares the IDCT kernels (NEON: 8x8, 4x4, 2x2;
// AVX2: the same) with the Go ones on random blocks: small coefficients (real
// images), sparse ones, and full-range int16 (corrupt data, where only
// the shared arithmetic modulo 2^32 keeps them equal).
func TestArchIDCTMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 20000 {
		var blk [64]int16
		for i := range blk {
			switch trial % 4 {
			case 0:
				blk[i] = int16(rng.IntN(64) - 32)
			case 1:
				if rng.IntN(8) == 0 {
					blk[i] = int16(rng.IntN(2048) - 1024)
				}
			case 2:
				blk[i] = int16(rng.Uint32())
			default:
				if rng.IntN(3) == 0 {
					blk[i] = int16(rng.IntN(16384) - 8192)
				}
			}
		}
		for _, k := range []struct {
			size     int
			goIDCT   func(*[64]int16, []uint8, int)
			archIDCT func(*[64]int16, []uint8, int) bool
		}{{8, idctIslow, idctIslowArch}, {4, idct4x4, idct4x4Arch}, {2, idct2x2, idct2x2Arch}} {
			var want, got [8 * 11]uint8
			for i := range want { // bytes between rows must stay as they are
				want[i], got[i] = uint8(i), uint8(i)
			}
			k.goIDCT(&blk, want[:], 11)
			if !k.archIDCT(&blk, got[:], 11) {
				if useArch && archIDCT {
					t.Fatalf("the %dx%d IDCT kernel refused a valid destination", k.size, k.size)
				}
				return
			}
			if want != got {
				t.Fatalf("%dx%d trial %d: block %v\nkernel %v\nGo     %v", k.size, k.size, trial, blk, got, want)
			}
		}
	}
}
