package generic

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The float32 kernels are checked against naive float64 references written
// here from the definitions, on fixed shapes that hit every fast path and
// edge, and on many seeded random shapes. Results must agree within 1e-5
// relative to the magnitude of what was summed (|bias| + Σ|in·w|), which is
// the scale of float32 rounding error; one missing, extra or misplaced term
// is far larger than that (TestChecksCatchWrongKernels proves it).

const relTolF32 = 1e-5

func randSliceF32(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// nanSliceF32 returns n NaNs followed by guard NaNs: a kernel must overwrite
// the first n and leave the guard alone.
const guardF32 = 7

func nanSliceF32(n int) []float32 {
	s := make([]float32, n+guardF32)
	for i := range s {
		s[i] = float32(math.NaN())
	}
	return s
}

func actF64(a Act, x float64) float64 {
	switch a {
	case ActReLU:
		return math.Max(x, 0)
	case ActReLU6:
		return math.Min(math.Max(x, 0), 6)
	case ActHardswish:
		return x * math.Min(math.Max(x+3, 0), 6) / 6
	case ActHardsigmoid:
		return math.Min(math.Max(x+3, 0), 6) / 6
	}
	return x
}

// refConv is the textbook grouped convolution in float64. It returns the
// activated outputs and, per output, the sum of the magnitudes of its
// terms (the error scale).
func refConv(p *ConvParams, in, w, bias []float32) (want, scale []float64) {
	groups := max(p.Groups, 1)
	ig, og := p.InC/groups, p.OutC/groups
	want = make([]float64, p.OutH*p.OutW*p.OutC)
	scale = make([]float64, len(want))
	for oy := 0; oy < p.OutH; oy++ {
		for ox := 0; ox < p.OutW; ox++ {
			for o := 0; o < p.OutC; o++ {
				g := o / og
				var s, a float64
				if bias != nil {
					s, a = float64(bias[o]), math.Abs(float64(bias[o]))
				}
				for ky := 0; ky < p.KH; ky++ {
					for kx := 0; kx < p.KW; kx++ {
						iy := oy*p.StrideH - p.PadT + ky
						ix := ox*p.StrideW - p.PadL + kx
						if iy < 0 || iy >= p.InH || ix < 0 || ix >= p.InW {
							continue
						}
						for i := 0; i < ig; i++ {
							t := float64(in[(iy*p.InW+ix)*p.InC+g*ig+i]) *
								float64(w[((o*p.KH+ky)*p.KW+kx)*ig+i])
							s += t
							a += math.Abs(t)
						}
					}
				}
				j := (oy*p.OutW+ox)*p.OutC + o
				want[j] = actF64(p.Act, s)
				scale[j] = a
			}
		}
	}
	return want, scale
}

// mismatch reports the first element where got differs from want by more
// than relTolF32·(scale+|want|), or where the guard after got was written.
func mismatch(got []float32, want, scale []float64) error {
	for i, w := range want {
		g := float64(got[i])
		s := 0.0
		if scale != nil {
			s = scale[i]
		}
		tol := relTolF32*(s+math.Abs(w)) + 1e-30
		if !(math.Abs(g-w) <= tol) {
			return fmt.Errorf("element %d: got %.9g, want %.9g (diff %.3g, tol %.3g)", i, g, w, g-w, tol)
		}
	}
	for i := len(want); i < len(got); i++ {
		if !math.IsNaN(float64(got[i])) {
			return fmt.Errorf("guard element %d past the end was overwritten with %g", i-len(want), got[i])
		}
	}
	return nil
}

// convCase builds a ConvParams whose output size follows from the input
// size, kernel, stride, and the padding on each side (padB/padR may be
// negative: floor-mode rows that no window reaches).
func convCase(inH, inW, inC, outC, kh, kw, sh, sw, padT, padB, padL, padR, groups int, act Act) ConvParams {
	return ConvParams{
		InH: inH, InW: inW, InC: inC,
		OutH: (inH+padT+padB-kh)/sh + 1, OutW: (inW+padL+padR-kw)/sw + 1, OutC: outC,
		KH: kh, KW: kw, StrideH: sh, StrideW: sw, PadT: padT, PadL: padL,
		Groups: groups, Act: act,
	}
}

type convKernel func(p *ConvParams, in, w, bias, out []float32)

// checkConv runs kern on random data for p and compares with refConv.
func checkConv(r *rand.Rand, p ConvParams, withBias bool, kern convKernel) error {
	groups := max(p.Groups, 1)
	in := randSliceF32(r, p.InH*p.InW*p.InC)
	w := randSliceF32(r, p.OutC*p.KH*p.KW*(p.InC/groups))
	var bias []float32
	if withBias {
		bias = randSliceF32(r, p.OutC)
	}
	out := nanSliceF32(p.OutH * p.OutW * p.OutC)
	kern(&p, in, w, bias, out)
	want, scale := refConv(&p, in, w, bias)
	return mismatch(out, want, scale)
}

// fixedConvCases are the shapes the models use (shrunk) and the edges.
func fixedConvCases() map[string]ConvParams {
	return map[string]ConvParams{
		// 1x1 stride 1: the GEMM path, with every remainder of the 3x2 tile.
		"1x1 dense":            convCase(7, 9, 24, 88, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActReLU),
		"1x1 odd channels":     convCase(5, 7, 13, 7, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActNone),
		"1x1 large K":          convCase(7, 7, 576, 10, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActHardswish),
		"1x1 one pixel":        convCase(1, 1, 5, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActNone),
		"1x1 two pixels":       convCase(1, 2, 9, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActReLU6),
		"1x1 two groups":       convCase(4, 5, 10, 6, 1, 1, 1, 1, 0, 0, 0, 0, 2, ActNone),
		"1x1 stride 2":         convCase(9, 8, 6, 5, 1, 1, 2, 2, 0, 0, 0, 0, 1, ActNone),
		"1x1 padded":           convCase(3, 4, 5, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, ActHardsigmoid),
		"stem torch":           convCase(17, 15, 3, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, ActHardswish),
		"stem tf same":         convCase(16, 16, 3, 24, 3, 3, 2, 2, 0, 1, 0, 1, 1, ActReLU),
		"3x3 dense s1":         convCase(6, 5, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, ActNone),
		"3x3 two groups":       convCase(6, 7, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, ActReLU),
		"3x3 four groups s2":   convCase(7, 6, 12, 8, 3, 3, 2, 2, 1, 1, 1, 1, 4, ActNone),
		"1x3 asymmetric":       convCase(4, 9, 5, 4, 1, 3, 1, 2, 0, 0, 2, 0, 1, ActNone),
		"dw 3x3 s1":            convCase(9, 11, 88, 88, 3, 3, 1, 1, 1, 1, 1, 1, 88, ActReLU),
		"dw 3x3 s2 torch":      convCase(11, 10, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 16, ActReLU),
		"dw 3x3 s2 tf same":    convCase(12, 12, 72, 72, 3, 3, 2, 2, 0, 1, 0, 1, 72, ActReLU),
		"dw 3x3 s2 tf odd":     convCase(7, 7, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 5, ActNone),
		"dw 5x5 s1":            convCase(7, 7, 13, 13, 5, 5, 1, 1, 2, 2, 2, 2, 13, ActHardswish),
		"dw 5x5 s2 tf same":    convCase(14, 14, 96, 96, 5, 5, 2, 2, 1, 2, 1, 2, 96, ActHardswish),
		"dw 5x5 s2 torch":      convCase(13, 14, 9, 9, 5, 5, 2, 2, 2, 2, 2, 2, 9, ActNone),
		"dw 5x5 wider than in": convCase(3, 2, 6, 6, 5, 5, 1, 1, 2, 2, 2, 2, 6, ActNone),
		"dw 3x3 width 1":       convCase(5, 1, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 7, ActNone),
		"dw 3x3 height 1":      convCase(1, 6, 3, 3, 3, 3, 1, 2, 1, 1, 1, 1, 3, ActNone),
		"dw 7x7":               convCase(9, 9, 4, 4, 7, 7, 1, 1, 3, 3, 3, 3, 4, ActReLU6),
		"dw 3x3 floor mode":    convCase(8, 8, 5, 5, 3, 3, 2, 2, 0, -1, 0, -1, 5, ActNone),
		"dw 1x1":               convCase(3, 4, 6, 6, 1, 1, 1, 1, 0, 0, 0, 0, 6, ActNone),
		"dw multiplier 2":      convCase(5, 5, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4, ActNone),
	}
}

func TestConvF32Fixed(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, p := range fixedConvCases() {
		for _, withBias := range []bool{true, false} {
			if err := checkConv(r, p, withBias, ConvF32); err != nil {
				t.Errorf("%s (bias %v, %+v): %v", name, withBias, p, err)
			}
		}
	}
}

// randomConvCase draws a shape from the space the models span and beyond.
func randomConvCase(r *rand.Rand) ConvParams {
	pick := func(xs ...int) int { return xs[r.IntN(len(xs))] }
	kh := pick(1, 1, 3, 3, 5, 2)
	kw := kh
	if r.IntN(6) == 0 {
		kw = pick(1, 3, 5)
	}
	sh := pick(1, 1, 2)
	sw := sh
	if r.IntN(6) == 0 {
		sw = pick(1, 2, 3)
	}
	pad := func(k, s int) (a, b int) {
		switch r.IntN(4) {
		case 0:
			return 0, 0
		case 1: // torchvision symmetric
			return k / 2, k / 2
		case 2: // TF SAME-like: extra at the end
			t := k - 1
			return t / 2, t - t/2
		}
		return r.IntN(k), r.IntN(k) - r.IntN(s)
	}
	padT, padB := pad(kh, sh)
	padL, padR := pad(kw, sw)
	inH := kh + r.IntN(12)
	inW := kw + r.IntN(12)
	if r.IntN(8) == 0 {
		inH = max(1, kh-padT-padB)
	}
	act := Act(r.IntN(5))
	switch r.IntN(3) {
	case 0: // depthwise
		c := 1 + r.IntN(40)
		return convCase(inH, inW, c, c, kh, kw, sh, sw, padT, padB, padL, padR, c, act)
	case 1: // grouped
		g := pick(2, 3, 4)
		return convCase(inH, inW, g*(1+r.IntN(6)), g*(1+r.IntN(6)), kh, kw, sh, sw, padT, padB, padL, padR, g, act)
	}
	return convCase(inH, inW, 1+r.IntN(40), 1+r.IntN(40), kh, kw, sh, sw, padT, padB, padL, padR, 1, act)
}

func TestConvF32Random(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 0
	for n < 400 {
		p := randomConvCase(r)
		if p.OutH < 1 || p.OutW < 1 {
			continue
		}
		n++
		if err := checkConv(r, p, r.IntN(4) != 0, ConvF32); err != nil {
			t.Fatalf("case %d %+v: %v", n, p, err)
		}
	}
}

// TestConvF32Repeatable proves the pooled scratch carries nothing over:
// the same call gives the same bits after calls with other shapes.
func TestConvF32Repeatable(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	p := convCase(9, 9, 3, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, ActNone)
	in := randSliceF32(r, p.InH*p.InW*p.InC)
	w := randSliceF32(r, p.OutC*p.KH*p.KW*p.InC)
	first := make([]float32, p.OutH*p.OutW*p.OutC)
	ConvF32(&p, in, w, nil, first)
	for _, q := range []ConvParams{
		convCase(20, 20, 16, 16, 5, 5, 1, 1, 2, 2, 2, 2, 1, ActNone),
		convCase(20, 20, 16, 16, 5, 5, 1, 1, 2, 2, 2, 2, 16, ActNone),
	} {
		if err := checkConv(r, q, true, ConvF32); err != nil {
			t.Fatal(err)
		}
	}
	again := make([]float32, len(first))
	ConvF32(&p, in, w, nil, again)
	for i := range first {
		if math.Float32bits(first[i]) != math.Float32bits(again[i]) {
			t.Fatalf("element %d: %g then %g", i, first[i], again[i])
		}
	}
}

// TestChecksCatchWrongKernels swaps in kernels with typical bugs and
// demands that the comparison rejects each of them.
func TestChecksCatchWrongKernels(t *testing.T) {
	wrong := map[string]convKernel{
		"no bias": func(p *ConvParams, in, w, bias, out []float32) {
			ConvF32(p, in, w, nil, out)
		},
		"no activation": func(p *ConvParams, in, w, bias, out []float32) {
			q := *p
			q.Act = ActNone
			ConvF32(&q, in, w, bias, out)
		},
		"one weight dropped": func(p *ConvParams, in, w, bias, out []float32) {
			w2 := append([]float32(nil), w...)
			w2[len(w2)/2] = 0
			ConvF32(p, in, w2, bias, out)
		},
		"symmetric padding": func(p *ConvParams, in, w, bias, out []float32) {
			q := *p
			q.PadT, q.PadL = 1, 1
			ConvF32(&q, in, w, bias, out)
		},
		"hardswish scaled by 1/5": func(p *ConvParams, in, w, bias, out []float32) {
			q := *p
			q.Act = ActNone
			ConvF32(&q, in, w, bias, out)
			for i, v := range out[:p.OutH*p.OutW*p.OutC] {
				out[i] = v * min(max(v+3, 0), 6) * 0.2
			}
		},
	}
	cases := []ConvParams{
		convCase(16, 16, 3, 16, 3, 3, 2, 2, 0, 1, 0, 1, 1, ActHardswish),
		convCase(12, 12, 24, 24, 3, 3, 2, 2, 0, 1, 0, 1, 24, ActHardswish),
		convCase(8, 8, 16, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActHardswish),
	}
	for name, kern := range wrong {
		for _, p := range cases {
			r := rand.New(rand.NewPCG(7, 8))
			if err := checkConv(r, p, true, kern); err == nil {
				t.Errorf("wrong kernel %q passed the check on %+v", name, p)
			}
		}
	}
}

func TestActivateF32(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x := randSliceF32(r, 1000)
	for i := range x {
		x[i] *= 8 // cover both clamps of relu6 and hardswish
	}
	x = append(x, -3, 3, 0, -6, 6, 1, -1, 0.5)
	for a := ActNone; a <= ActHardsigmoid; a++ {
		got := append([]float32(nil), x...)
		ActivateF32(a, got)
		want := make([]float64, len(x))
		for i, v := range x {
			want[i] = actF64(a, float64(v))
		}
		if err := mismatch(got, want, nil); err != nil {
			t.Errorf("%v: %v", a, err)
		}
		for i, v := range x {
			if s := actF32(a, v); math.Float32bits(s) != math.Float32bits(got[i]) {
				t.Errorf("%v(%g): slice gives %g, scalar %g", a, v, got[i], s)
			}
		}
	}
}

// TestActivateF32TorchOrder pins the operation order PyTorch uses:
// hardswish is (x*relu6(x+3))/6 rounded at each step, not x*(relu6(x+3)/6)
// nor a multiply by 1/6. The values are ones where the orders differ.
func TestActivateF32TorchOrder(t *testing.T) {
	torchHardswish := func(x float32) float32 {
		t := float32(x + 3)
		t = min(max(t, 0), 6)
		p := float32(x * t)
		return float32(p / 6)
	}
	otherOrder := func(x float32) float32 {
		t := min(max(float32(x+3), 0), 6)
		return float32(x * float32(t/6))
	}
	differ := 0
	for i := 0; i < 20000; i++ {
		x := float32(i)/2000 - 4
		got := []float32{x}
		ActivateF32(ActHardswish, got)
		if math.Float32bits(got[0]) != math.Float32bits(torchHardswish(x)) {
			t.Fatalf("hardswish(%g) = %g, torch order gives %g", x, got[0], torchHardswish(x))
		}
		if torchHardswish(x) != otherOrder(x) {
			differ++
		}
	}
	if differ == 0 {
		t.Fatal("no input distinguishes the operation orders; the test proves nothing")
	}
}

func TestAddF32(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 3, 8, 1001} {
		for a := ActNone; a <= ActHardsigmoid; a++ {
			x, y := randSliceF32(r, n), randSliceF32(r, n)
			want := make([]float64, n)
			scale := make([]float64, n)
			for i := range want {
				want[i] = actF64(a, float64(x[i])+float64(y[i]))
				scale[i] = math.Abs(float64(x[i])) + math.Abs(float64(y[i]))
			}
			out := nanSliceF32(n)
			AddF32(x, y, out[:n], a)
			if err := mismatch(out, want, scale); err != nil {
				t.Errorf("n=%d %v: %v", n, a, err)
			}
			AddF32(x, y, x, a) // in place
			if err := mismatch(x, want, scale); err != nil {
				t.Errorf("n=%d %v in place: %v", n, a, err)
			}
		}
	}
}

func TestMulChannelsF32(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, s := range [][2]int{{1, 1}, {49, 576}, {196, 13}, {3, 96}} {
		hw, c := s[0], s[1]
		in, scale := randSliceF32(r, hw*c), randSliceF32(r, c)
		want := make([]float64, hw*c)
		for i := 0; i < hw; i++ {
			for ch := 0; ch < c; ch++ {
				want[i*c+ch] = float64(in[i*c+ch]) * float64(scale[ch])
			}
		}
		out := nanSliceF32(hw * c)
		MulChannelsF32(in, scale, out, hw, c)
		if err := mismatch(out, want, nil); err != nil {
			t.Errorf("hw=%d c=%d: %v", hw, c, err)
		}
	}
}

func TestGlobalAvgPoolF32(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, s := range [][2]int{{1, 1}, {49, 576}, {49, 1024}, {196, 13}, {3136, 65}} {
		hw, c := s[0], s[1]
		in := randSliceF32(r, hw*c)
		for i := range in {
			in[i] += 3 // a mean far from 0, where float32 summation would drift
		}
		want := make([]float64, c)
		scale := make([]float64, c)
		for ch := 0; ch < c; ch++ {
			var sum, abs float64
			for i := 0; i < hw; i++ {
				sum += float64(in[i*c+ch])
				abs += math.Abs(float64(in[i*c+ch]))
			}
			want[ch] = sum / float64(hw)
			scale[ch] = abs / float64(hw) / 10 // tighter than the other ops: 1e-6
		}
		out := nanSliceF32(c)
		GlobalAvgPoolF32(in, hw, c, out)
		if err := mismatch(out, want, scale); err != nil {
			t.Errorf("hw=%d c=%d: %v", hw, c, err)
		}
	}
}

func refMaxPool(p *PoolParams, in []float32) []float64 {
	out := make([]float64, p.OutH*p.OutW*p.C)
	for oy := 0; oy < p.OutH; oy++ {
		for ox := 0; ox < p.OutW; ox++ {
			for c := 0; c < p.C; c++ {
				m := math.Inf(-1)
				for ky := 0; ky < p.KH; ky++ {
					for kx := 0; kx < p.KW; kx++ {
						iy, ix := oy*p.StrideH-p.PadT+ky, ox*p.StrideW-p.PadL+kx
						if iy >= 0 && iy < p.InH && ix >= 0 && ix < p.InW {
							m = math.Max(m, float64(in[(iy*p.InW+ix)*p.C+c]))
						}
					}
				}
				out[(oy*p.OutW+ox)*p.C+c] = m
			}
		}
	}
	return out
}

func TestMaxPoolF32(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	cases := []PoolParams{
		// ShuffleNetV2's 3x3/2 pad 1 pool, shrunk.
		{InH: 12, InW: 12, C: 24, OutH: 6, OutW: 6, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1},
		{InH: 11, InW: 9, C: 5, OutH: 6, OutW: 5, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1},
		{InH: 1, InW: 1, C: 3, OutH: 1, OutW: 1, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1},
		{InH: 6, InW: 7, C: 7, OutH: 5, OutW: 6, KH: 2, KW: 2, StrideH: 1, StrideW: 1},
		{InH: 7, InW: 7, C: 2, OutH: 4, OutW: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1},
	}
	for i := 0; i < 50; i++ {
		k := 1 + r.IntN(4)
		s := 1 + r.IntN(2)
		pt, pl := r.IntN(k), r.IntN(k)
		inH, inW := 1+r.IntN(10), 1+r.IntN(10)
		p := PoolParams{InH: inH, InW: inW, C: 1 + r.IntN(20), KH: k, KW: k, StrideH: s, StrideW: s, PadT: pt, PadL: pl}
		p.OutH = (inH+2*pt-k)/s + 1
		p.OutW = (inW+2*pl-k)/s + 1
		if p.OutH >= 1 && p.OutW >= 1 {
			cases = append(cases, p)
		}
	}
	for _, p := range cases {
		in := randSliceF32(r, p.InH*p.InW*p.C)
		out := nanSliceF32(p.OutH * p.OutW * p.C)
		MaxPoolF32(&p, in, out)
		if err := mismatch(out, refMaxPool(&p, in), nil); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

func TestMaxPoolF32NaN(t *testing.T) {
	p := PoolParams{InH: 2, InW: 2, C: 1, OutH: 1, OutW: 1, KH: 2, KW: 2, StrideH: 2, StrideW: 2}
	for pos := 0; pos < 4; pos++ {
		in := []float32{1, 2, 3, 4}
		in[pos] = float32(math.NaN())
		out := []float32{0}
		MaxPoolF32(&p, in, out)
		if !math.IsNaN(float64(out[0])) {
			t.Errorf("NaN at %d: max is %g, want NaN (as PyTorch)", pos, out[0])
		}
	}
}

func TestLinearF32(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, s := range [][2]int{{1, 1}, {3, 5}, {7, 13}, {576, 1024}, {1024, 1000}, {24, 2}, {2, 23}} {
		inF, outF := s[0], s[1]
		for _, a := range []Act{ActNone, ActHardswish} {
			in, w, bias := randSliceF32(r, inF), randSliceF32(r, inF*outF), randSliceF32(r, outF)
			want := make([]float64, outF)
			scale := make([]float64, outF)
			for o := 0; o < outF; o++ {
				sum, abs := float64(bias[o]), math.Abs(float64(bias[o]))
				for i := 0; i < inF; i++ {
					v := float64(in[i]) * float64(w[o*inF+i])
					sum += v
					abs += math.Abs(v)
				}
				want[o] = actF64(a, sum)
				scale[o] = abs
			}
			out := nanSliceF32(outF)
			LinearF32(in, w, bias, out, inF, outF, a)
			if err := mismatch(out, want, scale); err != nil {
				t.Errorf("%dx%d %v: %v", inF, outF, a, err)
			}
		}
	}
}

func TestChannelShuffleF32(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	// torchvision: x.view(n, g, c/g, h, w).transpose(1, 2).reshape(n, c, h, w)
	for _, s := range [][3]int{{1, 4, 2}, {5, 48, 2}, {3, 12, 3}, {2, 6, 1}, {4, 9, 9}} {
		hw, c, g := s[0], s[1], s[2]
		in := randSliceF32(r, hw*c)
		want := make([]float64, hw*c)
		cpg := c / g
		for p := 0; p < hw; p++ {
			for o := 0; o < c; o++ {
				// Output channel o = (i, gi) in the transposed (c/g, g) view.
				i, gi := o/g, o%g
				want[p*c+o] = float64(in[p*c+gi*cpg+i])
			}
		}
		out := nanSliceF32(hw * c)
		ChannelShuffleF32(in, out, hw, c, g)
		if err := mismatch(out, want, nil); err != nil {
			t.Errorf("hw=%d c=%d groups=%d: %v", hw, c, g, err)
		}
	}
	// A hand-worked pixel: channels 0..5 in 2 groups -> 0 3 1 4 2 5.
	out := make([]float32, 6)
	ChannelShuffleF32([]float32{0, 1, 2, 3, 4, 5}, out, 1, 6, 2)
	for i, v := range []float32{0, 3, 1, 4, 2, 5} {
		if out[i] != v {
			t.Fatalf("shuffle of 0..5 = %v, want [0 3 1 4 2 5]", out)
		}
	}
}

func TestConcatSliceChannelsF32(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, s := range [][3]int{{1, 1, 1}, {7, 24, 24}, {5, 3, 11}} {
		hw, ca, cb := s[0], s[1], s[2]
		a, b := randSliceF32(r, hw*ca), randSliceF32(r, hw*cb)
		c := ca + cb
		want := make([]float64, hw*c)
		for p := 0; p < hw; p++ {
			for j := 0; j < c; j++ {
				if j < ca {
					want[p*c+j] = float64(a[p*ca+j])
				} else {
					want[p*c+j] = float64(b[p*cb+j-ca])
				}
			}
		}
		out := nanSliceF32(hw * c)
		ConcatChannelsF32(a, ca, b, cb, hw, out)
		if err := mismatch(out, want, nil); err != nil {
			t.Errorf("concat hw=%d %d+%d: %v", hw, ca, cb, err)
		}
		// Slicing the concatenation gives the parts back.
		for _, part := range []struct {
			from, to int
			src      []float32
		}{{0, ca, a}, {ca, c, b}} {
			n := part.to - part.from
			got := nanSliceF32(hw * n)
			SliceChannelsF32(out, hw, c, part.from, part.to, got)
			w := make([]float64, hw*n)
			for i := range w {
				w[i] = float64(part.src[i])
			}
			if err := mismatch(got, w, nil); err != nil {
				t.Errorf("slice [%d,%d) of hw=%d c=%d: %v", part.from, part.to, hw, c, err)
			}
		}
	}
}
