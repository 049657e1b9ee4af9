package engine_test

import (
	"math"
	"testing"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/quant"
)

// RunQuantized from Input.Quantize's values gives Run's logits bit for
// bit, for int8 and int16 input tensors alike, and refuses a wrong input.
func TestRunQuantizedEqualsRun(t *testing.T) {
	ms, _, inputs := models(t)
	for arch, m := range ms {
		for _, dt := range []generic.DType{generic.Int8, generic.Int16} {
			mm := *m
			mm.Tensors = append([]quant.Tensor(nil), m.Tensors...)
			if dt == generic.Int16 && mm.Tensors[0].DType != generic.Int16 {
				mm.Tensors[0].DType = generic.Int16
				mm.Tensors[0].Scale /= 256 // int16 range, same span
				mm.Tensors[0].ZP = 0       // symmetric, as the scheme requires
			}
			e, err := engine.New(&mm, engine.Options{})
			if err != nil {
				t.Fatalf("%s %v: %v", arch, dt, err)
			}
			in := e.Input()
			if in.DType != mm.Tensors[0].DType || in.Len != len(inputs[0]) {
				t.Fatalf("%s: Input() = %+v", arch, in)
			}
			q8, q16 := make([]int8, in.Len), make([]int16, in.Len)
			for _, x := range inputs[:2] {
				want, err := e.Run(x)
				if err != nil {
					t.Fatal(err)
				}
				want = append([]float32(nil), want...)
				if err := e.QuantizeInput(x, q8, q16); err != nil {
					t.Fatal(err)
				}
				got, err := e.RunQuantized(q8, q16)
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s %v: logit %d = %v from RunQuantized, %v from Run", arch, in.DType, i, got[i], want[i])
					}
				}
			}
			if _, err := e.RunQuantized(q8[:10], q16[:10]); err == nil {
				t.Errorf("%s: RunQuantized accepted 10 values", arch)
			}
			e.Close()
		}
	}
}
