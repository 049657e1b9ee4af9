package main

import "fmt"

// Element-wise kernels: rescale, add, squeeze-excitation multiply, global
// average pool, quantize, max pool and the data movement of ShuffleNet's
// channel split/concat/shuffle. All follow kernels/generic's arithmetic
// (qparams.go, arith_q.go) step for step; the Go wrappers handle the
// leftover elements that do not fill a vector with the generic code.
//
// Register conventions shared with narrowOut: v28 the output zero point
// (8h for int8 outputs, 4s for int16), v29/v30 the clamp bounds.

func tname(b16 bool) string {
	if b16 {
		return "I16"
	}
	return "I8"
}

// loadOutScalars sets v28-v30 from int32 lanes zp, lo, hi of register v.
func loadOutScalars(f *asmFile, out16 bool, v, zp, lo, hi int) {
	if out16 {
		f.v("dup v28.4s, v%d.s[%d]", v, zp)
		f.v("dup v29.8h, v%d.h[%d]", v, 2*lo)
		f.v("dup v30.8h, v%d.h[%d]", v, 2*hi)
	} else {
		f.v("dup v28.8h, v%d.h[%d]", v, 2*zp)
		f.v("dup v29.16b, v%d.b[%d]", v, 4*lo)
		f.v("dup v30.16b, v%d.b[%d]", v, 4*hi)
	}
}

// requantRegs applies Requantize with per-tensor parameters (vectors
// vmul, vshl, vshr) to the int32 registers regs.
func requantRegs(f *asmFile, regs []int, shl bool, vmul, vshl, vshr int) {
	if shl {
		for _, r := range regs {
			f.v("sqshl v%d.4s, v%d.4s, v%d.4s", r, r, vshl)
		}
	}
	for _, r := range regs {
		f.v("sqrdmulh v%d.4s, v%d.4s, v%d.4s", r, r, vmul)
	}
	for _, r := range regs {
		f.v("srshl v%d.4s, v%d.4s, v%d.4s", r, r, vshr)
	}
}

// narrowOut8 is narrowOut for 8 values in v[s], v[s+1]: into v0 (8 int8)
// or v0 (8 int16).
func narrowOut8(f *asmFile, out16 bool, s int) {
	if out16 && !f.zp0 {
		f.v("sqadd v%d.4s, v%d.4s, v28.4s", s, s)
		f.v("sqadd v%d.4s, v%d.4s, v28.4s", s+1, s+1)
	}
	f.v("sqxtn v0.4h, v%d.4s", s)
	f.v("sqxtn2 v0.8h, v%d.4s", s+1)
	if out16 {
		f.v("smax v0.8h, v0.8h, v29.8h")
		f.v("smin v0.8h, v0.8h, v30.8h")
		return
	}
	f.v("sqadd v0.8h, v0.8h, v28.8h")
	f.v("sqxtn v0.8b, v0.8h")
	f.v("smax v0.8b, v0.8b, v29.8b")
	f.v("smin v0.8b, v0.8b, v30.8b")
}

// storeOut stores 16 outputs (v0, or v0-v1 for int16) at x[p]; post is
// the post-increment (", x6", ", #16") or "" (none).
func storeOut(f *asmFile, out16 bool, p int, post string) {
	if out16 {
		f.v("st1 {v0.8h, v1.8h}, [x%d]%s", p, post)
	} else {
		f.v("st1 {v0.16b}, [x%d]%s", p, post)
	}
}

// storeOut8 stores 8 outputs (v0: int8 or int16) at x[p]; post as for
// storeOut.
func storeOut8(f *asmFile, out16 bool, p int, post string) {
	if out16 {
		f.v("st1 {v0.8h}, [x%d]%s", p, post)
	} else {
		f.v("st1 {v0.8b}, [x%d]%s", p, post)
	}
}

func shlName(shl bool) string {
	if shl {
		return "Shl"
	}
	return ""
}

// emitRescale: out = clamp(OutZP + Requantize(x - InZP)) over n elements,
// n a multiple of 16. sc = {InZP, OutZP, lo, hi, Mult, Shl, -Shr}.
func emitRescale(f *asmFile, in16, out16, shl bool) {
	f.text(kernel{op: "rescale", types: tname(in16) + tname(out16), isa: "NEON", tech: shlName(shl)},
		fmt.Sprintf(`applies QRescale over n elements (a multiple of 16),
%s to %s; sc = {InZP, OutZP, lo, hi, Mult, Shl, -Shr}.`, tname(in16), tname(out16)),
		"in unsafe.Pointer", "out unsafe.Pointer", "n int", "sc unsafe.Pointer")
	f.loadArgs()
	f.g("CBZ R2, done")
	f.v("ld1 {v8.4s, v9.4s}, [x3]")
	if in16 {
		f.v("dup v10.8h, v8.h[0]")
	} else {
		f.v("dup v10.16b, v8.b[0]")
	}
	f.v("dup v11.4s, v9.s[0]")
	f.v("dup v12.4s, v9.s[1]")
	f.v("dup v13.4s, v9.s[2]")
	loadOutScalars(f, out16, 8, 1, 2, 3)
	f.label("loop")
	if in16 {
		f.v("ld1 {v2.8h, v3.8h}, [x0], #32")
		f.v("ssubl v4.4s, v2.4h, v10.4h")
		f.v("ssubl2 v5.4s, v2.8h, v10.8h")
		f.v("ssubl v6.4s, v3.4h, v10.4h")
		f.v("ssubl2 v7.4s, v3.8h, v10.8h")
	} else {
		f.v("ld1 {v0.16b}, [x0], #16")
		f.v("ssubl v2.8h, v0.8b, v10.8b")
		f.v("ssubl2 v3.8h, v0.16b, v10.16b")
		f.v("sxtl v4.4s, v2.4h")
		f.v("sxtl2 v5.4s, v2.8h")
		f.v("sxtl v6.4s, v3.4h")
		f.v("sxtl2 v7.4s, v3.8h")
	}
	requantRegs(f, []int{4, 5, 6, 7}, shl, 11, 12, 13)
	narrowOut(f, out16, 4)
	storeOut(f, out16, 1, map[bool]string{false: ", #16", true: ", #32"}[out16])
	f.g("SUBS $16, R2")
	f.g("BNE loop")
	f.label("done")
	f.g("RET")
}

// emitAddI8: the int8 residual add (QAdd) over n elements, n a multiple of
// 16: each operand lifted, (x - zp) << LeftShift (exact: LeftShift ≤ 22),
// requantized to the common scale; the saturated sum requantized to the
// output. sc = {AZP, BZP, OutZP, lo, hi, LeftShift, AMult, AShl, -AShr,
// BMult, BShl, -BShr, OutMult, OutShl, -OutShr, 0}.
func emitAddI8(f *asmFile, shl bool) {
	f.text(kernel{op: "add", types: "I8", isa: "NEON", tech: shlName(shl)},
		`applies QAdd to int8 tensors of n elements (a multiple of 16).`,
		"a unsafe.Pointer", "b unsafe.Pointer", "out unsafe.Pointer", "n int", "sc unsafe.Pointer")
	f.loadArgs()
	f.g("CBZ R3, done")
	f.v("ld1 {v8.4s-v11.4s}, [x4]")
	f.v("dup v12.16b, v8.b[0]")  // AZP
	f.v("dup v13.16b, v8.b[4]")  // BZP
	f.v("dup v28.8h, v8.h[4]")   // OutZP
	f.v("dup v29.16b, v8.b[12]") // lo
	f.v("dup v30.16b, v9.b[0]")  // hi
	f.v("dup v14.4s, v9.s[1]")   // LeftShift
	f.v("dup v15.4s, v9.s[2]")   // AMult
	f.v("dup v16.4s, v9.s[3]")   // AShl
	f.v("dup v17.4s, v10.s[0]")  // -AShr
	f.v("dup v18.4s, v10.s[1]")  // BMult
	f.v("dup v19.4s, v10.s[2]")  // BShl
	f.v("dup v20.4s, v10.s[3]")  // -BShr
	f.v("dup v21.4s, v11.s[0]")  // OutMult
	f.v("dup v22.4s, v11.s[1]")  // OutShl
	f.v("dup v23.4s, v11.s[2]")  // -OutShr
	f.label("loop")
	f.v("ld1 {v0.16b}, [x0], #16")
	f.v("ld1 {v1.16b}, [x1], #16")
	lift := func(src, zp, d int) {
		f.v("ssubl v24.8h, v%d.8b, v%d.8b", src, zp)
		f.v("ssubl2 v25.8h, v%d.16b, v%d.16b", src, zp)
		f.v("sxtl v%d.4s, v24.4h", d)
		f.v("sxtl2 v%d.4s, v24.8h", d+1)
		f.v("sxtl v%d.4s, v25.4h", d+2)
		f.v("sxtl2 v%d.4s, v25.8h", d+3)
		for i := 0; i < 4; i++ {
			f.v("sshl v%d.4s, v%d.4s, v14.4s", d+i, d+i)
		}
	}
	lift(0, 12, 2)
	lift(1, 13, 6)
	requantRegs(f, []int{2, 3, 4, 5}, shl, 15, 16, 17)
	requantRegs(f, []int{6, 7, 8, 9}, shl, 18, 19, 20)
	for i := 0; i < 4; i++ {
		f.v("sqadd v%d.4s, v%d.4s, v%d.4s", 2+i, 2+i, 6+i)
	}
	requantRegs(f, []int{2, 3, 4, 5}, shl, 21, 22, 23)
	narrowOut(f, false, 2)
	f.v("st1 {v0.16b}, [x2], #16")
	f.g("SUBS $16, R3")
	f.g("BNE loop")
	f.label("done")
	f.g("RET")
}

// emitMulChannels: squeeze-excitation's gate multiply (QMulChannels) over
// hw pixels of c channels (c a multiple of 8), channel blocks outermost so
// that each block's gate is widened once. int8: (x - XZP)·(g - GZP) is at
// most 255² and exact in int32. int16: only for XZP = GZP = 0, where
// x·g ≤ 2^30 is exact too. sc = {XZP, GZP, OutZP, lo, hi, Mult, Shl, -Shr}.
func emitMulChannels(f *asmFile, b16, shl bool) {
	f.text(kernel{op: "mulChannels", types: tname(b16), isa: "NEON", tech: shlName(shl)},
		fmt.Sprintf(`applies QMulChannels to an hw×c %s tensor (c a multiple of 8).`, tname(b16)),
		"x unsafe.Pointer", "gate unsafe.Pointer", "out unsafe.Pointer", "hw int", "c int", "sc unsafe.Pointer")
	f.loadArgs()
	f.v("ld1 {v8.4s, v9.4s}, [x5]")
	f.v("dup v12.4s, v9.s[1]") // Mult
	f.v("dup v13.4s, v9.s[2]") // Shl
	f.v("dup v14.4s, v9.s[3]") // -Shr
	if b16 {
		loadOutScalars(f, true, 8, 2, 3, 0)
		f.v("dup v30.8h, v9.h[0]")
		f.g("LSL $1, R4, R6") // pixel stride in bytes
		f.g("LSR $3, R4, R7") // blocks of 8 channels
		f.label("block")
		f.v("ld1 {v16.8h}, [x1], #16")
		f.g("MOVD R0, R8")
		f.g("MOVD R2, R9")
		f.g("MOVD R3, R10")
		f.label("px")
		f.v("ld1 {v0.8h}, [x8], x6")
		f.v("smull v4.4s, v0.4h, v16.4h")
		f.v("smull2 v5.4s, v0.8h, v16.8h")
		requantRegs(f, []int{4, 5}, shl, 12, 13, 14)
		narrowOut8(f, true, 4)
		f.v("st1 {v0.8h}, [x9], x6")
		f.g("SUBS $1, R10")
		f.g("BNE px")
		f.g("ADD $16, R0")
		f.g("ADD $16, R2")
		f.g("SUBS $1, R7")
		f.g("BNE block")
		f.g("RET")
		return
	}
	f.v("dup v10.16b, v8.b[0]") // XZP
	f.v("dup v11.16b, v8.b[4]") // GZP
	loadOutScalars(f, false, 8, 2, 3, 0)
	f.v("dup v30.16b, v9.b[0]")
	f.g("LSR $4, R4, R7")
	f.g("CBZ R7, tail8")
	f.label("block")
	f.v("ld1 {v16.16b}, [x1], #16")
	f.v("ssubl v17.8h, v16.8b, v11.8b")
	f.v("ssubl2 v18.8h, v16.16b, v11.16b")
	f.g("MOVD R0, R8")
	f.g("MOVD R2, R9")
	f.g("MOVD R3, R10")
	f.label("px")
	f.v("ld1 {v0.16b}, [x8], x4")
	f.v("ssubl v1.8h, v0.8b, v10.8b")
	f.v("ssubl2 v2.8h, v0.16b, v10.16b")
	f.v("smull v4.4s, v1.4h, v17.4h")
	f.v("smull2 v5.4s, v1.8h, v17.8h")
	f.v("smull v6.4s, v2.4h, v18.4h")
	f.v("smull2 v7.4s, v2.8h, v18.8h")
	requantRegs(f, []int{4, 5, 6, 7}, shl, 12, 13, 14)
	narrowOut(f, false, 4)
	f.v("st1 {v0.16b}, [x9], x4")
	f.g("SUBS $1, R10")
	f.g("BNE px")
	f.g("ADD $16, R0")
	f.g("ADD $16, R2")
	f.g("SUBS $1, R7")
	f.g("BNE block")
	f.label("tail8")
	f.g("TBZ $3, R4, done")
	f.v("ld1 {v16.8b}, [x1]")
	f.v("ssubl v17.8h, v16.8b, v11.8b")
	f.label("px8")
	f.v("ld1 {v0.8b}, [x0], x4")
	f.v("ssubl v1.8h, v0.8b, v10.8b")
	f.v("smull v4.4s, v1.4h, v17.4h")
	f.v("smull2 v5.4s, v1.8h, v17.8h")
	requantRegs(f, []int{4, 5}, shl, 12, 13, 14)
	narrowOut8(f, false, 4)
	f.v("st1 {v0.8b}, [x2], x4")
	f.g("SUBS $1, R3")
	f.g("BNE px8")
	f.label("done")
	f.g("RET")
}

// emitAvgPool: GlobalAvgPoolQ over hw pixels of c channels (c a multiple
// of 8): exact channel sums (int8 values summed in int16 lanes for at most
// 128 pixels at a time, then widened), sat32(Σ - hw·InZP), requantized.
// sc = {hw·InZP, OutZP, lo, hi, Mult, Shl, -Shr, 0}.
func emitAvgPool(f *asmFile, in16, out16, shl bool) {
	f.text(kernel{op: "avgPool", types: tname(in16) + tname(out16), isa: "NEON", tech: shlName(shl)},
		fmt.Sprintf(`applies GlobalAvgPoolQ to an hw×c %s tensor (c a multiple of 8), to %s.`, tname(in16), tname(out16)),
		"in unsafe.Pointer", "hw int", "c int", "out unsafe.Pointer", "sc unsafe.Pointer")
	f.loadArgs()
	f.v("ld1 {v8.4s, v9.4s}, [x4]")
	f.v("dup v11.4s, v8.s[0]") // hw·InZP
	f.v("dup v12.4s, v9.s[0]") // Mult
	f.v("dup v13.4s, v9.s[1]") // Shl
	f.v("dup v14.4s, v9.s[2]") // -Shr
	loadOutScalars(f, out16, 8, 1, 2, 3)
	ob := map[bool]int{false: 1, true: 2}[out16]
	if in16 {
		f.g("LSL $1, R2, R5") // pixel stride in bytes
		f.g("LSR $3, R2, R7") // blocks of 8 channels
		f.label("block")
		f.g("MOVD R0, R8")
		f.g("MOVD R1, R10")
		f.v("movi v4.2d, #0")
		f.v("movi v5.2d, #0")
		f.label("px")
		f.v("ld1 {v0.8h}, [x8], x5")
		f.v("saddw v4.4s, v4.4s, v0.4h")
		f.v("saddw2 v5.4s, v5.4s, v0.8h")
		f.g("SUBS $1, R10")
		f.g("BNE px")
		avgPoolOut8(f, out16, shl, fmt.Sprintf(", #%d", 8*ob))
		f.g("ADD $16, R0")
		f.g("SUBS $1, R7")
		f.g("BNE block")
		f.g("RET")
		return
	}
	f.g("LSR $4, R2, R7")
	f.g("CBZ R7, tail8")
	f.label("block")
	f.g("MOVD R0, R8")
	f.g("MOVD R1, R10")
	for i := 4; i < 8; i++ {
		f.v("movi v%d.2d, #0", i)
	}
	f.label("chunk")
	f.g("MOVD $128, R11")
	f.g("CMP R11, R10")
	f.g("CSEL LT, R10, R11, R11") // R11 = min(R10, 128)
	f.g("SUB R11, R10")
	f.v("movi v16.2d, #0")
	f.v("movi v17.2d, #0")
	f.label("px")
	f.v("ld1 {v0.16b}, [x8], x2")
	f.v("saddw v16.8h, v16.8h, v0.8b")
	f.v("saddw2 v17.8h, v17.8h, v0.16b")
	f.g("SUBS $1, R11")
	f.g("BNE px")
	f.v("saddw v4.4s, v4.4s, v16.4h")
	f.v("saddw2 v5.4s, v5.4s, v16.8h")
	f.v("saddw v6.4s, v6.4s, v17.4h")
	f.v("saddw2 v7.4s, v7.4s, v17.8h")
	f.g("CBNZ R10, chunk")
	for i := 4; i < 8; i++ {
		f.v("sqsub v%d.4s, v%d.4s, v11.4s", i, i)
	}
	requantRegs(f, []int{4, 5, 6, 7}, shl, 12, 13, 14)
	narrowOut(f, out16, 4)
	storeOut(f, out16, 3, fmt.Sprintf(", #%d", 16*ob))
	f.g("ADD $16, R0")
	f.g("SUBS $1, R7")
	f.g("BNE block")
	f.label("tail8")
	f.g("TBZ $3, R2, done")
	f.g("MOVD R1, R10")
	f.v("movi v4.2d, #0")
	f.v("movi v5.2d, #0")
	f.label("chunk8")
	f.g("MOVD $128, R11")
	f.g("CMP R11, R10")
	f.g("CSEL LT, R10, R11, R11")
	f.g("SUB R11, R10")
	f.v("movi v16.2d, #0")
	f.label("px8")
	f.v("ld1 {v0.8b}, [x0], x2")
	f.v("saddw v16.8h, v16.8h, v0.8b")
	f.g("SUBS $1, R11")
	f.g("BNE px8")
	f.v("saddw v4.4s, v4.4s, v16.4h")
	f.v("saddw2 v5.4s, v5.4s, v16.8h")
	f.g("CBNZ R10, chunk8")
	avgPoolOut8(f, out16, shl, "")
	f.label("done")
	f.g("RET")
}

// avgPoolOut8 ends 8 channels of emitAvgPool: their sums in v4, v5, less
// hw·InZP (v11), requantized (v12-v14) and stored at x3 (post as for
// storeOut).
func avgPoolOut8(f *asmFile, out16, shl bool, post string) {
	f.v("sqsub v4.4s, v4.4s, v11.4s")
	f.v("sqsub v5.4s, v5.4s, v11.4s")
	requantRegs(f, []int{4, 5}, shl, 12, 13, 14)
	narrowOut8(f, out16, 4)
	storeOut8(f, out16, 3, post)
}

// emitQuantize: QuantizeF32 over n floats (a multiple of 16): the product
// x·invScale in float64 (exact), FCVTNS (round half to even, saturating),
// then the zero point and the saturating narrows to the output type.
// sc = {zp, float32 bits of invScale}.
func emitQuantize(f *asmFile, out16 bool) {
	f.text(kernel{op: "quantize", types: "F32" + tname(out16), isa: "NEON"},
		fmt.Sprintf(`applies QuantizeF32 to n float32 (a multiple of 16), to %s.`, tname(out16)),
		"in unsafe.Pointer", "out unsafe.Pointer", "n int", "sc unsafe.Pointer")
	f.loadArgs()
	f.g("CBZ R2, done")
	f.v("ld1r {v21.4s}, [x3]")
	f.g("ADD $4, R3")
	f.v("ld1r {v20.4s}, [x3]")
	f.v("fcvtl v20.2d, v20.2s")
	f.label("loop")
	f.v("ld1 {v0.4s-v3.4s}, [x0], #64")
	for i := 0; i < 4; i++ {
		f.v("fcvtl v4.2d, v%d.2s", i)
		f.v("fcvtl2 v5.2d, v%d.4s", i)
		f.v("fmul v4.2d, v4.2d, v20.2d")
		f.v("fmul v5.2d, v5.2d, v20.2d")
		f.v("fcvtns v4.2d, v4.2d")
		f.v("fcvtns v5.2d, v5.2d")
		f.v("sqxtn v%d.2s, v4.2d", 16+i)
		f.v("sqxtn2 v%d.4s, v5.2d", 16+i)
		f.v("sqadd v%d.4s, v%d.4s, v21.4s", 16+i, 16+i)
	}
	f.v("sqxtn v0.4h, v16.4s")
	f.v("sqxtn2 v0.8h, v17.4s")
	f.v("sqxtn v1.4h, v18.4s")
	f.v("sqxtn2 v1.8h, v19.4s")
	if out16 {
		f.v("st1 {v0.8h, v1.8h}, [x1], #32")
	} else {
		f.v("sqxtn v0.8b, v0.8h")
		f.v("sqxtn2 v0.16b, v1.8h")
		f.v("st1 {v0.16b}, [x1], #16")
	}
	f.g("SUBS $16, R2")
	f.g("BNE loop")
	f.label("done")
	f.g("RET")
}

// emitMaxPool: n output pixels of a max pool row whose windows are all
// kh × kw in-bounds taps (the Go driver trims the window at the borders),
// over cb bytes of channels per pixel (a multiple of 8). src points to the
// first window's top-left tap; rs is the input row stride, cs the pixel
// stride, step the stride between windows, all in bytes.
func emitMaxPool(f *asmFile, b16 bool) {

	arr, half := "16b", "8b"
	if b16 {
		arr, half = "8h", "4h"
	}
	f.text(kernel{op: "maxPool", types: tname(b16), isa: "NEON"},
		fmt.Sprintf(`computes a row of MaxPoolQ windows over %s values.`, tname(b16)),
		"src unsafe.Pointer", "rs int", "cs int", "step int", "kh int", "kw int", "n int", "cb int", "dst unsafe.Pointer")
	f.loadArgs()
	f.g("ADD R2, R2, R9") // 2·cs
	f.g("CMP $3, R4")
	f.g("BNE general")
	f.g("CMP $3, R5")
	f.g("BNE general")
	// 3×3: nine loads per 16 bytes of channels, row pointers post-incremented.
	f.label("px3")
	f.g("MOVD R0, R10")
	f.g("ADD R1, R10, R11")
	f.g("ADD R1, R11, R12")
	f.g("LSR $4, R7, R13")
	f.g("CBZ R13, tail3")
	f.label("blk3")
	// window3 takes the max of the nine taps of 16 (wide) or 8 bytes of
	// channels into v0 and stores it.
	window3 := func(wide bool) {
		q, a := "d", half
		if wide {
			q, a = "q", arr
		}
		for ky, r := range []int{10, 11, 12} {
			f.v("ldr %s%d, [x%d, x2]", q, 3*ky+1, r)
			f.v("ldr %s%d, [x%d, x9]", q, 3*ky+2, r)
			if wide {
				f.v("ld1 {v%d.16b}, [x%d], #16", 3*ky, r)
			} else {
				f.v("ldr d%d, [x%d]", 3*ky, r)
			}
		}
		for i := 1; i < 9; i++ {
			f.v("smax v0.%s, v0.%s, v%d.%s", a, a, i, a)
		}
		if wide {
			f.v("st1 {v0.16b}, [x8], #16")
		} else {
			f.v("st1 {v0.8b}, [x8], #8")
		}
	}
	window3(true)
	f.g("SUBS $1, R13")
	f.g("BNE blk3")
	f.label("tail3")
	f.g("TBZ $3, R7, next3")
	window3(false)
	f.label("next3")
	f.g("ADD R3, R0")
	f.g("SUBS $1, R6")
	f.g("BNE px3")
	f.g("RET")
	// any window: loops over rows and columns
	f.label("general")
	f.g("MOVD $0, R13") // channel offset
	f.label("gblk")
	f.g("ADD R13, R0, R10") // top-left of this block
	f.g("SUB R13, R7, R14")
	f.g("CMP $16, R14")
	f.g("BLT g8")
	// windowAny takes the max of a kh × kw window over 16 (wide) or 8
	// bytes of channels into v0 and stores it.
	windowAny := func(wide bool) {
		sfx, a, n := "", arr, 16
		if !wide {
			sfx, a, n = "8", half, 8
		}
		f.v("ldr %s0, [x10]", map[bool]string{true: "q", false: "d"}[wide])
		f.g("MOVD R4, R11")
		f.label("grow" + sfx)
		f.g("MOVD R10, R12")
		f.g("MOVD R5, R15")
		f.label("gcol" + sfx)
		f.v("ld1 {v1.%s}, [x12], x2", map[bool]string{true: "16b", false: "8b"}[wide])
		f.v("smax v0.%s, v0.%s, v1.%s", a, a, a)
		f.g("SUBS $1, R15")
		f.g("BNE gcol" + sfx)
		f.g("ADD R1, R10")
		f.g("SUBS $1, R11")
		f.g("BNE grow" + sfx)
		f.v("st1 {v0.%s}, [x8], #%d", map[bool]string{true: "16b", false: "8b"}[wide], n)
		f.g("ADD $%d, R13", n)
	}
	windowAny(true)
	f.g("B gnext")
	f.label("g8")
	windowAny(false)
	f.label("gnext")
	f.g("CMP R7, R13")
	f.g("BLT gblk")
	f.g("ADD R3, R0")
	f.g("SUBS $1, R6")
	f.g("BNE general")
	f.g("RET")
}

// copyChunks splits a row of width bytes into ld1/st1 register lists:
// 16-byte registers (or 8-byte ones when width%16 == 8), at most 4 per
// instruction.
func copyChunks(width int) (arr string, regs []int) {
	rb, arr := 16, "16b"
	if width%16 != 0 {
		rb, arr = 8, "8b"
	}
	n := width / rb
	for n > 0 {
		k := min(4, n)
		regs = append(regs, k)
		n -= k
	}
	return arr, regs
}

// copyWidths are the row widths copyRows has a dedicated loop for: the
// channel slices and concat halves of ShuffleNetV2 (24, 48, 96, 192
// channels) and their int16 doubles.
var copyWidths = []int{8, 16, 24, 32, 48, 64, 96, 128, 192, 384}

// emitCopyRows copies rows of width bytes (a multiple of 8) from src (row
// stride ss) to dst (row stride ds): channel slices and concatenation.
// Common widths get a loop of one load and one store per 64 bytes, the
// last ones post-incremented by the adjusted stride.
func emitCopyRows(f *asmFile) {
	f.text(kernel{op: "copyRows", isa: "NEON"}, `copies rows × width bytes (width a multiple of 8) from src (stride ss) to dst (stride ds).`,
		"src unsafe.Pointer", "ss int", "dst unsafe.Pointer", "ds int", "rows int", "width int")
	f.loadArgs()
	f.g("CBZ R4, done")
	for _, w := range copyWidths {
		f.g("CMP $%d, R5", w)
		f.g("BEQ w%d", w)
	}
	f.g("B row")
	for _, w := range copyWidths {
		arr, chunks := copyChunks(w)
		rb := map[string]int{"16b": 16, "8b": 8}[arr]
		last := chunks[len(chunks)-1] * rb
		f.label(fmt.Sprintf("w%d", w))
		f.g("SUB $%d, R1, R6", w-last)
		f.g("SUB $%d, R3, R7", w-last)
		f.label(fmt.Sprintf("l%d", w))
		for ci, k := range chunks {
			if ci == len(chunks)-1 {
				f.v("ld1 %s, [x0], x6", vlist(0, k, arr))
			} else {
				f.v("ld1 %s, [x0], #%d", vlist(0, k, arr), k*rb)
			}
			if ci == len(chunks)-1 {
				f.v("st1 %s, [x2], x7", vlist(0, k, arr))
			} else {
				f.v("st1 %s, [x2], #%d", vlist(0, k, arr), k*rb)
			}
		}
		f.g("SUBS $1, R4")
		f.g("BNE l%d", w)
		f.g("RET")
	}
	f.label("row")
	f.g("MOVD R0, R6")
	f.g("MOVD R2, R7")
	f.g("MOVD R5, R8")
	f.g("CMP $64, R8")
	f.g("BLT r16")
	f.label("r64")
	f.v("ld1 {v0.16b-v3.16b}, [x6], #64")
	f.v("st1 {v0.16b-v3.16b}, [x7], #64")
	f.g("SUB $64, R8")
	f.g("CMP $64, R8")
	f.g("BGE r64")
	f.byteLadder("R8", "r", func(post string) {
		arr := map[string]string{", #16": "16b", "": "8b"}[post]
		f.v("ld1 {v0.%s}, [x6]%s", arr, post)
		f.v("st1 {v0.%s}, [x7]%s", arr, post)
	})
	f.rowLoopEnd("R4", "R1, R0", "R3, R2")
}

// emitInterleave: out[2j] = a[j], out[2j+1] = b[j] for rows × half
// elements (half·size a multiple of 8 bytes), with ST2: ShuffleNet's
// channel shuffle of two groups, and concat+shuffle in one pass.
func emitInterleave(f *asmFile, b16 bool) {

	arr, half := "16b", "8b"
	if b16 {
		arr, half = "8h", "4h"
	}
	f.text(kernel{op: "interleave", types: tname(b16), isa: "NEON"},
		`writes rows of out[2j] = a[j], out[2j+1] = b[j] (hb = bytes of a and of b per
row, a multiple of 8; a and b rows at stride sa, out rows at stride so).`,
		"a unsafe.Pointer", "b unsafe.Pointer", "sa int", "out unsafe.Pointer", "so int", "rows int", "hb int")
	f.loadArgs()
	f.g("CBZ R5, done")
	f.label("row")
	f.g("MOVD R0, R7")
	f.g("MOVD R1, R8")
	f.g("MOVD R3, R9")
	f.g("MOVD R6, R10")
	f.byteLadder("R10", "b", func(post string) {
		if post == "" {
			f.v("ld1 {v0.8b}, [x7]")
			f.v("ld1 {v1.8b}, [x8]")
			f.v("st2 {v0.%s, v1.%s}, [x9]", half, half)
			return
		}
		f.v("ld1 {v0.16b}, [x7], #16")
		f.v("ld1 {v1.16b}, [x8], #16")
		f.v("st2 {v0.%s, v1.%s}, [x9], #32", arr, arr)
	})
	f.rowLoopEnd("R5", "R2, R0", "R2, R1", "R4, R3")
}
