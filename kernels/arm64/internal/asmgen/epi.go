package main

import "fmt"

// Requantization epilogues: int32 accumulator tiles (bias included) to
// int8 or int16 outputs, exactly kernels/generic's Requantize (SQSHL,
// SQRDMULH, SRSHL) and its zero-point add and clamp. Channel blocks of 16
// run outermost, so each block's multipliers and shifts are loaded once
// for all rows. A block's parameters are 16 multipliers, 16 right shifts
// (as negative SRSHL amounts) and 16 left shifts (SQSHL amounts), int32.
// sc points to the per-tensor scalars:
// {OutZP, lo, hi, Three, Six, PostMult, PostShl, -PostShr} (int32).

const epiArgs = "acc unsafe.Pointer|ldacc int|rows int|n int|prm unsafe.Pointer|out unsafe.Pointer|ldout int|sc unsafe.Pointer"

type epiKind int

const (
	epiClamp epiKind = iota
	epiHardswish
	epiHardsigmoid
)

func emitRequant(f *asmFile, out16 bool, kind epiKind, shl, zp0 bool) {
	f.zp0 = zp0
	defer func() { f.zp0 = false }()
	k := kernel{op: "requant" + map[epiKind]string{epiClamp: "Clamp", epiHardswish: "Hardswish", epiHardsigmoid: "Hardsigmoid"}[kind],
		types: "I32" + tname(out16), isa: "NEON"}
	if zp0 {
		k.tech += "NoZP"
	}
	k.tech += shlName(shl)
	what := map[epiKind]string{
		epiClamp:       "clamp(OutZP + Requantize(acc)) (EpiClamp)",
		epiHardswish:   "the integer hardswish (EpiHardswish)",
		epiHardsigmoid: "the integer hardsigmoid (EpiHardsigmoid)",
	}[kind]
	shlDoc := "Every shift is a right shift (no SQSHL)."
	if shl {
		shlDoc = "Some multipliers shift left first (SQSHL)."
	}
	if zp0 {
		shlDoc += " OutZP must be 0."
	}
	ot := map[bool]string{false: "int8", true: "int16"}[out16]
	f.text(k, fmt.Sprintf(`applies %s to %s outputs, rows × n
accumulators (row stride ldacc bytes) to out (row stride ldout bytes).
%s`, what, ot, shlDoc), splitArgs(epiArgs)...)
	f.loadArgs()
	f.v("ld1 {v8.4s, v9.4s}, [x7]")
	loadOutScalars(f, out16, 8, 0, 1, 2)
	if kind != epiClamp {
		f.v("dup v10.8h, v8.h[6]") // Three
		f.v("dup v11.8h, v9.h[0]") // Six
		f.v("movi v12.2d, #0")     // 0
		f.v("dup v13.4s, v9.s[2]") // PostShl
		f.v("dup v14.4s, v9.s[3]") // -PostShr
	}
	f.g("LSR $4, R3, R8")
	f.g("AND $15, R3, R9")
	f.g("CBZ R8, tail")
	f.label("block")
	loadParams := func() {
		f.v("ld1 {v16.4s-v19.4s}, [x4], #64")
		f.v("ld1 {v20.4s-v23.4s}, [x4], #64")
		if shl {
			f.v("ld1 {v24.4s-v27.4s}, [x4], #64")
		} else {
			f.g("ADD $64, R4")
		}
	}
	osz := 1 // output bytes per element
	if out16 {
		osz = 2
	}
	loadParams()
	epiRows(f, "row", func() {
		f.v("ld1 {v0.4s-v3.4s}, [x10], x1")
		requantBody(f, out16, kind, shl)
		storeOut(f, out16, 11, ", x6")
	})
	f.g("ADD $64, R0")
	f.g("ADD $%d, R5", 16*osz)
	f.g("SUBS $1, R8")
	f.g("BNE block")
	f.label("tail")
	// an 8-wide block: the first half of the last parameter block
	f.g("TBZ $3, R9, tail7")
	f.v("ld1 {v16.4s, v17.4s}, [x4]")
	f.g("ADD $64, R4, R13")
	f.v("ld1 {v20.4s, v21.4s}, [x13]")
	if shl {
		f.g("ADD $128, R4, R13")
		f.v("ld1 {v24.4s, v25.4s}, [x13]")
	}
	epiRows(f, "row8", func() {
		f.v("ld1 {v0.4s, v1.4s}, [x10], x1")
		requantBody8(f, out16, kind, shl)
		storeOut8(f, out16, 11, ", x6")
	})
	// the rest (n%8 channels) continues from lane 8 of the same
	// parameter block: the parameters and accumulators read past their
	// channels (the Go side pads both), only n%8 lanes are stored
	f.g("ADD $32, R4")
	f.g("ADD $32, R0")
	f.g("ADD $%d, R5", 8*osz)
	f.label("tail7")
	f.g("AND $7, R9")
	f.g("CBZ R9, done")
	loadParams()
	epiRows(f, "trow", func() {
		f.v("ld1 {v0.4s-v3.4s}, [x10], x1")
		requantBody(f, out16, kind, shl)
		f.g("MOVD R11, R13")
		f.g("ADD R6, R11")
		partialStore(f, "R9", 13, osz)
	})
	f.label("done")
	f.g("RET")
}

// requantBody turns the accumulators v0-v3 into v0 (16 int8) or v0, v1
// (16 int16).
func requantBody(f *asmFile, out16 bool, kind epiKind, shl bool) {
	narrowOut(f, out16, requantVectors(f, 4, kind, shl))
}

// requantBody8 turns the accumulators v0-v1 into v0 (8 int8 or 8 int16).
func requantBody8(f *asmFile, out16 bool, kind epiKind, shl bool) {
	narrowOut8(f, out16, requantVectors(f, 2, kind, shl))
}

// requantVectors requantizes the nv int32 vectors v0.. (4 for 16
// channels, 2 for 8) and, for hardswish and hardsigmoid, applies the
// activation; it returns the first of the nv int32 result vectors.
func requantVectors(f *asmFile, nv int, kind epiKind, shl bool) int {
	for i := 0; i < nv; i++ {
		if shl {
			f.v("sqshl v%d.4s, v%d.4s, v%d.4s", i, i, 24+i)
		}
	}
	for i := 0; i < nv; i++ {
		f.v("sqrdmulh v%d.4s, v%d.4s, v%d.4s", i, i, 16+i)
	}
	for i := 0; i < nv; i++ {
		f.v("srshl v%d.4s, v%d.4s, v%d.4s", i, i, 20+i)
	}
	if kind == epiClamp {
		return 0
	}
	// pre = sat16(requantized) in v0.. (nv/2 vectors); t = clamp(pre +
	// Three, 0, Six) in int16 in v2..
	h := nv / 2
	for j := 0; j < h; j++ {
		f.v("sqxtn v%d.4h, v%d.4s", j, 2*j)
		f.v("sqxtn2 v%d.8h, v%d.4s", j, 2*j+1)
	}
	for j := 0; j < h; j++ {
		f.v("sqadd v%d.8h, v%d.8h, v10.8h", 2+j, j)
	}
	for j := 0; j < h; j++ {
		f.v("smax v%d.8h, v%d.8h, v12.8h", 2+j, 2+j)
	}
	for j := 0; j < h; j++ {
		f.v("smin v%d.8h, v%d.8h, v11.8h", 2+j, 2+j)
	}
	for j := 0; j < h; j++ {
		if kind == epiHardswish {
			f.v("smull v%d.4s, v%d.4h, v%d.4h", 4+2*j, j, 2+j)
			f.v("smull2 v%d.4s, v%d.8h, v%d.8h", 5+2*j, j, 2+j)
		} else {
			f.v("sxtl v%d.4s, v%d.4h", 4+2*j, 2+j)
			f.v("sxtl2 v%d.4s, v%d.8h", 5+2*j, 2+j)
		}
	}
	for i := 4; i < 4+nv; i++ {
		if shl {
			f.v("sqshl v%d.4s, v%d.4s, v13.4s", i, i)
		}
	}
	for i := 4; i < 4+nv; i++ {
		f.v("sqrdmulh v%d.4s, v%d.4s, v9.s[1]", i, i)
	}
	for i := 4; i < 4+nv; i++ {
		f.v("srshl v%d.4s, v%d.4s, v14.4s", i, i)
	}
	return 4
}

// narrowOut adds OutZP to the int32 values v[s..s+3], clamps and narrows
// them into v0 (int8) or v0, v1 (int16). For int8 the zero point is added
// after saturating to int16: with |OutZP| ≤ 128 and the clamp bounds in
// int8, clamp(sat16(r)+zp) equals clamp(r+zp).
func narrowOut(f *asmFile, out16 bool, s int) {
	if out16 && !f.zp0 {
		for i := 0; i < 4; i++ {
			f.v("sqadd v%d.4s, v%d.4s, v28.4s", s+i, s+i)
		}
	}
	f.v("sqxtn v0.4h, v%d.4s", s)
	f.v("sqxtn2 v0.8h, v%d.4s", s+1)
	f.v("sqxtn v1.4h, v%d.4s", s+2)
	f.v("sqxtn2 v1.8h, v%d.4s", s+3)
	if out16 {
		f.v("smax v0.8h, v0.8h, v29.8h")
		f.v("smax v1.8h, v1.8h, v29.8h")
		f.v("smin v0.8h, v0.8h, v30.8h")
		f.v("smin v1.8h, v1.8h, v30.8h")
		return
	}
	f.v("sqadd v0.8h, v0.8h, v28.8h")
	f.v("sqadd v1.8h, v1.8h, v28.8h")
	f.v("sqxtn v0.8b, v0.8h")
	f.v("sqxtn2 v0.16b, v1.8h")
	f.v("smax v0.16b, v0.16b, v29.16b")
	f.v("smin v0.16b, v0.16b, v30.16b")
}

// newLabel returns a label unique in the generated files.
func (f *asmFile) newLabel(p string) string {
	f.gen.labelSeq++
	return fmt.Sprintf("%s%d", p, f.gen.labelSeq)
}

// partialStore stores the first cnt&15 elements of size bytes each from
// v0 (then v1, v2, v3) at x[ptr]: a ladder of 8, 4, 2 and 1 element
// stores, each shifting what is left down to v0.
func partialStore(f *asmFile, cnt string, ptr, size int) {
	arr := map[int]string{1: "16b", 2: "8h", 4: "4s"}[size]
	labels := []string{f.newLabel("p4_"), f.newLabel("p2_"), f.newLabel("p1_"), f.newLabel("pd_")}
	for i, bit := range []int{3, 2, 1, 0} {
		f.g("TBZ $%d, %s, %s", bit, cnt, labels[i])
		nb := size << bit // bytes this step stores
		post := fmt.Sprintf(", #%d", nb)
		if bit == 0 {
			post = "" // the last store: nothing follows
		}
		switch nb {
		case 32:
			f.v("st1 {v0.%s, v1.%s}, [x%d]%s", arr, arr, ptr, post)
			f.v("mov v0.16b, v2.16b")
			f.v("mov v1.16b, v3.16b")
		case 16:
			f.v("st1 {v0.%s}, [x%d]%s", arr, ptr, post)
			f.v("mov v0.16b, v1.16b")
		default:
			lane := map[int]string{8: "d", 4: "s", 2: "h", 1: "b"}[nb]
			f.v("st1 {v0.%s}[0], [x%d]%s", lane, ptr, post)
			if bit > 0 {
				f.v("ext v0.16b, v0.16b, v0.16b, #%d", nb)
			}
		}
		f.label(labels[i])
	}
}

// epiRows is the loop over the rows of an epilogue's column block, label
// l: R10 walks the accumulators (from R0), R11 the outputs (from R5), R12
// counts the rows (from R2); body handles one row.
func epiRows(f *asmFile, l string, body func()) {
	f.g("MOVD R0, R10")
	f.g("MOVD R5, R11")
	f.g("MOVD R2, R12")
	f.label(l)
	body()
	f.g("SUBS $1, R12")
	f.g("BNE " + l)
}

// scaleF32 turns the int32 accumulators v0..v(n-1) into float32 and
// multiplies each by its scales, v16..v(16+n-1).
func scaleF32(f *asmFile, n int) {
	for i := 0; i < n; i++ {
		f.v("scvtf v%d.4s, v%d.4s", i, i)
	}
	for i := 0; i < n; i++ {
		f.v("fmul v%d.4s, v%d.4s, v%d.4s", i, i, 16+i)
	}
}

// emitRequantF32 is the EpiFloat epilogue: out = float32(acc)·scale[o]
// (the logits); prm holds the scales, padded to 16.
func emitRequantF32(f *asmFile) {
	f.text(kernel{op: "requant", types: "I32F32", isa: "NEON"}, `computes float32(acc)·scale[o] (EpiFloat, the logits), rows × n.`,
		"acc unsafe.Pointer", "ldacc int", "rows int", "n int", "prm unsafe.Pointer", "out unsafe.Pointer", "ldout int")
	f.loadArgs()
	f.g("LSR $4, R3, R8")
	f.g("AND $15, R3, R9")
	f.g("CBZ R8, tail")
	f.label("block")
	f.v("ld1 {v16.4s-v19.4s}, [x4], #64")
	epiRows(f, "row", func() {
		f.v("ld1 {v0.4s-v3.4s}, [x10], x1")
		scaleF32(f, 4)
		f.v("st1 {v0.4s-v3.4s}, [x11], x6")
	})
	f.g("ADD $64, R0")
	f.g("ADD $64, R5")
	f.g("SUBS $1, R8")
	f.g("BNE block")
	f.label("tail")
	f.g("TBZ $3, R9, tail7")
	f.v("ld1 {v16.4s, v17.4s}, [x4]")
	epiRows(f, "row8", func() {
		f.v("ld1 {v0.4s, v1.4s}, [x10], x1")
		scaleF32(f, 2)
		f.v("st1 {v0.4s, v1.4s}, [x11], x6")
	})
	f.g("ADD $32, R4")
	f.g("ADD $32, R0")
	f.g("ADD $32, R5")
	f.label("tail7")
	f.g("AND $7, R9")
	f.g("CBZ R9, done")
	f.v("ld1 {v16.4s-v19.4s}, [x4], #64")
	epiRows(f, "trow", func() {
		f.v("ld1 {v0.4s-v3.4s}, [x10], x1")
		scaleF32(f, 4)
		f.g("MOVD R11, R13")
		f.g("ADD R6, R11")
		partialStore(f, "R9", 13, 4)
	})
	f.label("done")
	f.g("RET")
}
