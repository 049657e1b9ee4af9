//go:build !purego

package amd64

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
