package main

import "fmt"

// Depthwise convolution kernels: one output row of int32 accumulators
// (bias included) per call, from an input copy that already holds the
// padding (so no tap needs a bounds test) and whose pixels are padded to
// cp channels, a multiple of 8. Channels are the vector lanes; the stride
// is a parameter (step = StrideW·cp bytes), so one kernel serves stride 1
// and 2. Accumulators of output pixel x, channel c go to
// acc + x·accs + 4c.
//
// int8: SMULL/SMLAL (+2) multiply two taps into int16 lanes (|x·w| ≤
// 128·127, so two never overflow: weights must lie in [-127, 127]), and
// SADDW/SADDW2 widen the pair into the int32 accumulators: 32 MACs per
// 8 multiply/add instructions for 16 channels. The same instructions on
// every ARMv8 core: SDOT would need the taps transposed into lanes first,
// which costs more than it saves for 9 or 25 taps.
//
// Weights of a 16-channel block: taps × 16 bytes ([tap][channel]) then 16
// int32 biases; the last block of a cp ≡ 8 (mod 16) has taps × 8 bytes
// then 8 biases.

const dwArgs = "src unsafe.Pointer|prow int|ow int|cp int|step int|w unsafe.Pointer|acc unsafe.Pointer|accs int"

func loadDwArgs(f *asmFile) {
	f.loadArgs("src:R0", "prow:R1", "w:R5", "acc:R6", "accs:R7", "cp:R3", "step:R4")
	// tap column offsets kx·cp (elements are bytes for int8)
	f.g("MOVD R3, R21")
	f.g("ADD R3, R21, R22")
	f.g("ADD R3, R22, R23")
	f.g("ADD R3, R23, R24")
	f.g("LSR $4, R3, R8")
}

var dwOffReg = []string{"", "x21", "x22", "x23", "x24"}

// tapAddr is the ARM address of tap column kx from row pointer x<r>.
func tapAddr(r, kx int) string {
	if kx == 0 {
		return fmt.Sprintf("[x%d]", r)
	}
	return fmt.Sprintf("[x%d, %s]", r, dwOffReg[kx])
}

// rowRegs are the row pointers of pixel 0 (and pixel 1 for two-pixel loops).
var rowRegs0 = []int{10, 11, 12, 13, 14}
var rowRegs1 = []int{15, 16, 17, 19, 20}

func setRows(f *asmFile, base string, regs []int, kh int) {
	f.g("MOVD %s, R%d", base, regs[0])
	for ky := 1; ky < kh; ky++ {
		f.g("ADD R1, R%d, R%d", regs[ky-1], regs[ky])
	}
}

// emitDwI8Regs: the 3×3 (or any ≤ 9-tap) int8 kernel with the block's
// weights held in registers, one output pixel per iteration.
func emitDwI8Regs(f *asmFile, kh, kw int) {
	taps := kh * kw
	f.text(kernel{op: "dw", types: "I8", tile: fmt.Sprintf("%dx%d", kh, kw), isa: "NEON"},
		fmt.Sprintf(`computes one output row of an int8 %dx%d depthwise conv, any stride,
with the weights in registers.`, kh, kw), splitArgs(dwArgs)...)
	loadDwArgs(f)
	// pass runs a block of 16 (or, half, 8) channels over the row: weights
	// v0..v(taps-1), biases v9-v12 (v9-v10), one pixel per iteration.
	pass := func(half bool) {
		arr, nb, sfx := "16b", 16, ""
		bias, acc := "{v9.4s-v12.4s}, [x5], #64", "{v16.4s-v19.4s}"
		if half {
			arr, nb, sfx = "8b", 8, "8"
			bias, acc = "{v9.4s, v10.4s}, [x5], #32", "{v16.4s, v17.4s}"
		}
		for t := 0; t < taps; t += 4 {
			n := min(4, taps-t)
			f.v("ld1 %s, [x5], #%d", vlist(t, n, arr), nb*n)
		}
		f.v("ld1 %s", bias)
		setRows(f, "R0", rowRegs0, kh)
		f.g("MOVD R6, R25")
		f.arg("ow", "R9")
		f.label("px" + sfx)
		dwI8RegsPixel(f, kh, kw, half)
		f.v("st1 %s, [x25], x7", acc)
		f.g("SUBS $1, R9")
		f.g("BNE px" + sfx)
	}
	f.g("CBZ R8, tail8")
	f.label("block")
	pass(false)
	f.g("ADD $16, R0")
	f.g("ADD $64, R6")
	f.g("SUBS $1, R8")
	f.g("BNE block")
	f.label("tail8")
	f.arg("cp", "R3")
	f.g("TBZ $3, R3, done")
	pass(true)
	f.label("done")
	f.g("RET")
}

// dwI8RegsPixel computes one pixel into v16-v19 (v16-v17 for 8 channels)
// and advances the row pointers by step.
func dwI8RegsPixel(f *asmFile, kh, kw int, half bool) {
	taps := kh * kw
	q := "q"
	if half {
		q = "d"
	}
	// x values in v20.. (taps ≤ 9 → v20-v28); the kx = 0 load of each row
	// advances its pointer (post-index by step) after the others.
	for ky := 0; ky < kh; ky++ {
		r := rowRegs0[ky]
		for kx := 1; kx < kw; kx++ {
			f.v("ldr %s%d, %s", q, 20+ky*kw+kx, tapAddr(r, kx))
		}
		if half {
			f.v("ld1 {v%d.8b}, [x%d], x4", 20+ky*kw, r)
		} else {
			f.v("ld1 {v%d.16b}, [x%d], x4", 20+ky*kw, r)
		}
	}
	first := true
	prods := []int{29, 30, 31, 13, 14, 15}
	pi := 0
	for t := 0; t < taps; t += 2 {
		lo, hi := prods[pi%6], prods[(pi+1)%6]
		pi += 2
		f.v("smull v%d.8h, v%d.8b, v%d.8b", lo, 20+t, t)
		if !half {
			f.v("smull2 v%d.8h, v%d.16b, v%d.16b", hi, 20+t, t)
		}
		if t+1 < taps {
			f.v("smlal v%d.8h, v%d.8b, v%d.8b", lo, 21+t, t+1)
			if !half {
				f.v("smlal2 v%d.8h, v%d.16b, v%d.16b", hi, 21+t, t+1)
			}
		}
		a := func(i int) int { // accumulator i's source: the bias first
			if first {
				return 9 + i
			}
			return 16 + i
		}
		f.v("saddw v16.4s, v%d.4s, v%d.4h", a(0), lo)
		f.v("saddw2 v17.4s, v%d.4s, v%d.8h", a(1), lo)
		if !half {
			f.v("saddw v18.4s, v%d.4s, v%d.4h", a(2), hi)
			f.v("saddw2 v19.4s, v%d.4s, v%d.8h", a(3), hi)
		}
		first = false
	}
}

// emitDwI8Stream: the int8 kernel for large windows (5×5): weights
// streamed from memory, two output pixels per iteration sharing each
// weight load.
func emitDwI8Stream(f *asmFile, kh, kw int) {
	taps := kh * kw
	f.text(kernel{op: "dw", types: "I8", tile: fmt.Sprintf("%dx%d", kh, kw), isa: "NEON"},
		fmt.Sprintf(`computes one output row of an int8 %dx%d depthwise conv, any stride;
two pixels per iteration share the streamed weights.`, kh, kw), splitArgs(dwArgs)...)
	loadDwArgs(f)
	f.g("CBZ R8, tail8")
	f.label("block")
	f.g("ADD $%d, R5, R3", 16*taps)
	f.v("ld1 {v24.4s-v27.4s}, [x3]")
	setRows(f, "R0", rowRegs0, kh)
	f.arg("step", "R3")
	f.g("ADD R3, R0, R%d", rowRegs1[0])
	for ky := 1; ky < kh; ky++ {
		f.g("ADD R1, R%d, R%d", rowRegs1[ky-1], rowRegs1[ky])
	}
	f.g("LSL $1, R4, R3") // two steps
	f.g("MOVD R6, R25")
	f.arg("ow", "R9")
	f.g("CMP $2, R9")
	f.g("BLT px1")
	f.g("CMP R21, R4")
	f.g("BEQ sh1pre")
	f.g("CMP R22, R4")
	f.g("BEQ sh2pre")
	f.label("px2")
	f.g("MOVD R5, R2")
	dwI8StreamPixels(f, kh, kw, false, 2)
	f.v("st1 {v16.4s-v19.4s}, [x25], x7")
	f.v("st1 {v20.4s-v23.4s}, [x25], x7")
	for ky := 0; ky < kh; ky++ {
		f.g("ADD R3, R%d", rowRegs0[ky])
		f.g("ADD R3, R%d", rowRegs1[ky])
	}
	f.g("SUB $2, R9")
	f.g("CMP $2, R9")
	f.g("BGE px2")
	f.g("B px1")
	// strides 1 and 2: pixel 1's rows are pixel 0's (R15-R20 are free
	// for column offsets: R19 = 5·cp, R20 = 6·cp)
	for _, st := range []int{1, 2} {
		f.label(fmt.Sprintf("sh%dpre", st))
		f.g("ADD R21, R24, R19")
		f.g("ADD R21, R19, R20")
		f.label(fmt.Sprintf("sh%d", st))
		f.g("MOVD R5, R2")
		dwI8StreamShared(f, kh, kw, st)
		f.v("st1 {v16.4s-v19.4s}, [x25], x7")
		f.v("st1 {v20.4s-v23.4s}, [x25], x7")
		for ky := 0; ky < kh; ky++ {
			f.g("ADD R3, R%d", rowRegs0[ky])
		}
		f.g("SUB $2, R9")
		f.g("CMP $2, R9")
		f.g("BGE sh%d", st)
		if st == 1 {
			f.g("B px1")
		}
	}
	f.label("px1")
	f.g("CBZ R9, next")
	f.g("MOVD R5, R2")
	dwI8StreamPixels(f, kh, kw, false, 1)
	f.v("st1 {v16.4s-v19.4s}, [x25]")
	f.label("next")
	f.g("ADD $%d, R5", 16*taps+64)
	f.g("ADD $16, R0")
	f.g("ADD $64, R6")
	f.g("SUBS $1, R8")
	f.g("BNE block")
	f.label("tail8")
	f.arg("cp", "R3")
	f.g("TBZ $3, R3, done")
	f.g("ADD $%d, R5, R3", 8*taps)
	f.v("ld1 {v24.4s, v25.4s}, [x3]")
	setRows(f, "R0", rowRegs0, kh)
	f.g("MOVD R6, R25")
	f.arg("ow", "R9")
	f.label("px8")
	f.g("MOVD R5, R2")
	dwI8StreamPixels(f, kh, kw, true, 1)
	f.v("st1 {v16.4s, v17.4s}, [x25], x7")
	for ky := 0; ky < kh; ky++ {
		f.g("ADD R4, R%d", rowRegs0[ky])
	}
	f.g("SUBS $1, R9")
	f.g("BNE px8")
	f.label("done")
	f.g("RET")
}

// dwI8StreamShared is dwI8StreamPixels for two pixels at stride st (1 or
// 2): pixel 1's tap kx is pixel 0's input column kx + st, so each window
// row's kw + st columns are loaded once, into one of two register banks
// (alternating by row: a tap pair spans at most two rows), rather than
// 2·kw loads.
func dwI8StreamShared(f *asmFile, kh, kw, st int) {
	banks := [2][]int{{10, 11, 12, 13, 14, 15, 28}, {2, 3, 4, 5, 29, 30, 31}}
	loaded := map[[2]int]bool{}
	col := func(ky, c int) int {
		reg := banks[ky%2][c]
		if !loaded[[2]int{ky, c}] {
			loaded[[2]int{ky, c}] = true
			r := rowRegs0[ky]
			switch {
			case c < 5:
				f.v("ldr q%d, %s", reg, tapAddr(r, c))
			default:
				f.v("ldr q%d, [x%d, x%d]", reg, r, 14+c) // x19, x20
			}
		}
		return reg
	}
	taps := kh * kw
	first := true
	for t := 0; t < taps; t += 2 {
		pair := t+1 < taps
		if pair {
			f.v("ld1 {v0.16b, v1.16b}, [x2], #32")
		} else {
			f.v("ld1 {v0.16b}, [x2], #16")
		}
		for p := 0; p < 2; p++ {
			lo, hi := 6+2*p, 7+2*p
			xa := col(t/kw, t%kw+p*st)
			f.v("smull v%d.8h, v%d.8b, v0.8b", lo, xa)
			f.v("smull2 v%d.8h, v%d.16b, v0.16b", hi, xa)
			if pair {
				xb := col((t+1)/kw, (t+1)%kw+p*st)
				f.v("smlal v%d.8h, v%d.8b, v1.8b", lo, xb)
				f.v("smlal2 v%d.8h, v%d.16b, v1.16b", hi, xb)
			}
		}
		for p := 0; p < 2; p++ {
			lo, hi := 6+2*p, 7+2*p
			acc := 16 + 4*p
			src := func(i int) int {
				if first {
					return 24 + i
				}
				return acc + i
			}
			f.v("saddw v%d.4s, v%d.4s, v%d.4h", acc, src(0), lo)
			f.v("saddw2 v%d.4s, v%d.4s, v%d.8h", acc+1, src(1), lo)
			f.v("saddw v%d.4s, v%d.4s, v%d.4h", acc+2, src(2), hi)
			f.v("saddw2 v%d.4s, v%d.4s, v%d.8h", acc+3, src(3), hi)
		}
		first = false
	}
}

// dwI8StreamPixels accumulates np pixels (v16-v19, v20-v23) with the
// weights streamed from x2 and biases in v24-v27.
func dwI8StreamPixels(f *asmFile, kh, kw int, half bool, np int) {
	taps := kh * kw
	q, arr, w := "q", "16b", 16
	if half {
		q, arr, w = "d", "8b", 8
	}
	first := true
	for t := 0; t < taps; t += 2 {
		pair := t+1 < taps
		if pair {
			f.v("ld1 {v0.%s, v1.%s}, [x2], #%d", arr, arr, 2*w)
		} else {
			f.v("ld1 {v0.%s}, [x2], #%d", arr, w)
		}
		for p := 0; p < np; p++ {
			rows := rowRegs0
			if p == 1 {
				rows = rowRegs1
			}
			xa, xb := 2+2*p, 3+2*p
			f.v("ldr %s%d, %s", q, xa, tapAddr(rows[t/kw], t%kw))
			if pair {
				f.v("ldr %s%d, %s", q, xb, tapAddr(rows[(t+1)/kw], (t+1)%kw))
			}
		}
		for p := 0; p < np; p++ {
			xa, xb := 2+2*p, 3+2*p
			lo, hi := 6+2*p, 7+2*p
			f.v("smull v%d.8h, v%d.8b, v0.8b", lo, xa)
			if !half {
				f.v("smull2 v%d.8h, v%d.16b, v0.16b", hi, xa)
			}
			if pair {
				f.v("smlal v%d.8h, v%d.8b, v1.8b", lo, xb)
				if !half {
					f.v("smlal2 v%d.8h, v%d.16b, v1.16b", hi, xb)
				}
			}
		}
		for p := 0; p < np; p++ {
			lo, hi := 6+2*p, 7+2*p
			acc := 16 + 4*p
			src := func(i int) int {
				if first {
					return 24 + i
				}
				return acc + i
			}
			f.v("saddw v%d.4s, v%d.4s, v%d.4h", acc, src(0), lo)
			f.v("saddw2 v%d.4s, v%d.4s, v%d.8h", acc+1, src(1), lo)
			if !half {
				f.v("saddw v%d.4s, v%d.4s, v%d.4h", acc+2, src(2), hi)
				f.v("saddw2 v%d.4s, v%d.4s, v%d.8h", acc+3, src(3), hi)
			}
		}
		first = false
	}
}

// emitDwI16: an int16-input depthwise kernel: blocks of 8 channels, the
// int8 weights widened to int16 at packing and held in registers, SMLAL
// from int16 lanes into int32. cp counts channels (elements); a block's
// weights are taps × 8 int16 then 8 int32 biases.
func emitDwI16(f *asmFile, kh, kw int) {
	taps := kh * kw
	f.text(kernel{op: "dw", types: "I16", tile: fmt.Sprintf("%dx%d", kh, kw), isa: "NEON"},
		fmt.Sprintf(`computes one output row of an int16-input %dx%d depthwise conv,
any stride; cp and step count bytes (2 per channel).`, kh, kw), splitArgs(dwArgs)...)
	loadDwArgs(f)
	f.g("LSR $4, R3, R8") // 8 channels = 16 bytes per block
	f.label("block")
	for t := 0; t < taps; t += 4 {
		n := min(4, taps-t)
		f.v("ld1 %s, [x5], #%d", vlist(t, n, "8h"), 16*n)
	}
	bias := taps // v25, v26 for 5x5; v9, v10 for 3x3
	f.v("ld1 {v%d.4s, v%d.4s}, [x5], #32", bias, bias+1)
	setRows(f, "R0", rowRegs0, kh)
	f.g("MOVD R6, R25")
	f.arg("ow", "R9")
	acc := bias + 2 // pixel 0; acc+2: pixel 1 of the stride-1 loop
	x := acc + 4    // 3×3: v15..; 5×5: v31 alone
	nx := 32 - x
	// strides 1 and 2 (step = cp, 2·cp): two pixels per iteration, each
	// input column loaded once for both (pixel 1's tap kx is pixel 0's
	// column kx + stride): kw + stride loads per window row instead of
	// 2·kw. Column c is at c·cp: R21-R24 for c ≤ 4, R15 and R17 for 5, 6.
	f.g("ADD R3, R24, R15")
	f.g("ADD R3, R15, R17")
	f.g("LSL $1, R4, R16") // two steps
	f.g("CMP $2, R9")
	f.g("BLT px")
	f.g("CMP R3, R4")
	f.g("BEQ px2s1")
	f.g("CMP R3<<1, R4")
	f.g("BNE px")
	for _, st := range []int{2, 1} {
		f.label(fmt.Sprintf("px2s%d", st))
		for p := 0; p < 2; p++ {
			f.v("mov v%d.16b, v%d.16b", acc+2*p, bias)
			f.v("mov v%d.16b, v%d.16b", acc+2*p+1, bias+1)
		}
		xi := 0
		for ky := 0; ky < kh; ky++ {
			for c := 0; c < kw+st; c++ {
				xr := x + xi%nx
				xi++
				switch {
				case c == 0:
					f.v("ldr q%d, [x%d]", xr, rowRegs0[ky])
				case c < 5:
					f.v("ldr q%d, %s", xr, tapAddr(rowRegs0[ky], c))
				default:
					f.v("ldr q%d, [x%d, x%d]", xr, rowRegs0[ky], map[int]int{5: 15, 6: 17}[c])
				}
				if c < kw {
					t := ky*kw + c
					f.v("smlal v%d.4s, v%d.4h, v%d.4h", acc, xr, t)
					f.v("smlal2 v%d.4s, v%d.8h, v%d.8h", acc+1, xr, t)
				}
				if c >= st {
					t := ky*kw + c - st
					f.v("smlal v%d.4s, v%d.4h, v%d.4h", acc+2, xr, t)
					f.v("smlal2 v%d.4s, v%d.8h, v%d.8h", acc+3, xr, t)
				}
			}
		}
		for ky := 0; ky < kh; ky++ {
			f.g("ADD R16, R%d", rowRegs0[ky])
		}
		f.v("st1 {v%d.4s, v%d.4s}, [x25], x7", acc, acc+1)
		f.v("st1 {v%d.4s, v%d.4s}, [x25], x7", acc+2, acc+3)
		f.g("SUB $2, R9")
		f.g("CMP $2, R9")
		f.g("BGE px2s%d", st)
		if st == 2 {
			f.g("B rest")
		}
	}
	f.label("rest")
	f.g("CBZ R9, next")
	f.label("px")
	f.v("mov v%d.16b, v%d.16b", acc, bias)
	f.v("mov v%d.16b, v%d.16b", acc+1, bias+1)
	for t := 0; t < taps; t++ {
		ky, kx := t/kw, t%kw
		xr := x + t%nx
		if kx == 0 {
			f.v("ldr q%d, [x%d]", xr, rowRegs0[ky])
		} else {
			f.v("ldr q%d, %s", xr, tapAddr(rowRegs0[ky], kx))
		}
		f.v("smlal v%d.4s, v%d.4h, v%d.4h", acc, xr, t)
		f.v("smlal2 v%d.4s, v%d.8h, v%d.8h", acc+1, xr, t)
	}
	for ky := 0; ky < kh; ky++ {
		f.g("ADD R4, R%d", rowRegs0[ky])
	}
	f.v("st1 {v%d.4s, v%d.4s}, [x25], x7", acc, acc+1)
	f.g("SUBS $1, R9")
	f.g("BNE px")
	f.label("next")
	f.g("ADD $16, R0")
	f.g("ADD $32, R6")
	f.g("SUBS $1, R8")
	f.g("BNE block")
	f.g("RET")
}

// emitIm2col: copies the KH window rows of n output pixels (each row
// segment seg ≤ 32 bytes, read as two 16-byte vectors from the padded
// input) into rows of kp bytes. The bytes of a row past KH·seg are
// whatever the last vectors brought; the packed weights are zero there.
// The source and destination need 32 bytes of slack past their ends.
func emitIm2col(f *asmFile) {
	f.text(kernel{op: "im2col", isa: "NEON"}, `copies the im2col rows of n output pixels of one row of a conv whose window
rows are at most 32 bytes (KW·C·size ≤ 32): src is the padded input at the
window's top-left, prow its row stride, step = StrideW·C·size, kp the
im2col row stride, all in bytes.`,
		"src unsafe.Pointer", "prow int", "step int", "n int", "kh int", "seg int", "dst unsafe.Pointer", "kp int")
	f.loadArgs()
	f.g("CMP $3, R4")
	f.g("BNE general")
	// three source and three destination pointers, all post-incremented;
	// the rows are stored in order, so each one overwrites the previous
	// vectors' excess bytes.
	f.g("ADD R1, R0, R8")
	f.g("ADD R1, R8, R9")
	f.g("ADD R5, R6, R10")
	f.g("ADD R5, R10, R11")
	f.label("px3")
	f.v("ld1 {v0.16b, v1.16b}, [x0], x2")
	f.v("ld1 {v2.16b, v3.16b}, [x8], x2")
	f.v("ld1 {v4.16b, v5.16b}, [x9], x2")
	f.v("st1 {v0.16b, v1.16b}, [x6], x7")
	f.v("st1 {v2.16b, v3.16b}, [x10], x7")
	f.v("st1 {v4.16b, v5.16b}, [x11], x7")
	f.g("SUBS $1, R3")
	f.g("BNE px3")
	f.g("RET")
	f.label("general")
	f.g("MOVD R0, R10")
	f.g("MOVD R6, R11")
	f.g("MOVD R4, R12")
	f.label("row")
	f.v("ld1 {v0.16b, v1.16b}, [x10], x1")
	f.v("st1 {v0.16b, v1.16b}, [x11], x5")
	f.g("SUBS $1, R12")
	f.g("BNE row")
	f.g("ADD R2, R0")
	f.g("ADD R7, R6")
	f.g("SUBS $1, R3")
	f.g("BNE general")
	f.g("RET")
}
