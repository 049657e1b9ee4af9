//go:build !purego

package amd64

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// Depthwise convs run dwI16_3x3_AVX2 or dwI16_5x5_AVX2 over a padded
// int16 copy of the input (int8 inputs are widened as they are copied),
// 16 channels per block, then the conv epilogue over each tile of output
// rows.

// packDepthwise packs the depthwise conv p: per 16-channel block the
// biases, then per pair of taps two vectors of int16 weight pairs, both
// in the lane order of the kernel's unpacks (channels 0-3 and 8-11, then
// 4-7 and 12-15); channels past C and the odd tap's partner are 0.
func packDepthwise(isa ISA, p *generic.QConv, w []int8, in, out generic.DType) *Conv {
	cp := &p.ConvParams
	ch, taps := cp.InC, cp.KH*cp.KW
	pairs := (taps + 1) / 2
	c := &Conv{p: *p, kind: kDepthwise, in: in, out: out, aesz: 2, npad: round(ch, 16)}
	c.dw = dwI16_3x3_AVX2
	if cp.KH == 5 {
		c.dw = dwI16_5x5_AVX2
	}
	order := [16]int{0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15}
	bs := 64 + 64*pairs
	c.w = make([]byte, c.npad/16*bs)
	for b := 0; b < c.npad/16; b++ {
		blk := c.w[b*bs:]
		for l, lane := range order {
			o := 16*b + lane
			if o >= ch {
				continue
			}
			*(*int32)(unsafe.Pointer(&blk[4*l])) = p.Bias[o]
			for t := 0; t < taps; t++ {
				pr, j := t/2, t%2
				at := 64 + 64*pr + 32*(l/8) + 4*(l%8) + 2*j
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
	for i := 0; i < len(r.pad); i += 2 {
		r.pad[i], r.pad[i+1] = byte(r.p.InZP), byte(r.p.InZP>>8)
	}
	taps := cp.KH * cp.KW
	r.taps = make([]int, taps+taps%2)
	for t := range r.taps {
		tt := min(t, taps-1)
		r.taps[t] = (tt/cp.KW*r.pw + tt%cp.KW) * c.npad * 2
	}
}

// copyDepthwise copies the band's input into the padded buffer, pixel by
// pixel (16-channel blocks), widening int8 inputs.
func (r *Runner) copyDepthwise(in unsafe.Pointer) {
	p, c := &r.p.ConvParams, r.c
	w := min(p.InW, r.pw-p.PadL)
	h := min(p.InH, r.ph-p.PadT)
	if w <= 0 || h <= 0 {
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
		if ch == c.npad {
			copy(unsafe.Slice((*byte)(dst), w*ldd), unsafe.Slice((*byte)(src), w*ldd))
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
			c.dw(src, ptr(r.taps), cp.OutW, cp.StrideW*c.npad*2, ptr(c.w), c.npad/16, unsafe.Pointer(&r.acc[i*cp.OutW*c.npad]), accs)
		}
		c.epi(ptr(r.acc), accs, rows*cp.OutW, cp.OutC, ptr(c.prm), unsafe.Add(out, oy0*cp.OutW*cp.OutC*osz), cp.OutC*osz, unsafe.Pointer(c.sc))
	}
}
