package engine

import (
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/quant"
)

// buf is one tensor's storage: exactly one of the slices is set, by the
// tensor's element type.
type buf struct {
	i8  []int8
	i16 []int16
	f32 []float32
}

func newBuf(t *quant.Tensor) buf {
	n := t.Shape.Len()
	switch t.DType {
	case generic.Int16:
		return buf{i16: make([]int16, n)}
	case generic.Float32:
		return buf{f32: make([]float32, n)}
	}
	return buf{i8: make([]int8, n)}
}

// slice returns elements [lo, hi) of b.
func (b buf) slice(lo, hi int) buf {
	switch {
	case b.i8 != nil:
		return buf{i8: b.i8[lo:hi]}
	case b.i16 != nil:
		return buf{i16: b.i16[lo:hi]}
	}
	return buf{f32: b.f32[lo:hi]}
}
