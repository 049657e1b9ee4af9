//go:build (arm64 || amd64) && !purego

package preprocess

// The JPEG decoder's kernels in assembly (NEON on arm64, AVX2 on amd64;
// jpegarch_<arch>.go binds kYCC ... kIDCT2, as functions: through func
// values the blocks would escape to the heap, and says which exist). Each
// does a prefix of its row (or the whole block) and says how much; the
// Go code (their oracle) does the rest. useArch lets tests compare the
// two.

func yccToRGBArch(dst, ys, cbs, crs []uint8) int {
	if !useArch {
		return 0
	}
	return kYCC(dst, ys, cbs, crs)
}

func h2v2Arch(dst, cur, near []uint8) int {
	if !useArch {
		return 0
	}
	return kH2V2(dst, cur, near)
}

func idctIslowArch(blk *[64]int16, dst []uint8, stride int) bool {
	return useArch && kIDCT8(blk, dst, stride)
}

func idct4x4Arch(blk *[64]int16, dst []uint8, stride int) bool {
	return useArch && kIDCT4(blk, dst, stride)
}

func idct2x2Arch(blk *[64]int16, dst []uint8, stride int) bool {
	return useArch && kIDCT2(blk, dst, stride)
}
