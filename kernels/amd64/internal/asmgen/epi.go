package main

import "fmt"

const epiHeader = `Requantization epilogues (see internal/asmgen/epi.go), AVX2, on both
paths.

Register map (every kernel in this file):
  SI acc row, R8 ldacc, DX rows left, CX 4·n (a row's accumulator bytes),
  R9 multipliers, R12 right shifts, R13 right shifts - 1 (32 for none),
  R14 left shifts (per-channel arrays of int32, prm and its three
  successors), DI out row, R10 ldout, R11 sc (constant vectors, see
  epiConst), BX the chunk's accumulator offset, AX its output offset.
  Y0 the values, Y1-Y3 temporaries.`

// The constant vectors at sc, 32 bytes each (kernels/amd64 epiConsts
// writes them in this order).
const (
	cRound   = 0  // 2^30 in each int64 lane: the rounding of the high multiply
	cOne     = 1  // 1 in each int32 lane
	cSatMax  = 2  // 0x7fffffff
	cZP      = 3  // the output zero point, int16 lanes
	cLo      = 4  // the output's lower bound, int16 lanes
	cHi      = 5  // the output's upper bound, int16 lanes
	cThree   = 6  // hardswish/hardsigmoid: Three
	cSix     = 7  // Six
	cPMult   = 8  // PostMult
	cPRs     = 9  // the post right shift
	cPRsm1   = 10 // the post right shift - 1 (32 for none)
	cPLs     = 11 // the post left shift
	cMin16   = 12 // -32768
	cMax16   = 13 // 32767
	cZero    = 14 // 0
	cPrmStep = 15 // (int64) the byte distance between prm's arrays
	cZP32    = 16 // the output zero point, int32 lanes (int16 outputs)
	cMin17   = 17 // -65536: below it, anything plus the zero point saturates int16
	cMax17   = 18 // 65535
)

func sc(c int) string { return fmt.Sprintf("%d(R11)", 32*c) }

// epiKind is an epilogue variant.
type epiKind struct {
	epi   string // "Clamp", "Hardswish", "Hardsigmoid"
	out16 bool
	shl   bool
}

func (k epiKind) name() string {
	out := "I8"
	if k.out16 {
		out = "I16"
	}
	n := "requant" + k.epi + "I32" + out + "_AVX2"
	if k.shl {
		n += "Shl"
	}
	return n
}

const epiArgs = "acc unsafe.Pointer SI, ldacc int R8, rows int DX, n int CX, prm unsafe.Pointer R9, out unsafe.Pointer DI, ldout int R10, sc unsafe.Pointer R11"

func emitEpilogues(f *file) {
	for _, e := range []string{"Clamp", "Hardswish", "Hardsigmoid"} {
		for _, out16 := range []bool{false, true} {
			for _, shl := range []bool{false, true} {
				k := epiKind{e, out16, shl}
				emitEpilogue(f, k)
			}
		}
	}
	emitEpiFloat(f)
}

// satShl: Y0 = sat32(Y0 << counts) for left shifts of at most 31.
func satShl(f *file, counts string) {
	f.i("VMOVDQU %s, Y1", counts)
	f.i("VPSLLVD Y1, Y0, Y2")
	f.i("VPSRAVD Y1, Y2, Y3")
	f.i("VPCMPEQD Y3, Y0, Y3")
	f.i("VPSRAD $31, Y0, Y1")
	f.i("VPXOR %s, Y1, Y1", sc(cSatMax))
	f.i("VPBLENDVB Y3, Y2, Y1, Y0")
}

// mulHigh: Y0 = (Y0·m + 2^30) >> 31 per int32 lane, with the 64-bit
// products of VPMULDQ (even lanes, then the odd ones shifted down); the
// result fits int32 for any m but -2^31, so bits 31-62 are it.
func mulHigh(f *file, m string) {
	f.i("VMOVDQU %s, Y1", m)
	f.i("VPMULDQ Y1, Y0, Y2")
	f.i("VPSRLQ $32, Y0, Y3")
	f.i("VPSRLQ $32, Y1, Y1")
	f.i("VPMULDQ Y1, Y3, Y3")
	f.i("VPADDQ %s, Y2, Y2", sc(cRound))
	f.i("VPADDQ %s, Y3, Y3", sc(cRound))
	f.i("VPSRLQ $31, Y2, Y2")
	f.i("VPSLLQ $1, Y3, Y3")
	f.i("VPBLENDD $0xaa, Y3, Y2, Y0")
}

// roundShr: Y0 = (Y0 + 2^(rs-1)) >> rs without overflow, as
// (Y0 >> rs) + bit rs-1 of Y0 (rsm1 holds 32 where rs is 0: no bit).
func roundShr(f *file, rs, rsm1 string) {
	f.i("VPSRLVD %s, Y0, Y1", rsm1)
	f.i("VPAND %s, Y1, Y1", sc(cOne))
	f.i("VPSRAVD %s, Y0, Y0", rs)
	f.i("VPADDD Y1, Y0, Y0")
}

// narrow stores Y0's eight values plus the zero point, clamped to [lo,
// hi]. int8 outputs add it after saturating to int16, in saturating int16
// lanes (exact for |zp| ≤ 32640 since the bounds are int8); int16 outputs
// clamp to ±2^16 first, where the sum saturates whatever the zero point,
// and add it in int32.
func narrow(f *file, out16 bool) {
	if out16 {
		f.i("VPMAXSD %s, Y0, Y0", sc(cMin17))
		f.i("VPMINSD %s, Y0, Y0", sc(cMax17))
		f.i("VPADDD %s, Y0, Y0", sc(cZP32))
	}
	f.i("VPACKSSDW Y0, Y0, Y0")
	f.i("VPERMQ $0x08, Y0, Y0")
	if !out16 {
		f.i("VPADDSW %s, X0, X0", sc(cZP))
	}
	f.i("VPMAXSW %s, X0, X0", sc(cLo))
	f.i("VPMINSW %s, X0, X0", sc(cHi))
	f.i("MOVQ BX, AX")
	f.i("SHRQ $2, AX")
	if out16 {
		f.i("VMOVDQU X0, (DI)(AX*2)")
		return
	}
	f.i("VPACKSSWB X0, X0, X0")
	f.i("VMOVQ X0, (DI)(AX*1)")
}

func emitEpilogue(f *file, k epiKind) {
	doc := map[string]string{
		"Clamp":       "out = clamp(zp + Requantize(acc), lo, hi)",
		"Hardswish":   "the hardswish of pre = sat16(Requantize(acc)): out = clamp(zp + Requantize(pre·clamp(pre+Three, 0, Six), PostMult, PostShift), lo, hi)",
		"Hardsigmoid": "the hardsigmoid of pre = sat16(Requantize(acc)): out = clamp(zp + Requantize(clamp(pre+Three, 0, Six), PostMult, PostShift), lo, hi)",
	}[k.epi]
	shl := "no channel shifts left"
	if k.shl {
		shl = "some shift is to the left (saturating)"
	}
	f.text(k.name(), fmt.Sprintf(`is the %s epilogue of rows × n accumulators (biases included): %s, 8
channels at a time (the last 8 overlap the previous ones; n ≥ 8), for
parameters where %s.`, k.epi, doc, shl), args(epiArgs))
	epiLoop(f, true, func() {
		f.i("VMOVDQU (SI)(BX*1), Y0")
		if k.shl {
			satShl(f, "(R14)(BX*1)")
		}
		mulHigh(f, "(R9)(BX*1)")
		roundShr(f, "(R12)(BX*1)", "(R13)(BX*1)")
		if k.epi != "Clamp" {
			f.i("VPMAXSD %s, Y0, Y0", sc(cMin16))
			f.i("VPMINSD %s, Y0, Y0", sc(cMax16))
			f.i("VPADDD %s, Y0, Y1", sc(cThree))
			f.i("VPMAXSD %s, Y1, Y1", sc(cZero))
			f.i("VPMINSD %s, Y1, Y1", sc(cSix))
			if k.epi == "Hardswish" {
				f.i("VPMULLD Y1, Y0, Y0")
			} else {
				f.i("VMOVDQA Y1, Y0")
			}
			if k.shl {
				satShl(f, sc(cPLs))
			}
			mulHigh(f, sc(cPMult))
			roundShr(f, sc(cPRs), sc(cPRsm1))
		}
		narrow(f, k.out16)
	})
}

// epiLoop writes the row and chunk loops around body, which processes
// the 8 channels at accumulator offset BX; arrays: prm holds the four
// per-channel arrays (R9, R12-R14).
func epiLoop(f *file, arrays bool, body func()) {
	f.i("SHLQ $2, CX")
	if arrays {
		f.i("MOVQ %s, AX", sc(cPrmStep))
		f.i("LEAQ (R9)(AX*1), R12")
		f.i("LEAQ (R12)(AX*1), R13")
		f.i("LEAQ (R13)(AX*1), R14")
	}
	f.i("rows:")
	f.i("TESTQ DX, DX")
	f.i("JLE done")
	f.i("XORQ BX, BX")
	f.i("chunk:")
	f.i("LEAQ 32(BX), AX")
	f.i("CMPQ AX, CX")
	f.i("JGT last")
	body()
	f.i("ADDQ $32, BX")
	f.i("JMP chunk")
	f.i("last:")
	f.i("CMPQ BX, CX")
	f.i("JGE rowend")
	f.i("LEAQ -32(CX), BX")
	body()
	f.i("rowend:")
	f.i("ADDQ R8, SI")
	f.i("ADDQ R10, DI")
	f.i("DECQ DX")
	f.i("JMP rows")
	f.i("done:")
	f.i("VZEROUPPER")
	f.i("RET")
}

func emitEpiFloat(f *file) {
	f.text("requantI32F32_AVX2", `is the EpiFloat epilogue (the logits): out = float32(acc)·scale, the
scales at prm, 8 channels at a time (the last 8 overlap; n ≥ 8).`, args(epiArgs))
	epiLoop(f, false, func() {
		f.i("VCVTDQ2PS (SI)(BX*1), Y0")
		f.i("VMULPS (R9)(BX*1), Y0, Y0")
		f.i("VMOVUPS Y0, (DI)(BX*1)")
	})
}
