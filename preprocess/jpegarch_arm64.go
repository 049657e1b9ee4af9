//go:build !purego

package preprocess

import "github.com/edged/edged/kernels/arm64"

// The NEON kernels of kernels/arm64 for the JPEG decoder (see
// jpegarch_simd.go): colour conversion, h2v1 and h2v2 upsampling and the
// three IDCTs.

// archIDCT: the IDCTs have NEON kernels (idctI16U8_8x8_NEONIslow and
// the scaled ones).
const archIDCT = true

var useArch = true

func kYCC(dst, y, cb, cr []uint8) int                     { return arm64.YCCToRGB(dst, y, cb, cr) }
func kH2V2(dst, cur, near []uint8) int                    { return arm64.H2V2Fancy(dst, cur, near) }
func kIDCT8(blk *[64]int16, dst []uint8, stride int) bool { return arm64.IDCTIslow(blk, dst, stride) }
func kIDCT4(blk *[64]int16, dst []uint8, stride int) bool { return arm64.IDCT4x4(blk, dst, stride) }
func kIDCT2(blk *[64]int16, dst []uint8, stride int) bool { return arm64.IDCT2x2(blk, dst, stride) }

func h2v1Arch(dst, cur []uint8) int {
	if !useArch {
		return 0
	}
	return arm64.H2V1Fancy(dst, cur)
}
