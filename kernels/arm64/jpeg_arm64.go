//go:build !purego

package arm64

import "unsafe"

// YCCToRGB converts the longest prefix of 16-pixel groups of the Y, Cb, Cr
// rows to packed RGB in dst exactly as libjpeg-turbo's jdcolor.c does,
// and returns how many pixels it converted (the caller does the rest).
func YCCToRGB(dst, y, cb, cr []uint8) int {
	n := min(len(y), len(cb), len(cr), len(dst)/3) &^ 15
	if n == 0 {
		return 0
	}
	yccToRGBU8_NEON(unsafe.Pointer(&dst[0]), unsafe.Pointer(&y[0]), unsafe.Pointer(&cb[0]), unsafe.Pointer(&cr[0]), n)
	return n
}

// H2V2Fancy computes the interior of libjpeg-turbo's h2v2 fancy
// upsampling of a row of len(cur) chroma columns, cur the nearer and
// near the further input row: the outputs dst[2i], dst[2i+1] of columns
// i = 1 .. m for the largest m that is a multiple of 8 and <= len(cur)-2.
// It returns m; the caller does column 0 and columns m+1 .. len(cur)-1.
func H2V2Fancy(dst, cur, near []uint8) int {
	m := (min(len(cur), len(near)) - 2) &^ 7
	if m <= 0 || len(dst) < 2*(m+1) {
		return 0
	}
	upsampleU8_h2v2_NEONFancy(unsafe.Pointer(&dst[2]), unsafe.Pointer(&cur[1]), unsafe.Pointer(&near[1]), m)
	return m
}

// IDCTIslow writes the 8x8 samples of a block of dequantized coefficients
// (natural order) to dst, rows stride bytes apart, exactly as
// preprocess's Go idctIslow (libjpeg-turbo's islow with 16-bit
// dequantization and intermediate rows). It reports false, doing nothing,
// when dst is too short.
func IDCTIslow(blk *[64]int16, dst []uint8, stride int) bool {
	if stride < 8 || len(dst) < 7*stride+8 {
		return false
	}
	idctI16U8_8x8_NEONIslow(unsafe.Pointer(blk), unsafe.Pointer(&dst[0]), stride)
	return true
}

// IDCT4x4 and IDCT2x2 are IDCTIslow for preprocess's reduced IDCTs
// (libjpeg-turbo's jidctred.c, used by DCT-domain downscaling).
func IDCT4x4(blk *[64]int16, dst []uint8, stride int) bool {
	if stride < 4 || len(dst) < 3*stride+4 {
		return false
	}
	idctI16U8_4x4_NEONIslow(unsafe.Pointer(blk), unsafe.Pointer(&dst[0]), stride)
	return true
}

func IDCT2x2(blk *[64]int16, dst []uint8, stride int) bool {
	if stride < 2 || len(dst) < stride+2 {
		return false
	}
	idctI16U8_2x2_NEONIslow(unsafe.Pointer(blk), unsafe.Pointer(&dst[0]), stride)
	return true
}

// H2V1Fancy is H2V2Fancy for libjpeg-turbo's h2v1 fancy upsampling
// (4:2:2 chroma) of one row cur.
func H2V1Fancy(dst, cur []uint8) int {
	m := (len(cur) - 2) &^ 7
	if m <= 0 || len(dst) < 2*(m+1) {
		return 0
	}
	upsampleU8_h2v1_NEONFancy(unsafe.Pointer(&dst[2]), unsafe.Pointer(&cur[1]), m)
	return m
}
