package engine_test

import (
	"math"
	"testing"

	"github.com/edged/edged/engine"
)

// TestInputQuantized checks the first step exactly: after a run, the
// input tensor holds round-half-even(x/scale) + zp, clamped, for the
// model's own input scale and zero point. Logit-level tests cannot see an
// input zero point off by one (one input step moves the SQNR against the
// float model by less than its noise); this sees any such slip at once.
func TestInputQuantized(t *testing.T) {
	ms, _, inputs := models(t)
	for arch, m := range ms {
		e, err := engine.New(m, engine.Options{Threads: 2, KeepTensors: true})
		if err != nil {
			t.Fatal(err)
		}
		in := m.Tensors[0]
		lo, hi := float64(in.DType.Min()), float64(in.DType.Max())
		inv := float64(1 / in.Scale)
		for n, x := range inputs[:2] {
			if _, err := e.Run(x); err != nil {
				t.Fatal(err)
			}
			i8, i16, _ := e.Tensor(0)
			got := func(i int) int32 {
				if i16 != nil {
					return int32(i16[i])
				}
				return int32(i8[i])
			}
			bad := 0
			for i, v := range x {
				want := int32(min(max(math.RoundToEven(float64(v)*inv)+float64(in.ZP), lo), hi))
				if g := got(i); g != want {
					if bad++; bad <= 3 {
						t.Errorf("%s, input %d: value %d (%v) quantized to %d, want %d (scale %v, zp %d)", arch, n, i, v, g, want, in.Scale, in.ZP)
					}
				}
			}
			if bad > 3 {
				t.Errorf("%s, input %d: %d of %d values quantized wrongly", arch, n, bad, len(x))
			}
		}
		e.Close()
	}
}
