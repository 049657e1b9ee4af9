package main

const resampleHeader = `Resampling kernels of package preprocess (see internal/asmgen/resample.go).

Register map (resampleHorizU8_AVX2):
  SI src row, R8 its stride, DX rows left, DI dst row, R9 its stride,
  R12 start cursor, R13 tap-count cursor, R10 weight cursor, CX pixels
  left, AX tap pointer, R11 taps left, BX output pointer.
  X0 the pixel's sums (R, G, B, and the byte after), X1 a tap, X2 its
  weight, X7 the rounding constant.

Register map (resampleVertU8_AVX2):
  SI src, R8 stride, DX taps, R9 weights, DI dst, CX width, BX byte
  offset, AX tap row, R10 weight cursor, R11 taps left.
  Y0-Y3 the int32 sums of 32 bytes, Y4 a weight, Y5 widened bytes, Y6 the
  byte order after the packs.`

// emitResample writes the two passes of Pillow's 8-bit resampler.
func emitResample(f *file) {
	emitResampleH(f)
	f.data("resampleOrder", 0, 4, 1, 5, 2, 6, 3, 7)
	f.data("resampleRound", 1<<21)
	f.text("resampleVertU8_AVX2", `writes width bytes (a multiple of 32) of one vertical-pass output
row: byte x is clip8((1<<21 + Σ_i w[i]·src[i·stride+x]) >> 22) for i < n,
the products in int32 (VPMOVZXBD, VPMULLD: the weights are 22-bit fixed
point, exact), 32 bytes per iteration, saturated back to bytes by
VPACKSSDW and VPACKUSWB and put in order by VPERMD.`,
		args("src unsafe.Pointer SI, stride int R8, n int DX, w unsafe.Pointer R9, dst unsafe.Pointer DI, width int CX"))
	f.i("VPBROADCASTD resampleRound<>(SB), Y7")
	f.i("VMOVDQU resampleOrder<>(SB), Y6")
	f.i("XORQ BX, BX")
	f.i("cols:")
	f.i("CMPQ BX, CX")
	f.i("JGE done")
	for a := 0; a < 4; a++ {
		f.i("VMOVDQA Y7, Y%d", a)
	}
	f.i("LEAQ (SI)(BX*1), AX")
	f.i("MOVQ R9, R10")
	f.i("MOVQ DX, R11")
	f.i("taps:")
	f.i("VPBROADCASTD (R10), Y4")
	for a := 0; a < 4; a++ {
		f.i("VPMOVZXBD %d(AX), Y5", 8*a)
		f.i("VPMULLD Y4, Y5, Y5")
		f.i("VPADDD Y5, Y%d, Y%d", a, a)
	}
	f.i("ADDQ R8, AX")
	f.i("ADDQ $4, R10")
	f.i("DECQ R11")
	f.i("JNZ taps")
	for a := 0; a < 4; a++ {
		f.i("VPSRAD $22, Y%d, Y%d", a, a)
	}
	f.i("VPACKSSDW Y1, Y0, Y0")
	f.i("VPACKSSDW Y3, Y2, Y2")
	f.i("VPACKUSWB Y2, Y0, Y0")
	f.i("VPERMD Y0, Y6, Y0")
	f.i("VMOVDQU Y0, (DI)(BX*1)")
	f.i("ADDQ $32, BX")
	f.i("JMP cols")
	f.ret()
}

// emitResampleH writes the horizontal pass: per output pixel its taps'
// RGB triples, one 4-lane multiply-add per tap.
func emitResampleH(f *file) {
	f.text("resampleHorizU8_AVX2", `runs the horizontal pass over rows of packed RGB: row r of src
starts at r·ss, of dst at r·ds; output pixel x is, per channel,
clip8((1<<21 + Σ_i w·src[start[x]+i]) >> 22) over its n[x] taps, with the
next n[x] weights of w. Each tap is loaded as 4 bytes (VPMOVZXBD), so src
must hold a byte past the last tap of the last row; each pixel is stored
as exactly 3 bytes.`,
		args("src unsafe.Pointer SI, ss int R8, rows int DX, dst unsafe.Pointer DI, ds int R9, start unsafe.Pointer R12, n unsafe.Pointer R13, w unsafe.Pointer R10, outW int CX"))
	f.i("VPBROADCASTD resampleRound<>(SB), X7")
	f.head("rows", "DX")
	f.i("MOVQ start+40(FP), R12")
	f.i("MOVQ n+48(FP), R13")
	f.i("MOVQ w+56(FP), R10")
	f.i("MOVQ outW+64(FP), CX")
	f.i("MOVQ DI, BX")
	f.i("pix:")
	f.i("VMOVDQA X7, X0")
	f.i("MOVQ (R12), AX")
	f.i("LEAQ (AX)(AX*2), AX")
	f.i("ADDQ SI, AX")
	f.i("MOVQ (R13), R11")
	f.i("TESTQ R11, R11")
	f.i("JLE store")
	f.i("taps:")
	f.i("VPMOVZXBD (AX), X1")
	f.i("VPBROADCASTD (R10), X2")
	f.i("VPMULLD X2, X1, X1")
	f.i("VPADDD X1, X0, X0")
	f.i("ADDQ $3, AX")
	f.i("ADDQ $4, R10")
	f.i("DECQ R11")
	f.i("JNZ taps")
	f.i("store:")
	f.i("VPSRAD $22, X0, X0")
	f.i("VPACKSSDW X0, X0, X0")
	f.i("VPACKUSWB X0, X0, X0")
	f.i("VPEXTRW $0, X0, (BX)")
	f.i("VPEXTRB $2, X0, 2(BX)")
	f.i("ADDQ $3, BX")
	f.i("ADDQ $8, R12")
	f.i("ADDQ $8, R13")
	f.i("DECQ CX")
	f.i("JNZ pix")
	f.next("rows", "DX", "R8, SI", "R9, DI")
	f.ret()
}
