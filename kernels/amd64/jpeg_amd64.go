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
// or rows that overlap.
func IDCTIslow(blk *[64]int16, dst []uint8, stride int) bool {
	if stride < 8 || len(dst) < 7*stride+8 {
		return false
	}
	idctI16U8_8x8_AVX2Islow(unsafe.Pointer(blk), ptr(dst), stride)
	return true
}
