package main

import "fmt"

// The requantizing element-wise kernels: rescale, global average pool,
// residual add and squeeze-excitation multiply, 8 values at a time in
// int32 lanes, with the epilogues' Requantize and narrow: fused for the
// output (requantOut), and for add's operands, whose sum is not narrowed
// at once, in three steps (satShl, mulHigh, roundShr: a left shift of 0
// leaves the value alone, so one kernel serves every shift). R11 points
// at constant vectors laid out as the epilogues' (epiConst), the output
// Requantize's multiplier in cPMult, followed by these. The Go wrappers
// choose parameters under which no other int32 step saturates.
const (
	cInZP = 19 // the input zero point (rescale, add's a, mulChannels' x) or hw·InZP (average pool)
	cBZP  = 20 // add's b, mulChannels' gate zero point
	cLift = 21 // add: the left shift of both inputs
	cAReq = 22 // add: a's multiplier, right shift, right shift - 1, left shift (4 slots)
	cBReq = 26 // add: b's (4 slots)
	cOutF = 30 // the output Requantize fused (5 slots, see uniform)
)

// Slot offsets within a Requantize's four.
const (
	rqMult = iota
	rqRs
	rqRsm1
	rqLs
)

// requantOut: Y0 = the output's Requantize, fused (see vr.fused) with
// the clamp that stands in for saturating a left shift: the narrowing
// that follows saturates any value it changes.
func requantOut(f *file) {
	vr(0).fused(f, true, uniform(cPMult, cOutF))
}

// requant: Y0 = Requantize(Y0) with the four slots from base.
func requant(f *file, base int) {
	vr(0).satShl(f, sc(base+rqLs))
	vr(0).mulHigh(f, sc(base+rqMult))
	vr(0).roundShr(f, sc(base+rqRs), sc(base+rqRsm1))
}

// widen loads 8 values of the given size at mem into the int32 lanes of Y<n>.
func widen(f *file, b16 bool, mem string, n int) {
	if b16 {
		f.i("VPMOVSXWD %s, Y%d", mem, n)
		return
	}
	f.i("VPMOVSXBD %s, Y%d", mem, n)
}

// scale is the index scale of elements of that size.
func scale(b16 bool) int {
	if b16 {
		return 2
	}
	return 1
}

// elemLoop loops body over CX elements (a multiple of 8, as 4·CX bytes of
// int32 lanes) with BX their int32 byte offset and AX the element index,
// the way narrow stores.
func elemLoop(f *file, body func()) {
	f.i("SHLQ $2, CX")
	f.i("XORQ BX, BX")
	f.i("loop:")
	f.i("CMPQ BX, CX")
	f.i("JGE done")
	f.i("MOVQ BX, AX")
	f.i("SHRQ $2, AX")
	body()
	f.i("ADDQ $32, BX")
	f.i("JMP loop")
	f.ret()
}

func emitRequantOps(f *file) {
	for _, in16 := range []bool{false, true} {
		for _, out16 := range []bool{false, true} {
			emitRescale(f, in16, out16)
		}
	}
	for _, in16 := range []bool{false, true} {
		for _, out16 := range []bool{false, true} {
			emitAvgPool(f, in16, out16)
		}
	}
	for _, b16 := range []bool{false, true} {
		emitAdd(f, b16)
	}
	for _, b16 := range []bool{false, true} {
		emitMulChannels(f, b16)
	}
}

func emitRescale(f *file, in16, out16 bool) {
	f.text(fmt.Sprintf("rescale%s%s_AVX2", tname(in16), tname(out16)), fmt.Sprintf(`applies QRescale to n %s values (a multiple of 8),
to %s.`, tname(in16), tname(out16)), args("in unsafe.Pointer SI, out unsafe.Pointer DI, n int CX, sc unsafe.Pointer R11"))
	elemLoop(f, func() {
		widen(f, in16, fmt.Sprintf("(SI)(AX*%d)", scale(in16)), 0)
		f.i("VPSUBD %s, Y0, Y0", sc(cInZP))
		requantOut(f)
		narrow(f, out16, false)
	})
}

// emitAvgPool sums each block of 8 channels over the hw pixels (exact in
// int32 below 65536 pixels), subtracts hw·InZP and requantizes; the last
// block overlaps the previous one when c is not a multiple of 8 (c ≥ 8).
func emitAvgPool(f *file, in16, out16 bool) {
	f.text(fmt.Sprintf("avgPool%s%s_AVX2", tname(in16), tname(out16)), fmt.Sprintf(`applies GlobalAvgPoolQ to hw pixels of c ≥ 8 %s
channels, to %s.`, tname(in16), tname(out16)), args("in unsafe.Pointer SI, hw int CX, c int DX, out unsafe.Pointer DI, sc unsafe.Pointer R11"))
	f.i("MOVQ DX, R10")
	f.i("SHLQ $%d, R10", scale(in16)-1)
	f.i("SHLQ $2, DX")
	f.i("XORQ BX, BX")
	f.i("block:")
	f.i("LEAQ 32(BX), AX")
	f.i("CMPQ AX, DX")
	f.i("JLE sum")
	f.i("CMPQ BX, DX")
	f.i("JGE done")
	f.i("LEAQ -32(DX), BX")
	f.i("sum:")
	f.i("MOVQ BX, AX")
	f.i("SHRQ $2, AX")
	f.i("LEAQ (SI)(AX*%d), R8", scale(in16))
	f.i("MOVQ CX, R9")
	f.i("VPXOR Y0, Y0, Y0")
	f.i("pixel:")
	widen(f, in16, "(R8)", 1)
	f.i("VPADDD Y1, Y0, Y0")
	f.i("ADDQ R10, R8")
	f.i("DECQ R9")
	f.i("JNZ pixel")
	f.i("VPSUBD %s, Y0, Y0", sc(cInZP))
	requantOut(f)
	narrow(f, out16, false)
	f.i("ADDQ $32, BX")
	f.i("JMP block")
	f.ret()
}

// emitAdd: both operands lifted ((x - zp) << Lift, exact), requantized to
// the common scale, summed (the wrapper checks that the sum cannot
// saturate) and requantized to the output.
func emitAdd(f *file, b16 bool) {
	f.text(fmt.Sprintf("add%s_AVX2", tname(b16)), fmt.Sprintf(`applies QAdd to n %s values (a multiple of 8) of a
and b.`, tname(b16)), args("a unsafe.Pointer SI, b unsafe.Pointer R9, out unsafe.Pointer DI, n int CX, sc unsafe.Pointer R11"))
	lift := func(base string, zp, req int) {
		widen(f, b16, fmt.Sprintf("(%s)(AX*%d)", base, scale(b16)), 0)
		f.i("VPSUBD %s, Y0, Y0", sc(zp))
		f.i("VPSLLVD %s, Y0, Y0", sc(cLift))
		requant(f, req)
	}
	elemLoop(f, func() {
		lift("SI", cInZP, cAReq)
		f.i("VMOVDQA Y0, Y4")
		lift("R9", cBZP, cBReq)
		f.i("VPADDD Y4, Y0, Y0")
		requantOut(f)
		narrow(f, b16, false)
	})
}

// emitMulChannels: (x - XZP)·(g - GZP) per channel (the wrapper checks
// that the product is exact in int32), requantized, over hw pixels of c
// channels (a multiple of 8).
func emitMulChannels(f *file, b16 bool) {
	f.text(fmt.Sprintf("mulChannels%s_AVX2", tname(b16)), fmt.Sprintf(`applies QMulChannels to hw pixels of c %s values
(c a multiple of 8) and the c gates at gate, 16 channels at a time (two
independent chains, narrowed together), then 8.`, tname(b16)), args("x unsafe.Pointer SI, gate unsafe.Pointer R9, out unsafe.Pointer DI, hw int R8, c int CX, sc unsafe.Pointer R11"))
	f.i("MOVQ CX, R10")
	f.i("SHLQ $%d, R10", scale(b16)-1)
	f.i("SHLQ $2, CX")
	f.head("pixel", "R8")
	f.i("XORQ BX, BX")
	// group computes the 8 channels at element AX+e into Y<v>
	group := func(v, e int) {
		off := e * scale(b16)
		widen(f, b16, fmt.Sprintf("%d(SI)(AX*%d)", off, scale(b16)), v)
		widen(f, b16, fmt.Sprintf("%d(R9)(AX*%d)", off, scale(b16)), v+1)
		f.i("VPSUBD %s, Y%d, Y%d", sc(cInZP), v, v)
		f.i("VPSUBD %s, Y%d, Y%d", sc(cBZP), v+1, v+1)
		f.i("VPMULLD Y%d, Y%d, Y%d", v+1, v, v)
		vr(v).fused(f, true, uniform(cPMult, cOutF))
	}
	f.i("loop16:")
	f.i("LEAQ 64(BX), AX")
	f.i("CMPQ AX, CX")
	f.i("JGT loop8")
	f.i("MOVQ BX, AX")
	f.i("SHRQ $2, AX")
	group(0, 0)
	group(4, 8)
	narrow(f, b16, true)
	f.i("ADDQ $64, BX")
	f.i("JMP loop16")
	f.i("loop8:")
	f.i("CMPQ BX, CX")
	f.i("JGE next")
	f.i("MOVQ BX, AX")
	f.i("SHRQ $2, AX")
	group(0, 0)
	narrow(f, b16, false)
	f.i("ADDQ $32, BX")
	f.i("next:")
	f.next("pixel", "R8", "R10, SI", "R10, DI")
	f.ret()
}
