//go:build !purego

package amd64

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// Depthwise convs run dwI16_3x3_AVX2 or dwI16_5x5_AVX2 (16 channels per
// block) or on the vnni path their AVX-512 forms (32) over a padded int16
// copy of the input (int8 inputs are widened as they are copied), then the
// conv epilogue over each tile of output rows.

// packDepthwise packs the depthwise conv p: per block of 16 channels
// (AVX2) or 32 (vnni: AVX-512) the biases, then per pair of taps two
// vectors of int16 weight pairs, both in the lane order of the kernel's
// unpacks (per 128-bit lane L, channels 8L..8L+3 in the first vector,
// 8L+4..8L+7 in the second); channels past C and the odd tap's partner
// are 0. The AVX-512 kernel's weights start with the VPERMI2D indices
// that restore channel order.
func packDepthwise(isa ISA, p *generic.QConv, w []int8, in, out generic.DType) *Conv {
	cp := &p.ConvParams
	ch, taps := cp.InC, cp.KH*cp.KW
	pairs := (taps + 1) / 2
	width := 16
	if isa == VNNI && (round(ch, 32) == round(ch, 16) || ch >= 64) {
		// 32 channels per block where that pads no more than 16 would
		// (or little, against twice the work per instruction): padding
		// 16 channels to 32 doubles the work and the padded copy
		width = 32
	}
	c := &Conv{p: *p, kind: kDepthwise, in: in, out: out, aesz: 2, npad: round(ch, width), dwBlock: width}
	c.dw = map[[2]int]dwFunc{{3, 16}: dwI16_3x3_AVX2, {5, 16}: dwI16_5x5_AVX2, {3, 32}: dwI16_3x3_AVX512, {5, 32}: dwI16_5x5_AVX512}[[2]int{cp.KH, width}]
	// order[i] is the channel of unpack position i within a block
	order := make([]int, width)
	for i := range order {
		half, j := i/(width/2), i%(width/2)
		order[i] = 8*(j/4) + 4*half + j%4
	}
	var head []byte
	if width == 32 {
		// the VPERMI2D indices: for each channel, its unpack position
		head = make([]byte, 128)
		for i, lane := range order {
			*(*int32)(unsafe.Pointer(&head[4*lane])) = int32(i)
		}
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
	c.prm, c.sc, c.epi = packEpilogue(isa, p, out, c.npad)
	return c
}

// newDepthwise prepares r's padded input (zero point outside the input)
// and tap offsets.
func (r *Runner) newDepthwise() {
	c, cp := r.c, &r.p.ConvParams
	r.mb = max(1, min(cp.OutH, tileBytes/(4*c.npad*cp.OutW)))
	r.acc = make([]int32, r.mb*cp.OutW*c.npad)
	r.ph = (cp.OutH-1)*cp.StrideH + cp.KH
	r.pw = (cp.OutW-1)*cp.StrideW + cp.KW
	r.pad = make([]byte, r.ph*r.pw*c.npad*2)
	fillZP(r.pad, r.p.InZP, 2)
	taps := cp.KH * cp.KW
	r.taps = make([]int, taps+taps%2)
	for t := range r.taps {
		tt := min(t, taps-1)
		r.taps[t] = (tt/cp.KW*r.pw + tt%cp.KW) * c.npad * 2
	}
}

// copyDepthwise copies the band's input into the padded buffer, whose
// pixels have npad channels, widening int8 inputs.
func (r *Runner) copyDepthwise(in unsafe.Pointer) {
	p, c := &r.p.ConvParams, r.c
	w, h, ok := r.inRect()
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

func (r *Runner) runDepthwise(in, out unsafe.Pointer) {
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
		c.epi(ptr(r.acc), accs, rows*cp.OutW, cp.OutC, ptr(c.prm), unsafe.Add(out, oy0*cp.OutW*cp.OutC*osz), cp.OutC*osz, unsafe.Pointer(c.sc))
	}
}
