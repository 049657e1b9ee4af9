package quant

import (
	"math"
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
)

func observed(x []float32) *Observer {
	var o Observer
	o.ObserveRange(x)
	o.StartHistogram()
	o.ObserveHist(x)
	return &o
}

func TestParams(t *testing.T) {
	for _, tc := range []struct {
		r      Range
		d      generic.DType
		scale  float32
		zp     int32
		exact0 bool
	}{
		{Range{-1, 3}, generic.Int8, 4.0 / 255, -64, true},
		{Range{0.5, 2}, generic.Int8, 2.0 / 255, -128, true}, // widened to include 0
		{Range{-2, -1}, generic.Int8, 2.0 / 255, 127, true},
		{Range{-3, 2}, generic.Int16, 3.0 / 32767, 0, true},
		{Range{0, 0}, generic.Int8, 1, 0, true}, // a dead tensor: scale 1, never 0
		{Range{0, 0}, generic.Int16, 1, 0, true},
	} {
		s, zp := Params(tc.r, tc.d)
		if math.Abs(float64(s-tc.scale)) > 1e-7 || zp != tc.zp {
			t.Errorf("Params(%v, %v) = %v, %d; want %v, %d", tc.r, tc.d, s, zp, tc.scale, tc.zp)
		}
	}
}

func TestChooseRange(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	x := make([]float32, 200000)
	for i := range x {
		x[i] = float32(math.Max(0, r.NormFloat64()))
	}
	x[0] = 40 // one outlier far out
	o := observed(x)
	mm, _ := ChooseRange(o, "minmax", 256)
	if mm.Min != 0 || mm.Max != 40 {
		t.Errorf("minmax %v", mm)
	}
	for _, m := range []string{"percentile", "entropy"} {
		got, err := ChooseRange(o, m, 256)
		if err != nil {
			t.Fatal(err)
		}
		// Each clips the lone outlier but keeps the bulk (99.99 % of a
		// half-normal is below 3.9).
		if got.Min != 0 || got.Max < 2.5 || got.Max > 10 {
			t.Errorf("%s: %v, want [0, 2.5..10]", m, got)
		}
	}
	// mse weighs the outlier's clipping error against everyone's rounding
	// noise: its choice must beat both the full range and a tight clip.
	got, _ := ChooseRange(o, "mse", 256)
	e := o.clipError(float64(got.Min), float64(got.Max), 256)
	if e > o.clipError(0, 40, 256) || e > o.clipError(0, 4, 256) || got.Max >= 40 {
		t.Errorf("mse: %v (error %g) is no better than [0 40] (%g) or [0 4] (%g)", got, e, o.clipError(0, 40, 256), o.clipError(0, 4, 256))
	}
	if _, err := ChooseRange(o, "magic", 256); err == nil {
		t.Error("an unknown method was accepted")
	}
	// A two-sided distribution keeps both sides.
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	o = observed(x)
	for _, m := range Methods {
		got, _ := ChooseRange(o, m, 256)
		if got.Min > -2.5 || got.Max < 2.5 {
			t.Errorf("%s on N(0,1): %v clips the bulk", m, got)
		}
	}
	// A constant tensor (a dead branch) is left as it is.
	o = observed(make([]float32, 100))
	for _, m := range Methods {
		if got, _ := ChooseRange(o, m, 256); got != (Range{}) {
			t.Errorf("%s on zeros: %v", m, got)
		}
	}
}
