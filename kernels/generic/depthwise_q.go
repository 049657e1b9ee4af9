package generic

// The quantized depthwise conv (Groups == InC == OutC). Each output channel
// sees only its own input channel, so there is no reduction over channels
// for SWAR to pack; instead the lanes of one int64 hold adjacent output
// pixels of one channel. Input column r of a window row (relative to the
// first pixel of a group of L pixels at stride s) meets tap r of pixel 0,
// tap r-s of pixel 1, tap r-2s of pixel 2, so its packed weight is
// w[r] + w[r-s]·2^b + w[r-2s]·2^2b (absent taps are 0), and one multiply
// by the input value feeds all L pixels. A group's window spans
// KW+(L-1)·s columns, so a 5×5 stride-1 conv does 35 multiplies for the
// 75 products of three pixels.
//
// To keep the inner loop free of padding tests, the input is first copied
// into a buffer with the padding materialised as InZP (and enough extra
// columns on the right for a last, partial group): every output pixel is
// then an interior one. The copy is channel-blocked (four channels per
// entry, so that a window row is contiguous) and widened to int64 (Go's
// amd64 backend needs two or three instructions per indexed int8 load,
// one per int64 load). The channel blocks run outermost, so each block's
// plane and weights stay in cache while its output is computed; the
// epilogue then runs over whole output rows.

// qDwLayout picks the lanes for a depthwise conv of taps taps: the lane
// sum of taps products must stay below 2^(bits-1).
func qDwLayout[In Q](taps int) qLayout {
	if qSize[In]() == 1 && int64(taps)<<14 < 1<<20 {
		return qLayout{lanes: 3, bits: 21}
	}
	if int64(taps)<<22 < 1<<31 {
		return qLayout{lanes: 2, bits: 32}
	}
	return qLayout{lanes: 1, bits: 0} // huge kernels: int64 sums, wrapped to int32
}

// qBlk is four adjacent channels, the unit the depthwise kernel works on:
// padded input values (widened, so that the inner loop is plain 64-bit
// loads and multiplies) or packed weights.
type qBlk = [4]int64

func qDepthwise[In Q, Out qOut](e *qEpi, s *qScratch, in []In, w []int8, out []Out) {
	c := &e.p.ConvParams
	ch, taps := c.InC, c.KH*c.KW
	l := qDwLayout[In](taps)
	lanes := l.lanes
	groups := (c.OutW + lanes - 1) / lanes
	nb := (ch + 3) / 4 // channel blocks; the last one may be partly empty

	// The padded input, one plane per channel block: entry py*pw+px of
	// plane cb is input pixel (py-PadT, px-PadL), channels 4cb..4cb+3.
	ph := (c.OutH-1)*c.StrideH + c.KH
	pw := (groups*lanes-1)*c.StrideW + c.KW
	plane := ph * pw
	pad := s.blkBuf(&s.blkA, nb*plane)
	qDwPad(e.p, in, pad, ph, pw, nb)

	// Packed weights: entry (cb*KH+ky)*cols+r holds window column r of
	// row ky for the block's four channels.
	cols := c.KW + (lanes-1)*c.StrideW
	pwts := s.blkBuf(&s.blkB, nb*c.KH*cols)
	if ch%4 != 0 {
		clear(pwts[(nb-1)*c.KH*cols:]) // the missing channels' weights
	}
	// ext is a weight row with zeros around it, so that a packed word is
	// a branch-free sum over lanes: lane ln of column r is ext[r-ln*s].
	lead := (lanes - 1) * c.StrideW
	var extBuf [64]int64
	ext := extBuf[:0]
	if lead+cols > len(extBuf) { // kernels over ~20 wide only
		ext = make([]int64, 0, lead+cols)
	}
	for o := 0; o < ch; o++ {
		cb, j := o/4, o%4
		for ky := 0; ky < c.KH; ky++ {
			ext = ext[:lead+cols]
			clear(ext[:lead])
			for kx, v := range w[o*taps+ky*c.KW : o*taps+ky*c.KW+c.KW] {
				ext[lead+kx] = int64(v)
			}
			clear(ext[lead+c.KW:])
			dst := pwts[(cb*c.KH+ky)*cols : (cb*c.KH+ky+1)*cols]
			e0 := ext[lead : lead+cols]
			e1 := ext[lead-min(lead, c.StrideW) : lead-min(lead, c.StrideW)+cols]
			switch lanes {
			case 3:
				e2 := ext[:cols]
				for r := range dst {
					dst[r][j] = e0[r] + e1[r]<<21 + e2[r]<<42
				}
			case 2:
				for r := range dst {
					dst[r][j] = e0[r] + e1[r]<<32
				}
			default:
				for r := range dst {
					dst[r][j] = e0[r]
				}
			}
		}
	}

	// off[t] is window tap t's offset in the padded plane from the group's
	// top left corner; a window spans span entries.
	off := s.idxBuf(c.KH * cols)
	for ky := 0; ky < c.KH; ky++ {
		for r := 0; r < cols; r++ {
			off[ky*cols+r] = ky*pw + r
		}
	}
	span := (c.KH-1)*pw + cols

	npix := c.OutH * c.OutW
	acc := s.int32Buf(npix * ch)
	for cb := 0; cb < nb; cb++ {
		xp := pad[cb*plane : (cb+1)*plane]
		wp := pwts[cb*c.KH*cols : (cb+1)*c.KH*cols]
		nj := min(4, ch-4*cb)
		for oy := 0; oy < c.OutH; oy++ {
			for g := 0; g < groups; g++ {
				ox := g * lanes
				base := oy*c.StrideH*pw + ox*c.StrideW
				var sum qBlk
				sum[0], sum[1], sum[2], sum[3] = qDwWindow(xp[base:base+span], off, wp)
				np := min(lanes, c.OutW-ox)
				qDwStore(l, &sum, acc[(oy*c.OutW+ox)*ch+4*cb:], ch, np, nj)
			}
		}
	}
	qFinish(e, acc, ch, npix, ch, 0, out, ch)
}

// qDwPad fills the padded, channel-blocked, widened copy of the input:
// InZP outside the input, and for the missing channels of a last partial
// block.
func qDwPad[In Q](p *QConv, in []In, pad []qBlk, ph, pw, nb int) {
	c := &p.ConvParams
	ch := c.InC
	zp := int64(p.InZP)
	fill := qBlk{zp, zp, zp, zp}
	// Padded columns [xa, xb) are input columns xa-PadL ... xb-1-PadL.
	xa := min(c.PadL, pw)
	xb := max(min(c.PadL+c.InW, pw), xa)
	for cb := 0; cb < nb; cb++ {
		full := 4*cb+4 <= ch
		for py := 0; py < ph; py++ {
			dst := pad[(cb*ph+py)*pw : (cb*ph+py+1)*pw]
			iy := py - c.PadT
			if iy < 0 || iy >= c.InH {
				for i := range dst {
					dst[i] = fill
				}
				continue
			}
			for i := range dst[:xa] {
				dst[i] = fill
			}
			for i := range dst[xb:] {
				dst[xb+i] = fill
			}
			if xb == xa {
				continue
			}
			src := in[(iy*c.InW+xa-c.PadL)*ch+4*cb:]
			if !full {
				for i := xa; i < xb; i++ {
					b := fill
					for j, v := range src[(i-xa)*ch : (i-xa)*ch+ch-4*cb] {
						b[j] = int64(v)
					}
					dst[i] = b
				}
				continue
			}
			qDwPadRow(dst[xa:xb], src, ch)
		}
	}
}

// qDwPadRow widens four channels of consecutive input pixels (stride ch
// in src) into dst.
//
//go:noinline
func qDwPadRow[In Q](dst []qBlk, src []In, ch int) {
	for i := range dst {
		v := src[i*ch : i*ch+4]
		dst[i] = qBlk{int64(v[0]), int64(v[1]), int64(v[2]), int64(v[3])}
	}
}

// qDwWindow is the depthwise micro-kernel: the SWAR sums of one pixel
// group's window for four channels, tap t reading x[off[t]] with packed
// weights w[t]. Out of line, like qDot4, so that its loop keeps everything
// in registers.
//
//go:noinline
func qDwWindow(x []qBlk, off []int, w []qBlk) (s0, s1, s2, s3 int64) {
	w = w[:len(off)]
	for t, o := range off {
		a, b := &x[o], &w[t]
		s0 += a[0] * b[0]
		s1 += a[1] * b[1]
		s2 += a[2] * b[2]
		s3 += a[3] * b[3]
	}
	return
}

// qDwStore splits the SWAR sums of four channels into their lanes: lane ln
// of channel j is pixel ln of the group, stored at acc[ln*ch+j], for the
// first np pixels and nj channels.
func qDwStore(l qLayout, s *qBlk, acc []int32, ch, np, nj int) {
	if l.lanes == 3 && np == 3 && nj == 4 { // the common case, unrolled
		p0, p1, p2 := acc[:4], acc[ch:ch+4], acc[2*ch:2*ch+4]
		for j, v := range s {
			a := v << 43 >> 43
			v = (v - a) >> 21
			b := v << 43 >> 43
			p0[j], p1[j], p2[j] = int32(a), int32(b), int32((v-b)>>21)
		}
		return
	}
	for j := 0; j < nj; j++ {
		v := s[j]
		var lane [3]int32
		switch l.lanes {
		case 3:
			a := v << 43 >> 43
			v = (v - a) >> 21
			b := v << 43 >> 43
			lane = [3]int32{int32(a), int32(b), int32((v - b) >> 21)}
		case 2:
			a := int64(int32(v))
			lane = [3]int32{int32(a), int32((v - a) >> 32)}
		default:
			lane[0] = int32(v)
		}
		for ln := 0; ln < np; ln++ {
			acc[ln*ch+j] = lane[ln]
		}
	}
}
