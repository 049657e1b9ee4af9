package generic

// Convs with int16 weights: the few layers (ShuffleNet's stem above all)
// where calibration measures that int8 weights cost accuracy. They read an
// int8 input, so K·128·32767 fits the int32 accumulator for K < 512, and
// share QConv's bias, requantization and epilogues.

// ConvQW16 is ConvQ for int16 weights and an int8 input.
func ConvQW16[Out Q](p *QConv, in []int8, w []int16, out []Out) {
	s := qGetScratch()
	defer qPutScratch(s)
	e := newQEpi[Out](p, s)
	convW16(p, in, w, s, func(base int, acc []int32) {
		qFinish(&e, acc, 0, 1, len(acc), 0, out[base:base+len(acc)], 0)
	})
}

// ConvQW16Float is ConvQFloat for int16 weights and an int8 input.
func ConvQW16Float(p *QConv, in []int8, w []int16, out []float32) {
	s := qGetScratch()
	defer qPutScratch(s)
	e := newQEpi[float32](p, s)
	convW16(p, in, w, s, func(base int, acc []int32) {
		qFinish(&e, acc, 0, 1, len(acc), 0, out[base:base+len(acc)], 0)
	})
}

// convW16 computes each output pixel's accumulators, Σ in·w (wrapping
// int32, as the int8 kernels; the epilogue adds the bias), and hands them
// to emit with the pixel's first output index.
func convW16(p *QConv, in []int8, w []int16, s *qScratch, emit func(base int, acc []int32)) {
	c := &p.ConvParams
	icg, ocg := c.InC/c.Groups, c.OutC/c.Groups
	k := c.KH * c.KW * icg
	buf := s.int32Buf(c.Groups*k + c.OutC)
	patch, acc := buf[:c.Groups*k], buf[c.Groups*k:]
	for oy := 0; oy < c.OutH; oy++ {
		for ox := 0; ox < c.OutW; ox++ {
			// Gather the receptive field, group by group; padding reads
			// the zero point.
			for g := 0; g < c.Groups; g++ {
				pg := patch[g*k : (g+1)*k]
				j := 0
				for ky := 0; ky < c.KH; ky++ {
					iy := oy*c.StrideH - c.PadT + ky
					for kx := 0; kx < c.KW; kx++ {
						ix := ox*c.StrideW - c.PadL + kx
						dst := pg[j : j+icg]
						if iy < 0 || iy >= c.InH || ix < 0 || ix >= c.InW {
							for i := range dst {
								dst[i] = p.InZP
							}
						} else {
							src := in[(iy*c.InW+ix)*c.InC+g*icg:][:icg]
							for i, v := range src {
								dst[i] = int32(v)
							}
						}
						j += icg
					}
				}
			}
			o := 0
			if ocg%4 == 0 {
				// Four channels per pass over the patch.
				for ; o+4 <= len(acc); o += 4 {
					pg := patch[(o/ocg)*k:][:k]
					w0, w1, w2, w3 := w[o*k:][:k], w[(o+1)*k:][:k], w[(o+2)*k:][:k], w[(o+3)*k:][:k]
					var a0, a1, a2, a3 int32
					for i, v := range pg {
						a0 += v * int32(w0[i])
						a1 += v * int32(w1[i])
						a2 += v * int32(w2[i])
						a3 += v * int32(w3[i])
					}
					acc[o], acc[o+1], acc[o+2], acc[o+3] = a0, a1, a2, a3
				}
			}
			for ; o < len(acc); o++ {
				pg := patch[(o/ocg)*k:][:k]
				wr := w[o*k:][:k]
				var a int32
				for i, v := range pg {
					a += v * int32(wr[i])
				}
				acc[o] = a
			}
			emit((oy*c.OutW+ox)*c.OutC, acc)
		}
	}
}
