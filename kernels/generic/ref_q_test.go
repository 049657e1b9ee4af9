package generic_test

import (
	"math"
	"math/rand"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// Naive references for the quantized kernels: straight nested loops over
// the documented formulas (qparams.go), sharing nothing with the fast
// paths but Requantize itself, whose own arithmetic is pinned by
// hand-computed cases in requantize_q_test.go.

// tqClamp returns clamp(v, lo, hi) intersected with T's range, as T.
func tqClamp[T generic.Q](v int64, lo, hi int32) T {
	tlo, thi := kerneltest.TypeRange[T]()
	l, h := max(int64(lo), tlo), min(int64(hi), thi)
	return T(min(max(v, l), h))
}

func tqSat(v int64, lo, hi int64) int64 { return min(max(v, lo), hi) }

// tqConvTaps calls tap for every term of a conv's sums, in output order
// and, within an output, in kernel order (ky, kx, input channel): the
// output's index, the input's (-1 where the window reads padding) and the
// weight's (OHWI).
func tqConvTaps(c generic.ConvParams, tap func(out, in, w int)) {
	g := max(c.Groups, 1)
	ig, og := c.InC/g, c.OutC/g
	for oy := 0; oy < c.OutH; oy++ {
		for ox := 0; ox < c.OutW; ox++ {
			for o := 0; o < c.OutC; o++ {
				out := (oy*c.OutW+ox)*c.OutC + o
				for ky := 0; ky < c.KH; ky++ {
					for kx := 0; kx < c.KW; kx++ {
						iy := oy*c.StrideH - c.PadT + ky
						ix := ox*c.StrideW - c.PadL + kx
						inside := iy >= 0 && iy < c.InH && ix >= 0 && ix < c.InW
						for i := 0; i < ig; i++ {
							in := -1
							if inside {
								in = (iy*c.InW+ix)*c.InC + (o/og)*ig + i
							}
							tap(out, in, ((o*c.KH+ky)*c.KW+kx)*ig+i)
						}
					}
				}
			}
		}
	}
}

// tqRefConvAcc returns the int32 (wrapping) accumulators bias + Σ in·w of
// a conv, padding reading InZP, in output order.
func tqRefConvAcc[In generic.Q](p *generic.QConv, in []In, w []int8) []int32 {
	c := p.ConvParams
	acc := make([]int32, c.OutH*c.OutW*c.OutC)
	for i := range acc {
		acc[i] = p.Bias[i%c.OutC]
	}
	tqConvTaps(c, func(o, i, k int) {
		v := p.InZP
		if i >= 0 {
			v = int32(in[i])
		}
		acc[o] += v * int32(w[k])
	})
	return acc
}

// tqRefEpilogue applies p.Epi (not EpiFloat) to the accumulator of channel o.
func tqRefEpilogue[Out generic.Q](p *generic.QConv, acc int32, o int) Out {
	switch p.Epi {
	case generic.EpiClamp:
		return tqClamp[Out](int64(p.OutZP)+int64(generic.Requantize(acc, p.Mult[o], p.Shift[o])), p.OutMin, p.OutMax)
	case generic.EpiHardswish, generic.EpiHardsigmoid:
		pre := tqSat(int64(generic.Requantize(acc, p.Mult[o], p.Shift[o])), -32768, 32767)
		t := tqSat(pre+int64(p.Three), 0, int64(p.Six))
		x := t
		if p.Epi == generic.EpiHardswish {
			x = tqSat(pre*t, math.MinInt32, math.MaxInt32)
		}
		r := generic.Requantize(int32(x), p.PostMult, p.PostShift)
		return tqClamp[Out](int64(p.OutZP)+int64(r), p.OutMin, p.OutMax)
	}
	panic("tqRefEpilogue: bad epilogue")
}

func tqRefConv[In, Out generic.Q](p *generic.QConv, in []In, w []int8) []Out {
	acc := tqRefConvAcc(p, in, w)
	out := make([]Out, len(acc))
	for i, a := range acc {
		out[i] = tqRefEpilogue[Out](p, a, i%p.OutC)
	}
	return out
}

func tqRefConvFloat[In generic.Q](p *generic.QConv, in []In, w []int8) []float32 {
	acc := tqRefConvAcc(p, in, w)
	out := make([]float32, len(acc))
	for i, a := range acc {
		out[i] = float32(a) * p.OutScale[i%p.OutC]
	}
	return out
}

func tqRefAdd[T generic.Q](p *generic.QAdd, a, b []T) []T {
	out := make([]T, len(a))
	for i := range a {
		x := tqSat((int64(a[i])-int64(p.AZP))<<p.LeftShift, math.MinInt32, math.MaxInt32)
		y := tqSat((int64(b[i])-int64(p.BZP))<<p.LeftShift, math.MinInt32, math.MaxInt32)
		s := int64(generic.Requantize(int32(x), p.AMult, p.AShift)) + int64(generic.Requantize(int32(y), p.BMult, p.BShift))
		s = tqSat(s, math.MinInt32, math.MaxInt32)
		out[i] = tqClamp[T](int64(p.OutZP)+int64(generic.Requantize(int32(s), p.OutMult, p.OutShift)), p.OutMin, p.OutMax)
	}
	return out
}

func tqRefMulChannels[T generic.Q](p *generic.QMulChannels, x, g []T, hw, c int) []T {
	out := make([]T, hw*c)
	for px := 0; px < hw; px++ {
		for ch := 0; ch < c; ch++ {
			v := tqSat((int64(x[px*c+ch])-int64(p.XZP))*(int64(g[ch])-int64(p.GZP)), math.MinInt32, math.MaxInt32)
			out[px*c+ch] = tqClamp[T](int64(p.OutZP)+int64(generic.Requantize(int32(v), p.Mult, p.Shift)), p.OutMin, p.OutMax)
		}
	}
	return out
}

func tqRefRescale[In, Out generic.Q](p *generic.QRescale, in []In) []Out {
	out := make([]Out, len(in))
	for i, v := range in {
		x := tqSat(int64(v)-int64(p.InZP), math.MinInt32, math.MaxInt32)
		out[i] = tqClamp[Out](int64(p.OutZP)+int64(generic.Requantize(int32(x), p.Mult, p.Shift)), p.OutMin, p.OutMax)
	}
	return out
}

func tqRefAvgPool[In, Out generic.Q](p *generic.QRescale, in []In, hw, c int) []Out {
	out := make([]Out, c)
	for ch := 0; ch < c; ch++ {
		var s int64
		for px := 0; px < hw; px++ {
			s += int64(in[px*c+ch])
		}
		x := tqSat(s-int64(hw)*int64(p.InZP), math.MinInt32, math.MaxInt32)
		out[ch] = tqClamp[Out](int64(p.OutZP)+int64(generic.Requantize(int32(x), p.Mult, p.Shift)), p.OutMin, p.OutMax)
	}
	return out
}

// tqRefMaxPool pads with a value below every T.
func tqRefMaxPool[T generic.Q](p *generic.PoolParams, in []T) []T {
	tlo, _ := kerneltest.TypeRange[T]()
	out := make([]T, p.OutH*p.OutW*p.C)
	for oy := 0; oy < p.OutH; oy++ {
		for ox := 0; ox < p.OutW; ox++ {
			for ch := 0; ch < p.C; ch++ {
				m := int64(math.MinInt64)
				for ky := 0; ky < p.KH; ky++ {
					for kx := 0; kx < p.KW; kx++ {
						iy, ix := oy*p.StrideH-p.PadT+ky, ox*p.StrideW-p.PadL+kx
						if iy >= 0 && iy < p.InH && ix >= 0 && ix < p.InW {
							m = max(m, int64(in[(iy*p.InW+ix)*p.C+ch]))
						}
					}
				}
				out[(oy*p.OutW+ox)*p.C+ch] = T(max(m, tlo))
			}
		}
	}
	return out
}

// tqRandQ returns n values uniform over T's range.
func tqRandQ[T generic.Q](r *rand.Rand, n int) []T {
	lo, hi := kerneltest.TypeRange[T]()
	return tqRandIn[T](r, n, lo, hi)
}

// tqRandIn returns n values uniform over [lo, hi].
func tqRandIn[T generic.Q](r *rand.Rand, n int, lo, hi int64) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(lo + r.Int63n(hi-lo+1))
	}
	return s
}
