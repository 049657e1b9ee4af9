//go:build !purego

package preprocess

import "github.com/edged/edged/kernels/amd64"

// The AVX2 kernels of kernels/amd64 for the JPEG decoder (see
// jpegarch_simd.go), on CPUs with AVX2: colour conversion, h2v2
// upsampling and the three IDCTs; h2v1 upsampling runs in Go.

// archIDCT: the IDCTs have kernels (on a CPU that runs them).
const archIDCT = true

var useArch = amd64.Best() != amd64.None

func kYCC(dst, y, cb, cr []uint8) int                     { return amd64.YCCToRGB(dst, y, cb, cr) }
func kH2V2(dst, cur, near []uint8) int                    { return amd64.H2V2Fancy(dst, cur, near) }
func kIDCT8(blk *[64]int16, dst []uint8, stride int) bool { return amd64.IDCTIslow(blk, dst, stride) }
func kIDCT4(blk *[64]int16, dst []uint8, stride int) bool { return amd64.IDCT4x4(blk, dst, stride) }
func kIDCT2(blk *[64]int16, dst []uint8, stride int) bool { return amd64.IDCT2x2(blk, dst, stride) }

func h2v1Arch(dst, cur []uint8) int { return 0 }
