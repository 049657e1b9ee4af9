package main

import "fmt"

// JPEG decoding kernels for preprocess: libjpeg-turbo's YCbCr->RGB
// conversion and h2v2 fancy upsampling, bit-exact with its C code (and so
// with preprocess's Go code, their oracle).

// emitJPEG writes the JPEG kernels into f.
func emitJPEG(f *asmFile) {
	emitYCCToRGB(f)
	emitH2V2Fancy(f)
	emitH2V1Fancy(f)
	emitIdctIslow(f)
	emitIdctReduced(f, 4)
	emitIdctReduced(f, 2)
}

// emitYCCToRGB: jdcolor.c's ycc_rgb_convert for n pixels (a multiple of
// 16), writing packed RGB. The tables' 16.16 fixed point, each constant
// split into a multiple of 2^16 and an int16 remainder so that SMULL by
// element and a rounding narrow shift (RSHRN #16, which adds 2^15 first)
// give exactly floor((c*x + 2^15) / 2^16):
//
//	R = Y + cr + (26345*cr + 2^15)>>16             (91881 = 2^16 + 26345)
//	G = Y - cr + (-22554*cb + 18734*cr + 2^15)>>16 (-46802 = -2^16 + 18734)
//	B = Y + 2cb + (-14942*cb + 2^15)>>16           (116130 = 2^17 - 14942)
//
// with cb, cr = Cb-128, Cr-128; SQXTUN clamps to 0..255.
func emitYCCToRGB(f *asmFile) {
	f.text(kernel{op: "yccToRGB", types: "U8", isa: "NEON"}, `converts n pixels (a multiple of 16) of Y, Cb, Cr rows to packed RGB at dst (jdcolor.c's ycc_rgb_convert).`,
		"dst unsafe.Pointer", "y unsafe.Pointer", "cb unsafe.Pointer", "cr unsafe.Pointer", "n int")
	f.loadArgs()
	for i, c := range []int{26345, -14942, -22554, 18734} {
		f.g("MOVD $%d, R9", c)
		f.v("mov v0.h[%d], w9", i)
	}
	f.g("MOVD $128, R9")
	f.v("dup v1.8h, w9")
	f.v("eor v2.16b, v2.16b, v2.16b")
	f.g("CBZ R4, done")
	f.label("loop")
	f.v("ld1 {v3.16b}, [x1], #16")
	f.v("ld1 {v4.16b}, [x2], #16")
	f.v("ld1 {v5.16b}, [x3], #16")
	f.v("zip1 v6.16b, v3.16b, v2.16b")
	f.v("zip2 v7.16b, v3.16b, v2.16b")
	f.v("zip1 v16.16b, v4.16b, v2.16b")
	f.v("zip2 v17.16b, v4.16b, v2.16b")
	f.v("zip1 v18.16b, v5.16b, v2.16b")
	f.v("zip2 v19.16b, v5.16b, v2.16b")
	for _, r := range []int{16, 17, 18, 19} {
		f.v("sub v%d.8h, v%d.8h, v1.8h", r, r)
	}
	for half, regs := range [][3]int{{6, 16, 18}, {7, 17, 19}} {
		y, cb, cr := regs[0], regs[1], regs[2]
		two := map[int]string{0: "", 1: "2"}[half]
		// R in v22, B in v23, G in v24.
		yccMulQ16(f, 22, cr, 0)
		f.v("add v22.8h, v22.8h, v%d.8h", cr)
		f.v("add v22.8h, v22.8h, v%d.8h", y)
		yccMulQ16(f, 23, cb, 1)
		f.v("add v23.8h, v23.8h, v%d.8h", cb)
		f.v("add v23.8h, v23.8h, v%d.8h", cb)
		f.v("add v23.8h, v23.8h, v%d.8h", y)
		f.v("smull v20.4s, v%d.4h, v0.h[2]", cb)
		f.v("smull2 v21.4s, v%d.8h, v0.h[2]", cb)
		f.v("smlal v20.4s, v%d.4h, v0.h[3]", cr)
		f.v("smlal2 v21.4s, v%d.8h, v0.h[3]", cr)
		f.v("rshrn v24.4h, v20.4s, #16")
		f.v("rshrn2 v24.8h, v21.4s, #16")
		f.v("sub v24.8h, v24.8h, v%d.8h", cr)
		f.v("add v24.8h, v24.8h, v%d.8h", y)
		arr := map[int]string{0: "8b", 1: "16b"}[half]
		f.v("sqxtun%s v25.%s, v22.8h", two, arr)
		f.v("sqxtun%s v26.%s, v24.8h", two, arr)
		f.v("sqxtun%s v27.%s, v23.8h", two, arr)
	}
	f.v("st3 {v25.16b-v27.16b}, [x0], #48")
	f.g("SUBS $16, R4")
	f.g("BNE loop")
	f.label("done")
	f.g("RET")
}

// yccMulQ16 sets v[dst].8h to the rounded (v[src] · v0.h[lane]) >> 16 of
// 8 int16 lanes, through v20 and v21 (32-bit products).
func yccMulQ16(f *asmFile, dst, src, lane int) {
	f.v("smull v20.4s, v%d.4h, v0.h[%d]", src, lane)
	f.v("smull2 v21.4s, v%d.8h, v0.h[%d]", src, lane)
	f.v("rshrn v%d.4h, v20.4s, #16", dst)
	f.v("rshrn2 v%d.8h, v21.4s, #16", dst)
}

// emitH2V2Fancy: the interior of jdsample.c's h2v2_fancy_upsample for n
// input columns (a multiple of 8): with s = 3*cur + near per column,
// dst[2i] = (3s[i] + s[i-1] + 8) >> 4 and dst[2i+1] = (3s[i] + s[i+1] + 7) >> 4.
// cur and near point at column i = 0 of the run; columns -1 and n are
// read (the caller keeps the row's edge columns for Go).
func emitH2V2Fancy(f *asmFile) {
	f.text(kernel{op: "upsampleU8", tile: "h2v2", isa: "NEON", tech: "Fancy"}, `writes 2n upsampled samples at dst from n columns (a multiple of 8) of rows cur and near, reading columns -1 and n too (jdsample.c's h2v2_fancy_upsample, interior).`,
		"dst unsafe.Pointer", "cur unsafe.Pointer", "near unsafe.Pointer", "n int")
	f.loadArgs()
	f.g("MOVD $3, R9")
	f.v("dup v1.8h, w9")
	f.g("MOVD $7, R9")
	f.v("dup v12.8h, w9")
	f.v("eor v2.16b, v2.16b, v2.16b")
	f.g("SUB $1, R1, R4")
	f.g("ADD $1, R1, R5")
	f.g("SUB $1, R2, R6")
	f.g("ADD $1, R2, R7")
	f.g("CBZ R3, done")
	f.label("loop")
	f.v("ld1 {v3.8b}, [x4], #8")
	f.v("ld1 {v4.8b}, [x1], #8")
	f.v("ld1 {v5.8b}, [x5], #8")
	f.v("ld1 {v6.8b}, [x6], #8")
	f.v("ld1 {v7.8b}, [x2], #8")
	f.v("ld1 {v8.8b}, [x7], #8")
	for _, r := range []int{3, 4, 5, 6, 7, 8} {
		f.v("zip1 v%d.16b, v%d.16b, v2.16b", r, r)
	}
	f.v("mla v6.8h, v3.8h, v1.8h")
	f.v("mla v7.8h, v4.8h, v1.8h")
	f.v("mla v8.8h, v5.8h, v1.8h")
	f.v("mul v9.8h, v7.8h, v1.8h")
	f.v("add v10.8h, v9.8h, v6.8h")
	f.v("add v11.8h, v9.8h, v8.8h")
	f.v("add v11.8h, v11.8h, v12.8h")
	f.v("rshrn v10.8b, v10.8h, #4")
	f.v("shrn v11.8b, v11.8h, #4")
	f.v("st2 {v10.8b, v11.8b}, [x0], #16")
	f.g("SUBS $8, R3")
	f.g("BNE loop")
	f.label("done")
	f.g("RET")
}

// emitH2V1Fancy: the interior of jdsample.c's h2v1_fancy_upsample for n
// input columns (a multiple of 8): dst[2i] = (3c[i] + c[i-1] + 1) >> 2 and
// dst[2i+1] = (3c[i] + c[i+1] + 2) >> 2, reading columns -1 and n too.
func emitH2V1Fancy(f *asmFile) {
	f.text(kernel{op: "upsampleU8", tile: "h2v1", isa: "NEON", tech: "Fancy"}, `writes 2n upsampled samples at dst from n columns (a multiple of 8) of row cur, reading columns -1 and n too (jdsample.c's h2v1_fancy_upsample, interior).`,
		"dst unsafe.Pointer", "cur unsafe.Pointer", "n int")
	f.loadArgs("dst:R0", "cur:R1", "n:R3")
	f.g("MOVD $3, R9")
	f.v("dup v1.8h, w9")
	f.g("MOVD $1, R9")
	f.v("dup v12.8h, w9")
	f.v("eor v2.16b, v2.16b, v2.16b")
	f.g("SUB $1, R1, R4")
	f.g("ADD $1, R1, R5")
	f.g("CBZ R3, done")
	f.label("loop")
	f.v("ld1 {v3.8b}, [x4], #8")
	f.v("ld1 {v4.8b}, [x1], #8")
	f.v("ld1 {v5.8b}, [x5], #8")
	for _, r := range []int{3, 4, 5} {
		f.v("zip1 v%d.16b, v%d.16b, v2.16b", r, r)
	}
	f.v("mul v9.8h, v4.8h, v1.8h")
	f.v("add v10.8h, v9.8h, v3.8h")
	f.v("add v10.8h, v10.8h, v12.8h")
	f.v("add v11.8h, v9.8h, v5.8h")
	f.v("shrn v10.8b, v10.8h, #2")
	f.v("rshrn v11.8b, v11.8h, #2")
	f.v("st2 {v10.8b, v11.8b}, [x0], #16")
	f.g("SUBS $8, R3")
	f.g("BNE loop")
	f.label("done")
	f.g("RET")
}

// islowConsts are jidctint.c's products regrouped per input (all fit in
// int16), so that each output is a sum of SMULL/SMLAL by element: the even
// part's tmp2 = 4433*r2 - 10704*r6 and tmp3 = 10703*r2 + 4433*r6, and the
// odd part's 4x4 matrix over rows 7, 5, 3, 1 (see oddPart). Integer
// arithmetic modulo 2^32 makes the regrouping exact for any input.
var islowConsts = [12]int{4433, -10704, 10703, -11363, 9633, -6436, 2260, 2261, -11362, 6437, -2259, 11363}

// islowLane names constant c's register lane.
func islowLane(c int) string {
	for i, v := range islowConsts {
		if v == c {
			return fmt.Sprintf("v%d.h[%d]", 14+i/8, i%8)
		}
	}
	panic(fmt.Sprint("no islow constant ", c))
}

// emitIdctIslow: jidctint.c's jpeg_idct_islow on one block of dequantized
// int16 coefficients, the arithmetic of preprocess's idctIslow: 32-bit
// products and sums, pass-1 rows narrowed to 16 bits, the output's range
// limit as libjpeg's table (value & 1023, sign-extended, + 128, clamped).
func emitIdctIslow(f *asmFile) {
	f.text(kernel{op: "idctI16U8", tile: "8x8", isa: "NEON", tech: "Islow"}, `writes the 8x8 samples of a block of 64 dequantized int16 coefficients (natural order) at dst, rows stride bytes apart (jidctint.c's jpeg_idct_islow).`,
		"blk unsafe.Pointer", "dst unsafe.Pointer", "stride int")
	f.loadArgs()
	for i, c := range islowConsts {
		f.g("MOVD $%d, R9", c)
		f.v("mov v%d.h[%d], w9", 14+i/8, i%8)
	}
	f.v("ld1 {v0.8h-v3.8h}, [x0], #64")
	f.v("ld1 {v4.8h-v7.8h}, [x0]")
	f.g("MOVD $%d, R9", 1<<10)
	f.v("dup v13.4s, w9")
	islowPass(f, 11)
	transpose8x8h(f, 24, 16, 0)
	f.g("MOVD $%d, R9", 1<<17)
	f.v("dup v13.4s, w9")
	islowPass(f, 16)
	f.g("MOVD $128, R9")
	f.v("dup v12.8h, w9")
	for r := 24; r < 32; r++ {
		// bits 18..27 of the sum, sign-extended: libjpeg's "& 1023" index
		f.v("shl v%d.8h, v%d.8h, #4", r, r)
		f.v("sshr v%d.8h, v%d.8h, #6", r, r)
		f.v("add v%d.8h, v%d.8h, v12.8h", r, r)
	}
	transpose8x8h(f, 24, 16, 0)
	for r := range 8 {
		f.v("sqxtun v%d.8b, v%d.8h", r, r)
		f.v("st1 {v%d.8b}, [x1], x2", r)
	}
	f.g("RET")
}

// islowPass is one 1-D pass over v0..v7 (input k in lane order) into
// v24..v31: 32-bit sums with v13 (the rounding constant) folded in,
// narrowed by SHRN #sh.
func islowPass(f *asmFile, sh int) {
	for half := range 2 {
		two, in := idctHalf(half)
		narrow := func(dst, src int) { idctNarrow(f, half, dst, src, sh) }
		// Even part: v16 = tmp2, v17 = tmp3, v20/v21 = tmp0/tmp1 (+ rounding).
		f.v("smull%s v16.4s, v2.%s, %s", two, in, islowLane(4433))
		f.v("smlal%s v16.4s, v6.%s, %s", two, in, islowLane(-10704))
		f.v("smull%s v17.4s, v2.%s, %s", two, in, islowLane(10703))
		f.v("smlal%s v17.4s, v6.%s, %s", two, in, islowLane(4433))
		f.v("sshll%s v18.4s, v0.%s, #13", two, in)
		f.v("sshll%s v19.4s, v4.%s, #13", two, in)
		f.v("add v20.4s, v18.4s, v19.4s")
		f.v("sub v21.4s, v18.4s, v19.4s")
		f.v("add v20.4s, v20.4s, v13.4s")
		f.v("add v21.4s, v21.4s, v13.4s")
		f.v("add v18.4s, v20.4s, v17.4s") // tmp10
		f.v("sub v19.4s, v20.4s, v17.4s") // tmp13
		f.v("add v20.4s, v21.4s, v16.4s") // tmp11
		f.v("sub v21.4s, v21.4s, v16.4s") // tmp12
		// Odd part: v8..v11 = oddPart's tmp0..tmp3 from rows 7, 5, 3, 1.
		odd := [4][4]int{
			{-11363, 9633, -6436, 2260},
			{9633, 2261, -11362, 6437},
			{-6436, -11362, -2259, 9633},
			{2260, 6437, 9633, 11363},
		}
		for o, cs := range odd {
			for k, row := range []int{7, 5, 3, 1} {
				op := "smlal"
				if k == 0 {
					op = "smull"
				}
				f.v("%s%s v%d.4s, v%d.%s, %s", op, two, 8+o, row, in, islowLane(cs[k]))
			}
		}
		// out0/7 = tmp10 +- tmp3, out1/6 = tmp11 +- tmp2,
		// out2/5 = tmp12 +- tmp1, out3/4 = tmp13 +- tmp0.
		for _, p := range [][4]int{{0, 7, 18, 11}, {1, 6, 20, 10}, {2, 5, 21, 9}, {3, 4, 19, 8}} {
			f.v("add v22.4s, v%d.4s, v%d.4s", p[2], p[3])
			f.v("sub v23.4s, v%d.4s, v%d.4s", p[2], p[3])
			narrow(24+p[0], 22)
			narrow(24+p[1], 23)
		}
	}
}

// idctHalf names, for one half of an IDCT pass over 8 int16 lanes (0:
// lanes 0-3, 1: lanes 4-7), the suffix of its widening instructions ("" or
// "2") and the arrangement they read ("4h" or "8h").
func idctHalf(half int) (two, in string) {
	if half == 1 {
		return "2", "8h"
	}
	return "", "4h"
}

// idctNarrow narrows the 32-bit sums in v[src] by sh into that half of
// v[dst] (SHRN, SHRN2).
func idctNarrow(f *asmFile, half, dst, src, sh int) {
	if half == 0 {
		f.v("shrn v%d.4h, v%d.4s, #%d", dst, src, sh)
	} else {
		f.v("shrn2 v%d.8h, v%d.4s, #%d", dst, src, sh)
	}
}

// transpose8x8h transposes the 8x8 int16 matrix in registers src..src+7
// (one row each) into dst..dst+7, using tmp..tmp+7 (src is clobbered).
func transpose8x8h(f *asmFile, src, tmp, dst int) {
	for i := 0; i < 8; i += 2 {
		f.v("trn1 v%d.8h, v%d.8h, v%d.8h", tmp+i, src+i, src+i+1)
		f.v("trn2 v%d.8h, v%d.8h, v%d.8h", tmp+i+1, src+i, src+i+1)
	}
	for _, q := range [][2]int{{0, 2}, {1, 3}, {4, 6}, {5, 7}} {
		f.v("trn1 v%d.4s, v%d.4s, v%d.4s", src+q[0], tmp+q[0], tmp+q[1])
		f.v("trn2 v%d.4s, v%d.4s, v%d.4s", src+q[1], tmp+q[0], tmp+q[1])
	}
	for i := range 4 {
		f.v("trn1 v%d.2d, v%d.2d, v%d.2d", dst+i, src+i, src+i+4)
		f.v("trn2 v%d.2d, v%d.2d, v%d.2d", dst+i+4, src+i, src+i+4)
	}
}

// reducedConsts are jidctred.c's constants for the 4x4 and 2x2 IDCTs.
var reducedConsts = map[int][]int{
	4: {15137, -6270, -1730, 11893, -17799, 8697, -4176, -4926, 7373, 20995},
	2: {-5906, 6967, -10426, 29692},
}

// emitIdctReduced: jidctred.c's jpeg_idct_4x4 or jpeg_idct_2x2 on one
// block of dequantized int16 coefficients, with preprocess's arithmetic
// (32-bit sums, pass-1 rows narrowed to 16 bits, libjpeg's range-limit
// table). Pass 1 runs over all 8 columns (the unused ones are ignored by
// pass 2), pass 2 over the size rows in the low lanes.
func emitIdctReduced(f *asmFile, size int) {
	f.text(kernel{op: "idctI16U8", tile: fmt.Sprintf("%dx%d", size, size), isa: "NEON", tech: "Islow"},
		fmt.Sprintf(`writes the %dx%d samples of a block of 64 dequantized int16 coefficients (natural order) at dst, rows stride bytes apart (jidctred.c's jpeg_idct_%dx%d).`, size, size, size, size),
		"blk unsafe.Pointer", "dst unsafe.Pointer", "stride int")
	f.loadArgs()
	cs := reducedConsts[size]
	lane := func(c int) string {
		for i, v := range cs {
			if v == c {
				return fmt.Sprintf("v%d.h[%d]", 14+i/8, i%8)
			}
		}
		panic(fmt.Sprint("no constant ", c))
	}
	for i, c := range cs {
		f.g("MOVD $%d, R9", c)
		f.v("mov v%d.h[%d], w9", 14+i/8, i%8)
	}
	f.v("ld1 {v0.8h-v3.8h}, [x0], #64")
	f.v("ld1 {v4.8h-v7.8h}, [x0]")
	extra := 1 // jidctred.c's extra shift: 1 for 4x4, 2 for 2x2
	if size == 2 {
		extra = 2
	}
	// pass runs one 1-D pass on v0..v7 into v24.., narrowing by sh after
	// adding the rounding constant in v13; halves is 2 for 8 lanes.
	pass := func(sh, halves int) {
		for half := range halves {
			two, in := idctHalf(half)
			narrow := func(dst, src int) { idctNarrow(f, half, dst, src, sh) }
			f.v("sshll%s v18.4s, v0.%s, #%d", two, in, constBitsRed+extra)
			f.v("add v18.4s, v18.4s, v13.4s")
			if size == 4 {
				f.v("smull%s v16.4s, v2.%s, %s", two, in, lane(15137))
				f.v("smlal%s v16.4s, v6.%s, %s", two, in, lane(-6270))
				f.v("add v20.4s, v18.4s, v16.4s") // tmp10
				f.v("sub v21.4s, v18.4s, v16.4s") // tmp12
				for o, row := range [][4]int{{-1730, 11893, -17799, 8697}, {-4176, -4926, 7373, 20995}} {
					for k, r := range []int{7, 5, 3, 1} {
						op := "smlal"
						if k == 0 {
							op = "smull"
						}
						f.v("%s%s v%d.4s, v%d.%s, %s", op, two, 8+o, r, in, lane(row[k]))
					}
				}
				// out0/3 = tmp10 +- tmp2 (v9), out1/2 = tmp12 +- tmp0 (v8).
				for _, p := range [][4]int{{0, 3, 20, 9}, {1, 2, 21, 8}} {
					f.v("add v22.4s, v%d.4s, v%d.4s", p[2], p[3])
					f.v("sub v23.4s, v%d.4s, v%d.4s", p[2], p[3])
					narrow(24+p[0], 22)
					narrow(24+p[1], 23)
				}
				continue
			}
			for k, r := range []int{7, 5, 3, 1} {
				op := "smlal"
				if k == 0 {
					op = "smull"
				}
				f.v("%s%s v8.4s, v%d.%s, %s", op, two, r, in, lane([]int{-5906, 6967, -10426, 29692}[k]))
			}
			f.v("add v22.4s, v18.4s, v8.4s")
			f.v("sub v23.4s, v18.4s, v8.4s")
			narrow(24, 22)
			narrow(25, 23)
		}
	}
	sh1 := constBitsRed - pass1BitsRed + extra
	f.g("MOVD $%d, R9", 1<<(sh1-1))
	f.v("dup v13.4s, w9")
	pass(sh1, 2)
	transpose8x8h(f, 24, 16, 0)
	sh2 := constBitsRed + pass1BitsRed + 3 + extra
	f.g("MOVD $%d, R9", 1<<(sh2-1))
	f.v("dup v13.4s, w9")
	pass(16, 1) // then >> (sh2-16) below
	f.g("MOVD $128, R9")
	f.v("dup v12.8h, w9")
	for r := 24; r < 24+size; r++ {
		// bits sh2..sh2+9 of the sum, sign-extended: libjpeg's "& 1023"
		f.v("shl v%d.8h, v%d.8h, #%d", r, r, 6-(sh2-16))
		f.v("sshr v%d.8h, v%d.8h, #6", r, r)
		f.v("add v%d.8h, v%d.8h, v12.8h", r, r)
	}
	transpose8x8h(f, 24, 16, 0)
	for r := range size {
		f.v("sqxtun v%d.8b, v%d.8h", r, r)
		if size == 4 {
			f.v("st1 {v%d.s}[0], [x1]", r)
		} else {
			f.v("st1 {v%d.h}[0], [x1]", r)
		}
		f.g("ADD R2, R1")
	}
	f.g("RET")
}

// jidctred.c's fixed point: CONST_BITS and PASS1_BITS.
const (
	constBitsRed = 13
	pass1BitsRed = 2
)
