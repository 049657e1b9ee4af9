package main

import "fmt"

const dwHeader = `Depthwise conv kernels (see internal/asmgen/dw.go).

Register map (every kernel in this file):
  SI the output pixel's first tap, R8 the tap offsets, DX pixels left,
  R9 step, R10 weights, R11 16-channel blocks, DI acc, R12 accs less the
  blocks' 64 bytes each, BX the block's first tap, AX weight cursor, CX
  blocks left, R13-R14 a pair's tap offsets.
  Y0-Y1 accumulators (channels 0-3 and 8-11, 4-7 and 12-15), Y2 a tap,
  Y4-Y5 a pair of taps interleaved, then their products.`

// emitDepthwise writes the depthwise kernels, one per window size: the
// taps, in pairs, are unrolled.
func emitDepthwise(f *file) {
	for _, k := range []int{3, 5} {
		emitDw(f, k)
	}
}

func emitDw(f *file, k int) {
	pairs := (k*k + 1) / 2
	f.text(fmt.Sprintf("dwI16_%dx%d_AVX2", k, k), fmt.Sprintf(`computes ow output pixels of a %dx%d depthwise conv over int16
activations (int8 ones are widened as the input is copied) in blocks of 16
channels: each pair of taps is interleaved (VPUNPCKLWD/HWD) and multiplied
with its int16 weight pairs by VPMADDWD, exact in int32. taps holds the
byte offsets of the %d taps from a pixel's first, in pairs (the last
repeated); a block's weights are 16 int32 biases then per pair two vectors
of weight pairs, in the lane order of the unpacks (channels 0-3 and 8-11,
then 4-7 and 12-15); accumulators are written in channel order.`, k, k, k*k),
		args("src unsafe.Pointer SI, taps unsafe.Pointer R8, ow int DX, step int R9, w unsafe.Pointer R10, nblk int R11, acc unsafe.Pointer DI, accs int R12"))
	f.i("MOVQ R11, AX")
	f.i("SHLQ $6, AX")
	f.i("SUBQ AX, R12")
	f.i("pix:")
	f.i("TESTQ DX, DX")
	f.i("JLE done")
	f.i("MOVQ SI, BX")
	f.i("MOVQ R10, AX")
	f.i("MOVQ R11, CX")
	f.i("block:")
	f.i("VMOVDQU (AX), Y0")
	f.i("VMOVDQU 32(AX), Y1")
	for p := 0; p < pairs; p++ {
		f.i("MOVQ %d(R8), R13", 16*p)
		f.i("MOVQ %d(R8), R14", 16*p+8)
		f.i("VMOVDQU (BX)(R13*1), Y2")
		f.i("VPUNPCKLWD (BX)(R14*1), Y2, Y4")
		f.i("VPUNPCKHWD (BX)(R14*1), Y2, Y5")
		f.i("VPMADDWD %d(AX), Y4, Y4", 64+64*p)
		f.i("VPMADDWD %d(AX), Y5, Y5", 96+64*p)
		f.i("VPADDD Y4, Y0, Y0")
		f.i("VPADDD Y5, Y1, Y1")
	}
	f.i("ADDQ $%d, AX", 64+64*pairs)
	f.i("VPERM2I128 $0x20, Y1, Y0, Y2")
	f.i("VPERM2I128 $0x31, Y1, Y0, Y3")
	f.i("VMOVDQU Y2, (DI)")
	f.i("VMOVDQU Y3, 32(DI)")
	f.i("ADDQ $32, BX")
	f.i("ADDQ $64, DI")
	f.i("DECQ CX")
	f.i("JNZ block")
	f.i("ADDQ R12, DI")
	f.i("ADDQ R9, SI")
	f.i("DECQ DX")
	f.i("JMP pix")
	f.i("done:")
	f.i("VZEROUPPER")
	f.i("RET")
}
