package preprocess

// This file is libjpeg's default inverse DCT, "islow" (jidctint.c: the
// Loeffler-Ligtenberg-Moschytz algorithm in 13-bit fixed point with 2 extra
// bits between the passes), which Pillow decodes with. Go's image/jpeg
// IDCT rounds differently and moved ~3% of the bytes of a typical photo by
// 1-3 levels, enough to change the float top-1 on 4 of 500 images.

const (
	constBits = 13
	pass1Bits = 2
)

// Fixed-point constants: FIX(x) = round(x * 2^13).
const (
	fix0_298631336 = 2446
	fix0_390180644 = 3196
	fix0_541196100 = 4433
	fix0_765366865 = 6270
	fix0_899976223 = 7373
	fix1_175875602 = 9633
	fix1_501321110 = 12299
	fix1_847759065 = 15137
	fix1_961570560 = 16069
	fix2_053119869 = 16819
	fix2_562915447 = 20995
	fix3_072711026 = 25172
)

// idctLimit is libjpeg's post-IDCT range-limit table, indexed by the
// level-unshifted output masked to 10 bits: -128..127 map to 0..255,
// overshoots saturate and wild values wrap the way libjpeg's do.
var idctLimit = func() (t [1024]uint8) {
	for x := range t {
		switch {
		case x < 128:
			t[x] = uint8(x + 128)
		case x < 512:
			t[x] = 255
		case x < 1024-128:
			t[x] = 0
		default:
			t[x] = uint8(x - (1024 - 128))
		}
	}
	return t
}()

// idct writes the bs x bs samples of one block (bs = 8: islow; 4, 2, 1:
// the reduced IDCTs of jidctred.c) from its dequantized coefficients.
// last is the zigzag index of the last nonzero coefficient, 0 when only
// the DC is (or may be) nonzero: the block is then flat, the common case
// in chroma, and costs a fill.
func idct(blk *[64]int32, last, bs int, dst []uint8, stride int) {
	if last == 0 {
		var v uint8
		if bs == 1 {
			v = idctLimit[descale32(blk[0], 3)&1023]
		} else {
			// Pass 1 scales the DC by 2^pass1Bits; the row pass's
			// zero-AC shortcut removes it with the IDCT's factor 8.
			v = idctLimit[descale32(blk[0]<<pass1Bits, pass1Bits+3)&1023]
		}
		for r := range bs {
			o := dst[r*stride : r*stride+bs]
			for i := range o {
				o[i] = v
			}
		}
		return
	}
	switch bs {
	case 8:
		idctIslow(blk, dst, stride)
	case 4:
		idct4x4(blk, dst, stride)
	case 2:
		idct2x2(blk, dst, stride)
	default:
		dst[0] = idctLimit[descale32(blk[0], 3)&1023]
	}
}

// idctIslow writes the 8x8 samples of dequantized coefficients blk
// (natural order) to dst with the given stride. It computes in 32 bits as
// libjpeg-turbo's SIMD versions do (its C code uses a 64-bit JLONG; both
// are exact for the coefficients of 8-bit images).
func idctIslow(blk *[64]int32, dst []uint8, stride int) {
	var ws [64]int32

	// Pass 1: columns, results scaled up by 2^pass1Bits.
	for c := range 8 {
		col := blk[c : c+57 : c+57]
		if col[8] == 0 && col[16] == 0 && col[24] == 0 && col[32] == 0 &&
			col[40] == 0 && col[48] == 0 && col[56] == 0 {
			dc := col[0] << pass1Bits
			for r := range 8 {
				ws[r*8+c] = dc
			}
			continue
		}

		// Even part.
		z2, z3 := col[16], col[48]
		z1 := (z2 + z3) * fix0_541196100
		tmp2 := z1 + z3*-fix1_847759065
		tmp3 := z1 + z2*fix0_765366865
		z2, z3 = col[0], col[32]
		tmp0 := (z2 + z3) << constBits
		tmp1 := (z2 - z3) << constBits
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2

		// Odd part.
		tmp0, tmp1, tmp2, tmp3 = oddPart(col[56], col[40], col[24], col[8])

		const sh = constBits - pass1Bits
		ws[0*8+c] = descale32(tmp10+tmp3, sh)
		ws[7*8+c] = descale32(tmp10-tmp3, sh)
		ws[1*8+c] = descale32(tmp11+tmp2, sh)
		ws[6*8+c] = descale32(tmp11-tmp2, sh)
		ws[2*8+c] = descale32(tmp12+tmp1, sh)
		ws[5*8+c] = descale32(tmp12-tmp1, sh)
		ws[3*8+c] = descale32(tmp13+tmp0, sh)
		ws[4*8+c] = descale32(tmp13-tmp0, sh)
	}

	// Pass 2: rows, removing the pass-1 scale and the IDCT's factor 8.
	const sh = constBits + pass1Bits + 3
	for r := range 8 {
		w := ws[r*8 : r*8+8 : r*8+8]
		o := dst[r*stride : r*stride+8 : r*stride+8]
		if w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0 {
			v := idctLimit[descale32(w[0], pass1Bits+3)&1023]
			for i := range o {
				o[i] = v
			}
			continue
		}
		z2, z3 := w[2], w[6]
		z1 := (z2 + z3) * fix0_541196100
		tmp0 := (w[0] + w[4]) << constBits
		tmp3 := z1 + z2*fix0_765366865
		tmp1 := (w[0] - w[4]) << constBits
		tmp2 := z1 + z3*-fix1_847759065
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2

		tmp0, tmp1, tmp2, tmp3 = oddPart(w[7], w[5], w[3], w[1])

		o[0] = idctLimit[descale32(tmp10+tmp3, sh)&1023]
		o[7] = idctLimit[descale32(tmp10-tmp3, sh)&1023]
		o[1] = idctLimit[descale32(tmp11+tmp2, sh)&1023]
		o[6] = idctLimit[descale32(tmp11-tmp2, sh)&1023]
		o[2] = idctLimit[descale32(tmp12+tmp1, sh)&1023]
		o[5] = idctLimit[descale32(tmp12-tmp1, sh)&1023]
		o[3] = idctLimit[descale32(tmp13+tmp0, sh)&1023]
		o[4] = idctLimit[descale32(tmp13-tmp0, sh)&1023]
	}
}

// oddPart is the odd half of the 1-D IDCT: inputs are the samples at
// positions 7, 5, 3, 1; outputs tmp0..tmp3 of jidctint.c.
func oddPart(tmp0, tmp1, tmp2, tmp3 int32) (int32, int32, int32, int32) {
	z1 := tmp0 + tmp3
	z2 := tmp1 + tmp2
	z3 := tmp0 + tmp2
	z4 := tmp1 + tmp3
	z5 := (z3 + z4) * fix1_175875602

	tmp0 *= fix0_298631336
	tmp1 *= fix2_053119869
	tmp2 *= fix3_072711026
	tmp3 *= fix1_501321110
	z1 *= -fix0_899976223
	z2 *= -fix2_562915447
	z3 = z3*-fix1_961570560 + z5
	z4 = z4*-fix0_390180644 + z5

	return tmp0 + z1 + z3, tmp1 + z2 + z4, tmp2 + z2 + z3, tmp3 + z1 + z4
}

// descale32 is libjpeg's DESCALE: shift right by n, rounding half up.
func descale32(x int32, n uint) int32 { return (x + 1<<(n-1)) >> n }

// dequantize expands a progressive block's coefficients (natural order)
// into blk and reports whether any AC coefficient is nonzero.
func dequantize(coef *[64]int16, qt *[64]int32, blk *[64]int32) (ac bool) {
	blk[0] = int32(coef[0]) * qt[0]
	var any int16
	for i := 1; i < 64; i++ {
		blk[i] = int32(coef[i]) * qt[i]
		any |= coef[i]
	}
	return any != 0
}
