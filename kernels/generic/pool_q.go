package generic

// GlobalAvgPoolQ averages each channel of the hw×c tensor in into out (c
// values) with QRescale's pooled form:
// out = clamp(OutZP + Requantize(Σx - hw·InZP, Mult, Shift), OutMin, OutMax),
// where Mult/Shift carry the 1/hw. The sum is exact, then saturated to
// int32 (it cannot reach 2^31 below 65536 int16 pixels).
func GlobalAvgPoolQ[In, Out Q](p *QRescale, in []In, hw, c int, out []Out) {
	lo, hi := qBounds[Out](p.OutMin, p.OutMax)
	in = in[:hw*c]
	out = out[:c]
	corr := int64(hw) * int64(p.InZP)
	fin := func(s int64) Out {
		return Out(qClampZP(p.OutZP, Requantize(qSat32(s-corr), p.Mult, p.Shift), lo, hi))
	}
	const blk = 8
	c0 := 0
	for ; c0+blk <= c; c0 += blk {
		var s0, s1, s2, s3, s4, s5, s6, s7 int64
		for px := c0; px < len(in); px += c {
			x := in[px:][:blk]
			s0 += int64(x[0])
			s1 += int64(x[1])
			s2 += int64(x[2])
			s3 += int64(x[3])
			s4 += int64(x[4])
			s5 += int64(x[5])
			s6 += int64(x[6])
			s7 += int64(x[7])
		}
		o := out[c0:][:blk]
		o[0], o[1], o[2], o[3] = fin(s0), fin(s1), fin(s2), fin(s3)
		o[4], o[5], o[6], o[7] = fin(s4), fin(s5), fin(s6), fin(s7)
	}
	for ; c0 < c; c0++ {
		var s int64
		for px := c0; px < len(in); px += c {
			s += int64(in[px])
		}
		out[c0] = fin(s)
	}
}

// MaxPoolQ is a max pool over an NHWC tensor whose input and output share
// one quantization, so it only compares stored values. Padding never wins:
// a window's out-of-bounds taps are skipped, which is the same as -inf
// padding. A window with no in-bounds tap (impossible unless the padding
// is at least the kernel size) yields T's minimum.
func MaxPoolQ[T Q](p *PoolParams, in, out []T) {
	c := p.C
	tmin, _ := qRange[T]()
	for oy := 0; oy < p.OutH; oy++ {
		y0 := oy*p.StrideH - p.PadT
		ya, yb := max(y0, 0), min(y0+p.KH, p.InH)
		for ox := 0; ox < p.OutW; ox++ {
			x0 := ox*p.StrideW - p.PadL
			xa, xb := max(x0, 0), min(x0+p.KW, p.InW)
			dst := out[(oy*p.OutW+ox)*c:][:c]
			if ya >= yb || xa >= xb {
				for i := range dst {
					dst[i] = T(tmin)
				}
				continue
			}
			copy(dst, in[(ya*p.InW+xa)*c:][:c])
			for iy := ya; iy < yb; iy++ {
				for ix := xa; ix < xb; ix++ {
					src := in[(iy*p.InW+ix)*c:][:c]
					for i, v := range src {
						dst[i] = max(dst[i], v)
					}
				}
			}
		}
	}
}
