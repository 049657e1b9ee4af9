package preprocess

// This file is libjpeg's reduced-size inverse DCTs (jidctred.c), which
// DCT-domain downscaling uses: 4x4 and 2x2 outputs from an 8x8 block's
// low-frequency coefficients, in islow's fixed point (13 fraction bits, 2
// extra bits between the passes). With them a 1/2, 1/4 or 1/8 scaled
// decode never builds the full-size image, and equals libjpeg-turbo's
// scaled output (Pillow's Image.draft) byte for byte.

// jidctred.c's constants: FIX(x) = round(x * 2^13).
const (
	fix0_211164243 = 1730
	fix0_509795579 = 4176
	fix0_601344887 = 4926
	fix0_720959822 = 5906
	fix0_850430095 = 6967
	fix1_061594337 = 8697
	fix1_272758580 = 10426
	fix1_451774981 = 11893
	fix2_172734803 = 17799
	fix3_624509785 = 29692
)

// idct4x4 is jpeg_idct_4x4: rows and columns 4 of the input are unused.
func idct4x4(blk *[64]int32, dst []uint8, stride int) {
	var ws [8 * 4]int32
	for c := range 8 {
		if c == 4 { // the second pass does not use column 4
			continue
		}
		col := blk[c : c+57 : c+57]
		if col[8] == 0 && col[16] == 0 && col[24] == 0 && col[40] == 0 && col[48] == 0 && col[56] == 0 {
			dc := col[0] << pass1Bits
			ws[c], ws[8+c], ws[16+c], ws[24+c] = dc, dc, dc, dc
			continue
		}
		tmp0 := col[0] << (constBits + 1)
		tmp2 := col[16]*fix1_847759065 + col[48]*-fix0_765366865
		tmp10, tmp12 := tmp0+tmp2, tmp0-tmp2
		o0, o2 := odd4(col[56], col[40], col[24], col[8])
		const sh = constBits - pass1Bits + 1
		ws[c] = descale32(tmp10+o2, sh)
		ws[24+c] = descale32(tmp10-o2, sh)
		ws[8+c] = descale32(tmp12+o0, sh)
		ws[16+c] = descale32(tmp12-o0, sh)
	}
	for r := range 4 {
		w := ws[r*8 : r*8+8 : r*8+8]
		o := dst[r*stride : r*stride+4 : r*stride+4]
		if w[1] == 0 && w[2] == 0 && w[3] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0 {
			v := idctLimit[descale32(w[0], pass1Bits+3)&1023]
			o[0], o[1], o[2], o[3] = v, v, v, v
			continue
		}
		tmp0 := w[0] << (constBits + 1)
		tmp2 := w[2]*fix1_847759065 + w[6]*-fix0_765366865
		tmp10, tmp12 := tmp0+tmp2, tmp0-tmp2
		o0, o2 := odd4(w[7], w[5], w[3], w[1])
		const sh = constBits + pass1Bits + 3 + 1
		o[0] = idctLimit[descale32(tmp10+o2, sh)&1023]
		o[3] = idctLimit[descale32(tmp10-o2, sh)&1023]
		o[1] = idctLimit[descale32(tmp12+o0, sh)&1023]
		o[2] = idctLimit[descale32(tmp12-o0, sh)&1023]
	}
}

// odd4 is jpeg_idct_4x4's odd part from the inputs at 7, 5, 3, 1.
func odd4(z1, z2, z3, z4 int32) (tmp0, tmp2 int32) {
	tmp0 = z1*-fix0_211164243 + z2*fix1_451774981 + z3*-fix2_172734803 + z4*fix1_061594337
	tmp2 = z1*-fix0_509795579 + z2*-fix0_601344887 + z3*fix0_899976223 + z4*fix2_562915447
	return tmp0, tmp2
}

// idct2x2 is jpeg_idct_2x2: only rows and columns 0, 1, 3, 5, 7 count.
func idct2x2(blk *[64]int32, dst []uint8, stride int) {
	var ws [8 * 2]int32
	for c := range 8 {
		if c == 2 || c == 4 || c == 6 {
			continue
		}
		col := blk[c : c+57 : c+57]
		if col[8] == 0 && col[24] == 0 && col[40] == 0 && col[56] == 0 {
			dc := col[0] << pass1Bits
			ws[c], ws[8+c] = dc, dc
			continue
		}
		tmp10 := col[0] << (constBits + 2)
		tmp0 := odd2(col[56], col[40], col[24], col[8])
		const sh = constBits - pass1Bits + 2
		ws[c] = descale32(tmp10+tmp0, sh)
		ws[8+c] = descale32(tmp10-tmp0, sh)
	}
	for r := range 2 {
		w := ws[r*8 : r*8+8 : r*8+8]
		o := dst[r*stride : r*stride+2 : r*stride+2]
		if w[1] == 0 && w[3] == 0 && w[5] == 0 && w[7] == 0 {
			v := idctLimit[descale32(w[0], pass1Bits+3)&1023]
			o[0], o[1] = v, v
			continue
		}
		tmp10 := w[0] << (constBits + 2)
		tmp0 := odd2(w[7], w[5], w[3], w[1])
		const sh = constBits + pass1Bits + 3 + 2
		o[0] = idctLimit[descale32(tmp10+tmp0, sh)&1023]
		o[1] = idctLimit[descale32(tmp10-tmp0, sh)&1023]
	}
}

// odd2 is jpeg_idct_2x2's odd part from the inputs at 7, 5, 3, 1.
func odd2(z7, z5, z3, z1 int32) int32 {
	return z7*-fix0_720959822 + z5*fix0_850430095 + z3*-fix1_272758580 + z1*fix3_624509785
}
