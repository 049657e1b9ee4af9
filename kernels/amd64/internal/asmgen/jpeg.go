package main

import (
	"fmt"
	"slices"
)

const jpegHeader = `JPEG decoding kernels of package preprocess (see internal/asmgen/jpeg.go).

Register map (yccToRGBU8_AVX2):
  DI dst, SI y, R8 cb, R9 cr, CX pixels left.
  Y0-Y1 luma, Y2-Y3 Cb - 128, Y4-Y5 Cr - 128 (int32, pixels 0-7 and
  8-15), Y6-Y11 R, B, G sums, Y12 scratch, Y13-Y15 constants;
  X6, X8, X10 the R, B, G bytes of 16 pixels; X12 the interleaved output.
The IDCTs (SI blk, DI dst, R8 stride; R9 3·stride, AX the fifth row)
allocate their vectors as each function's comments say;
upsampleU8_h2v2_AVX2Fancy: DI dst, SI cur, R8 near, CX columns left,
Y0-Y2 the column sums at i-1, i, i+1, Y14-Y15 the biases 8 and 7.`

// cfix is libjpeg's FIX(x) for jdcolor.c's 16 scale bits.
func cfix(x float64) int32 { return int32(x*(1<<16) + 0.5) }

// emitJPEG writes the JPEG kernels.
func emitJPEG(f *file) {
	emitYCC(f)
	emitIDCT(f)
	emitIDCT4(f)
	emitIDCT2(f)
	emitH2V2(f)
}

// emitYCC writes yccToRGBU8_AVX2: jdcolor.c's YCbCr → RGB, computed in
// int32 instead of through its tables, with the same values: R = Y +
// ((FIX(1.402)·Cr' + ½) >> 16), B = Y + ((FIX(1.772)·Cb' + ½) >> 16), G = Y +
// ((½ - FIX(0.34414)·Cb' - FIX(0.71414)·Cr') >> 16), clamped to 0..255
// (Cb' = Cb - 128), then interleaved by VPSHUFB.
func emitYCC(f *file) {
	// masks[c][ch]: for output byte j of chunk c, the pixel whose channel
	// ch it is, else 0x80 (a zero)
	for c := 0; c < 3; c++ {
		for ch := 0; ch < 3; ch++ {
			var v []int32
			for j := 0; j < 16; j += 4 {
				var w uint32
				for b := 0; b < 4; b++ {
					g := 16*c + j + b
					m := uint32(0x80)
					if g%3 == ch {
						m = uint32(g / 3)
					}
					w |= m << (8 * b)
				}
				v = append(v, int32(w))
			}
			f.data(fmt.Sprintf("yccMask%d%d", c, ch), v...)
		}
	}
	f.data("yccConst", cfix(1.40200), cfix(1.77200), -cfix(0.34414), -cfix(0.71414), 1<<15, 128)
	f.text("yccToRGBU8_AVX2", `converts n pixels (a multiple of 16) of Y, Cb and Cr rows to packed RGB
exactly as jdcolor.c's ycc_rgb_convert does, 16 at a time.`,
		args("dst unsafe.Pointer DI, y unsafe.Pointer SI, cb unsafe.Pointer R8, cr unsafe.Pointer R9, n int CX"))
	f.i("VPBROADCASTD yccConst<>+16(SB), Y13")
	f.i("VPBROADCASTD yccConst<>+20(SB), Y14")
	f.head("px", "CX")
	for h := 0; h < 2; h++ {
		f.i("VPMOVZXBD %d(SI), Y%d", 8*h, h)
		f.i("VPMOVZXBD %d(R8), Y%d", 8*h, 2+h)
		f.i("VPSUBD Y14, Y%d, Y%d", 2+h, 2+h)
		f.i("VPMOVZXBD %d(R9), Y%d", 8*h, 4+h)
		f.i("VPSUBD Y14, Y%d, Y%d", 4+h, 4+h)
	}
	// R (Y6, Y7) from Cr, B (Y8, Y9) from Cb, G (Y10, Y11) from both
	for h := 0; h < 2; h++ {
		f.i("VPBROADCASTD yccConst<>+0(SB), Y15")
		f.i("VPMULLD Y15, Y%d, Y%d", 4+h, 6+h)
		f.i("VPBROADCASTD yccConst<>+4(SB), Y15")
		f.i("VPMULLD Y15, Y%d, Y%d", 2+h, 8+h)
		f.i("VPBROADCASTD yccConst<>+8(SB), Y15")
		f.i("VPMULLD Y15, Y%d, Y%d", 2+h, 10+h)
		f.i("VPBROADCASTD yccConst<>+12(SB), Y15")
		f.i("VPMULLD Y15, Y%d, Y12", 4+h)
		f.i("VPADDD Y12, Y%d, Y%d", 10+h, 10+h)
		for _, r := range []int{6 + h, 8 + h, 10 + h} {
			f.i("VPADDD Y13, Y%d, Y%d", r, r)
			f.i("VPSRAD $16, Y%d, Y%d", r, r)
			f.i("VPADDD Y%d, Y%d, Y%d", h, r, r)
		}
	}
	// each channel's 16 values to saturated bytes, in pixel order
	for _, r := range []int{6, 8, 10} {
		f.i("VPACKSSDW Y%d, Y%d, Y%d", r+1, r, r)
		f.i("VPERMQ $0xd8, Y%d, Y%d", r, r)
		f.i("VPACKUSWB Y%d, Y%d, Y%d", r, r, r)
		f.i("VPERMQ $0x08, Y%d, Y%d", r, r)
	}
	for c := 0; c < 3; c++ {
		for ch, r := range []int{6, 10, 8} { // R, G, B
			dst := "X12"
			if ch > 0 {
				dst = "X15"
			}
			f.i("VPSHUFB yccMask%d%d<>(SB), X%d, %s", c, ch, r, dst)
			if ch > 0 {
				f.i("VPOR X15, X12, X12")
			}
		}
		f.i("VMOVDQU X12, %d(DI)", 16*c)
	}
	f.i("ADDQ $48, DI")
	f.i("ADDQ $16, SI")
	f.i("ADDQ $16, R8")
	f.i("ADDQ $16, R9")
	f.i("SUBQ $16, CX")
	f.i("JMP px")
	f.ret()
}

// field sets the lanes of each register to their bits lo..lo+w-1,
// sign-extended: a descale by 2^lo (its rounding added before) truncated
// to w bits, as int16() and the range limit's & 1023 do.
func field(f *file, regs []string, lo, w int) {
	for _, r := range regs {
		f.i("VPSLLD $%d, %s, %s", 32-lo-w, r, r)
		f.i("VPSRAD $%d, %s, %s", 32-w, r, r)
	}
}

// others lists the vector registers Y0-Y15 not in used, in order.
func others(used []string) []string {
	var o []string
	for i := range 16 {
		y := fmt.Sprintf("Y%d", i)
		if !slices.Contains(used, y) {
			o = append(o, y)
		}
	}
	return o
}

// splat repeats each value over the 8 dwords of a vector.
func splat(vs ...int32) []int32 {
	var v []int32
	for _, x := range vs {
		for range 8 {
			v = append(v, x)
		}
	}
	return v
}

// tr4x4 is a vector of VPSHUFB indices that transposes the 4×4 bytes of
// each 128-bit lane: byte 4·r+j takes byte 4·j+r.
func tr4x4() []int32 {
	v := make([]int32, 8)
	for l := range v {
		for b := 0; b < 4; b++ {
			v[l] |= int32(b*4+l%4) << (8 * b)
		}
	}
	return v
}

// idct constants, one 32-byte vector each (idctC<>+32·i): jidctint.c's
// FIX(x) multipliers, the two passes' rounding, 128 in int16 lanes and
// the VPSHUFB indices of a 4×4 byte transpose.
const (
	iC541 = iota
	iCm1847
	iC765
	iC298
	iC2053
	iC3072
	iC1501
	iCm899
	iCm2562
	iCm1961
	iCm390
	iC1175
	iRound1
	iRound2
	iC128w
	iTr4x4
)

func ic(i int) string { return vec("idctC", i) }

// idctPass writes one 1-D pass of jidctint.c over eight vectors of int32
// lanes (x[i]: input i of every lane), with rounding added to its even
// part, and returns the registers of outputs 0..7; t are the temporaries
// (five). The arithmetic wraps modulo 2^32 like preprocess's int32 code.
func idctPass(f *file, x [8]string, t [5]string, round int) [8]string {
	t0, T1, T2, T3, T4 := t[0], t[1], t[2], t[3], t[4]
	// even part: z1 = (x2 + x6)·c541, tmp2 = z1 - x6·c1847, tmp3 = z1 + x2·c765
	f.i("VPADDD %s, %s, %s", x[6], x[2], t0)
	f.i("VPMULLD %s, %s, %s", ic(iC541), t0, t0)
	f.i("VPMULLD %s, %s, %s", ic(iCm1847), x[6], x[6])
	f.i("VPADDD %s, %s, %s", t0, x[6], x[6]) // tmp2
	f.i("VPMULLD %s, %s, %s", ic(iC765), x[2], x[2])
	f.i("VPADDD %s, %s, %s", t0, x[2], x[2]) // tmp3
	// tmp0 = (x0 + x4) << 13, tmp1 = (x0 - x4) << 13, both rounded
	f.i("VPADDD %s, %s, %s", x[4], x[0], t0)
	f.i("VPSLLD $13, %s, %s", t0, t0)
	f.i("VPADDD %s, %s, %s", ic(round), t0, t0)
	f.i("VPSUBD %s, %s, %s", x[4], x[0], x[0])
	f.i("VPSLLD $13, %s, %s", x[0], x[0])
	f.i("VPADDD %s, %s, %s", ic(round), x[0], x[0])
	f.i("VPADDD %s, %s, %s", x[2], t0, x[4])   // tmp10
	f.i("VPSUBD %s, %s, %s", x[2], t0, t0)     // tmp13
	f.i("VPADDD %s, %s, %s", x[6], x[0], x[2]) // tmp11
	f.i("VPSUBD %s, %s, %s", x[6], x[0], x[0]) // tmp12
	// odd part (oddPart) from x7, x5, x3, x1; z5 in x6
	f.i("VPADDD %s, %s, %s", x[1], x[7], T1) // z1
	f.i("VPADDD %s, %s, %s", x[3], x[5], T2) // z2
	f.i("VPADDD %s, %s, %s", x[3], x[7], T3) // z3
	f.i("VPADDD %s, %s, %s", x[1], x[5], T4) // z4
	f.i("VPADDD %s, %s, %s", T4, T3, x[6])
	f.i("VPMULLD %s, %s, %s", ic(iC1175), x[6], x[6]) // z5
	f.i("VPMULLD %s, %s, %s", ic(iC298), x[7], x[7])
	f.i("VPMULLD %s, %s, %s", ic(iC2053), x[5], x[5])
	f.i("VPMULLD %s, %s, %s", ic(iC3072), x[3], x[3])
	f.i("VPMULLD %s, %s, %s", ic(iC1501), x[1], x[1])
	f.i("VPMULLD %s, %s, %s", ic(iCm899), T1, T1)
	f.i("VPMULLD %s, %s, %s", ic(iCm2562), T2, T2)
	f.i("VPMULLD %s, %s, %s", ic(iCm1961), T3, T3)
	f.i("VPADDD %s, %s, %s", x[6], T3, T3)
	f.i("VPMULLD %s, %s, %s", ic(iCm390), T4, T4)
	f.i("VPADDD %s, %s, %s", x[6], T4, T4)
	for _, o := range [][3]string{{x[7], T1, T3}, {x[5], T2, T4}, {x[3], T2, T3}, {x[1], T1, T4}} {
		f.i("VPADDD %s, %s, %s", o[1], o[0], o[0])
		f.i("VPADDD %s, %s, %s", o[2], o[0], o[0])
	}
	// outputs: tmp10 ± o3, tmp11 ± o2, tmp12 ± o1, tmp13 ± o0
	f.i("VPADDD %s, %s, %s", x[1], x[4], T1)
	f.i("VPSUBD %s, %s, %s", x[1], x[4], x[4])
	f.i("VPADDD %s, %s, %s", x[3], x[2], T2)
	f.i("VPSUBD %s, %s, %s", x[3], x[2], x[2])
	f.i("VPADDD %s, %s, %s", x[5], x[0], T3)
	f.i("VPSUBD %s, %s, %s", x[5], x[0], x[0])
	f.i("VPADDD %s, %s, %s", x[7], t0, T4)
	f.i("VPSUBD %s, %s, %s", x[7], t0, t0)
	return [8]string{T1, T2, T3, T4, t0, x[0], x[2], x[4]}
}

// transpose8 transposes the 8×8 int32 matrix whose rows are r, using the
// registers t, and returns the registers of its rows (the columns of r).
func transpose8(f *file, r, t [8]string) [8]string {
	for i := 0; i < 8; i += 2 {
		f.i("VPUNPCKLDQ %s, %s, %s", r[i+1], r[i], t[i])
		f.i("VPUNPCKHDQ %s, %s, %s", r[i+1], r[i], t[i+1])
	}
	// r free: per group of four rows, columns c | c+4
	for g := 0; g < 8; g += 4 {
		f.i("VPUNPCKLQDQ %s, %s, %s", t[g+2], t[g], r[g])
		f.i("VPUNPCKHQDQ %s, %s, %s", t[g+2], t[g], r[g+1])
		f.i("VPUNPCKLQDQ %s, %s, %s", t[g+3], t[g+1], r[g+2])
		f.i("VPUNPCKHQDQ %s, %s, %s", t[g+3], t[g+1], r[g+3])
	}
	var c [8]string
	for j := 0; j < 4; j++ {
		c[j], c[j+4] = t[j], t[j+4]
		f.i("VPERM2I128 $0x20, %s, %s, %s", r[4+j], r[j], c[j])
		f.i("VPERM2I128 $0x31, %s, %s, %s", r[4+j], r[j], c[j+4])
	}
	return c
}

// emitIDCT writes idctI16U8_8x8_AVX2Islow.
func emitIDCT(f *file) {
	f.data("idctC", append(splat(4433, -15137, 6270, 2446, 16819, 25172, 12299, -7373, -20995,
		-16069, -3196, 9633, 1<<10, 1<<17, 128|128<<16), tr4x4()...)...)
	f.text("idctI16U8_8x8_AVX2Islow", `is preprocess's idctIslow (jidctint.c
in 32-bit lanes, the pass-1 rows truncated to 16 bits) on one block of
dequantized coefficients blk (natural order), writing its 8×8 samples to
dst, stride bytes apart: the columns pass with one lane per column, an
8×8 transpose, the rows pass with one lane per row, and the range limit
as clamp(sign-extend-10-bits(x) + 128, 0, 255), which is libjpeg's table.`,
		args("blk unsafe.Pointer SI, dst unsafe.Pointer DI, stride int R8"))
	var x [8]string
	for r := range x {
		x[r] = fmt.Sprintf("Y%d", r)
		f.i("VPMOVSXWD %d(SI), %s", 16*r, x[r])
	}
	ws := idctPass(f, x, [5]string{"Y8", "Y9", "Y10", "Y11", "Y12"}, iRound1)
	field(f, ws[:], 11, 16) // int16(descale(x, 11))
	cols := transpose8(f, ws, [8]string(others(ws[:])))
	out := idctPass(f, cols, [5]string(others(cols[:])), iRound2)
	field(f, out[:], 18, 10) // descale(x, 18) & 1023, as a signed 10-bit value
	// pairs of columns to int16 (+128), then bytes: per 128-bit lane
	// (rows 0-3, rows 4-7) byte 4·j+r is column j of row r
	for i := 0; i < 8; i += 2 {
		f.i("VPACKSSDW %s, %s, %s", out[i+1], out[i], out[i])
		f.i("VPADDW %s, %s, %s", ic(iC128w), out[i], out[i])
	}
	e, g := out[0], out[4]
	f.i("VPACKUSWB %s, %s, %s", out[2], out[0], e)
	f.i("VPACKUSWB %s, %s, %s", out[6], out[4], g)
	f.i("VPSHUFB %s, %s, %s", ic(iTr4x4), e, e)
	f.i("VPSHUFB %s, %s, %s", ic(iTr4x4), g, g)
	lo, hi := out[1], out[3]
	f.i("VPUNPCKLDQ %s, %s, %s", g, e, lo) // rows 0, 1 | 4, 5
	f.i("VPUNPCKHDQ %s, %s, %s", g, e, hi) // rows 2, 3 | 6, 7
	xr := func(y string) string { return "X" + y[1:] }
	f.i("LEAQ (R8)(R8*2), R9")
	f.i("LEAQ (DI)(R8*4), AX")
	f.i("VMOVQ %s, (DI)", xr(lo))
	f.i("VPEXTRQ $1, %s, (DI)(R8*1)", xr(lo))
	f.i("VMOVQ %s, (DI)(R8*2)", xr(hi))
	f.i("VPEXTRQ $1, %s, (DI)(R9*1)", xr(hi))
	f.i("VEXTRACTI128 $1, %s, %s", lo, xr(e))
	f.i("VEXTRACTI128 $1, %s, %s", hi, xr(g))
	f.i("VMOVQ %s, (AX)", xr(e))
	f.i("VPEXTRQ $1, %s, (AX)(R8*1)", xr(e))
	f.i("VMOVQ %s, (AX)(R8*2)", xr(g))
	f.i("VPEXTRQ $1, %s, (AX)(R9*1)", xr(g))
	f.i("VZEROUPPER")
	f.i("RET")
}

// emitH2V2 writes upsampleU8_h2v2_AVX2Fancy: jdsample.c's
// h2v2_fancy_upsample for the inner columns, 16 at a time in int16
// lanes: s(i) = 3·cur[i] + near[i]; output 2i = (3·s(i) + s(i-1) + 8) >> 4,
// 2i+1 = (3·s(i) + s(i+1) + 7) >> 4 (at most 255, so each pair of bytes
// is one word: even | odd << 8).
func emitH2V2(f *file) {
	f.data("h2v2Const", 8|8<<16, 7|7<<16)
	f.text("upsampleU8_h2v2_AVX2Fancy", `writes the 2n output samples of the
n columns at cur and near (a multiple of 16), reading one column more on
each side, as preprocess's h2v2Row computes the inner ones.`,
		args("dst unsafe.Pointer DI, cur unsafe.Pointer SI, near unsafe.Pointer R8, n int CX"))
	f.i("VPBROADCASTD h2v2Const<>+0(SB), Y14")
	f.i("VPBROADCASTD h2v2Const<>+4(SB), Y15")
	f.head("cols", "CX")
	// s(i-1), s(i), s(i+1) in Y0, Y1, Y2
	for d := -1; d <= 1; d++ {
		s := fmt.Sprintf("Y%d", d+1)
		f.i("VPMOVZXBW %d(SI), %s", d, s)
		f.i("VPMOVZXBW %d(R8), Y3", d)
		f.i("VPADDW %s, %s, Y4", s, s)
		f.i("VPADDW Y4, %s, %s", s, s)
		f.i("VPADDW Y3, %s, %s", s, s)
	}
	f.i("VPADDW Y1, Y1, Y4")
	f.i("VPADDW Y4, Y1, Y1") // 3·s(i)
	f.i("VPADDW Y1, Y0, Y0")
	f.i("VPADDW Y14, Y0, Y0")
	f.i("VPSRLW $4, Y0, Y0") // even outputs
	f.i("VPADDW Y1, Y2, Y2")
	f.i("VPADDW Y15, Y2, Y2")
	f.i("VPSRLW $4, Y2, Y2") // odd outputs
	f.i("VPSLLW $8, Y2, Y2")
	f.i("VPOR Y2, Y0, Y0")
	f.i("VMOVDQU Y0, (DI)")
	f.i("ADDQ $32, DI")
	f.i("ADDQ $16, SI")
	f.i("ADDQ $16, R8")
	f.i("SUBQ $16, CX")
	f.i("JMP cols")
	f.ret()
}

// jidctred.c's constants for the 4×4 IDCT (FIX(x) = round(x·2^13)), one
// 32-byte vector each at idct4C<>+32·i.
const (
	r4C1847 = iota
	r4Cm765
	r4Cm211
	r4C1451
	r4Cm2172
	r4C1061
	r4Cm509
	r4Cm601
	r4C899
	r4C2562
	r4Round1
	r4Round2
	r4C128w
	r4Tr4x4
)

func ic4(i int) string { return vec("idct4C", i) }

// idct4Pass writes one pass of jpeg_idct_4x4 over vectors (x: inputs 0, 1,
// 2, 3, 5, 6, 7 of every lane; v: "Y" or "X"), with rounding added to the
// even part, and returns the registers of outputs 0..3; t are four
// temporaries.
func idct4Pass(f *file, x map[int]string, t [4]string, round int) [4]string {
	even, tmp2, o0, o2 := t[0], t[1], t[2], t[3]
	f.i("VPSLLD $14, %s, %s", x[0], even)
	f.i("VPADDD %s, %s, %s", ic4(round), even, even)
	f.i("VPMULLD %s, %s, %s", ic4(r4C1847), x[2], tmp2)
	f.i("VPMULLD %s, %s, %s", ic4(r4Cm765), x[6], x[6])
	f.i("VPADDD %s, %s, %s", x[6], tmp2, tmp2)
	// odd4(z1 = x7, z2 = x5, z3 = x3, z4 = x1)
	for _, o := range []struct {
		dst string
		c   [4]int
	}{{o0, [4]int{r4Cm211, r4C1451, r4Cm2172, r4C1061}}, {o2, [4]int{r4Cm509, r4Cm601, r4C899, r4C2562}}} {
		f.i("VPMULLD %s, %s, %s", ic4(o.c[0]), x[7], o.dst)
		for i, in := range []int{5, 3, 1} {
			f.i("VPMULLD %s, %s, %s", ic4(o.c[i+1]), x[in], x[0])
			f.i("VPADDD %s, %s, %s", x[0], o.dst, o.dst)
		}
	}
	// tmp10 = even + tmp2 (x2), tmp12 = even - tmp2 (x6)
	f.i("VPADDD %s, %s, %s", tmp2, even, x[2])
	f.i("VPSUBD %s, %s, %s", tmp2, even, x[6])
	f.i("VPADDD %s, %s, %s", o2, x[2], t[0]) // out 0
	f.i("VPSUBD %s, %s, %s", o2, x[2], x[2]) // out 3
	f.i("VPADDD %s, %s, %s", o0, x[6], t[1]) // out 1
	f.i("VPSUBD %s, %s, %s", o0, x[6], x[6]) // out 2
	return [4]string{t[0], t[1], x[6], x[2]}
}

// emitIDCT4 writes idctI16U8_4x4_AVX2: jpeg_idct_4x4 (preprocess's idct4x4).
func emitIDCT4(f *file) {
	f.data("idct4C", append(splat(15137, -6270, -1730, 11893, -17799, 8697, -4176, -4926, 7373,
		20995, 1<<11, 1<<18, 128|128<<16), tr4x4()...)...)
	f.text("idctI16U8_4x4_AVX2", `is preprocess's idct4x4 (jidctred.c's
jpeg_idct_4x4, the pass-1 rows truncated to 16 bits) on one block of
dequantized coefficients blk (natural order; row and column 4 unused),
writing its 4×4 samples to dst, stride bytes apart: the columns pass with
one lane per column, a 4×8 transpose, the rows pass with one lane per
row, the range limit as in idctI16U8_8x8_AVX2Islow.`,
		args("blk unsafe.Pointer SI, dst unsafe.Pointer DI, stride int R8"))
	x := map[int]string{}
	for _, r := range []int{0, 1, 2, 3, 5, 6, 7} {
		x[r] = fmt.Sprintf("Y%d", r)
		f.i("VPMOVSXWD %d(SI), %s", 16*r, x[r])
	}
	ws := idct4Pass(f, x, [4]string{"Y8", "Y9", "Y10", "Y11"}, r4Round1)
	field(f, ws[:], 12, 16) // int16(descale(x, 12))
	// 4 rows × 8 columns to columns (rows in lanes): Y12-Y15 hold columns
	// c | c+4 for c = 0..3
	f.i("VPUNPCKLDQ %s, %s, Y0", ws[1], ws[0])
	f.i("VPUNPCKHDQ %s, %s, Y1", ws[1], ws[0])
	f.i("VPUNPCKLDQ %s, %s, Y3", ws[3], ws[2])
	f.i("VPUNPCKHDQ %s, %s, Y4", ws[3], ws[2])
	f.i("VPUNPCKLQDQ Y3, Y0, Y12")
	f.i("VPUNPCKHQDQ Y3, Y0, Y13")
	f.i("VPUNPCKLQDQ Y4, Y1, Y14")
	f.i("VPUNPCKHQDQ Y4, Y1, Y15")
	w := map[int]string{0: "X12", 1: "X13", 2: "X14", 3: "X15", 5: "X5", 6: "X6", 7: "X7"}
	f.i("VEXTRACTI128 $1, Y13, X5")
	f.i("VEXTRACTI128 $1, Y14, X6")
	f.i("VEXTRACTI128 $1, Y15, X7")
	out := idct4Pass(f, w, [4]string{"X0", "X1", "X2", "X3"}, r4Round2)
	field(f, out[:], 19, 10) // descale(x, 19) & 1023, as a signed 10-bit value
	f.i("VPACKSSDW %s, %s, X8", out[1], out[0])
	f.i("VPACKSSDW %s, %s, X9", out[3], out[2])
	f.i("VPADDW %s, X8, X8", ic4(r4C128w))
	f.i("VPADDW %s, X9, X9", ic4(r4C128w))
	f.i("VPACKUSWB X9, X8, X8")
	f.i("VPSHUFB %s, X8, X8", ic4(r4Tr4x4))
	f.i("LEAQ (R8)(R8*2), R9")
	f.i("VMOVD X8, (DI)")
	f.i("VPEXTRD $1, X8, (DI)(R8*1)")
	f.i("VPEXTRD $2, X8, (DI)(R8*2)")
	f.i("VPEXTRD $3, X8, (DI)(R9*1)")
	f.i("VZEROUPPER")
	f.i("RET")
}

// jidctred.c's constants for the 2×2 IDCT, one 32-byte vector each at
// idct2C<>+32·i: odd2's four multipliers (of x7, x5, x3, x1), the two
// passes' rounding and 128 in int16 lanes.
const (
	r2Cm721 = iota
	r2C850
	r2Cm1272
	r2C3624
	r2Round1
	r2Round2
	r2C128w
)

// emitIDCT2 writes idctI16U8_2x2_AVX2: jpeg_idct_2x2 (preprocess's
// idct2x2).
func emitIDCT2(f *file) {
	f.data("idct2C", splat(-5906, 6967, -10426, 29692, 1<<12, 1<<19, 128|128<<16)...)
	c := func(i int) string { return vec("idct2C", i) }
	f.text("idctI16U8_2x2_AVX2", `is preprocess's idct2x2 (jidctred.c's
jpeg_idct_2x2, the pass-1 rows truncated to 16 bits) on one block of
dequantized coefficients blk (natural order; rows and columns 0, 1, 3, 5,
7 used), writing its 2×2 samples to dst, stride bytes apart.`,
		args("blk unsafe.Pointer SI, dst unsafe.Pointer DI, stride int R8"))
	// odd2(x7, x5, x3, x1) into dst, x0 << 15 plus the rounding into t,
	// then t ± dst into t and dst
	pass := func(x map[int]string, dst, t string, round int) {
		f.i("VPMULLD %s, %s, %s", c(r2Cm721), x[7], dst)
		for i, in := range []int{5, 3, 1} {
			f.i("VPMULLD %s, %s, %s", c(r2C850+i), x[in], x[in])
			f.i("VPADDD %s, %s, %s", x[in], dst, dst)
		}
		f.i("VPSLLD $15, %s, %s", x[0], t)
		f.i("VPADDD %s, %s, %s", c(round), t, t)
		f.i("VPSUBD %s, %s, %s", dst, t, x[0])
		f.i("VPADDD %s, %s, %s", dst, t, t)
	}
	x := map[int]string{}
	for _, r := range []int{0, 1, 3, 5, 7} {
		x[r] = fmt.Sprintf("Y%d", r)
		f.i("VPMOVSXWD %d(SI), %s", 16*r, x[r])
	}
	pass(x, "Y8", "Y9", r2Round1)          // rows: Y9 = tmp10 + tmp0, Y0 = tmp10 - tmp0
	field(f, []string{"Y9", "Y0"}, 13, 16) // int16(descale(x, 13))
	// columns 0, 1, 3, 5, 7 with the two rows in lanes 0 and 1
	f.i("VPUNPCKLDQ Y0, Y9, Y10") // columns 0, 1 | 4, 5
	f.i("VPUNPCKHDQ Y0, Y9, Y11") // columns 2, 3 | 6, 7
	f.i("VPSRLDQ $8, X10, X1")
	f.i("VPSRLDQ $8, X11, X3")
	f.i("VEXTRACTI128 $1, Y10, X5")
	f.i("VPSRLDQ $8, X5, X5")
	f.i("VEXTRACTI128 $1, Y11, X7")
	f.i("VPSRLDQ $8, X7, X7")
	pass(map[int]string{0: "X10", 1: "X1", 3: "X3", 5: "X5", 7: "X7"}, "X8", "X9", r2Round2)
	field(f, []string{"X9", "X10"}, 20, 10) // descale(x, 20) & 1023, as a signed 10-bit value
	f.i("VPUNPCKLDQ X10, X9, X9")           // row 0's two samples, row 1's
	f.i("VPACKSSDW X9, X9, X9")
	f.i("VPADDW %s, X9, X9", c(r2C128w))
	f.i("VPACKUSWB X9, X9, X9")
	f.i("VPEXTRW $0, X9, (DI)")
	f.i("VPEXTRW $1, X9, (DI)(R8*1)")
	f.i("VZEROUPPER")
	f.i("RET")
}
