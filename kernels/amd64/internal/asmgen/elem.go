package main

import "fmt"

const elemHeader = `Element-wise kernels (see internal/asmgen/elem.go), AVX2, on both paths:
max pool, float32 quantization and ShuffleNet's channel copies and
interleaves. Rows of bytes are walked in chunks of 32, 16 and 8 bytes,
the last chunk of each width overlapping the previous one (rows of at
least 8 bytes), which is exact because no output aliases an input.`

// emitElementwise writes the element-wise kernels.
func emitElementwise(f *file) {
	for _, b16 := range []bool{false, true} {
		emitMaxPool(f, b16)
	}
	for _, b16 := range []bool{false, true} {
		emitQuantize(f, b16)
	}
	emitCopyRows(f)
	emitRequantOps(f)
	for _, b16 := range []bool{false, true} {
		emitInterleave(f, b16)
	}
}

func tname(b16 bool) string {
	if b16 {
		return "I16"
	}
	return "I8"
}

// chunks walks a row of w bytes (a register, w ≥ the smallest width) in
// chunks of the given widths, largest first: body(width, label suffix)
// handles the chunk at byte offset off. A width's loop takes the chunks
// that fit; what is left is taken by one overlapping chunk of that width
// ending at w when the row holds one, else by the next width. tmp is
// free for the loop tests only.
func chunks(f *file, w, off, tmp string, widths []int, body func(width int, sfx string)) {
	f.i("XORQ %s, %s", off, off)
	for i, width := range widths {
		f.i("w%d:", width)
		f.i("LEAQ %d(%s), %s", width, off, tmp)
		f.i("CMPQ %s, %s", tmp, w)
		f.i("JGT w%dtail", width)
		body(width, fmt.Sprintf("a%d", width))
		f.i("ADDQ $%d, %s", width, off)
		f.i("JMP w%d", width)
		f.i("w%dtail:", width)
		f.i("CMPQ %s, %s", off, w)
		f.i("JGE chunked")
		if i+1 < len(widths) {
			f.i("CMPQ %s, $%d", w, width)
			f.i("JLT w%d", widths[i+1])
		}
		f.i("LEAQ -%d(%s), %s", width, w, off)
		body(width, fmt.Sprintf("b%d", width))
		if i+1 < len(widths) {
			f.i("JMP chunked")
		}
	}
	f.i("chunked:")
}

// vreg is the vector register n of a chunk of width bytes (8-byte chunks
// live in the low half of an X register).
func vreg(width, n int) string {
	if width == 32 {
		return fmt.Sprintf("Y%d", n)
	}
	return fmt.Sprintf("X%d", n)
}

// load and store move a chunk of width bytes between memory and vector n.
func load(f *file, width int, mem string, n int) {
	if width == 8 {
		f.i("VMOVQ %s, X%d", mem, n)
		return
	}
	f.i("VMOVDQU %s, %s", mem, vreg(width, n))
}

func store(f *file, width int, n int, mem string) {
	if width == 8 {
		f.i("VMOVQ X%d, %s", n, mem)
		return
	}
	f.i("VMOVDQU %s, %s", vreg(width, n), mem)
}

// emitMaxPool: n output pixels of cb bytes at dst, each the max of a
// kh × kw window of input pixels (rows rs bytes apart, columns cs bytes
// apart) whose top-left is at src, the next window step bytes further.
func emitMaxPool(f *file, b16 bool) {
	vmax := "VPMAXSB"
	if b16 {
		vmax = "VPMAXSW"
	}
	f.text("maxPool"+tname(b16)+"_AVX2", fmt.Sprintf(`writes n MaxPoolQ windows of %s values: output
pixel i (cb ≥ 8 bytes at dst+i·cb) is the max over the kh × kw input
pixels at src + i·step + y·rs + x·cs.`, tname(b16)),
		args("src unsafe.Pointer SI, rs int R8, cs int R9, step int R10, kh int R11, kw int R12, n int CX, cb int DX, dst unsafe.Pointer DI"))
	f.head("pixel", "CX")
	chunks(f, "DX", "AX", "BX", []int{32, 16, 8}, func(width int, sfx string) {
		f.i("LEAQ (SI)(AX*1), BX")
		load(f, width, "(BX)", 0)
		f.i("MOVQ R11, R14")
		f.i("row%s:", sfx)
		f.i("MOVQ BX, R13")
		f.i("MOVQ R12, R15")
		f.i("col%s:", sfx)
		if width == 8 {
			f.i("VMOVQ (R13), X1")
			f.i("%s X1, X0, X0", vmax)
		} else {
			f.i("%s (R13), %s, %s", vmax, vreg(width, 0), vreg(width, 0))
		}
		f.i("ADDQ R9, R13")
		f.i("DECQ R15")
		f.i("JNZ col%s", sfx)
		f.i("ADDQ R8, BX")
		f.i("DECQ R14")
		f.i("JNZ row%s", sfx)
		store(f, width, 0, "(DI)(AX*1)")
	})
	f.next("pixel", "CX", "R10, SI", "DX, DI")
	f.ret()
}

// The quantization constants at sc (kernels/amd64 quantConsts): the
// float64 1/scale, the float64 bounds the scaled values are clamped to
// before rounding, and the int32 zero point.
const (
	qScale = "0(R11)"
	qLo    = "8(R11)"
	qHi    = "16(R11)"
	qZP    = "24(R11)"
)

// emitQuantize: out = sat(RoundToEven(float64(x)·s) + zp) over n floats
// (a multiple of 16). NaN is zeroed first, so it quantizes to the
// saturated zero point; the product is exact in float64 and clamped to
// ±2^22, beyond which the sum saturates whatever the zero point (|zp| ≤
// 2^21); VCVTPD2DQ rounds to nearest even (Go keeps MXCSR's default);
// the int32 sums saturate to the output type as they are packed.
func emitQuantize(f *file, out16 bool) {
	f.text("quantizeF32"+tname(out16)+"_AVX2", fmt.Sprintf(`applies QuantizeF32 to n float32 (a multiple
of 16), to %s; sc holds the float64 1/scale, the float64 clamp bounds
and the int32 zero point.`, tname(out16)),
		args("in unsafe.Pointer SI, out unsafe.Pointer DI, n int CX, sc unsafe.Pointer R11"))
	f.i("VBROADCASTSD %s, Y10", qScale)
	f.i("VBROADCASTSD %s, Y11", qLo)
	f.i("VBROADCASTSD %s, Y12", qHi)
	f.i("VPBROADCASTD %s, Y13", qZP)
	f.i("loop:")
	f.i("SUBQ $16, CX")
	f.i("JLT done")
	// eight floats at byte offset off into the int32 lanes of Y<d>
	eight := func(off, d int) {
		f.i("VMOVUPS %d(SI), Y0", off)
		f.i("VCMPPS $0, Y0, Y0, Y1")
		f.i("VANDPS Y1, Y0, Y0")
		f.i("VEXTRACTF128 $1, Y0, X2")
		f.i("VCVTPS2PD X0, Y1")
		f.i("VCVTPS2PD X2, Y2")
		for _, r := range []string{"Y1", "Y2"} {
			f.i("VMULPD Y10, %s, %s", r, r)
			f.i("VMAXPD Y11, %s, %s", r, r)
			f.i("VMINPD Y12, %s, %s", r, r)
		}
		f.i("VCVTPD2DQY Y1, X1")
		f.i("VCVTPD2DQY Y2, X2")
		f.i("VINSERTI128 $1, X2, Y1, Y%d", d)
		f.i("VPADDD Y13, Y%d, Y%d", d, d)
	}
	eight(0, 3)
	eight(32, 4)
	f.i("VPACKSSDW Y4, Y3, Y3")
	f.i("VPERMQ $0xd8, Y3, Y3")
	if out16 {
		f.i("VMOVDQU Y3, (DI)")
		f.i("ADDQ $32, DI")
	} else {
		f.i("VEXTRACTI128 $1, Y3, X4")
		f.i("VPACKSSWB X4, X3, X3")
		f.i("VMOVDQU X3, (DI)")
		f.i("ADDQ $16, DI")
	}
	f.i("ADDQ $64, SI")
	f.i("JMP loop")
	f.ret()
}

// emitCopyRows: rows rows of w bytes (w ≥ 8) from src (rows ss bytes
// apart) to dst (ds apart): channel slices and concatenations.
func emitCopyRows(f *file) {
	f.text("copyRows_AVX2", `copies rows rows of w ≥ 8 bytes from src, ss bytes apart, to dst,
ds bytes apart.`, args("src unsafe.Pointer SI, ss int R8, dst unsafe.Pointer DI, ds int R10, rows int CX, w int DX"))
	f.head("row", "CX")
	chunks(f, "DX", "AX", "BX", []int{32, 16, 8}, func(width int, _ string) {
		load(f, width, "(SI)(AX*1)", 0)
		store(f, width, 0, "(DI)(AX*1)")
	})
	f.next("row", "CX", "R8, SI", "R10, DI")
	f.ret()
}

// emitInterleave: rows of out interleave hb bytes of a and b element by
// element (channel shuffles of two groups). 32-byte chunks order their
// quadwords 0, 2, 1, 3 first, so that the in-lane unpacks produce the
// output in order.
func emitInterleave(f *file, b16 bool) {
	lo, hi := "VPUNPCKLBW", "VPUNPCKHBW"
	if b16 {
		lo, hi = "VPUNPCKLWD", "VPUNPCKHWD"
	}
	f.text("interleave"+tname(b16)+"_AVX2", fmt.Sprintf(`writes rows rows of 2·hb bytes at out (so bytes apart)
that interleave the %s elements of hb ≥ 8 bytes at a and at b (both
sa bytes apart).`, tname(b16)),
		args("a unsafe.Pointer SI, b unsafe.Pointer R9, sa int R8, out unsafe.Pointer DI, so int R10, rows int CX, hb int DX"))
	f.head("row", "CX")
	chunks(f, "DX", "AX", "BX", []int{32, 16, 8}, func(width int, _ string) {
		load(f, width, "(SI)(AX*1)", 0)
		load(f, width, "(R9)(AX*1)", 1)
		if width == 32 {
			f.i("VPERMQ $0xd8, Y0, Y0")
			f.i("VPERMQ $0xd8, Y1, Y1")
		}
		f.i("%s %s, %s, %s", lo, vreg(width, 1), vreg(width, 0), vreg(width, 2))
		if width == 8 {
			f.i("VMOVDQU X2, (DI)(AX*2)")
			return
		}
		f.i("%s %s, %s, %s", hi, vreg(width, 1), vreg(width, 0), vreg(width, 3))
		f.i("VMOVDQU %s, (DI)(AX*2)", vreg(width, 2))
		f.i("VMOVDQU %s, %d(DI)(AX*2)", vreg(width, 3), width)
	})
	f.next("row", "CX", "R8, SI", "R8, R9", "R10, DI")
	f.ret()
}
