//go:build !purego

package arm64

import (
	"fmt"
	"math/rand"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
	"golang.org/x/sys/cpu"
)

// isas lists the instruction sets this CPU can run.
func isas() []ISA {
	if cpu.ARM64.HasASIMDDP {
		return []ISA{NEON, DotProd}
	}
	return []ISA{NEON}
}

func (i ISA) String() string {
	if i == DotProd {
		return "dotprod"
	}
	return "neon"
}

// randQ draws n values of T, uniform over the type or near the zero point.
func randQ[T generic.Q](r *rand.Rand, n int, zp int32) []T {
	lo, hi := kerneltest.TypeRange[T]()
	if r.Intn(2) == 0 {
		lo, hi = max(lo, int64(zp)-100), min(hi, int64(zp)+100)
	}
	v := make([]T, n)
	for i := range v {
		v[i] = T(lo + r.Int63n(hi-lo+1))
	}
	return v
}

// randWeights draws int8 weights in [-127, 127] (symmetric quantization).
func randWeights(r *rand.Rand, n int) []int8 {
	w := make([]int8, n)
	for i := range w {
		w[i] = int8(r.Intn(255) - 127)
	}
	return w
}

// compare is kerneltest.Compare.
func compare[T comparable](got, want []T, w, c int) error { return kerneltest.Compare(got, want, w, c) }

const guard = 16

// guarded returns a slice of n elements followed by guard sentinels.
func guarded[T generic.Q | float32](n int) []T {
	b := make([]T, n+guard)
	for i := range b {
		b[i] = T(0x55)
	}
	return b
}

func checkGuard[T generic.Q | float32](b []T, n int) error {
	for _, v := range b[n:] {
		if v != T(0x55) {
			return fmt.Errorf("wrote past the output")
		}
	}
	return nil
}
