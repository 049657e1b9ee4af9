package generic_test

import (
	"math"
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// TestRequantizeHandComputed pins Requantize's arithmetic (qparams.go) with
// values worked out by hand from its three steps, so that the oracle itself
// cannot drift. m1 ≈ 1 and mHalf = 0.5 in Mult's fixed point.
func TestRequantizeHandComputed(t *testing.T) {
	const (
		mHalf = 1 << 30     // 0.5
		m1    = 1<<31 - 1   // 1 - 2^-31
		max32 = 1<<31 - 1   // int32 max
		min32 = -1 << 31    // int32 min
		m3q   = 3 << 29     // 0.75
		big   = 1 << 30     // 2^30
		odd   = 1<<30 + 123 // just above 0.5
	)
	for _, tc := range []struct {
		x, mult, shift, want int32
		why                  string
	}{
		{100, mHalf, 0, 50, "x·0.5"},
		{5, mHalf, 0, 3, "2.5 rounds half up to 3 (SQRDMULH)"},
		{-5, mHalf, 0, -2, "-2.5 rounds half up to -2 (SQRDMULH)"},
		{-7, mHalf, 0, -3, "-3.5 rounds half up to -3"},
		{5, m1, -1, 3, "SQRDMULH gives 5, then 2.5 → 3 (SRSHL)"},
		{-5, m1, -1, -2, "SQRDMULH gives -5 (-4.99999... floors), then -2.5 → -2"},
		{-7, m1, -2, -2, "-1.75 → -2"},
		{-6, m1, -2, -1, "-1.5 → -1"},
		{-3, mHalf, -1, 0, "double rounding: SQRDMULH -1.5 → -1, then -0.5 → 0"},
		{3, mHalf, 2, 6, "shift > 0: 3<<2 = 12, ·0.5 = 6"},
		{1000, m3q, 3, 6000, "1000·8·0.75"},
		{big, mHalf, 2, 1 << 30, "x<<2 saturates to 2^31-1 before ·0.5: (2·(2^31-1)·2^30 + 2^31)>>32 = 2^30"},
		{-big, mHalf, 2, -(1 << 30), "negative saturation: -2^31·0.5"},
		{max32, m1, 0, max32 - 1, "(2·(2^31-1)² + 2^31)>>32 = 2^31-2"},
		{max32, m1, -31, 1, "2^31-2 then (2^31-2 + 2^30)>>31 = 1"},
		{min32, m1, -31, -1, "-2^31·(1-2^-31) = -2^31+1, then (-2^31+1+2^30)>>31 = -1"},
		{min32, min32, 0, max32, "SQRDMULH(-2^31, -2^31) saturates"},
		{min32, min32, -1, 1 << 30, "the saturated 2^31-1, then (2^31-1+1)>>1"},
		{7, odd, 0, 4, "3.5000... rounds up"},
		{0, odd, 5, 0, "zero stays zero"},
		{12345, 0, 0, 0, "mult 0 (QuantizeMultiplier of a tiny real) gives 0"},
		{-12345, 0, 0, 0, "mult 0 gives 0 for negative x too"},
	} {
		if got := generic.Requantize(tc.x, tc.mult, tc.shift); got != tc.want {
			t.Errorf("Requantize(%d, %d, %d) = %d, want %d (%s)", tc.x, tc.mult, tc.shift, got, tc.want, tc.why)
		}
	}
}

// TestRequantizeApproximatesReal checks that Requantize(x, QuantizeMultiplier(r))
// is round(x·r) up to the double rounding of its two steps (≤ 1 off).
func TestRequantizeApproximatesReal(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	for i := 0; i < 200000; i++ {
		real := kerneltest.RandReal(r, 1e-6, 4)
		x := int32(r.Int63n(1<<24) - 1<<23)
		if i%2 == 0 {
			x = int32(r.Intn(2001) - 1000)
		}
		m, s := generic.QuantizeMultiplier(real)
		got := generic.Requantize(x, m, s)
		want := float64(x) * real
		if math.Abs(float64(got)-want) > 1 {
			t.Fatalf("Requantize(%d, QuantizeMultiplier(%g)=(%d,%d)) = %d, want ≈ %g", x, real, m, s, got, want)
		}
	}
}

func TestQuantizeMultiplierRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	check := func(real float64) {
		m, s := generic.QuantizeMultiplier(real)
		if m < 1<<30 || s < -31 || s > 30 {
			t.Fatalf("QuantizeMultiplier(%g) = (%d, %d): mult outside [2^30, 2^31) or shift outside [-31, 30]", real, m, s)
		}
		back := float64(m) * math.Ldexp(1, int(s)-31)
		if rel := math.Abs(back-real) / real; rel >= math.Ldexp(1, -30) {
			t.Fatalf("QuantizeMultiplier(%g) = (%d, %d) = %g: relative error %g", real, m, s, back, rel)
		}
	}
	for i := 0; i < 100000; i++ {
		check(kerneltest.RandReal(r, 1e-6, 4))
		check(kerneltest.RandReal(r, math.Ldexp(1, -32), math.Ldexp(1, 29)))
	}
	for _, real := range []float64{1, 0.5, 0.75, 2, 3, 4, math.Ldexp(1, -32), math.Nextafter(math.Ldexp(1, 30), 0)} {
		check(real)
	}
}

func TestQuantizeMultiplierSpecialCases(t *testing.T) {
	for _, tc := range []struct {
		real        float64
		mult, shift int32
		why         string
	}{
		{1, 1 << 30, 1, "1 = 2^30·2^(1-31)"},
		{0.5, 1 << 30, 0, ""},
		{0.75, 3 << 29, 0, ""},
		{1 - math.Ldexp(1, -40), 1 << 30, 1, "the mantissa rounds to 2^31: carry into the shift"},
		{0.5 - math.Ldexp(1, -40), 1 << 30, 0, "carry from shift -1 to 0"},
		{math.Ldexp(1, -32), 1 << 30, -31, "the smallest representable factor"},
		{math.Ldexp(1, -33), 0, 0, "below 2^-32: zero"},
		{1e-12, 0, 0, "tiny: zero"},
		{0, 0, 0, "zero"},
		{math.NaN(), 0, 0, "NaN"},
		{math.Ldexp(1, 29), 1 << 30, 30, "the largest power of two"},
		{math.Ldexp(1, 30), math.MaxInt32, 30, "too large: clamped"},
		{1e10, math.MaxInt32, 30, "too large: clamped"},
		{math.Inf(1), math.MaxInt32, 30, "+Inf: clamped"},
		{-0.75, -(3 << 29), 0, "negative: negated multiplier"},
	} {
		m, s := generic.QuantizeMultiplier(tc.real)
		if m != tc.mult || s != tc.shift {
			t.Errorf("QuantizeMultiplier(%g) = (%d, %d), want (%d, %d) %s", tc.real, m, s, tc.mult, tc.shift, tc.why)
		}
	}
}
