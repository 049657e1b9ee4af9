//go:build !purego

package amd64

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// Depthwise convs run, on the avx2 path (and on vnni where 16 channels
// per block pad less than 32), the AVX2 kernels dwI16_KxKsS_4x16_AVX2
// over a copy of the input in the row-pair layout (dwPackRows*_AVX2,
// int8 widened), or on vnni the AVX-512 kernels dwI16_KxK_AVX512 over a
// padded pixel-major int16 copy; then the conv epilogue over each tile of
// output rows.

// packDepthwise packs the depthwise conv p for isa's kernels; ok is false
// for a horizontal stride the AVX2 kernels lack (beyond 2).
func packDepthwise(isa ISA, p *generic.QConv, w []int8, in, out generic.DType) (*Conv, bool) {
	cp := &p.ConvParams
	ch := cp.InC
	if isa == VNNI && (round(ch, 32) == round(ch, 16) || ch >= 64 || cp.StrideW > 2) {
		// 32 channels per block where that pads no more than 16 would
		// (or little, against twice the work per instruction): padding
		// 16 channels to 32 doubles the work and the padded copy
		return packDw512(isa, p, w, in, out), true
	}
	if cp.StrideW > 2 {
		return nil, false
	}
	return packDwRows(isa, p, w, in, out), true
}

// dwRowsBlocks is the number of 16-channel blocks of ch channels, and
// dwRowsStart block b's first channel: the last block of more than 16
// channels ends at the last channel, overlapping the one before, so that
// every block reads and writes whole vectors inside the tensors.
func dwRowsBlocks(ch int) int { return (ch + 15) / 16 }

func dwRowsStart(ch, b int) int {
	if ch < 16 {
		return 0
	}
	return min(16*b, ch-16)
}

// packDwRows packs p for the AVX2 kernels: per window parity (an output
// row starting at an even padded row, then at an odd one) and block, the
// 16 int32 biases, then per row pair and column two vectors of int16
// weight pairs (w[row a][c], w[row a+1][c]), channels 0-7 then 8-15, the
// rows outside the window (and channels past C) 0.
func packDwRows(isa ISA, p *generic.QConv, w []int8, in, out generic.DType) *Conv {
	cp := &p.ConvParams
	ch, k := cp.InC, cp.KH
	c := &Conv{p: *p, kind: kDepthwise, in: in, out: out, aesz: 2, npad: round(ch, 16), dwBlock: 16}
	c.dwRows = map[[2]int]dwRowsFunc{{3, 1}: dwI16_3x3s1_4x16_AVX2, {3, 2}: dwI16_3x3s2_4x16_AVX2,
		{5, 1}: dwI16_5x5s1_4x16_AVX2, {5, 2}: dwI16_5x5s2_4x16_AVX2}[[2]int{k, cp.StrideW}]
	nb, wb := dwRowsBlocks(ch), dwRowsWeightBytes(k)
	c.w = make([]byte, 2*nb*wb)
	for par := 0; par < 2; par++ {
		for b := 0; b < nb; b++ {
			blk := c.w[(par*nb+b)*wb:]
			cs := dwRowsStart(ch, b)
			for j := 0; j < 16 && cs+j < ch; j++ {
				o := cs + j
				*(*int32)(unsafe.Pointer(&blk[4*j])) = p.Bias[o]
				for r := 0; r < (k+1)/2; r++ {
					for t := 0; t < 2; t++ {
						ky := 2*r + t - par
						if ky < 0 || ky >= k {
							continue
						}
						for dx := 0; dx < k; dx++ {
							at := 64 + ((r*k+dx)*2+j/8)*32 + j%8*4 + 2*t
							*(*int16)(unsafe.Pointer(&blk[at])) = int16(w[(o*k+ky)*k+dx])
						}
					}
				}
			}
		}
	}
	c.packEpilogue(isa, p, out)
	return c
}

// dwRowsWeightBytes is a block's weights for a k×k window: 16 biases,
// then (k+1)/2 row pairs × k columns × 16 int16 pairs.
func dwRowsWeightBytes(k int) int { return 64 + (k+1)/2*k*64 }

// packDw512 packs the depthwise conv p for the AVX-512 kernels: per block
// of 32 channels the biases, then per pair of taps two vectors of int16
// weight pairs, both in the lane order of the kernel's unpacks (per
// 128-bit lane L, channels 8L..8L+3 in the first vector, 8L+4..8L+7 in
// the second); channels past C and the odd tap's partner are 0. The
// weights start with the VPERMI2D indices that restore channel order.
func packDw512(isa ISA, p *generic.QConv, w []int8, in, out generic.DType) *Conv {
	cp := &p.ConvParams
	ch, taps := cp.InC, cp.KH*cp.KW
	pairs := (taps + 1) / 2
	const width = 32
	c := &Conv{p: *p, kind: kDepthwise, in: in, out: out, aesz: 2, npad: round(ch, width), dwBlock: width}
	c.dw = map[int]dwFunc{3: dwI16_3x3_AVX512, 5: dwI16_5x5_AVX512}[cp.KH]
	// order[i] is the channel of unpack position i within a block
	order := make([]int, width)
	for i := range order {
		half, j := i/(width/2), i%(width/2)
		order[i] = 8*(j/4) + 4*half + j%4
	}
	// the VPERMI2D indices: for each channel, its unpack position
	head := make([]byte, 128)
	for i, lane := range order {
		*(*int32)(unsafe.Pointer(&head[4*lane])) = int32(i)
	}
	bs := 4*width + 4*width*pairs
	c.w = make([]byte, len(head)+c.npad/width*bs)
	copy(c.w, head)
	for b := 0; b < c.npad/width; b++ {
		blk := c.w[len(head)+b*bs:]
		for i, lane := range order {
			o := width*b + lane
			if o >= ch {
				continue
			}
			*(*int32)(unsafe.Pointer(&blk[4*i])) = p.Bias[o]
			for t := 0; t < taps; t++ {
				at := 4*width*(1+t/2) + 4*i + 2*(t%2)
				*(*int16)(unsafe.Pointer(&blk[at])) = int16(w[o*taps+t])
			}
		}
	}
	c.packEpilogue(isa, p, out)
	return c
}

// newDepthwise sizes r's working memory (the padded input, the
// accumulator tile) and makes its zero-point row and, for the AVX-512
// kernels, the tap offsets.
func (r *Runner) newDepthwise() {
	c, cp := r.c, &r.p.ConvParams
	r.mb = max(1, min(cp.OutH, tileBytes/(4*c.npad*cp.OutW)))
	r.nacc = r.mb * cp.OutW * c.npad
	r.ph = (cp.OutH-1)*cp.StrideH + cp.KH
	r.pw = (cp.OutW-1)*cp.StrideW + cp.KW
	if c.dwRows != nil {
		// a window starting on an even row reads one row past it (its
		// pair's, weighted 0): ph+1 rows in pairs
		r.pairs = (r.ph + 2) / 2
		r.npadb = dwRowsBlocks(cp.InC) * r.pairs * r.pw * 64
		r.zrow = make([]byte, cp.InW*cp.InC*c.in.Size())
		fillZP(r.zrow, r.p.InZP, c.in.Size())
		r.zp = make([]byte, r.pw*64)
		fillZP(r.zp, r.p.InZP, 2)
		return
	}
	r.npadb = r.ph * r.pw * c.npad * 2
	r.zp = make([]byte, r.pw*c.npad*2)
	fillZP(r.zp, r.p.InZP, 2)
	taps := cp.KH * cp.KW
	r.taps = make([]int, taps+taps%2)
	for t := range r.taps {
		tt := min(t, taps-1)
		r.taps[t] = (tt/cp.KW*r.pw + tt%cp.KW) * c.npad * 2
	}
}

// copyDepthwise copies the band's input into the padded buffer, whose
// pixels have npad channels, widening int8 inputs. The channels past C
// keep whatever the Scratch held: their weights are 0, and the epilogue
// never reads their accumulators.
func (r *Runner) copyDepthwise(in unsafe.Pointer) {
	p, c := &r.p.ConvParams, r.c
	w, h, ok := r.inRect()
	r.padBorders(w, h, c.npad*2)
	if !ok {
		return
	}
	ch, ldd := p.InC, c.npad*2
	for iy := 0; iy < h; iy++ {
		src := unsafe.Add(in, iy*p.InW*ch*c.in.Size())
		dst := unsafe.Pointer(&r.pad[((iy+p.PadT)*r.pw+p.PadL)*ldd])
		if c.in == generic.Int8 {
			widenI8I16_AVX2(src, ch, dst, ldd, w, ch)
			continue
		}
		if 2*ch >= 8 {
			copyRows_AVX2(src, 2*ch, dst, ldd, w, 2*ch)
			continue
		}
		for x := 0; x < w; x++ {
			copy(unsafe.Slice((*byte)(unsafe.Add(dst, x*ldd)), 2*ch), unsafe.Slice((*byte)(unsafe.Add(src, 2*x*ch)), 2*ch))
		}
	}
}

// copyDwRows copies the band's input into the row-pair layout: each pair
// of padded rows holding an input row is written whole, a padding row of
// the pair taken from the zero-point row, the columns beside the input
// filled with the zero point; a pair of padding rows alone is all zero
// point.
func (r *Runner) copyDwRows(in unsafe.Pointer) {
	p, c := &r.p.ConvParams, r.c
	w, h, ok := r.inRect()
	ch, esz := p.InC, c.in.Size()
	plane, rps := r.pairs*r.pw*64, r.pw*64
	for m := 0; m < r.pairs; m++ {
		var rows [2]unsafe.Pointer
		for t := range rows {
			rows[t] = unsafe.Pointer(&r.zrow[0])
			if iy := 2*m + t - p.PadT; ok && iy >= 0 && iy < h {
				rows[t] = unsafe.Add(in, iy*p.InW*ch*esz)
			}
		}
		for b := 0; b < dwRowsBlocks(ch); b++ {
			pair := r.pad[b*plane+m*rps : b*plane+(m+1)*rps]
			if rows[0] == rows[1] { // both padding
				r.zero(pair)
				continue
			}
			r.zero(pair[:p.PadL*64])
			r.zero(pair[(p.PadL+w)*64:])
			cs, dst := dwRowsStart(ch, b), unsafe.Pointer(&pair[p.PadL*64])
			switch {
			case ch < 16:
				dwPackRowsGo(rows, c.in, ch, w, dst)
			case c.in == generic.Int8:
				dwPackRowsI8_AVX2(unsafe.Add(rows[0], cs), unsafe.Add(rows[1], cs), ch, w, dst)
			default:
				dwPackRowsI16_AVX2(unsafe.Add(rows[0], 2*cs), unsafe.Add(rows[1], 2*cs), 2*ch, w, dst)
			}
		}
	}
}

// dwPackRowsGo is dwPackRows*_AVX2 for fewer than 16 channels, which
// the kernels' 16-channel loads would overrun; the other channels keep
// the zero point.
func dwPackRowsGo(rows [2]unsafe.Pointer, in generic.DType, ch, n int, dst unsafe.Pointer) {
	for x := 0; x < n; x++ {
		for t, row := range rows {
			for j := 0; j < ch; j++ {
				var v int16
				if in == generic.Int8 {
					v = int16(*(*int8)(unsafe.Add(row, x*ch+j)))
				} else {
					v = *(*int16)(unsafe.Add(row, 2*(x*ch+j)))
				}
				*(*int16)(unsafe.Add(dst, x*64+j/8*32+j%8*4+2*t)) = v
			}
		}
	}
}

// runDwRows runs the AVX2 kernels: each output row reads the row pairs
// from the one holding its window's first row, with the weights of that
// row's parity.
func (r *Runner) runDwRows(in, out unsafe.Pointer) {
	r.copyDwRows(in)
	c, cp := r.c, &r.p.ConvParams
	ch, osz, accs := cp.InC, c.out.Size(), 4*c.npad
	nb, wb := dwRowsBlocks(ch), dwRowsWeightBytes(cp.KH)
	full := nb
	if ch > 16 && ch%16 != 0 {
		full-- // the overlapping last block runs on its own
	}
	rps := r.pw * 64
	plane := r.pairs * rps
	for oy0 := 0; oy0 < cp.OutH; oy0 += r.mb {
		rows := min(r.mb, cp.OutH-oy0)
		for i := 0; i < rows; i++ {
			py := (oy0 + i) * cp.StrideH
			src := unsafe.Pointer(&r.pad[py/2*rps])
			w := unsafe.Pointer(&c.w[py%2*nb*wb])
			acc := unsafe.Pointer(&r.acc[i*cp.OutW*c.npad])
			c.dwRows(src, rps, cp.OutW, w, full, plane, acc, accs)
			if full < nb {
				c.dwRows(unsafe.Add(src, full*plane), rps, cp.OutW, unsafe.Add(w, full*wb), 1, plane, unsafe.Add(acc, 4*(ch-16)), accs)
			}
		}
		r.finish(accs, rows*cp.OutW, unsafe.Add(out, oy0*cp.OutW*cp.OutC*osz))
	}
}

func (r *Runner) runDepthwise(in, out unsafe.Pointer) {
	if r.c.dwRows != nil {
		r.runDwRows(in, out)
		return
	}
	r.copyDepthwise(in)
	c, cp := r.c, &r.p.ConvParams
	osz := c.out.Size()
	prow := r.pw * c.npad * 2
	accs := 4 * c.npad
	for oy0 := 0; oy0 < cp.OutH; oy0 += r.mb {
		rows := min(r.mb, cp.OutH-oy0)
		for i := 0; i < rows; i++ {
			src := unsafe.Pointer(&r.pad[(oy0+i)*cp.StrideH*prow])
			c.dw(src, ptr(r.taps), cp.OutW, cp.StrideW*c.npad*2, ptr(c.w), c.npad/c.dwBlock, unsafe.Pointer(&r.acc[i*cp.OutW*c.npad]), accs)
		}
		r.finish(accs, rows*cp.OutW, unsafe.Add(out, oy0*cp.OutW*cp.OutC*osz))
	}
}
