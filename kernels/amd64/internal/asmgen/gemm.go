package main

import (
	"fmt"
	"strings"
)

const gemmHeader = `GEMM micro-kernels and the copies that feed them (see
internal/asmgen/gemm.go).

Register map (GEMM kernels):
  DI a (row group), SI lda, DX rows left, CX steps (4 activation bytes of
  a row each), AX weight cursor, R8 acc (block column), R9 blocks left,
  R10 3·lda, R11 acc (row tile of the block column), R12 ldc, R13 rows
  0-3 and R14 rows 4-7 (stepped by 4 bytes), BX steps (AVX2: step pairs)
  left; after a tile's steps R13 = 3·ldc and R14 the accumulator row 4.
  The argument slot w holds the current block's weights.
  AVX-512: Z0-Z15 accumulators (row r, vector v: Z(2r+v)), Z16-Z17
  weights, Z18-Z25 activations, Z31 the 0x80 bytes.
  AVX2: Y0-Y11 accumulators (Y(2r+v)), Y12-Y13 weights, Y14 activations,
  Y15 products; the k loop does two steps an iteration.`

// gemmSpec describes a GEMM micro-kernel: mr rows by vectors of 16 (zmm)
// or 8 (ymm) int32 channels, two vectors per block and one in the last
// half block; every step multiplies 4 bytes of each row's activations
// with the block's 4-byte weight groups.
type gemmSpec struct {
	name, doc string
	mr        int
	z         bool                                      // zmm (AVX-512) rather than ymm
	w8        bool                                      // int8 weights in int16 pairs' places, widened as loaded
	pre       func(f *file)                             // constants
	mac       func(f *file, r int, addr string, nv int) // one row's step
}

func (s gemmSpec) vw() int {
	if s.z {
		return 64
	}
	return 32
}

// acc names the accumulator of row r, vector v.
func (s gemmSpec) acc(r, v int) string { return s.reg(2*r + v) }

func (s gemmSpec) reg(i int) string {
	if s.z {
		return fmt.Sprintf("Z%d", i)
	}
	return fmt.Sprintf("Y%d", i)
}

func (s gemmSpec) mov() string {
	if s.z {
		return "VMOVDQU32"
	}
	return "VMOVDQU"
}

const gemmArgs = "a unsafe.Pointer DI, lda int SI, m int DX, steps int CX, w unsafe.Pointer AX, nb int R9, half int R10, acc unsafe.Pointer R11, ldc int R12"

func emitGemms(f *file) {
	specs := []gemmSpec{{
		name: "gemmI8I8_8x32c4_VNNI",
		doc: `is the int8 GEMM with AVX-512 VNNI: 8 rows × 32 channels per micro-tile
(16 for a last half block), 4 k per step. VPDPBUSD multiplies unsigned by
signed bytes, so each activation is offset by 128 (XOR 0x80, fused with its
broadcast) and the packed biases carry -128·Σw. m is a multiple of 8; a
block of width channels is 4·width bytes of biases, then per 4 k the width
channels' 4 weights.`,
		mr: 8, z: true,
		pre: func(f *file) {
			f.i("MOVL $0x80808080, BX")
			f.i("VPBROADCASTD BX, Z31")
		},
		mac: func(f *file, r int, addr string, nv int) {
			f.i("VPXORD.BCST %s, Z31, Z%d", addr, 18+r)
			for v := 0; v < nv; v++ {
				f.i("VPDPBUSD Z%d, Z%d, Z%d", 16+v, 18+r, 2*r+v)
			}
		},
	}, {
		name: "gemmI16I16_8x32c2_VNNI",
		doc: `is the int16 GEMM with AVX-512 VNNI (VPDPWSSD, a pair of int16 products
per int32 lane): int16 activations (or int8 ones widened as they are
copied) times int16 weights (or int8 ones widened when packed), 8 rows × 32
channels per micro-tile (16 for a last half block), 2 k per step. m is a
multiple of 8; a block of width channels is 4·width bytes of biases, then
per 2 k the width channels' 2 weights.`,
		mr: 8, z: true,
		mac: func(f *file, r int, addr string, nv int) {
			for v := 0; v < nv; v++ {
				f.i("VPDPWSSD.BCST %s, Z%d, Z%d", addr, 16+v, 2*r+v)
			}
		},
	}, {
		name: "gemmI16I16_6x16c2_AVX2",
		doc: `is the int16 GEMM with AVX2 (VPMADDWD and VPADDD): int16 activations (int8
ones widened as they are copied) times int16 weights, 6 rows × 16 channels
per micro-tile (8 for a last half block), 2 k per step, two steps per loop
iteration. Every int8 GEMM runs here on the AVX2 path: VPMADDUBSW would
saturate. Six rows take all sixteen registers (12 accumulators, 2 weight
vectors, a broadcast, a product) and load the weights once per 12
multiplies rather than 8. m is a multiple of 6; blocks as
gemmI16I16_8x32c2_VNNI's.`,
		mr: 6,
		mac: func(f *file, r int, addr string, nv int) {
			f.i("VPBROADCASTD %s, Y14", addr)
			for v := 0; v < nv; v++ {
				f.i("VPMADDWD Y%d, Y14, Y15", 12+v)
				f.i("VPADDD Y15, Y%d, Y%d", 2*r+v, 2*r+v)
			}
		},
	}}
	for _, s := range specs[1:] {
		// the int16-activation kernels for int8 weights, which are kept
		// in int8 (half the bytes to stream) and widened as loaded
		w8 := s
		w8.w8 = true
		w8.name = strings.Replace(s.name, "I16I16", "I16I8", 1)
		w8.doc = "is " + s.name + " for int8 weights, packed as its int16 ones but in bytes and widened by VPMOVSXBW as they are loaded."
		specs = append(specs, w8)
	}
	for _, s := range specs {
		emitGemm(f, s)
		one := s
		one.mr = 1
		one.name = strings.Replace(s.name, fmt.Sprintf("_%dx", s.mr), "_1x", 1)
		one.doc = "is the one-row variant of " + s.name + ", for the rows its micro-tiles leave over and for GEMVs (the classifier, squeeze-excitation)."
		emitGemm(f, one)
	}
	emitWiden(f)
	emitIm2col(f)
}

// rowAddr is row r's activations in the k loop.
func rowAddr(r int) string {
	base := "R13"
	if r >= 4 {
		base = "R14"
	}
	return fmt.Sprintf([...]string{"(%s)", "(%s)(SI*1)", "(%s)(SI*2)", "(%s)(R10*1)"}[r%4], base)
}

// accAddr is accumulator row r of the current row tile and block.
func accAddr(r int) string {
	base := "R11"
	if r >= 4 {
		base = "R14"
	}
	return fmt.Sprintf([...]string{"(%s)", "(%s)(R12*1)", "(%s)(R12*2)", "(%s)(R13*1)"}[r%4], base)
}

// emitGemm writes the kernel: block columns outer, row tiles inner, so
// that a block's weights (its width × kp of them) stay in L1 across the row
// tiles, and the rows' activations (the runner's tile) across the blocks,
// rather than every row tile streaming all the weights from L2.
func emitGemm(f *file, s gemmSpec) {
	f.text(s.name, s.doc, args(gemmArgs))
	if s.pre != nil {
		s.pre(f)
	}
	f.i("LEAQ (SI)(SI*2), R10")
	f.i("TESTQ DX, DX")
	f.i("JLE done")
	f.i("MOVQ R11, R8")
	f.i("blocks:")
	f.i("TESTQ R9, R9")
	f.i("JZ halfblock")
	emitGemmRows(f, s, 2, "full")
	f.next("blocks", "R9", fmt.Sprintf("$%d, R8", 2*s.vw()))
	f.i("halfblock:")
	f.i("CMPQ half+48(FP), $0")
	f.i("JEQ done")
	emitGemmRows(f, s, 1, "half")
	f.ret()
}

// emitGemmRows runs the row tiles of one block column (R8): each starts
// from the block's weights, kept in w's argument slot.
func emitGemmRows(f *file, s gemmSpec, nv int, l string) {
	f.seq("MOVQ AX, w+32(FP)", "MOVQ a+0(FP), DI", "MOVQ m+16(FP), DX", "MOVQ R8, R11")
	f.i("rows%s:", l)
	f.i("MOVQ w+32(FP), AX")
	emitGemmTile(f, s, nv, l)
	for left := s.mr; left > 0; {
		sc := min(left, 8)
		if sc&(sc-1) != 0 { // 6 = 4 + 2: LEA scales are 1, 2, 4, 8
			sc = 4
		}
		f.i("LEAQ (DI)(SI*%d), DI", sc)
		left -= sc
	}
	f.i("MOVQ R12, BX")
	f.i("IMULQ $%d, BX", s.mr)
	f.i("ADDQ BX, R11")
	f.i("SUBQ $%d, DX", s.mr)
	f.i("JG rows%s", l)
}

// emitGemmTile computes one mr × nv-vector tile: biases, the k loop, the
// stores.
func emitGemmTile(f *file, s gemmSpec, nv int, l string) {
	vw := s.vw()
	w := func(v int) string { return s.reg(16 + v) }
	if !s.z {
		w = func(v int) string { return s.reg(12 + v) }
	}
	for v := 0; v < nv; v++ {
		f.i("%s %d(AX), %s", s.mov(), v*vw, w(v))
	}
	f.i("ADDQ $%d, AX", nv*vw)
	for r := 0; r < s.mr; r++ {
		for v := 0; v < nv; v++ {
			if s.z {
				f.i("VMOVDQA32 %s, %s", w(v), s.acc(r, v))
			} else {
				f.i("VMOVDQA %s, %s", w(v), s.acc(r, v))
			}
		}
	}
	f.i("MOVQ DI, R13")
	if s.mr > 4 {
		f.i("LEAQ (DI)(SI*4), R14")
	}
	wstep := vw // weight bytes per vector per step
	if s.w8 {
		wstep = vw / 2
	}
	// step emits the step at k offset j (bytes 4j of each row's
	// activations, the weights' j-th step from AX)
	step := func(j int) {
		for v := 0; v < nv; v++ {
			off := (j*nv + v) * wstep
			if s.w8 {
				f.i("VPMOVSXBW %d(AX), %s", off, w(v))
				continue
			}
			f.i("%s %d(AX), %s", s.mov(), off, w(v))
		}
		for r := 0; r < s.mr; r++ {
			a := rowAddr(r)
			if j > 0 {
				a = fmt.Sprintf("%d%s", 4*j, a)
			}
			s.mac(f, r, a, nv)
		}
	}
	// advance moves the row and weight cursors n steps on
	advance := func(n int) {
		f.i("ADDQ $%d, R13", 4*n)
		if s.mr > 4 {
			f.i("ADDQ $%d, R14", 4*n)
		}
		f.i("ADDQ $%d, AX", n*nv*wstep)
	}
	if s.z {
		f.i("MOVQ CX, BX")
		f.i("k%s:", l)
		step(0)
		advance(1)
		f.i("DECQ BX")
		f.i("JNZ k%s", l)
	} else {
		// two steps an iteration: half the loop's pointer updates and
		// branches, which the frontend otherwise spends beside 24
		// multiply-adds
		f.i("MOVQ CX, BX")
		f.i("SHRQ $1, BX")
		f.i("JZ kodd%s", l)
		f.i("k%s:", l)
		step(0)
		step(1)
		advance(2)
		f.i("DECQ BX")
		f.i("JNZ k%s", l)
		f.i("kodd%s:", l)
		f.i("TESTQ $1, CX")
		f.i("JZ kdone%s", l)
		step(0)
		advance(1)
		f.i("kdone%s:", l)
	}
	f.i("LEAQ (R12)(R12*2), R13")
	if s.mr > 4 {
		f.i("LEAQ (R11)(R12*4), R14")
	}
	for r := 0; r < s.mr; r++ {
		for v := 0; v < nv; v++ {
			a := accAddr(r)
			if v > 0 {
				a = fmt.Sprintf("%d%s", v*vw, a)
			}
			f.i("%s %s, %s", s.mov(), s.acc(r, v), a)
		}
	}
}

// emitWiden writes widenI8I16_AVX2: rows of n int8 values to int16.
func emitWiden(f *file) {
	f.text("widenI8I16_AVX2", `sign-extends rows of n int8 values (src, stride lds bytes) to int16 (dst,
stride ldd bytes): 16 at a time with VPMOVSXBW, the last 16 overlapping
the previous ones (rows of fewer than 16 one by one), so that it reads
and writes nothing outside the rows.`,
		args("src unsafe.Pointer SI, lds int R8, dst unsafe.Pointer DI, ldd int R9, rows int DX, n int CX"))
	f.head("rows", "DX")
	f.i("XORQ BX, BX")
	f.i("CMPQ CX, $16")
	f.i("JLT tail")
	f.i("vec:")
	f.i("VPMOVSXBW (SI)(BX*1), Y0")
	f.i("VMOVDQU Y0, (DI)(BX*2)")
	f.i("ADDQ $16, BX")
	f.i("LEAQ 16(BX), AX")
	f.i("CMPQ AX, CX")
	f.i("JLE vec")
	f.i("CMPQ BX, CX")
	f.i("JGE row")
	f.i("LEAQ -16(CX), BX")
	f.i("VPMOVSXBW (SI)(BX*1), Y0")
	f.i("VMOVDQU Y0, (DI)(BX*2)")
	f.i("JMP row")
	f.i("tail:")
	f.i("CMPQ BX, CX")
	f.i("JGE row")
	f.i("MOVBQSX (SI)(BX*1), AX")
	f.i("MOVW AX, (DI)(BX*2)")
	f.i("INCQ BX")
	f.i("JMP tail")
	f.i("row:")
	f.next("rows", "DX", "R8, SI", "R9, DI")
	f.ret()
}

// emitIm2col writes im2col_AVX2: the patch rows of n output pixels.
func emitIm2col(f *file) {
	f.text("im2col_AVX2", `copies the patches of n output pixels into rows of kpb bytes: pixel j's
patch is kh runs of seg (≤ 32) bytes, at src + j·step + ky·prow, written
one after another with a 32-byte move each. The moves write past a run;
the next run, the next row or the buffer's 32 spare bytes take it, and the
K padding of a row holds whatever they left (its weights are zero).`,
		args("src unsafe.Pointer SI, prow int R8, step int R9, n int DX, kh int R10, seg int R11, dst unsafe.Pointer DI, kpb int R12"))
	f.head("pix", "DX")
	f.i("MOVQ SI, AX")
	f.i("MOVQ DI, BX")
	f.i("MOVQ R10, CX")
	f.i("run:")
	f.i("VMOVDQU (AX), Y0")
	f.i("VMOVDQU Y0, (BX)")
	f.i("ADDQ R8, AX")
	f.i("ADDQ R11, BX")
	f.i("DECQ CX")
	f.i("JNZ run")
	f.next("pix", "DX", "R9, SI", "R12, DI")
	f.ret()
}
