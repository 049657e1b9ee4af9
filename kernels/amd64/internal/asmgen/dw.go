package main

import "fmt"

const dwHeader = `Depthwise conv kernels (see internal/asmgen/dw.go).

Register map (every kernel in this file):
  SI the output pixel's first tap, R8 the tap offsets, DX pixels left,
  R9 step, R10 weights, R11 channel blocks, DI acc, R12 accs less the
  blocks' accumulator bytes, BX the block's first tap, AX weight cursor,
  CX blocks left, R13-R14 a pair's tap offsets.
  Y0-Y1 or Z0-Z1 accumulators (per 128-bit lane L, channels 8L..8L+3 and
  8L+4..8L+7), Y2/Z2 a tap, Y4-Y5/Z4-Z5 a pair of taps interleaved (then
  their products, AVX2); AVX-512: Z30-Z31 the indices that restore
  channel order, Z6-Z7 the restored accumulators.`

// emitDepthwise writes the depthwise kernels, one per window size and
// instruction set: the taps, in pairs, are unrolled.
func emitDepthwise(f *file) {
	for _, z := range []bool{false, true} {
		for _, k := range []int{3, 5} {
			emitDw(f, k, z)
		}
	}
}

// emitDw writes the k×k kernel: AVX2 (16 channels per block, VPMADDWD
// then VPADDD) or AVX-512 (z: 32 channels, VPDPWSSD).
func emitDw(f *file, k int, z bool) {
	pairs := (k*k + 1) / 2
	v, vb, mov, isa := "Y", 32, "VMOVDQU", "AVX2"
	doc := fmt.Sprintf(`computes ow output pixels of a %dx%d depthwise conv over int16
activations (int8 ones are widened as the input is copied) in blocks of 16
channels: each pair of taps is interleaved (VPUNPCKLWD/HWD) and multiplied
with its int16 weight pairs by VPMADDWD, exact in int32. taps holds the
byte offsets of the %d taps from a pixel's first, in pairs (the last
repeated); a block's weights are 16 int32 biases then per pair two vectors
of weight pairs, in the lane order of the unpacks (channels 0-3 and 8-11,
then 4-7 and 12-15); accumulators are written in channel order.`, k, k, k*k)
	if z {
		v, vb, mov, isa = "Z", 64, "VMOVDQU32", "AVX512"
		doc = fmt.Sprintf(`is dwI16_%dx%d_AVX2 with 32 channels per block:
VPUNPCKLWD/HWD interleave a pair of taps within each 128-bit lane and
VPDPWSSD multiplies and accumulates them in one instruction. w starts with
two VPERMI2D index vectors that put the accumulators back in channel
order; a block's weights are 32 int32 biases then per pair two vectors of
weight pairs, in the unpacks' order (lane L: channels 8L..8L+3, then
8L+4..8L+7).`, k, k)
	}
	r := func(i int) string { return fmt.Sprintf("%s%d", v, i) }
	f.text(fmt.Sprintf("dwI16_%dx%d_%s", k, k, isa), doc,
		args("src unsafe.Pointer SI, taps unsafe.Pointer R8, ow int DX, step int R9, w unsafe.Pointer R10, nblk int R11, acc unsafe.Pointer DI, accs int R12"))
	if z {
		f.i("VMOVDQU32 (R10), Z30")
		f.i("VMOVDQU32 64(R10), Z31")
		f.i("ADDQ $128, R10")
	}
	f.i("MOVQ R11, AX")
	f.i("IMULQ $%d, AX", 2*vb)
	f.i("SUBQ AX, R12")
	f.head("pix", "DX")
	f.i("MOVQ SI, BX")
	f.i("MOVQ R10, AX")
	f.i("MOVQ R11, CX")
	f.i("block:")
	f.i("%s (AX), %s", mov, r(0))
	f.i("%s %d(AX), %s", mov, vb, r(1))
	for p := 0; p < pairs; p++ {
		f.i("MOVQ %d(R8), R13", 16*p)
		f.i("MOVQ %d(R8), R14", 16*p+8)
		f.i("%s (BX)(R13*1), %s", mov, r(2))
		f.i("VPUNPCKLWD (BX)(R14*1), %s, %s", r(2), r(4))
		f.i("VPUNPCKHWD (BX)(R14*1), %s, %s", r(2), r(5))
		for h := 0; h < 2; h++ {
			at := 2*vb + 2*vb*p + vb*h
			if z {
				f.i("VPDPWSSD %d(AX), %s, %s", at, r(4+h), r(h))
				continue
			}
			f.i("VPMADDWD %d(AX), %s, %s", at, r(4+h), r(4+h))
			f.i("VPADDD %s, %s, %s", r(4+h), r(h), r(h))
		}
	}
	f.i("ADDQ $%d, AX", 2*vb+2*vb*pairs)
	if z {
		f.i("VMOVDQA32 Z30, Z6")
		f.i("VPERMI2D Z1, Z0, Z6")
		f.i("VMOVDQA32 Z31, Z7")
		f.i("VPERMI2D Z1, Z0, Z7")
		f.i("VMOVDQU32 Z6, (DI)")
		f.i("VMOVDQU32 Z7, 64(DI)")
	} else {
		f.i("VPERM2I128 $0x20, Y1, Y0, Y2")
		f.i("VPERM2I128 $0x31, Y1, Y0, Y3")
		f.i("VMOVDQU Y2, (DI)")
		f.i("VMOVDQU Y3, 32(DI)")
	}
	f.i("ADDQ $%d, BX", vb)
	f.i("ADDQ $%d, DI", 2*vb)
	f.i("DECQ CX")
	f.i("JNZ block")
	f.next("pix", "DX", "R12, DI", "R9, SI")
	f.ret()
}
