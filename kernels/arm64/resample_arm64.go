//go:build !purego

package arm64

import (
	"unsafe"

	"github.com/edged/edged/kernels/internal/argcheck"
)

// The resampling passes of package preprocess (Pillow's 8-bit bilinear
// resampler; preprocess's Go code is the oracle). Each returns false,
// having done nothing, when the slices are too short for what the
// parameters say, so that a wrong call cannot read or write out of bounds.

// ResampleV8 writes width bytes (a multiple of 16) of one vertical-pass
// output row into dst: byte x is clip8(1<<21 + Σ_i w[i]·src[i·stride+x])
// for i < len(w).
func ResampleV8(dst, src []uint8, stride int, w []int32, width int) bool {
	if !argcheck.ResampleV(dst, src, stride, w, width, 16) {
		return false
	}
	resampleVertU8_NEON(ptr(src), stride, len(w), ptr(w), ptr(dst), width)
	return true
}

// ResampleH8 runs the horizontal pass over rows rows of packed RGB (see
// argcheck.ResampleH). The loads reach up to 4 bytes past a pixel's last
// tap, so src must hold 4 bytes past the last tap of the last row.
func ResampleH8(dst []uint8, ds int, src []uint8, ss, rows int, start, n []int, w []int32) bool {
	if !argcheck.ResampleH(dst, ds, src, ss, rows, start, n, w, 4) {
		return false
	}
	resampleHorizU8_NEON(ptr(src), ss, rows, ptr(dst), ds, unsafe.Pointer(&start[0]), unsafe.Pointer(&n[0]), ptr(w), len(n))
	return true
}
