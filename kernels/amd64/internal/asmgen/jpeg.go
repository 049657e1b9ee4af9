package main

import "fmt"

const jpegHeader = `JPEG decoding kernels of package preprocess (see internal/asmgen/jpeg.go).

Register map (yccToRGBU8_AVX2):
  DI dst, SI y, R8 cb, R9 cr, CX pixels left.
  Y0-Y1 luma, Y2-Y3 Cb - 128, Y4-Y5 Cr - 128 (int32, pixels 0-7 and
  8-15), Y6-Y11 R, B, G sums, Y12 scratch, Y13-Y15 constants;
  X6, X8, X10 the R, B, G bytes of 16 pixels; X12 the interleaved output.`

// cfix is libjpeg's FIX(x) for jdcolor.c's 16 scale bits.
func cfix(x float64) int32 { return int32(x*(1<<16) + 0.5) }

// emitJPEG writes the JPEG kernels.
func emitJPEG(f *file) {
	emitYCC(f)
}

// emitYCC writes yccToRGBU8_AVX2: jdcolor.c's YCbCr → RGB, computed in
// int32 instead of through its tables, with the same values: R = Y +
// ((FIX(1.402)·Cr' + ½) >> 16), B = Y + ((FIX(1.772)·Cb' + ½) >> 16), G = Y +
// ((½ - FIX(0.34414)·Cb' - FIX(0.71414)·Cr') >> 16), clamped to 0..255
// (Cb' = Cb - 128), then interleaved by VPSHUFB.
func emitYCC(f *file) {
	// masks[c][ch]: for output byte j of chunk c, the pixel whose channel
	// ch it is, else 0x80 (a zero)
	for c := 0; c < 3; c++ {
		for ch := 0; ch < 3; ch++ {
			var v []int32
			for j := 0; j < 16; j += 4 {
				var w uint32
				for b := 0; b < 4; b++ {
					g := 16*c + j + b
					m := uint32(0x80)
					if g%3 == ch {
						m = uint32(g / 3)
					}
					w |= m << (8 * b)
				}
				v = append(v, int32(w))
			}
			f.data(fmt.Sprintf("yccMask%d%d", c, ch), v...)
		}
	}
	f.data("yccConst", cfix(1.40200), cfix(1.77200), -cfix(0.34414), -cfix(0.71414), 1<<15, 128)
	f.text("yccToRGBU8_AVX2", `converts n pixels (a multiple of 16) of Y, Cb and Cr rows to packed RGB
exactly as jdcolor.c's ycc_rgb_convert does, 16 at a time.`,
		args("dst unsafe.Pointer DI, y unsafe.Pointer SI, cb unsafe.Pointer R8, cr unsafe.Pointer R9, n int CX"))
	f.i("VPBROADCASTD yccConst<>+16(SB), Y13")
	f.i("VPBROADCASTD yccConst<>+20(SB), Y14")
	f.head("px", "CX")
	for h := 0; h < 2; h++ {
		f.i("VPMOVZXBD %d(SI), Y%d", 8*h, h)
		f.i("VPMOVZXBD %d(R8), Y%d", 8*h, 2+h)
		f.i("VPSUBD Y14, Y%d, Y%d", 2+h, 2+h)
		f.i("VPMOVZXBD %d(R9), Y%d", 8*h, 4+h)
		f.i("VPSUBD Y14, Y%d, Y%d", 4+h, 4+h)
	}
	// R (Y6, Y7) from Cr, B (Y8, Y9) from Cb, G (Y10, Y11) from both
	for h := 0; h < 2; h++ {
		f.i("VPBROADCASTD yccConst<>+0(SB), Y15")
		f.i("VPMULLD Y15, Y%d, Y%d", 4+h, 6+h)
		f.i("VPBROADCASTD yccConst<>+4(SB), Y15")
		f.i("VPMULLD Y15, Y%d, Y%d", 2+h, 8+h)
		f.i("VPBROADCASTD yccConst<>+8(SB), Y15")
		f.i("VPMULLD Y15, Y%d, Y%d", 2+h, 10+h)
		f.i("VPBROADCASTD yccConst<>+12(SB), Y15")
		f.i("VPMULLD Y15, Y%d, Y12", 4+h)
		f.i("VPADDD Y12, Y%d, Y%d", 10+h, 10+h)
		for _, r := range []int{6 + h, 8 + h, 10 + h} {
			f.i("VPADDD Y13, Y%d, Y%d", r, r)
			f.i("VPSRAD $16, Y%d, Y%d", r, r)
			f.i("VPADDD Y%d, Y%d, Y%d", h, r, r)
		}
	}
	// each channel's 16 values to saturated bytes, in pixel order
	for _, r := range []int{6, 8, 10} {
		f.i("VPACKSSDW Y%d, Y%d, Y%d", r+1, r, r)
		f.i("VPERMQ $0xd8, Y%d, Y%d", r, r)
		f.i("VPACKUSWB Y%d, Y%d, Y%d", r, r, r)
		f.i("VPERMQ $0x08, Y%d, Y%d", r, r)
	}
	for c := 0; c < 3; c++ {
		for ch, r := range []int{6, 10, 8} { // R, G, B
			dst := "X12"
			if ch > 0 {
				dst = "X15"
			}
			f.i("VPSHUFB yccMask%d%d<>(SB), X%d, %s", c, ch, r, dst)
			if ch > 0 {
				f.i("VPOR X15, X12, X12")
			}
		}
		f.i("VMOVDQU X12, %d(DI)", 16*c)
	}
	f.i("ADDQ $48, DI")
	f.i("ADDQ $16, SI")
	f.i("ADDQ $16, R8")
	f.i("ADDQ $16, R9")
	f.i("SUBQ $16, CX")
	f.i("JMP px")
	f.ret()
}
