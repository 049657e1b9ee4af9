package kerneltest

import (
	"fmt"
	"math/rand"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// Random tensors and guarded outputs for the assembly kernels' tests.

// RandQ draws n values of T, uniform over the type or near the zero point.
func RandQ[T generic.Q](r *rand.Rand, n int, zp int32) []T {
	lo, hi := TypeRange[T]()
	if r.Intn(2) == 0 {
		lo, hi = max(lo, int64(zp)-100), min(hi, int64(zp)+100)
	}
	v := make([]T, n)
	for i := range v {
		v[i] = T(lo + r.Int63n(hi-lo+1))
	}
	return v
}

// RandWeights draws int8 weights in [-127, 127] (symmetric quantization).
func RandWeights(r *rand.Rand, n int) []int8 {
	w := make([]int8, n)
	for i := range w {
		w[i] = int8(r.Intn(255) - 127)
	}
	return w
}

// RandWeights16 draws int16 weights in [-32767, 32767].
func RandWeights16(r *rand.Rand, n int) []int16 {
	w := make([]int16, n)
	for i := range w {
		w[i] = int16(r.Intn(65535) - 32767)
	}
	return w
}

const guard = 16

// Guarded returns a slice of n elements followed by guard sentinels.
func Guarded[T generic.Q | float32](n int) []T {
	b := make([]T, n+guard)
	for i := range b {
		b[i] = T(0x55)
	}
	return b
}

// CheckGuard reports a write past the first n elements of a Guarded slice.
func CheckGuard[T generic.Q | float32](b []T, n int) error {
	for _, v := range b[n:] {
		if v != T(0x55) {
			return fmt.Errorf("wrote past the output")
		}
	}
	return nil
}

// Ptr is the address of s's first element.
func Ptr[T any](s []T) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }
