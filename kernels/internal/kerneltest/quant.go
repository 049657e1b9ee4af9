package kerneltest

import (
	"math"
	"math/rand"

	"github.com/edged/edged/kernels/generic"
)

// TypeRange returns T's value range.
func TypeRange[T generic.Q]() (int64, int64) {
	if generic.DTypeOf[T]() == generic.Int16 {
		return math.MinInt16, math.MaxInt16
	}
	return math.MinInt8, math.MaxInt8
}

// RandReal returns a log-uniform real in [lo, hi].
func RandReal(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo)))
}

// ZP draws a zero point for a tensor of T: int16 tensors are symmetric
// (zero point 0) in models, so half of them are.
func ZP[T generic.Q](r *rand.Rand) int32 {
	lo, hi := TypeRange[T]()
	if hi > math.MaxInt8 && r.Intn(2) == 0 {
		return 0
	}
	return int32(lo + r.Int63n(hi-lo+1))
}

// OutRange draws an output's clamp bounds OutMin, OutMax: the type's
// range, a ReLU floor at the zero point, or a range wider than the type
// (which the type must still clamp).
func OutRange[T generic.Q](r *rand.Rand, zp int32) (int32, int32) {
	lo, hi := TypeRange[T]()
	switch r.Intn(4) {
	case 0:
		return zp, int32(hi)
	case 1:
		return -1 << 20, 1 << 20
	}
	return int32(lo), int32(hi)
}
