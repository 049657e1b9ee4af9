//go:build !purego

package preprocess

import "github.com/edged/edged/kernels/arm64"

// The NEON kernels of kernels/arm64 for the JPEG decoder's per-pixel
// stages. Each does a prefix of its row and returns how much; the Go code
// (their oracle) does the rest. useArch lets tests compare the two.
var useArch = true

// archIDCT8, archIDCT4, archIDCT2: every IDCT has a NEON kernel
// (idctI16U8_8x8_NEONIslow and the scaled ones).
const archIDCT8, archIDCT4, archIDCT2 = true, true, true

func yccToRGBArch(dst, ys, cbs, crs []uint8) int {
	if !useArch {
		return 0
	}
	return arm64.YCCToRGB(dst, ys, cbs, crs)
}

func h2v2Arch(dst, cur, near []uint8) int {
	if !useArch {
		return 0
	}
	return arm64.H2V2Fancy(dst, cur, near)
}

func idctIslowArch(blk *[64]int16, dst []uint8, stride int) bool {
	return useArch && arm64.IDCTIslow(blk, dst, stride)
}

func idct4x4Arch(blk *[64]int16, dst []uint8, stride int) bool {
	return useArch && arm64.IDCT4x4(blk, dst, stride)
}

func idct2x2Arch(blk *[64]int16, dst []uint8, stride int) bool {
	return useArch && arm64.IDCT2x2(blk, dst, stride)
}

func h2v1Arch(dst, cur []uint8) int {
	if !useArch {
		return 0
	}
	return arm64.H2V1Fancy(dst, cur)
}
