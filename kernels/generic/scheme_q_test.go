package generic_test

import (
	"math"
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// These tests prove the integer scheme rather than the kernels' agreement
// with themselves: real-valued tensors are quantized the way calibration
// does (asymmetric int8 activations, symmetric per-channel int8 weights,
// int32 bias with the zero point folded in), the integer op runs, and the
// dequantized result must match the float computation on the same
// quantized inputs to within one output step (the output's own rounding is
// half a step; Requantize's double rounding adds at most half more).

// tqAsym returns the scale and zero point that quantize [lo, hi] (widened
// to contain 0) to int8.
func tqAsym(lo, hi float64) (float64, int32) {
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	s := (hi - lo) / 255
	return s, int32(math.Max(-128, math.Min(127, math.Round(-128-lo/s))))
}

func tqMinMax(x []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

// tqFloatConv is a float64 conv with zero padding.
func tqFloatConv(c generic.ConvParams, in, w, bias []float64) []float64 {
	out := make([]float64, c.OutH*c.OutW*c.OutC)
	for i := range out {
		out[i] = bias[i%c.OutC]
	}
	tqConvTaps(c, func(o, i, k int) {
		if i >= 0 {
			out[o] += in[i] * w[k]
		}
	})
	return out
}

// tqQuantConv is one float conv and its quantized form.
type tqQuantConv struct {
	c         generic.ConvParams
	inQ       []int8
	inF       []float64 // dequantized input
	sIn       float64
	zpIn      int32
	wQ        []int8
	wF        []float64 // dequantized weights
	sW        []float64
	biasF     []float64
	accF      []float64 // the float conv of inF, wF, biasF
	accScale  []float64 // sIn·sW[o]
	biasFold  []int32
	floatConv []float64 // the conv of the unquantized tensors
}

func tqMakeQuantConv(r *rand.Rand, c generic.ConvParams) *tqQuantConv {
	k := c.KH * c.KW * c.InC / max(c.Groups, 1)
	q := &tqQuantConv{c: c}
	raw := make([]float64, c.InH*c.InW*c.InC)
	for i := range raw {
		raw[i] = r.Float64()*4 - 1 // activations in [-1, 3]: asymmetric
	}
	q.sIn, q.zpIn = tqAsym(tqMinMax(raw))
	q.inQ = make([]int8, len(raw))
	q.inF = make([]float64, len(raw))
	for i, v := range raw {
		q.inQ[i] = int8(math.Max(-128, math.Min(127, math.Round(v/q.sIn)+float64(q.zpIn))))
		q.inF[i] = float64(int32(q.inQ[i])-q.zpIn) * q.sIn
	}
	wRaw := make([]float64, c.OutC*k)
	q.wQ, q.wF = make([]int8, len(wRaw)), make([]float64, len(wRaw))
	q.sW, q.accScale = make([]float64, c.OutC), make([]float64, c.OutC)
	q.biasF, q.biasFold = make([]float64, c.OutC), make([]int32, c.OutC)
	for o := 0; o < c.OutC; o++ {
		amp := kerneltest.RandReal(r, 0.05, 2) / math.Sqrt(float64(k)) // per-channel magnitudes differ
		m := 0.0
		for i := 0; i < k; i++ {
			v := r.NormFloat64() * amp
			wRaw[o*k+i] = v
			m = math.Max(m, math.Abs(v))
		}
		q.sW[o] = m / 127
		q.accScale[o] = q.sIn * q.sW[o]
		var sum int32
		for i := 0; i < k; i++ {
			w := int8(math.Round(wRaw[o*k+i] / q.sW[o]))
			q.wQ[o*k+i] = w
			q.wF[o*k+i] = float64(w) * q.sW[o]
			sum += int32(w)
		}
		bq := math.Round(r.NormFloat64() * 0.5 / q.accScale[o])
		q.biasF[o] = bq * q.accScale[o]
		q.biasFold[o] = int32(bq) - q.zpIn*sum
	}
	q.accF = tqFloatConv(c, q.inF, q.wF, q.biasF)
	q.floatConv = tqFloatConv(c, raw, wRaw, q.biasF)
	return q
}

func tqHardswish(x float64) float64   { return x * math.Min(math.Max(x+3, 0), 6) / 6 }
func tqHardsigmoid(x float64) float64 { return math.Min(math.Max(x+3, 0), 6) / 6 }

// tqRunScheme quantizes the conv's output with epilogue epi, runs ConvQ,
// and returns the largest error in output steps against the float result
// on quantized inputs, and the RMS error against the float result on the
// original floats (which includes the input and weight rounding).
func tqRunScheme(t *testing.T, q *tqQuantConv, epi generic.Epilogue) (maxSteps, rmsStepsRaw float64) {
	t.Helper()
	c := q.c
	act := func(x float64) float64 { return x }
	switch epi {
	case generic.EpiHardswish:
		act = tqHardswish
	case generic.EpiHardsigmoid:
		act = tqHardsigmoid
	}
	want := make([]float64, len(q.accF))
	raw := make([]float64, len(q.accF))
	for i, v := range q.accF {
		want[i] = act(v)
		raw[i] = act(q.floatConv[i])
	}
	sOut, zpOut := tqAsym(tqMinMax(want))
	p := &generic.QConv{ConvParams: c, InZP: q.zpIn, Bias: q.biasFold, Mult: make([]int32, c.OutC), Shift: make([]int32, c.OutC),
		Epi: epi, OutZP: zpOut, OutMin: -128, OutMax: 127}
	scale := sOut // what Mult maps the accumulator onto
	if epi != generic.EpiClamp {
		lo, hi := tqMinMax(q.accF)
		s := math.Max(math.Max(-lo, hi), 6) / 32767 // quant.PreScale's rule
		p.Three, p.Six = int32(math.Round(3/s)), int32(math.Round(6/s))
		if epi == generic.EpiHardswish {
			p.PostMult, p.PostShift = generic.QuantizeMultiplier(s * s / (6 * sOut))
		} else {
			p.PostMult, p.PostShift = generic.QuantizeMultiplier(s / (6 * sOut))
		}
		scale = s
	}
	for o := range p.Mult {
		p.Mult[o], p.Shift[o] = generic.QuantizeMultiplier(q.accScale[o] / scale)
	}
	out := make([]int8, len(want))
	generic.ConvQ(p, q.inQ, q.wQ, out)
	deq := make([]float32, len(out))
	generic.DequantizeQ(out, float32(sOut), zpOut, deq)
	var sq float64
	for i := range deq {
		maxSteps = math.Max(maxSteps, math.Abs(float64(deq[i])-want[i])/sOut)
		d := (float64(deq[i]) - raw[i]) / sOut
		sq += d * d
	}
	return maxSteps, math.Sqrt(sq / float64(len(deq)))
}

func TestConvQMatchesFloat(t *testing.T) {
	r := rand.New(rand.NewSource(40))
	for _, tc := range []struct {
		name string
		c    generic.ConvParams
	}{
		{"dense 3x3", kerneltest.Geom(10, 10, 16, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1)},
		{"1x1", kerneltest.Geom(14, 14, 96, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"depthwise 5x5 s2 SAME", kerneltest.SameGeom(14, 14, 48, 48, 5, 2, 48)},
		{"stem 3x3 s2", kerneltest.SameGeom(32, 32, 3, 16, 3, 2, 1)},
	} {
		q := tqMakeQuantConv(r, tc.c)
		for _, epi := range []generic.Epilogue{generic.EpiClamp, generic.EpiHardswish, generic.EpiHardsigmoid} {
			steps, rms := tqRunScheme(t, q, epi)
			t.Logf("%s epilogue %d: max error %.3f steps vs float on quantized inputs; RMS %.2f steps vs unquantized float", tc.name, epi, steps, rms)
			if steps > 1 {
				t.Errorf("%s epilogue %d: dequantized output is %.3f output steps from the float result, want ≤ 1", tc.name, epi, steps)
			}
			if rms > 1 {
				t.Errorf("%s epilogue %d: RMS error %.2f output steps against the unquantized float conv, want ≤ 1", tc.name, epi, rms)
			}
		}
	}
}

// TestConvQFloatMatchesFloat: the float epilogue is the float conv up to
// float32 rounding.
func TestConvQFloatMatchesFloat(t *testing.T) {
	r := rand.New(rand.NewSource(41))
	c := kerneltest.Geom(1, 1, 576, 100, 1, 1, 1, 1, 0, 0, 0, 0, 1)
	q := tqMakeQuantConv(r, c)
	p := &generic.QConv{ConvParams: c, InZP: q.zpIn, Bias: q.biasFold, Epi: generic.EpiFloat, OutScale: make([]float32, c.OutC)}
	for o := range p.OutScale {
		p.OutScale[o] = float32(q.accScale[o])
	}
	out := make([]float32, c.OutC)
	generic.ConvQFloat(p, q.inQ, q.wQ, out)
	for o, v := range out {
		if d := math.Abs(float64(v) - q.accF[o]); d > 1e-5*math.Max(1, math.Abs(q.accF[o])) {
			t.Errorf("logit %d = %g, want %g", o, v, q.accF[o])
		}
	}
}

// tqQuantize8 quantizes x asymmetrically and returns the int8 tensor, its
// dequantized values and its parameters.
func tqQuantize8(x []float64) ([]int8, []float64, float64, int32) {
	s, zp := tqAsym(tqMinMax(x))
	q, f := make([]int8, len(x)), make([]float64, len(x))
	for i, v := range x {
		q[i] = int8(math.Max(-128, math.Min(127, math.Round(v/s)+float64(zp))))
		f[i] = float64(int32(q[i])-zp) * s
	}
	return q, f, s, zp
}

func tqSteps(t *testing.T, name string, got []int8, want []float64, s float64, zp int32) {
	t.Helper()
	worst := 0.0
	for i, v := range got {
		worst = math.Max(worst, math.Abs(float64(int32(v)-zp)*s-want[i])/s)
	}
	t.Logf("%s: max error %.3f output steps", name, worst)
	if worst > 1 {
		t.Errorf("%s: dequantized result is %.3f output steps from the float result, want ≤ 1", name, worst)
	}
}

func TestElementwiseQMatchesFloat(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	const hw, c = 49, 96
	gen := func(n int, lo, hi float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = lo + r.Float64()*(hi-lo)
		}
		return x
	}

	// Residual add, with TFLite's parameters as the engine derives them.
	aQ, aF, sa, za := tqQuantize8(gen(hw*c, -2, 5))
	bQ, bF, sb, zb := tqQuantize8(gen(hw*c, -7, 1))
	sum := make([]float64, len(aF))
	for i := range sum {
		sum[i] = aF[i] + bF[i]
	}
	so, zo := tqAsym(tqMinMax(sum))
	twice := 2 * math.Max(sa, sb)
	pa := &generic.QAdd{AZP: za, BZP: zb, OutZP: zo, LeftShift: 20, OutMin: -128, OutMax: 127}
	pa.AMult, pa.AShift = generic.QuantizeMultiplier(sa / twice)
	pa.BMult, pa.BShift = generic.QuantizeMultiplier(sb / twice)
	pa.OutMult, pa.OutShift = generic.QuantizeMultiplier(twice / (math.Ldexp(1, 20) * so))
	got := make([]int8, len(aQ))
	generic.AddQ(pa, aQ, bQ, got)
	tqSteps(t, "AddQ", got, sum, so, zo)

	// Squeeze-excitation gate.
	gQ, gF, sg, zg := tqQuantize8(gen(c, 0, 1))
	prod := make([]float64, len(aF))
	for i := range prod {
		prod[i] = aF[i] * gF[i%c]
	}
	sp, zpp := tqAsym(tqMinMax(prod))
	pm := &generic.QMulChannels{XZP: za, GZP: zg, OutZP: zpp, OutMin: -128, OutMax: 127}
	pm.Mult, pm.Shift = generic.QuantizeMultiplier(sa * sg / sp)
	generic.MulChannelsQ(pm, aQ, gQ, got, hw, c)
	tqSteps(t, "MulChannelsQ", got, prod, sp, zpp)

	// Global average pool.
	mean := make([]float64, c)
	for i, v := range aF {
		mean[i%c] += v / hw
	}
	sm, zm := tqAsym(tqMinMax(mean))
	pr := &generic.QRescale{InZP: za, OutZP: zm, OutMin: -128, OutMax: 127}
	pr.Mult, pr.Shift = generic.QuantizeMultiplier(sa / (hw * sm))
	pooled := make([]int8, c)
	generic.GlobalAvgPoolQ(pr, aQ, hw, c, pooled)
	tqSteps(t, "GlobalAvgPoolQ", pooled, mean, sm, zm)

	// Rescale to another scale (a concat input).
	sr, zr := tqAsym(-3, 6)
	pr = &generic.QRescale{InZP: za, OutZP: zr, OutMin: -128, OutMax: 127}
	pr.Mult, pr.Shift = generic.QuantizeMultiplier(sa / sr)
	generic.RescaleQ(pr, aQ, got)
	tqSteps(t, "RescaleQ", got, aF, sr, zr)
}
