package main

import "fmt"

// The AVX2 depthwise kernels read the input as the copy kernel leaves it:
// per block of 16 channels a plane of int16 pixels in which each pair of
// padded rows (2m, 2m+1) is interleaved, so that the 16 channels of one
// column of a row pair are 32 int16 pairs (channels 0-7, then 8-15) that
// VPMADDWD multiplies with weight pairs (w[row a][c], w[row a+1][c])
// straight from memory: no unpacking in the inner loop, and every tap at
// a displacement known here (column·64, row pair·stride), so nothing but
// the weights is loaded besides the input. A k×k window covers (k+1)/2
// row pairs: an output row that starts at an even padded row pairs its
// window's rows (0,1) (2,3) ..., one that starts at an odd row (stride 1)
// pairs (·,0) (1,2) ..., the row outside the window weighted 0. The cost
// is the unused half pair (k = 5: 30 products for 25 taps), against two
// unpacks and two offset loads per pair of taps before.

const dwRowsPixels = 4 // output pixels per iteration: 8 accumulators, a weight, 4 products

// emitDwRows writes dwI16_<k>x<k>s<s>_4x16_AVX2.
func emitDwRows(f *file, k, s int) {
	rp := (k + 1) / 2
	wb := 64 + rp*k*64
	f.text(fmt.Sprintf("dwI16_%dx%ds%d_4x16_AVX2", k, k, s), fmt.Sprintf(`computes ow output pixels of a
%dx%d depthwise conv with stride %d, 4 pixels × 16 channels at a time
(then one by one), for nblk blocks of 16 channels. src is the first
block's plane at the output row's first row pair, column 0, in the
row-pair interleaved layout of dwPackRows*_AVX2; rps is the bytes
between row pairs, bstride between block planes. A block's weights
(%d bytes) are its 16 int32 biases, then for each row pair and
column two vectors of int16 weight pairs (channels 0-7, 8-15).
acc gets 16 int32 per pixel and block: block b at acc+64·b, pixel
p at +p·accs.`, k, k, s, wb),
		args("src unsafe.Pointer SI, rps int R8, ow int DX, w unsafe.Pointer R9, nblk int R10, bstride int R11, acc unsafe.Pointer DI, accs int R12"))
	f.i("LEAQ (R12)(R12*2), R13")
	f.head("block", "R10")
	f.seq("MOVQ SI, BX", "MOVQ DI, AX", "MOVQ DX, CX")
	f.i("quad:")
	f.i("CMPQ CX, $%d", dwRowsPixels)
	f.i("JLT one")
	dwRowsBody(f, k, s, dwRowsPixels)
	f.i("ADDQ $%d, BX", dwRowsPixels*s*64)
	f.i("LEAQ (AX)(R12*4), AX")
	f.i("SUBQ $%d, CX", dwRowsPixels)
	f.i("JMP quad")
	f.i("one:")
	f.i("TESTQ CX, CX")
	f.i("JLE nextblock")
	dwRowsBody(f, k, s, 1)
	f.i("ADDQ $%d, BX", s*64)
	f.i("ADDQ R12, AX")
	f.i("DECQ CX")
	f.i("JMP one")
	f.i("nextblock:")
	f.i("ADDQ R11, SI")
	f.i("ADDQ $64, DI")
	f.i("ADDQ $%d, R9", wb)
	f.i("DECQ R10")
	f.i("JMP block")
	f.ret()
}

// dwRowsBody computes np pixels of one block: accumulators Y(2p+h) for
// pixel p, channels 8h..8h+7; Y8 a weight vector, Y9.. the products.
func dwRowsBody(f *file, k, s, np int) {
	f.i("VMOVDQU (R9), Y0")
	f.i("VMOVDQU 32(R9), Y1")
	for p := 1; p < np; p++ {
		f.i("VMOVDQA Y0, Y%d", 2*p)
		f.i("VMOVDQA Y1, Y%d", 2*p+1)
	}
	rows := []string{"(BX)", "(BX)(R8*1)", "(BX)(R8*2)"}
	for r := 0; r < (k+1)/2; r++ {
		for dx := 0; dx < k; dx++ {
			for h := 0; h < 2; h++ {
				f.i("VMOVDQU %d(R9), Y8", 64+((r*k+dx)*2+h)*32)
				for p := 0; p < np; p++ {
					f.i("VPMADDWD %d%s, Y8, Y%d", (p*s+dx)*64+h*32, rows[r], 9+p)
					f.i("VPADDD Y%d, Y%d, Y%d", 9+p, 2*p+h, 2*p+h)
				}
			}
		}
	}
	stores := []string{"(AX)", "(AX)(R12*1)", "(AX)(R12*2)", "(AX)(R13*1)"}
	for p := 0; p < np; p++ {
		f.i("VMOVDQU Y%d, %s", 2*p, stores[p])
		f.i("VMOVDQU Y%d, 32%s", 2*p+1, stores[p])
	}
}

// emitDwPackRows writes the copy kernels that build that layout.
func emitDwPackRows(f *file) {
	for _, i8 := range []bool{true, false} {
		name, load, in := "dwPackRowsI16_AVX2", "VMOVDQU", "int16"
		if i8 {
			name, load, in = "dwPackRowsI8_AVX2", "VPMOVSXBW", "int8 (sign-extended)"
		}
		f.text(name, fmt.Sprintf(`interleaves 16 channels of n pixels of two
rows of %s values (row0, row1; step bytes between pixels) into a row
pair of the depthwise layout at dst, 64 bytes per pixel: channels 0-7
as (row0, row1) int16 pairs, then channels 8-15.`, in),
			args("row0 unsafe.Pointer SI, row1 unsafe.Pointer R8, step int R9, n int DX, dst unsafe.Pointer DI"))
		f.head("pix", "DX")
		f.seq(load+" (SI), Y0", load+" (R8), Y1")
		// per 128-bit lane: channels 0-3 | 8-11 and 4-7 | 12-15, then
		// the lanes regrouped: channels 0-7, 8-15
		f.seq("VPUNPCKLWD Y1, Y0, Y2", "VPUNPCKHWD Y1, Y0, Y3")
		f.seq("VPERM2I128 $0x20, Y3, Y2, Y4", "VPERM2I128 $0x31, Y3, Y2, Y5")
		f.i("VMOVDQU Y4, (DI)")
		f.i("VMOVDQU Y5, 32(DI)")
		f.next("pix", "DX", "R9, SI", "R9, R8", "$64, DI")
		f.ret()
	}
}
