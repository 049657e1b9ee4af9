package generic

import "math"

// GlobalAvgPoolF32 sets out[ch] to the mean of channel ch over the hw pixels
// of an hw×c tensor. The sums are float64 (then divided and rounded once to
// float32), so the result does not depend on hw or on summation order.
func GlobalAvgPoolF32(in []float32, hw, c int, out []float32) {
	// A fixed stack block of float64 sums keeps this allocation-free.
	const block = 64
	var sum [block]float64
	for c0 := 0; c0 < c; c0 += block {
		n := min(block, c-c0)
		s := sum[:n]
		clear(s)
		for i := 0; i < hw; i++ {
			src := in[i*c+c0 : i*c+c0+n]
			src = src[:len(s)]
			for j, v := range src {
				s[j] += float64(v)
			}
		}
		dst := out[c0 : c0+n]
		for j := range dst {
			dst[j] = float32(s[j] / float64(hw))
		}
	}
}

// MaxPoolF32 takes the maximum over each KH×KW window of an NHWC tensor.
// Padding counts as -inf, i.e. it is ignored; a window lying entirely in the
// padding yields -inf. A NaN in a window propagates, as in PyTorch.
func MaxPoolF32(p *PoolParams, in, out []float32) {
	c := p.C
	for oy := 0; oy < p.OutH; oy++ {
		for ox := 0; ox < p.OutW; ox++ {
			dst := out[(oy*p.OutW+ox)*c : (oy*p.OutW+ox+1)*c]
			for j := range dst {
				dst[j] = float32(math.Inf(-1))
			}
			for ky := 0; ky < p.KH; ky++ {
				iy := oy*p.StrideH - p.PadT + ky
				if iy < 0 || iy >= p.InH {
					continue
				}
				for kx := 0; kx < p.KW; kx++ {
					ix := ox*p.StrideW - p.PadL + kx
					if ix < 0 || ix >= p.InW {
						continue
					}
					src := in[(iy*p.InW+ix)*c : (iy*p.InW+ix+1)*c]
					src = src[:len(dst)]
					for j, v := range src {
						if v > dst[j] || v != v {
							dst[j] = v
						}
					}
				}
			}
		}
	}
}
