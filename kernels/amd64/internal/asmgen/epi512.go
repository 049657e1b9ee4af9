package main

import "fmt"

// The AVX-512 epilogues of the vnni path: 16 channels per vector, the
// tail of a row under a mask (K1), and the high multiply and rounding
// shift fused into one 64-bit step (VPSRAVQ exists here):
//
//	(x·m + 2^30) >> 31, then (v + 2^(rs-1)) >> rs
//	== (x·m + 2^30 + 2^(30+rs)) >> (31 + rs)       (rs ≥ 1; rs = 0: the first)
//
// since floor((floor(a/2^31) + c)/2^rs) = floor((a + c·2^31)/2^(31+rs)) for
// integer c, and |x·m| < 2^62 leaves the sum inside int64.
//
// Per-channel parameters, per 16-channel chunk (448 bytes, epi512Chunk):
// multipliers, the odd channels' multipliers at the even dwords, the even
// and odd channels' 64-bit rounding constants, their 64-bit shifts, and
// the left shifts.

// The registers the AVX-512 epilogues keep their constants in.
const (
	zSatMax = "Z16"
	yZP     = "Y17" // int16 lanes
	yLo     = "Y18"
	yHi     = "Y19"
	zMin17  = "Z20"
	zMax17  = "Z21"
	zZP32   = "Z22"
	zMin16  = "Z23"
	zMax16  = "Z24"
	zThree  = "Z25"
	zZero   = "Z26"
	zSix    = "Z27"
	zPLs    = "Z28"
	zPMult  = "Z29"
	zPR     = "Z30" // int64 lanes
	zPS     = "Z31" // int64 lanes
)

// epi512Chunk is the bytes of per-channel parameters per 16 channels.
const epi512Chunk = 448

func emitEpilogues512(f *file) {
	for _, k := range epiKinds() {
		emitEpilogue512(f, k)
	}
	f.text("requantI32F32_AVX512", `is requantI32F32_AVX2 with 16 channels per
vector and the row's tail under a mask; the scales at prm, 64 bytes per 16
channels.`, args(epiArgs))
	epiLoop512(f, 64, 4, func(masked bool) {
		f.i("VCVTDQ2PS (SI)(BX*1), Z0")
		f.i("VMULPS (R12), Z0, Z0")
		f.i("VMOVUPS Z0, %s(DI)(R13*1)", underMask(masked))
	})
}

func emitEpilogue512(f *file, k epiKind) {
	f.text(k.name("AVX512"), fmt.Sprintf(`is %s with 16 channels per vector, the
row's tail under a mask, and the high multiply and rounding shift fused in
64 bits (see internal/asmgen/epi512.go); prm holds the per-channel
parameters in 448-byte chunks of 16 channels.`, k.name("AVX2")), args(epiArgs))
	f.i("VPBROADCASTD %s, %s", sc(cSatMax), zSatMax)
	for _, c := range []struct {
		c   int
		reg string
	}{{cZP, yZP}, {cLo, yLo}, {cHi, yHi}} {
		f.i("VPBROADCASTD %s, %s", sc(c.c), c.reg)
	}
	if k.out16 {
		f.i("VPBROADCASTD %s, %s", sc(cMin17), zMin17)
		f.i("VPBROADCASTD %s, %s", sc(cMax17), zMax17)
		f.i("VPBROADCASTD %s, %s", sc(cZP32), zZP32)
	}
	if k.epi != "Clamp" {
		for _, c := range []struct {
			c   int
			reg string
		}{{cMin16, zMin16}, {cMax16, zMax16}, {cThree, zThree}, {cSix, zSix}, {cPLs, zPLs}, {cPMult, zPMult}} {
			f.i("VPBROADCASTD %s, %s", sc(c.c), c.reg)
		}
		f.i("VPXORD %s, %s, %s", zZero, zZero, zZero)
		f.i("VPBROADCASTQ %s, %s", sc(cPR64), zPR)
		f.i("VPBROADCASTQ %s, %s", sc(cPS64), zPS)
	}
	osz := 1
	if k.out16 {
		osz = 2
	}
	epiLoop512(f, epi512Chunk, osz, func(masked bool) {
		f.i("VMOVDQU32 (SI)(BX*1), Z0")
		if k.shl {
			satShl512(f, "384(R12)")
		}
		mul512(f, "(R12)", "64(R12)", "128(R12)", "192(R12)", "256(R12)", "320(R12)")
		if k.epi != "Clamp" {
			f.i("VPMAXSD %s, Z0, Z0", zMin16)
			f.i("VPMINSD %s, Z0, Z0", zMax16)
			f.i("VPADDD %s, Z0, Z1", zThree)
			f.i("VPMAXSD %s, Z1, Z1", zZero)
			f.i("VPMINSD %s, Z1, Z1", zSix)
			if k.epi == "Hardswish" {
				f.i("VPMULLD Z1, Z0, Z0")
			} else {
				f.i("VMOVDQA32 Z1, Z0")
			}
			if k.shl {
				satShl512(f, zPLs)
			}
			mul512(f, zPMult, zPMult, zPR, zPR, zPS, zPS)
		}
		narrow512(f, k.out16, masked)
	})
}

// satShl512: Z0 = sat32(Z0 << counts).
func satShl512(f *file, counts string) {
	f.i("VPSLLVD %s, Z0, Z1", counts)
	f.i("VPSRAVD %s, Z1, Z2", counts)
	f.i("VPCMPEQD Z2, Z0, K2")
	f.i("VPSRAD $31, Z0, Z3")
	f.i("VPXORD %s, Z3, Z3", zSatMax)
	f.i("VMOVDQA32 Z1, K2, Z3")
	f.i("VMOVDQA32 Z3, Z0")
}

// mul512: Z0 = (Z0·m + r) >> s in 64 bits, the even channels' products
// and constants (m, re, se) and the odd ones' (mo, ro, so); K3 selects
// the odd dwords.
func mul512(f *file, m, mo, re, ro, se, so string) {
	f.i("VPMULDQ %s, Z0, Z1", m)
	f.i("VPSRLQ $32, Z0, Z2")
	f.i("VPMULDQ %s, Z2, Z2", mo)
	f.i("VPADDQ %s, Z1, Z1", re)
	f.i("VPADDQ %s, Z2, Z2", ro)
	f.i("VPSRAVQ %s, Z1, Z1", se)
	f.i("VPSRAVQ %s, Z2, Z2", so)
	f.i("VPSLLQ $32, Z2, Z2")
	f.i("VMOVDQA32 Z2, K3, Z1")
	f.i("VMOVDQA32 Z1, Z0")
}

// narrow512 stores Z0's sixteen values plus the zero point, clamped to
// [lo, hi], as narrow does (saturating VPMOVSDW and VPMOVSWB), the tail
// under K1.
func narrow512(f *file, out16, masked bool) {
	if out16 {
		f.i("VPMAXSD %s, Z0, Z0", zMin17)
		f.i("VPMINSD %s, Z0, Z0", zMax17)
		f.i("VPADDD %s, Z0, Z0", zZP32)
	}
	f.i("VPMOVSDW Z0, Y1")
	if !out16 {
		f.i("VPADDSW %s, Y1, Y1", yZP)
	}
	f.i("VPMAXSW %s, Y1, Y1", yLo)
	f.i("VPMINSW %s, Y1, Y1", yHi)
	store, v := "VMOVDQU16", "Y1"
	if !out16 {
		f.i("VPMOVSWB Y1, X1")
		store, v = "VMOVDQU8", "X1"
	}
	if !masked {
		store = "VMOVDQU"
	}
	f.i("%s %s, %s(DI)(R13*1)", store, v, underMask(masked))
}

// underMask is the K1 operand of a masked store, for the row's tail.
func underMask(masked bool) string {
	if masked {
		return "K1, "
	}
	return ""
}

// epiLoop512 writes the row and chunk loops around body: CX full chunks
// of 16 channels per row, then the tail under K1 (R14: its mask, 0 for
// none); R12 steps through the parameters (chunk bytes per 16 channels),
// R13 through the row's outputs (osz bytes each).
func epiLoop512(f *file, chunk, osz int, body func(masked bool)) {
	f.i("MOVL $0xaaaa, AX")
	f.i("KMOVW AX, K3")
	f.i("MOVQ CX, AX")
	f.i("ANDQ $15, CX")
	f.i("MOVQ $1, R14")
	f.i("SHLQ CX, R14")
	f.i("DECQ R14")
	f.i("KMOVW R14, K1")
	f.i("MOVQ AX, CX")
	f.i("SHRQ $4, CX")
	f.head("rows", "DX")
	f.i("XORQ BX, BX")
	f.i("MOVQ R9, R12")
	f.i("XORQ R13, R13")
	f.i("MOVQ CX, AX")
	f.i("chunk:")
	f.i("TESTQ AX, AX")
	f.i("JZ tail")
	body(false)
	f.i("ADDQ $64, BX")
	f.i("ADDQ $%d, R12", chunk)
	f.i("ADDQ $%d, R13", 16*osz)
	f.next("chunk", "AX")
	f.i("tail:")
	f.i("TESTQ R14, R14")
	f.i("JZ rowend")
	body(true)
	f.i("rowend:")
	f.next("rows", "DX", "R8, SI", "R10, DI")
	f.ret()
}
