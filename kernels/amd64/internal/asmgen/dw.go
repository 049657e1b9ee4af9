package main

import "fmt"

const dwHeader = `Depthwise conv kernels (see internal/asmgen/dw.go and dwrows.go).

AVX2 (dwrows.go): SI the block's plane, R8 the row-pair stride, DX
pixels, R9 weights, R10 blocks left, R11 the plane stride, DI acc, R12
its pixel stride (R13 three times it); BX, AX and CX the pixel cursors
and count. Y0-Y7 the accumulators of 4 pixels, Y8 a weight vector,
Y9-Y12 products.

AVX-512 (dw.go):
  SI the output pixel's first tap, R8 the tap offsets, DX pixels left,
  R9 step, R10 weights, R11 channel blocks, DI acc, R12 accs less the
  blocks' accumulator bytes, BX the block's first tap, AX weight cursor,
  CX blocks left, R13-R14 a pair's tap offsets.
  Z0-Z1 accumulators (per 128-bit lane L, channels 8L..8L+3 and
  8L+4..8L+7), Z2 a tap, Z4-Z5 a pair of taps interleaved, Z30-Z31 the
  indices that restore channel order, Z6-Z7 the restored accumulators.`

// emitDepthwise writes the depthwise kernels: AVX2 per window size and
// stride over the row-pair layout (dwrows.go), AVX-512 per window size
// over pixel-major input.
func emitDepthwise(f *file) {
	emitDwPackRows(f)
	for _, k := range []int{3, 5} {
		for _, s := range []int{1, 2} {
			emitDwRows(f, k, s)
		}
	}
	for _, k := range []int{3, 5} {
		emitDw(f, k)
	}
}

// emitDw writes the k×k AVX-512 kernel: 32 channels per block, VPDPWSSD
// over pairs of taps interleaved by VPUNPCKLWD/HWD.
func emitDw(f *file, k int) {
	pairs := (k*k + 1) / 2
	f.text(fmt.Sprintf("dwI16_%dx%d_AVX512", k, k), fmt.Sprintf(`computes ow output pixels of a %dx%d depthwise conv over int16
activations (int8 ones are widened as the input is copied) in blocks of 32
channels: VPUNPCKLWD/HWD interleave a pair of taps within each 128-bit
lane and VPDPWSSD multiplies and accumulates them in one instruction.
taps holds the byte offsets of the %d taps from a pixel's first, in pairs
(the last repeated). w starts with two VPERMI2D index vectors that put
the accumulators back in channel order; a block's weights are 32 int32
biases then per pair two vectors of weight pairs, in the unpacks' order
(lane L: channels 8L..8L+3, then 8L+4..8L+7).`, k, k, k*k),
		args("src unsafe.Pointer SI, taps unsafe.Pointer R8, ow int DX, step int R9, w unsafe.Pointer R10, nblk int R11, acc unsafe.Pointer DI, accs int R12"))
	f.i("VMOVDQU32 (R10), Z30")
	f.i("VMOVDQU32 64(R10), Z31")
	f.i("ADDQ $128, R10")
	f.i("MOVQ R11, AX")
	f.i("IMULQ $128, AX")
	f.i("SUBQ AX, R12")
	f.head("pix", "DX")
	f.i("MOVQ SI, BX")
	f.i("MOVQ R10, AX")
	f.i("MOVQ R11, CX")
	f.i("block:")
	f.i("VMOVDQU32 (AX), Z0")
	f.i("VMOVDQU32 64(AX), Z1")
	for p := 0; p < pairs; p++ {
		f.i("MOVQ %d(R8), R13", 16*p)
		f.i("MOVQ %d(R8), R14", 16*p+8)
		f.i("VMOVDQU32 (BX)(R13*1), Z2")
		f.i("VPUNPCKLWD (BX)(R14*1), Z2, Z4")
		f.i("VPUNPCKHWD (BX)(R14*1), Z2, Z5")
		for h := 0; h < 2; h++ {
			f.i("VPDPWSSD %d(AX), Z%d, Z%d", 128+128*p+64*h, 4+h, h)
		}
	}
	f.i("ADDQ $%d, AX", 128+128*pairs)
	f.i("VMOVDQA32 Z30, Z6")
	f.i("VPERMI2D Z1, Z0, Z6")
	f.i("VMOVDQA32 Z31, Z7")
	f.i("VPERMI2D Z1, Z0, Z7")
	f.i("VMOVDQU32 Z6, (DI)")
	f.i("VMOVDQU32 Z7, 64(DI)")
	f.i("ADDQ $64, BX")
	f.i("ADDQ $128, DI")
	f.i("DECQ CX")
	f.i("JNZ block")
	f.next("pix", "DX", "R12, DI", "R9, SI")
	f.ret()
}
