package main

import "fmt"

const epiHeader = `Requantization epilogues (see internal/asmgen/epi.go), AVX2, on both
paths.

Register map (every kernel in this file):
  SI acc row, R8 ldacc, DX rows left, CX 4·n (a row's accumulator bytes),
  R9 the per-channel parameters (a stream of 8-channel groups, in the
  order the row is processed), R12 the row's group cursor, DI out row,
  R10 ldout, R11 sc (constant vectors, see epiConst), BX the chunk's
  accumulator offset, AX its output offset. Y0 and Y4 the values of 16
  channels (Y0 alone for 8), Y1-Y3 and Y5-Y7 their temporaries.`

// The constant vectors at sc, 32 bytes each (kernels/amd64 epiConsts
// writes them in this order).
const (
	cRound  = 0 // 2^30 in each int64 lane: mulHigh's rounding (elemq's three-step Requantize)
	cOne    = 1 // 1 in each int32 lane: roundShr's (elemq's)
	cSatMax = 2 // 0x7fffffff
	cZP     = 3 // the output zero point, int16 lanes
	cLo     = 4 // the output's lower bound, int16 lanes
	cHi     = 5 // the output's upper bound, int16 lanes
	cThree  = 6 // hardswish/hardsigmoid: Three
	cSix    = 7 // Six
	cPMult  = 8 // PostMult
	// 9, 10: unused since the post step is fused
	cPLs   = 11 // the post left shift (epi512.go)
	cMin16 = 12 // -32768
	cMax16 = 13 // 32767
	cZero  = 14 // 0
	// 15: unused
	cZP32  = 16 // the output zero point, int32 lanes (int16 outputs)
	cMin17 = 17 // -65536: below it, anything plus the zero point saturates int16
	cMax17 = 18 // 65535
	cPR64  = 19 // (int64) the post multiply's rounding constant, fused (epi512.go)
	cPS64  = 20 // (int64) its shift, 31 + the post right shift
	cPRB   = 21 // (int64) the post step's fused rounding constant plus 2^62 (AVX2; see uniform)
	cPS    = 22 // (int64) the post step's fused shift, 31 + right shift - left shift (AVX2)
	cPSub  = 23 // the post step's 2^(62-shift) mod 2^32 (AVX2)
	cPLo   = 24 // the post step's clamp before a left shift (AVX2)
	cPHi   = 25
)

// An 8-channel group of the AVX2 epilogues' per-channel parameters
// (kernels/amd64 packAVX2), 32 bytes each: multipliers (even lanes read),
// the odd channels' multipliers at the even dwords, the even and the odd
// channels' fused 64-bit rounding constants plus 2^62, their 64-bit
// shifts, 2^(62-shift) mod 2^32 per channel, and with a left shift
// somewhere the clamp bounds.
const (
	gM = 32 * iota
	gMO
	gRE
	gRO
	gSE
	gSO
	gSub
	gLo
	gHi
	epiGroup    = gLo // bytes per group
	epiGroupShl = gHi + 32
)

func sc(c int) string { return fmt.Sprintf("%d(R11)", 32*c) }

// epiKind is an epilogue variant.
type epiKind struct {
	epi   string // "Clamp", "Hardswish", "Hardsigmoid"
	out16 bool
	shl   bool
}

// name is the kernel's name for isa ("AVX2", "AVX512").
func (k epiKind) name(isa string) string {
	out := map[bool]string{false: "I8", true: "I16"}[k.out16]
	shl := map[bool]string{false: "", true: "Shl"}[k.shl]
	return "requant" + k.epi + "I32" + out + "_" + isa + shl
}

const epiArgs = "acc unsafe.Pointer SI, ldacc int R8, rows int DX, n int CX, prm unsafe.Pointer R9, out unsafe.Pointer DI, ldout int R10, sc unsafe.Pointer R11"

func emitEpilogues(f *file) {
	for _, k := range epiKinds() {
		emitEpilogue(f, k)
	}
	emitEpiFloat(f)
	emitEpilogues512(f)
}

// epiKinds lists the variants of each instruction set's epilogues, in the
// order of kernels/amd64's tables: by epilogue, output type, left shift.
func epiKinds() []epiKind {
	var ks []epiKind
	for _, e := range []string{"Clamp", "Hardswish", "Hardsigmoid"} {
		for _, out16 := range []bool{false, true} {
			ks = append(ks, epiKind{e, out16, false}, epiKind{e, out16, true})
		}
	}
	return ks
}

// vr is a vector of eight int32 values being requantized (Y(v)) and the
// three registers its steps may clobber (Y(v+1) to Y(v+3)).
type vr int

func (v vr) y(i int) string { return fmt.Sprintf("Y%d", int(v)+i) }

// satShl: v = sat32(v << counts) for left shifts of at most 31.
func (v vr) satShl(f *file, counts string) {
	x, a, b, c := v.y(0), v.y(1), v.y(2), v.y(3)
	f.i("VMOVDQU %s, %s", counts, a)
	f.i("VPSLLVD %s, %s, %s", a, x, b)
	f.i("VPSRAVD %s, %s, %s", a, b, c)
	f.i("VPCMPEQD %s, %s, %s", c, x, c)
	f.i("VPSRAD $31, %s, %s", x, a)
	f.i("VPXOR %s, %s, %s", sc(cSatMax), a, a)
	f.i("VPBLENDVB %s, %s, %s, %s", c, b, a, x)
}

// mulHigh: v = (v·m + 2^30) >> 31 per int32 lane, with the 64-bit
// products of VPMULDQ (even lanes, then the odd ones shifted down); the
// result fits int32 for any m but -2^31, so bits 31-62 are it.
func (v vr) mulHigh(f *file, m string) {
	x, a, b, c := v.y(0), v.y(1), v.y(2), v.y(3)
	f.i("VMOVDQU %s, %s", m, a)
	f.i("VPMULDQ %s, %s, %s", a, x, b)
	f.i("VPSRLQ $32, %s, %s", x, c)
	f.i("VPSRLQ $32, %s, %s", a, a)
	f.i("VPMULDQ %s, %s, %s", a, c, c)
	f.i("VPADDQ %s, %s, %s", sc(cRound), b, b)
	f.i("VPADDQ %s, %s, %s", sc(cRound), c, c)
	f.i("VPSRLQ $31, %s, %s", b, b)
	f.i("VPSLLQ $1, %s, %s", c, c)
	f.i("VPBLENDD $0xaa, %s, %s, %s", c, b, x)
}

// roundShr: v = (v + 2^(rs-1)) >> rs without overflow, as (v >> rs) +
// bit rs-1 of v (rsm1 holds 32 where rs is 0: no bit).
func (v vr) roundShr(f *file, rs, rsm1 string) {
	x, a := v.y(0), v.y(1)
	f.i("VPSRLVD %s, %s, %s", rsm1, x, a)
	f.i("VPAND %s, %s, %s", sc(cOne), a, a)
	f.i("VPSRAVD %s, %s, %s", rs, x, x)
	f.i("VPADDD %s, %s, %s", a, x, x)
}

// fused: v = Requantize(v) in one 64-bit step per lane, the parameters
// at prm (an 8-channel group, gM ... gHi) or, uniform, in sc:
//
//	Requantize(x, m, -r) = (x·m + 2^30 + 2^(30+r)) >> (31+r)   (r ≥ 1; r = 0: no 2^(30+r))
//	Requantize(x, m, l)  = (x·m + 2^(30-l)) >> (31-l)          (l ≥ 1, x clamped first)
//
// (floor((floor(a/2^31) + c)/2^r) = floor((a + c·2^31)/2^(31+r)) for
// integer c.) AVX2 has no 64-bit arithmetic shift, so 2^62 is added
// (the sum is then positive and below 2^64, |x·m| < 2^62) and the
// logical shift's 2^(62-s) comes off the result in 32 bits, where the
// result fits. A left shift saturates x << l in Requantize; clamping x to
// [-2^(31-l), 2^(31-l)-1] instead gives the same output, since beyond
// that both results exceed 2^29 in magnitude (|m| ≥ 2^30, checked by
// epilogueOK) and the output saturates.
func (v vr) fused(f *file, shl bool, at func(off int) string) {
	x, b, c := v.y(0), v.y(1), v.y(2)
	if shl {
		f.i("VPMAXSD %s, %s, %s", at(gLo), x, x)
		f.i("VPMINSD %s, %s, %s", at(gHi), x, x)
	}
	f.i("VPMULDQ %s, %s, %s", at(gM), x, b)
	f.i("VPSRLQ $32, %s, %s", x, c)
	f.i("VPMULDQ %s, %s, %s", at(gMO), c, c)
	f.i("VPADDQ %s, %s, %s", at(gRE), b, b)
	f.i("VPADDQ %s, %s, %s", at(gRO), c, c)
	f.i("VPSRLVQ %s, %s, %s", at(gSE), b, b)
	f.i("VPSRLVQ %s, %s, %s", at(gSO), c, c)
	f.i("VPSLLQ $32, %s, %s", c, c)
	f.i("VPBLENDD $0xaa, %s, %s, %s", c, b, x)
	f.i("VPSUBD %s, %s, %s", at(gSub), x, x)
}

// uniform is fused's operands for a Requantize with the same parameters
// in every lane, from constant slots at sc: the multiplier (in every
// dword), then the rounding constant plus 2^62, shift (int64 lanes),
// 2^(62-s) and the clamp bounds in consecutive slots from rb.
func uniform(mult, rb int) func(off int) string {
	return func(off int) string {
		switch off {
		case gM, gMO:
			return sc(mult)
		case gRE, gRO:
			return sc(rb)
		case gSE, gSO:
			return sc(rb + 1)
		}
		return sc(rb + 2 + (off-gSub)/32)
	}
}

// post is the epilogues' post step.
var post = uniform(cPMult, cPRB)

// requant computes the outputs (before the zero point) of the eight
// channels whose accumulators are at offset off from BX, with the
// parameter group at goff from R12: Requantize, and for the activations
// the second step.
func (v vr) requant(f *file, k epiKind, off, goff int) {
	x, a := v.y(0), v.y(1)
	f.i("VMOVDQU %d(SI)(BX*1), %s", off, x)
	v.fused(f, k.shl, func(o int) string { return fmt.Sprintf("%d(R12)", goff+o) })
	if k.epi == "Clamp" {
		return
	}
	f.i("VPMAXSD %s, %s, %s", sc(cMin16), x, x)
	f.i("VPMINSD %s, %s, %s", sc(cMax16), x, x)
	f.i("VPADDD %s, %s, %s", sc(cThree), x, a)
	f.i("VPMAXSD %s, %s, %s", sc(cZero), a, a)
	f.i("VPMINSD %s, %s, %s", sc(cSix), a, a)
	if k.epi == "Hardswish" {
		f.i("VPMULLD %s, %s, %s", a, x, x)
	} else {
		f.i("VMOVDQA %s, %s", a, x)
	}
	v.fused(f, k.shl, post)
}

// pre16 prepares v's values for a saturating narrowing to int16 when the
// output is int16: clamped to ±2^16 (where the sum saturates whatever the
// zero point), plus the zero point in int32.
func (v vr) pre16(f *file, out16 bool) {
	if out16 {
		x := v.y(0)
		f.i("VPMAXSD %s, %s, %s", sc(cMin17), x, x)
		f.i("VPMINSD %s, %s, %s", sc(cMax17), x, x)
		f.i("VPADDD %s, %s, %s", sc(cZP32), x, x)
	}
}

// narrow stores the values of Y0 (wide: and Y4, 16 in all) plus the zero
// point, clamped to [lo, hi]. int8 outputs add it after saturating to
// int16, in saturating int16 lanes (exact for |zp| ≤ 32640 since the
// bounds are int8); int16 outputs added it in pre16.
func narrow(f *file, out16, wide bool) {
	x, perm, hi := "X0", "$0x08", "Y0"
	if wide {
		x, perm, hi = "Y0", "$0xd8", "Y4"
	}
	vr(0).pre16(f, out16)
	if wide {
		vr(4).pre16(f, out16)
	}
	f.i("VPACKSSDW %s, Y0, Y0", hi)
	f.i("VPERMQ %s, Y0, Y0", perm)
	if !out16 {
		f.i("VPADDSW %s, %s, %s", sc(cZP), x, x)
	}
	f.i("VPMAXSW %s, %s, %s", sc(cLo), x, x)
	f.i("VPMINSW %s, %s, %s", sc(cHi), x, x)
	f.i("MOVQ BX, AX")
	f.i("SHRQ $2, AX")
	switch {
	case out16:
		f.i("VMOVDQU %s, (DI)(AX*2)", x)
	case wide:
		f.i("VPACKSSWB Y0, Y0, Y0")
		f.i("VPERMQ $0x08, Y0, Y0")
		f.i("VMOVDQU X0, (DI)(AX*1)")
	default:
		f.i("VPACKSSWB X0, X0, X0")
		f.i("VMOVQ X0, (DI)(AX*1)")
	}
}

func emitEpilogue(f *file, k epiKind) {
	doc := map[string]string{
		"Clamp":       "out = clamp(zp + Requantize(acc), lo, hi)",
		"Hardswish":   "the hardswish of pre = sat16(Requantize(acc)): out = clamp(zp + Requantize(pre·clamp(pre+Three, 0, Six), PostMult, PostShift), lo, hi)",
		"Hardsigmoid": "the hardsigmoid of pre = sat16(Requantize(acc)): out = clamp(zp + Requantize(clamp(pre+Three, 0, Six), PostMult, PostShift), lo, hi)",
	}[k.epi]
	shl := "no channel shifts left"
	if k.shl {
		shl = "some shift is to the left (clamped, see fused)"
	}
	f.text(k.name("AVX2"), fmt.Sprintf(`is the %s epilogue of rows × n accumulators (biases included): %s, 16
or 8 channels at a time (the last 8 overlap the previous ones; n ≥ 8),
each Requantize one fused 64-bit step, for parameters where %s; prm is
the stream of 8-channel parameter groups for n (packAVX2).`, k.epi, doc, shl), args(epiArgs))
	g := epiGroup
	if k.shl {
		g = epiGroupShl
	}
	epiLoop(f, g, func() {
		vr(0).requant(f, k, 0, 0)
		vr(4).requant(f, k, 32, g)
		narrow(f, k.out16, true)
	}, func() {
		vr(0).requant(f, k, 0, 0)
		narrow(f, k.out16, false)
	})
}

// epiLoop writes the row and chunk loops around body16 and body8, which
// process the 16 or 8 channels at accumulator offset BX: 16 at a time,
// then 8, then the last 8 overlapping the previous ones. With groups of
// g bytes, R12 walks prm's parameter groups in that order, from R9 for
// each row (g = 0: no stream, prm indexed like the accumulators).
func epiLoop(f *file, g int, body16, body8 func()) {
	f.i("SHLQ $2, CX")
	f.head("rows", "DX")
	f.i("XORQ BX, BX")
	if g > 0 {
		f.i("MOVQ R9, R12")
	}
	f.i("chunk16:")
	f.i("LEAQ 64(BX), AX")
	f.i("CMPQ AX, CX")
	f.i("JGT chunk8")
	body16()
	f.i("ADDQ $64, BX")
	if g > 0 {
		f.i("ADDQ $%d, R12", 2*g)
	}
	f.i("JMP chunk16")
	f.i("chunk8:")
	f.i("LEAQ 32(BX), AX")
	f.i("CMPQ AX, CX")
	f.i("JGT last")
	body8()
	f.i("ADDQ $32, BX")
	if g > 0 {
		f.i("ADDQ $%d, R12", g)
	}
	f.i("last:")
	f.i("CMPQ BX, CX")
	f.i("JGE rowend")
	f.i("LEAQ -32(CX), BX")
	body8()
	f.i("rowend:")
	f.next("rows", "DX", "R8, SI", "R10, DI")
	f.ret()
}

func emitEpiFloat(f *file) {
	f.text("requantI32F32_AVX2", `is the EpiFloat epilogue (the logits): out = float32(acc)·scale, the
scales at prm, 8 channels at a time (the last 8 overlap; n ≥ 8).`, args(epiArgs))
	body := func() {
		f.i("VCVTDQ2PS (SI)(BX*1), Y0")
		f.i("VMULPS (R9)(BX*1), Y0, Y0")
		f.i("VMOVUPS Y0, (DI)(BX*1)")
	}
	epiLoop(f, 0, func() {
		body()
		f.i("VCVTDQ2PS 32(SI)(BX*1), Y1")
		f.i("VMULPS 32(R9)(BX*1), Y1, Y1")
		f.i("VMOVUPS Y1, 32(DI)(BX*1)")
	}, body)
}
