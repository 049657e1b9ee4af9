//go:build !purego

package amd64

import "github.com/edged/edged/kernels/internal/argcheck"

// The resampling passes of package preprocess (Pillow's 8-bit resampler;
// preprocess's Go code is the oracle). Each returns false, having done
// nothing, when the slices are too short for what the parameters say.

// ResampleV8 writes width bytes (a multiple of 32) of one vertical-pass
// output row into dst: byte x is clip8(1<<21 + Σ_i w[i]·src[i·stride+x])
// for i < len(w).
func ResampleV8(dst, src []uint8, stride int, w []int32, width int) bool {
	ok := argcheck.ResampleV(dst, src, stride, w, width, 32)
	if ok {
		resampleVertU8_AVX2(ptr(src), stride, len(w), ptr(w), ptr(dst), width)
	}
	return ok
}

// ResampleH8 runs the horizontal pass over rows rows of packed RGB (see
// argcheck.ResampleH); the loads reach a byte past a pixel's last tap.
func ResampleH8(dst []uint8, ds int, src []uint8, ss, rows int, start, n []int, w []int32) bool {
	ok := argcheck.ResampleH(dst, ds, src, ss, rows, start, n, w, 1)
	if ok {
		resampleHorizU8_AVX2(ptr(src), ss, rows, ptr(dst), ds, ptr(start), ptr(n), ptr(w), len(n))
	}
	return ok
}
