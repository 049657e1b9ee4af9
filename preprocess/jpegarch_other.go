//go:build !(arm64 || amd64) || purego

package preprocess

// Without kernels (NEON, AVX2) the Go code does every pixel.
var useArch = false

// archIDCT: no IDCT kernels.
const archIDCT = false

func yccToRGBArch(dst, ys, cbs, crs []uint8) int { return 0 }

func h2v2Arch(dst, cur, near []uint8) int { return 0 }

func idctIslowArch(blk *[64]int16, dst []uint8, stride int) bool { return false }

func idct4x4Arch(blk *[64]int16, dst []uint8, stride int) bool { return false }

func idct2x2Arch(blk *[64]int16, dst []uint8, stride int) bool { return false }

func h2v1Arch(dst, cur []uint8) int { return 0 }
