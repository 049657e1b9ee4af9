package generic_test

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// tqSizes are element counts below and above generic.QTableMin.
var tqSizes = []int{1, 7, 100, generic.QTableMin - 1, generic.QTableMin, 3000}

func tqCheckAdd[T generic.Q](r *rand.Rand, n int) error {
	p := &generic.QAdd{AZP: kerneltest.ZP[T](r), BZP: kerneltest.ZP[T](r), OutZP: kerneltest.ZP[T](r), LeftShift: 20}
	if generic.DTypeOf[T]() == generic.Int16 {
		p.LeftShift = 15
	}
	sa, sb := kerneltest.RandReal(r, 1e-3, 1), kerneltest.RandReal(r, 1e-3, 1)
	twice := 2 * math.Max(sa, sb)
	so := kerneltest.RandReal(r, 0.3, 3) * (sa + sb)
	if r.Intn(5) == 0 {
		so = kerneltest.RandReal(r, 1e-3, 10) // saturating or coarse
	}
	p.AMult, p.AShift = generic.QuantizeMultiplier(sa / twice)
	p.BMult, p.BShift = generic.QuantizeMultiplier(sb / twice)
	p.OutMult, p.OutShift = generic.QuantizeMultiplier(twice / (math.Ldexp(1, int(p.LeftShift)) * so))
	p.OutMin, p.OutMax = kerneltest.OutRange[T](r, p.OutZP)
	a, b := tqRandQ[T](r, n), tqRandQ[T](r, n)
	want := tqRefAdd(p, a, b)
	got := make([]T, n)
	generic.AddQ(p, a, b, got)
	return tqCompare(got, want, n, 1)
}

func TestAddQ(t *testing.T) {
	r := rand.New(rand.NewSource(20))
	for _, n := range tqSizes {
		for rep := 0; rep < 20; rep++ {
			if err := tqCheckAdd[int8](r, n); err != nil {
				t.Fatalf("int8, %d elements: %v", n, err)
			}
			if err := tqCheckAdd[int16](r, n); err != nil {
				t.Fatalf("int16, %d elements: %v", n, err)
			}
		}
	}
}

func tqCheckMulChannels[T generic.Q](r *rand.Rand, hw, c int) error {
	p := &generic.QMulChannels{XZP: kerneltest.ZP[T](r), GZP: kerneltest.ZP[T](r), OutZP: kerneltest.ZP[T](r)}
	lo, hi := kerneltest.TypeRange[T]()
	span := float64(hi - lo)
	p.Mult, p.Shift = generic.QuantizeMultiplier(kerneltest.RandReal(r, 0.3, 3) / span)
	if r.Intn(5) == 0 {
		p.Mult, p.Shift = generic.QuantizeMultiplier(kerneltest.RandReal(r, 1e-6, 4))
	}
	p.OutMin, p.OutMax = kerneltest.OutRange[T](r, p.OutZP)
	x, g := tqRandQ[T](r, hw*c), tqRandQ[T](r, c)
	want := tqRefMulChannels(p, x, g, hw, c)
	got := make([]T, hw*c)
	generic.MulChannelsQ(p, x, g, got, hw, c)
	return tqCompare(got, want, hw, c)
}

func TestMulChannelsQ(t *testing.T) {
	r := rand.New(rand.NewSource(21))
	for _, s := range [][2]int{{1, 1}, {1, 17}, {49, 576}, {9, 33}, {784, 24}} {
		for rep := 0; rep < 10; rep++ {
			if err := tqCheckMulChannels[int8](r, s[0], s[1]); err != nil {
				t.Fatalf("int8 %dx%d: %v", s[0], s[1], err)
			}
			if err := tqCheckMulChannels[int16](r, s[0], s[1]); err != nil {
				t.Fatalf("int16 %dx%d: %v", s[0], s[1], err)
			}
		}
	}
}

func tqRescaleParams[In, Out generic.Q](r *rand.Rand, count int) *generic.QRescale {
	p := &generic.QRescale{InZP: kerneltest.ZP[In](r), OutZP: kerneltest.ZP[Out](r)}
	ilo, ihi := kerneltest.TypeRange[In]()
	olo, ohi := kerneltest.TypeRange[Out]()
	real := float64(ohi-olo) / float64(ihi-ilo) / float64(count) * kerneltest.RandReal(r, 0.3, 3)
	if r.Intn(5) == 0 {
		real = kerneltest.RandReal(r, 1e-6, 4)
	}
	p.Mult, p.Shift = generic.QuantizeMultiplier(real)
	p.OutMin, p.OutMax = kerneltest.OutRange[Out](r, p.OutZP)
	return p
}

func tqCheckRescale[In, Out generic.Q](r *rand.Rand, n int) error {
	p := tqRescaleParams[In, Out](r, 1)
	in := tqRandQ[In](r, n)
	want := tqRefRescale[In, Out](p, in)
	got := make([]Out, n)
	generic.RescaleQ(p, in, got)
	return tqCompare(got, want, n, 1)
}

func tqCheckAvgPool[In, Out generic.Q](r *rand.Rand, hw, c int) error {
	p := tqRescaleParams[In, Out](r, hw)
	in := tqRandQ[In](r, hw*c)
	want := tqRefAvgPool[In, Out](p, in, hw, c)
	got := make([]Out, c)
	generic.GlobalAvgPoolQ(p, in, hw, c, got)
	return tqCompare(got, want, 1, c)
}

func TestRescaleQ(t *testing.T) {
	r := rand.New(rand.NewSource(22))
	for _, n := range tqSizes {
		for rep := 0; rep < 10; rep++ {
			for name, f := range map[string]func() error{
				"int8->int8":   func() error { return tqCheckRescale[int8, int8](r, n) },
				"int8->int16":  func() error { return tqCheckRescale[int8, int16](r, n) },
				"int16->int8":  func() error { return tqCheckRescale[int16, int8](r, n) },
				"int16->int16": func() error { return tqCheckRescale[int16, int16](r, n) },
			} {
				if err := f(); err != nil {
					t.Fatalf("%s, %d elements: %v", name, n, err)
				}
			}
		}
	}
}

func TestGlobalAvgPoolQ(t *testing.T) {
	r := rand.New(rand.NewSource(23))
	for _, s := range [][2]int{{1, 1}, {1, 9}, {49, 576}, {49, 17}, {3136, 16}, {7, 5}} {
		for rep := 0; rep < 5; rep++ {
			for name, f := range map[string]func() error{
				"int8->int8":   func() error { return tqCheckAvgPool[int8, int8](r, s[0], s[1]) },
				"int8->int16":  func() error { return tqCheckAvgPool[int8, int16](r, s[0], s[1]) },
				"int16->int8":  func() error { return tqCheckAvgPool[int16, int8](r, s[0], s[1]) },
				"int16->int16": func() error { return tqCheckAvgPool[int16, int16](r, s[0], s[1]) },
			} {
				if err := f(); err != nil {
					t.Fatalf("%s, %dx%d: %v", name, s[0], s[1], err)
				}
			}
		}
	}
}

// TestGlobalAvgPoolQMean checks the pool against hand arithmetic: with
// Mult/Shift = 1/4 = (2^30, -1) and equal scales the output is the mean,
// rounded by Requantize's two steps.
func TestGlobalAvgPoolQMean(t *testing.T) {
	in := []int8{ // 4 pixels × 3 channels
		10, -3, 10,
		20, -3, 20,
		30, -3, 31,
		40, -4, 40,
	}
	p := &generic.QRescale{InZP: -5, OutZP: -5, OutMin: -128, OutMax: 127}
	p.Mult, p.Shift = generic.QuantizeMultiplier(1.0 / 4)
	got := make([]int8, 3)
	generic.GlobalAvgPoolQ(p, in, 4, 3, got)
	// channel 0: Σ(x+5) = 120, /4 = 30, -5 → 25.
	// channel 1: Σ(x+5) = 7: SQRDMULH 3.5 → 4, then 4/2 = 2 → -3.
	// channel 2: Σ(x+5) = 121: SQRDMULH 60.5 → 61, then 30.5 → 31 (the
	// double rounding: 30.25 becomes 31) → 26.
	if want := []int8{25, -3, 26}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("GlobalAvgPoolQ = %v, want %v", got, want)
	}
}

func tqCheckMaxPool[T generic.Q](r *rand.Rand, p *generic.PoolParams) error {
	in := tqRandQ[T](r, p.InH*p.InW*p.C)
	want := tqRefMaxPool(p, in)
	got := make([]T, len(want))
	generic.MaxPoolQ(p, in, got)
	return tqCompare(got, want, p.OutW, p.C)
}

func TestMaxPoolQ(t *testing.T) {
	r := rand.New(rand.NewSource(24))
	pool := func(h, w, c, k, s, pt, pb int) *generic.PoolParams {
		return &generic.PoolParams{InH: h, InW: w, C: c, KH: k, KW: k, StrideH: s, StrideW: s, PadT: pt, PadL: pt,
			OutH: (h+pt+pb-k)/s + 1, OutW: (w+pt+pb-k)/s + 1}
	}
	cases := []*generic.PoolParams{
		pool(112, 112, 24, 3, 2, 1, 1), // ShuffleNetV2's pool
		pool(9, 9, 5, 3, 2, 1, 1),
		pool(8, 8, 3, 3, 2, 0, 1), // SAME style
		pool(1, 1, 7, 3, 1, 1, 1),
		pool(5, 6, 17, 2, 2, 0, 0),
		pool(4, 4, 2, 3, 1, 2, 2),
		pool(2, 3, 2, 2, 1, 2, 2), // windows of padding only: T's minimum
	}
	for _, p := range cases {
		for rep := 0; rep < 3; rep++ {
			if err := tqCheckMaxPool[int8](r, p); err != nil {
				t.Errorf("int8 %+v: %v", *p, err)
			}
			if err := tqCheckMaxPool[int16](r, p); err != nil {
				t.Errorf("int16 %+v: %v", *p, err)
			}
		}
	}
}

func TestQuantizeF32(t *testing.T) {
	in := []float32{0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 126.6, 1000, -1000, float32(math.NaN()),
		float32(math.Inf(1)), float32(math.Inf(-1)), 3.3, -3.3}
	want8 := []int8{10, 12, 12, 10, 8, 8, 10, 127, 127, -128, 10, 127, -128, 13, 7}
	got8 := make([]int8, len(in))
	generic.QuantizeF32(in, 1, 10, got8)
	if fmt.Sprint(got8) != fmt.Sprint(want8) {
		t.Errorf("QuantizeF32 int8 = %v, want %v (ties to even, saturation, NaN→zp)", got8, want8)
	}
	want16 := []int16{1, 3, 5, -1, -3, -5, 1, 253, 2000, -2000, 0, 32767, -32768, 7, -7}
	got16 := make([]int16, len(in))
	generic.QuantizeF32(in, 2, 0, got16)
	if fmt.Sprint(got16) != fmt.Sprint(want16) {
		t.Errorf("QuantizeF32 int16 = %v, want %v", got16, want16)
	}
	// The product is exact in float64: x·invScale ties that float32
	// arithmetic would round away must still be seen as ties.
	x := float32(0.1)
	s := float32(25) // 0.1f·25 = 2.5000000372... in exact arithmetic: rounds to 3, not to the tie's 2
	var q [1]int8
	generic.QuantizeF32([]float32{x}, s, 0, q[:])
	if q[0] != 3 {
		t.Errorf("QuantizeF32(0.1f·25) = %d, want 3 (exact product 2.5000000373)", q[0])
	}
}

func TestDequantizeQ(t *testing.T) {
	got := make([]float32, 4)
	generic.DequantizeQ([]int8{-128, 0, 5, 127}, 0.5, 5, got)
	want := []float32{-66.5, -2.5, 0, 61}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DequantizeQ = %v, want %v", got, want)
	}
	got16 := make([]float32, 2)
	generic.DequantizeQ([]int16{-32768, 32767}, 0.25, 0, got16)
	if got16[0] != -8192 || got16[1] != 8191.75 {
		t.Errorf("DequantizeQ int16 = %v", got16)
	}
}

// TestQuantizeRoundTrip: dequantize(quantize(x)) is within half a step of
// x inside the representable range.
func TestQuantizeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(25))
	const scale, zp = float32(0.037), int32(-17)
	in := make([]float32, 10000)
	for i := range in {
		in[i] = float32(r.Float64()*9.4 - 4.1) // inside [(-128-zp)·s, (127-zp)·s]
	}
	q := make([]int8, len(in))
	generic.QuantizeF32(in, 1/scale, zp, q)
	back := make([]float32, len(in))
	generic.DequantizeQ(q, scale, zp, back)
	for i := range in {
		if d := math.Abs(float64(back[i] - in[i])); d > 0.5*float64(scale)*1.0001 {
			t.Fatalf("x=%g: quantized %d, back %g: off by %g steps", in[i], q[i], back[i], d/float64(scale))
		}
	}
}
