//go:build !purego

package preprocess

import "github.com/edged/edged/kernels/amd64"

// The AVX2 kernels of kernels/amd64 for the JPEG decoder's colour
// conversion, h2v2 upsampling and IDCTs, on CPUs with AVX2; h2v1
// upsampling runs in Go. Each kernel does a prefix of its row (or the
// whole block) and says how much; the Go code (their oracle) does the
// rest. useArch lets tests compare the two.
var useArch = amd64.Best() != amd64.None

// archIDCT8, archIDCT4, archIDCT2: which IDCTs have kernels (on a CPU
// that runs them): all three (idctI16U8_8x8_AVX2Islow, ..._4x4_AVX2,
// ..._2x2_AVX2).
const archIDCT8, archIDCT4, archIDCT2 = true, true, true

func yccToRGBArch(dst, ys, cbs, crs []uint8) int {
	if !useArch {
		return 0
	}
	return amd64.YCCToRGB(dst, ys, cbs, crs)
}

func h2v2Arch(dst, cur, near []uint8) int {
	if !useArch {
		return 0
	}
	return amd64.H2V2Fancy(dst, cur, near)
}

func h2v1Arch(dst, cur []uint8) int { return 0 }

func idctIslowArch(blk *[64]int16, dst []uint8, stride int) bool {
	return useArch && amd64.IDCTIslow(blk, dst, stride)
}

func idct4x4Arch(blk *[64]int16, dst []uint8, stride int) bool {
	return useArch && amd64.IDCT4x4(blk, dst, stride)
}

func idct2x2Arch(blk *[64]int16, dst []uint8, stride int) bool {
	return useArch && amd64.IDCT2x2(blk, dst, stride)
}
