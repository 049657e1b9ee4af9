package generic

// The quantized depthwise conv (Groups == InC == OutC): each output channel
// sees only its own input channel, so there is no reduction over channels
// to vectorise; instead eight adjacent channels of one output pixel are
// accumulated together, walking the taps. The weights are transposed once
// per call to tap-major [KH·KW][C] so that a tap's weights for eight
// channels are as contiguous as the input's.
//
// Output pixels whose window lies fully inside the input (the interior:
// all of them but a one- or two-pixel frame for 3×3 and 5×5) use tap
// offsets precomputed once; the frame lists its in-bounds taps per pixel
// and adds InZP·w for the padded ones.

// qDwBlock is the number of channels accumulated together.
const qDwBlock = 8

func qDepthwise[In Q, Out qOut](e *qEpi, s *qScratch, in []In, w []int8, out []Out) {
	c := &e.p.ConvParams
	ch, taps := c.InC, c.KH*c.KW
	wt := s.wtBuf(taps * ch)
	for o := 0; o < ch; o++ {
		src := w[o*taps : o*taps+taps]
		for t, v := range src {
			wt[t*ch+o] = v
		}
	}
	// idx holds four tap lists: the interior's input offsets and weight
	// offsets, then a frame pixel's valid taps (input and weight offsets
	// interleaved in two halves) and its padded taps' weight offsets.
	idx := s.idxBuf(4 * taps)
	inOff, wOff := idx[:taps], idx[taps:2*taps]
	for ky := 0; ky < c.KH; ky++ {
		for kx := 0; kx < c.KW; kx++ {
			t := ky*c.KW + kx
			inOff[t] = (ky*c.InW + kx) * ch
			wOff[t] = t * ch
		}
	}
	bIn, bW := idx[2*taps:3*taps], idx[3*taps:4*taps]

	yLo, yHi := qInterior(c.PadT, c.StrideH, c.KH, c.InH, c.OutH)
	xLo, xHi := qInterior(c.PadL, c.StrideW, c.KW, c.InW, c.OutW)
	zp := e.p.InZP
	for oy := 0; oy < c.OutH; oy++ {
		iy0 := oy*c.StrideH - c.PadT
		rowOut := out[oy*c.OutW*ch : (oy+1)*c.OutW*ch]
		for ox := 0; ox < c.OutW; ox++ {
			ix0 := ox*c.StrideW - c.PadL
			o := rowOut[ox*ch : ox*ch+ch]
			if oy >= yLo && oy < yHi && ox >= xLo && ox < xHi {
				qDwPixel(e, in, (iy0*c.InW+ix0)*ch, inOff, wOff, wt, ch, o)
				continue
			}
			// Frame pixel: split the taps into in-bounds and padded.
			nv, np := 0, 0
			for ky := 0; ky < c.KH; ky++ {
				iy := iy0 + ky
				for kx := 0; kx < c.KW; kx++ {
					ix := ix0 + kx
					t := ky*c.KW + kx
					if iy < 0 || iy >= c.InH || ix < 0 || ix >= c.InW {
						bW[taps-1-np] = t * ch
						np++
						continue
					}
					bIn[nv] = (iy*c.InW + ix) * ch
					bW[nv] = t * ch
					nv++
				}
			}
			qDwPixelPad(e, in, bIn[:nv], bW[:nv], bW[taps-np:], zp, wt, ch, o)
		}
	}
}

// qInterior returns the output index range [lo, hi) whose windows lie
// fully inside an input of size n, along one axis.
func qInterior(pad, stride, k, n, outN int) (lo, hi int) {
	lo = (pad + stride - 1) / stride
	if n-k+pad < 0 {
		return 0, 0
	}
	hi = min((n-k+pad)/stride+1, outN)
	if lo >= hi {
		return 0, 0
	}
	return lo, hi
}

// qDwPixel computes one interior output pixel: every tap t reads
// in[base+inOff[t]+c] and weight wt[wOff[t]+c].
func qDwPixel[In Q, Out qOut](e *qEpi, in []In, base int, inOff, wOff []int, wt []int8, ch int, out []Out) {
	wOff = wOff[:len(inOff)]
	c0 := 0
	for ; c0+qDwBlock <= ch; c0 += qDwBlock {
		var a0, a1, a2, a3, a4, a5, a6, a7 int32
		for t, off := range inOff {
			x := in[base+off+c0:][:qDwBlock]
			w := wt[wOff[t]+c0:][:qDwBlock]
			a0 += int32(x[0]) * int32(w[0])
			a1 += int32(x[1]) * int32(w[1])
			a2 += int32(x[2]) * int32(w[2])
			a3 += int32(x[3]) * int32(w[3])
			a4 += int32(x[4]) * int32(w[4])
			a5 += int32(x[5]) * int32(w[5])
			a6 += int32(x[6]) * int32(w[6])
			a7 += int32(x[7]) * int32(w[7])
		}
		acc := [qDwBlock]int32{a0, a1, a2, a3, a4, a5, a6, a7}
		qStore(e, acc[:], c0, out[c0:])
	}
	for ; c0 < ch; c0++ {
		var a int32
		for t, off := range inOff {
			a += int32(in[base+off+c0]) * int32(wt[wOff[t]+c0])
		}
		acc := [1]int32{a}
		qStore(e, acc[:], c0, out[c0:])
	}
}

// qDwPixelPad computes one frame pixel: in-bounds taps at absolute input
// offsets inOff with weight offsets wOff, padded taps (weight offsets pad)
// reading zp.
func qDwPixelPad[In Q, Out qOut](e *qEpi, in []In, inOff, wOff, pad []int, zp int32, wt []int8, ch int, out []Out) {
	wOff = wOff[:len(inOff)]
	var acc [qDwBlock]int32
	for c0 := 0; c0 < ch; c0 += qDwBlock {
		n := min(qDwBlock, ch-c0)
		a := acc[:n]
		clear(a)
		for t, off := range inOff {
			x := in[off+c0:][:n]
			w := wt[wOff[t]+c0:][:n]
			for i := range a {
				a[i] += int32(x[i]) * int32(w[i])
			}
		}
		for _, wo := range pad {
			w := wt[wo+c0:][:n]
			for i := range a {
				a[i] += zp * int32(w[i])
			}
		}
		qStore(e, a, c0, out[c0:])
	}
}
