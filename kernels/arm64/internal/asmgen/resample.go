package main

// The two passes of Pillow's 8-bit bilinear resampler (preprocess's
// resampleH and resampleV, the oracle): every output byte is
// clip8((1<<21 + Σ w_i·p_i) >> 22) with int32 weights w_i, the products and
// sums exact in 32-bit lanes (MLA), the result shifted arithmetically and
// saturated to 0..255 (SQXTUN twice: the shifted sum never exceeds 32767,
// so the signed 16-bit step cannot wrap). Bytes are zero-extended by
// zipping with a zero register.

// emitResampleV: one output row of the vertical pass, width bytes (a
// multiple of 16) at a time 16: out[x] = clip8(bias + Σ_i w[i]·src[i·stride+x]).
func emitResampleV(f *asmFile) {
	f.text(kernel{op: "resampleVertU8", isa: "NEON"}, `computes one row of Pillow's vertical pass, width bytes (a multiple of 16) from n rows of src (stride bytes apart) weighted by n int32 w.`,
		"src unsafe.Pointer", "stride int", "n int", "w unsafe.Pointer", "dst unsafe.Pointer", "width int")
	f.loadArgs()
	f.g("CBZ R5, done")
	f.g("CBZ R2, done")
	f.g("MOVD $%d, R6", 1<<21)
	f.v("dup v30.4s, w6")
	f.v("movi v31.16b, #0")
	f.label("chunk")
	f.g("MOVD R0, R9")
	f.g("MOVD R3, R10")
	f.g("MOVD R2, R11")
	for i := range 4 {
		f.v("mov v%d.16b, v30.16b", i)
	}
	f.label("tap")
	f.v("ld1 {v4.16b}, [x9], x1")
	f.v("ld1r {v5.4s}, [x10], #4")
	f.v("zip1 v6.16b, v4.16b, v31.16b")
	f.v("zip2 v7.16b, v4.16b, v31.16b")
	f.v("zip1 v16.8h, v6.8h, v31.8h")
	f.v("zip2 v17.8h, v6.8h, v31.8h")
	f.v("zip1 v18.8h, v7.8h, v31.8h")
	f.v("zip2 v19.8h, v7.8h, v31.8h")
	for i := range 4 {
		f.v("mla v%d.4s, v%d.4s, v5.4s", i, 16+i)
	}
	f.g("SUBS $1, R11")
	f.g("BNE tap")
	for i := range 4 {
		f.v("sshr v%d.4s, v%d.4s, #22", i, i)
	}
	f.v("sqxtun v0.4h, v0.4s")
	f.v("sqxtun2 v0.8h, v1.4s")
	f.v("sqxtun v2.4h, v2.4s")
	f.v("sqxtun2 v2.8h, v3.4s")
	f.v("sqxtun v0.8b, v0.8h")
	f.v("sqxtun2 v0.16b, v2.8h")
	f.v("st1 {v0.16b}, [x4], #16")
	f.g("ADD $16, R0")
	f.g("SUBS $16, R5")
	f.g("BNE chunk")
	f.label("done")
	f.g("RET")
}

// emitResampleH: rows rows of the horizontal pass over packed RGB. Output
// pixel x of a row reads n[x] pixels from start[x] (int64 arrays), with
// the next n[x] weights of w (the kernel's weights are consecutive); the
// three channels ride in lanes 0-2 of an int32 vector, which TBL fills
// straight from the loaded bytes (index 0xff gives the zero high bytes).
// Taps go four at a time (one 16-byte load, one weight vector, MLA by
// element) and then one at a time (a 4-byte load), so a row is read up to
// 4 bytes past its last tap: the caller keeps that inside src.
func emitResampleH(f *asmFile) {
	f.text(kernel{op: "resampleHorizU8", isa: "NEON"}, `computes rows rows of Pillow's horizontal pass over packed RGB: outW pixels per row, pixel x from n[x] source pixels at start[x] weighted by the next n[x] int32 of w. Reads up to 4 bytes past a pixel's last tap.`,
		"src unsafe.Pointer", "ss int", "rows int", "dst unsafe.Pointer", "ds int",
		"start unsafe.Pointer", "n unsafe.Pointer", "w unsafe.Pointer", "outW int")
	f.loadArgs()
	f.g("CBZ R2, done")
	f.g("CBZ R8, done")
	f.g("MOVD $%d, R9", 1<<21)
	f.v("dup v30.4s, w9")
	// TBL indexes: tap t's bytes 3t, 3t+1, 3t+2 into the low byte of
	// lanes 0, 1, 2; everything else 0xff (zero).
	for t := range 4 {
		lo := uint64(0xffffff00|3*t) | uint64(0xffffff00|(3*t+1))<<32
		hi := uint64(0xffffffffffffff00 | uint64(3*t+2))
		f.g("MOVD $0x%016x, R9", lo)
		f.g("MOVD $0x%016x, R10", hi)
		f.v("mov v%d.d[0], x9", 24+t)
		f.v("mov v%d.d[1], x10", 24+t)
	}
	f.label("row")
	f.g("MOVD R5, R10")
	f.g("MOVD R6, R11")
	f.g("MOVD R7, R12")
	f.g("MOVD R8, R13")
	f.g("MOVD R3, R14")
	f.label("pixel")
	f.g("MOVD.P 8(R10), R15")
	f.g("MOVD.P 8(R11), R17")
	f.g("ADD R15<<1, R15, R15") // 3·start: bytes
	f.g("ADD R0, R15, R16")
	f.v("mov v0.16b, v30.16b")
	f.v("movi v7.16b, #0")
	f.g("CMP $4, R17")
	f.g("BLT one")
	f.label("four")
	f.v("ld1 {v1.16b}, [x16]")
	f.g("ADD $12, R16")
	f.v("ld1 {v2.4s}, [x12], #16")
	for t := range 4 {
		f.v("tbl v%d.16b, {v1.16b}, v%d.16b", 3+t, 24+t)
	}
	for t := range 4 {
		f.v("mla v%d.4s, v%d.4s, v2.s[%d]", []int{0, 7}[t%2], 3+t, t)
	}
	f.g("SUB $4, R17")
	f.g("CMP $4, R17")
	f.g("BGE four")
	f.label("one")
	f.g("CBZ R17, store")
	f.v("ld1 {v1.s}[0], [x16]")
	f.g("ADD $3, R16")
	f.v("ld1r {v2.4s}, [x12], #4")
	f.v("tbl v3.16b, {v1.16b}, v24.16b")
	f.v("mla v0.4s, v3.4s, v2.4s")
	f.g("SUB $1, R17")
	f.g("B one")
	f.label("store")
	f.v("add v0.4s, v0.4s, v7.4s")
	f.v("sshr v0.4s, v0.4s, #22")
	f.v("sqxtun v0.4h, v0.4s")
	f.v("sqxtun v0.8b, v0.8h")
	f.v("st1 {v0.h}[0], [x14], #2")
	f.v("st1 {v0.b}[2], [x14], #1")
	f.g("SUBS $1, R13")
	f.g("BNE pixel")
	f.g("ADD R1, R0")
	f.g("ADD R4, R3")
	f.g("SUBS $1, R2")
	f.g("BNE row")
	f.label("done")
	f.g("RET")
}
