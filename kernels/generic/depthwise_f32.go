package generic

// Depthwise float32 convolution (Groups == InC == OutC): every channel is
// filtered by its own KH×KW kernel.
//
// The weights are first transposed from [C][KH][KW] to [KH][KW][C] so that,
// like the NHWC activations, they are contiguous along channels; then each
// output row accumulates one kernel row at a time over all channels, which
// keeps the inner loops long, unit-stride and free of bounds checks. Output
// columns whose window lies fully inside the input (the interior) take the
// unrolled 3- and 5-tap row loops; the few border columns take a checked
// loop. Accumulation is float32, bias first, then kernel rows top to bottom.

func depthwiseF32(p *ConvParams, in, w, bias, out []float32) {
	c := p.OutC
	taps := p.KH * p.KW
	buf := getScratchF32(taps * c)
	defer putScratchF32(buf)
	wt := *buf
	for ch := 0; ch < c; ch++ {
		src := w[ch*taps : ch*taps+taps]
		for t, v := range src {
			wt[t*c+ch] = v
		}
	}

	// Interior columns: ox*StrideW-PadL >= 0 and ox*StrideW-PadL+KW <= InW.
	oxLo := min((p.PadL+p.StrideW-1)/p.StrideW, p.OutW)
	oxHi := oxLo
	if span := p.InW - p.KW + p.PadL; span >= 0 {
		oxHi = min(max(span/p.StrideW+1, oxLo), p.OutW)
	}

	rowLen := p.OutW * c
	for oy := 0; oy < p.OutH; oy++ {
		orow := out[oy*rowLen : (oy+1)*rowLen]
		if bias != nil {
			b := bias[:c]
			for ox := 0; ox < p.OutW; ox++ {
				copy(orow[ox*c:ox*c+c], b)
			}
		} else {
			clear(orow)
		}
		for ky := 0; ky < p.KH; ky++ {
			iy := oy*p.StrideH - p.PadT + ky
			if iy < 0 || iy >= p.InH {
				continue
			}
			irow := in[iy*p.InW*c : (iy+1)*p.InW*c]
			wrow := wt[ky*p.KW*c : (ky+1)*p.KW*c]
			for ox := 0; ox < oxLo; ox++ {
				dwBorderF32(p, orow[ox*c:ox*c+c], irow, wrow, ox)
			}
			if oxHi > oxLo {
				o := orow[oxLo*c : oxHi*c]
				i := irow[(oxLo*p.StrideW-p.PadL)*c:]
				switch p.KW {
				case 3:
					dwRow3F32(o, i, wrow, c, p.StrideW)
				case 5:
					dwRow5F32(o, i, wrow, c, p.StrideW)
				default:
					dwRowF32(o, i, wrow, c, p.StrideW, p.KW)
				}
			}
			for ox := oxHi; ox < p.OutW; ox++ {
				dwBorderF32(p, orow[ox*c:ox*c+c], irow, wrow, ox)
			}
		}
		ActivateF32(p.Act, orow)
	}
}

// dwBorderF32 adds one kernel row's contribution to the output pixel at
// column ox, skipping taps that fall into the padding.
func dwBorderF32(p *ConvParams, o, irow, wrow []float32, ox int) {
	c := len(o)
	for kx := 0; kx < p.KW; kx++ {
		ix := ox*p.StrideW - p.PadL + kx
		if ix < 0 || ix >= p.InW {
			continue
		}
		madF32(o, irow[ix*c:ix*c+c], wrow[kx*c:kx*c+c])
	}
}

// madF32 sets o[i] += a[i]*b[i].
func madF32(o, a, b []float32) {
	a = a[:len(o)]
	b = b[:len(o)]
	for i := range o {
		o[i] += a[i] * b[i]
	}
}

// dwRow3F32 adds a 3-tap kernel row to consecutive output pixels o (c
// channels each) whose windows start at in[0], in[stride*c], ...
func dwRow3F32(o, in, w []float32, c, stride int) {
	w0 := w[:c]
	w1 := w[c : 2*c]
	w2 := w[2*c : 3*c]
	for x := 0; x < len(o)/c; x++ {
		op := o[x*c : x*c+c]
		base := x * stride * c
		i0 := in[base : base+c]
		i1 := in[base+c : base+2*c]
		i2 := in[base+2*c : base+3*c]
		i0 = i0[:len(op)]
		i1 = i1[:len(op)]
		i2 = i2[:len(op)]
		w0 = w0[:len(op)]
		w1 = w1[:len(op)]
		w2 = w2[:len(op)]
		for ch := range op {
			op[ch] += i0[ch]*w0[ch] + i1[ch]*w1[ch] + i2[ch]*w2[ch]
		}
	}
}

// dwRow5F32 is dwRow3F32 for 5-tap kernel rows.
func dwRow5F32(o, in, w []float32, c, stride int) {
	w0 := w[:c]
	w1 := w[c : 2*c]
	w2 := w[2*c : 3*c]
	w3 := w[3*c : 4*c]
	w4 := w[4*c : 5*c]
	for x := 0; x < len(o)/c; x++ {
		op := o[x*c : x*c+c]
		base := x * stride * c
		i0 := in[base : base+c]
		i1 := in[base+c : base+2*c]
		i2 := in[base+2*c : base+3*c]
		i3 := in[base+3*c : base+4*c]
		i4 := in[base+4*c : base+5*c]
		i0 = i0[:len(op)]
		i1 = i1[:len(op)]
		i2 = i2[:len(op)]
		i3 = i3[:len(op)]
		i4 = i4[:len(op)]
		w0 = w0[:len(op)]
		w1 = w1[:len(op)]
		w2 = w2[:len(op)]
		w3 = w3[:len(op)]
		w4 = w4[:len(op)]
		for ch := range op {
			op[ch] += i0[ch]*w0[ch] + i1[ch]*w1[ch] + i2[ch]*w2[ch] + i3[ch]*w3[ch] + i4[ch]*w4[ch]
		}
	}
}

// dwRowF32 is the any-width version of dwRow3F32, one tap at a time.
func dwRowF32(o, in, w []float32, c, stride, kw int) {
	for x := 0; x < len(o)/c; x++ {
		op := o[x*c : x*c+c]
		base := x * stride * c
		for kx := 0; kx < kw; kx++ {
			madF32(op, in[base+kx*c:base+kx*c+c], w[kx*c:kx*c+c])
		}
	}
}
