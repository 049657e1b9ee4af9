//go:build !purego

package amd64

import "unsafe"

// YCCToRGB converts the longest prefix of a multiple of 16 pixels of the
// rows y, cb, cr (len(dst)/3 pixels at most) to packed RGB in dst, as
// package preprocess's Go code (jdcolor.c's ycc_rgb_convert) does, and
// returns how many pixels it converted.
func YCCToRGB(dst, y, cb, cr []uint8) int {
	n := min(len(y), len(cb), len(cr), len(dst)/3) &^ 15
	if n > 0 {
		yccToRGBU8_AVX2(ptr(dst), ptr(y), ptr(cb), ptr(cr), n)
	}
	return n
}

// IDCTIslow writes the 8×8 samples of the dequantized coefficients blk
// to dst, stride bytes apart, as package preprocess's idctIslow
// (jidctint.c) does; it declines (false) a dst too short for 8 rows of 8
// or rows that overlap. IDCT4x4 and IDCT2x2 are the same for
// preprocess's idct4x4 and idct2x2 (jidctred.c's 4×4 and 2×2 outputs,
// used by DCT-domain downscaling by 2 and 4). The kernels are called
// directly: through a func value, blk would escape to the heap.
func IDCTIslow(blk *[64]int16, dst []uint8, stride int) (ok bool) {
	if ok = fits(8, dst, stride); ok {
		idctI16U8_8x8_AVX2Islow(unsafe.Pointer(blk), ptr(dst), stride)
	}
	return ok
}

func IDCT4x4(blk *[64]int16, dst []uint8, stride int) (ok bool) {
	if ok = fits(4, dst, stride); ok {
		idctI16U8_4x4_AVX2(unsafe.Pointer(blk), ptr(dst), stride)
	}
	return ok
}

func IDCT2x2(blk *[64]int16, dst []uint8, stride int) (ok bool) {
	if ok = fits(2, dst, stride); ok {
		idctI16U8_2x2_AVX2(unsafe.Pointer(blk), ptr(dst), stride)
	}
	return ok
}

// fits reports whether dst holds n rows of n bytes, stride ≥ n apart.
func fits(n int, dst []uint8, stride int) bool { return stride >= n && len(dst) >= (n-1)*stride+n }

// H2V2Fancy upsamples the inner columns 1..m of a row of chroma (cur,
// and near, the row above or below) to dst's columns 2..2m+1, as package
// preprocess's h2v2Row (jdsample.c's h2v2_fancy_upsample) does, and
// returns m: a multiple of 16 that leaves at least the last column to the
// caller, or 0.
func H2V2Fancy(dst, cur, near []uint8) (m int) {
	if m = (min(len(cur), len(near)) - 2) &^ 15; m > 0 && len(dst) >= 2*(m+1) {
		upsampleU8_h2v2_AVX2Fancy(unsafe.Pointer(&dst[2]), unsafe.Pointer(&cur[1]), unsafe.Pointer(&near[1]), m)
		return m
	}
	return 0
}
