//go:build !purego

package arm64

import (
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

// The shared helpers of kernels/internal/qtest, by their short names.

func typeRange[T generic.Q]() (int64, int64) { return kerneltest.TypeRange[T]() }

func geom(inH, inW, inC, outC, kh, kw, sh, sw, padT, padB, padL, padR, groups int) generic.ConvParams {
	return kerneltest.Geom(inH, inW, inC, outC, kh, kw, sh, sw, padT, padB, padL, padR, groups)
}

func newQConv[In, Out generic.Q](r *rand.Rand, c generic.ConvParams, epi generic.Epilogue) *generic.QConv {
	return kerneltest.NewQConv[In, Out](r, c, epi)
}

func randQ[T generic.Q](r *rand.Rand, n int, zp int32) []T { return kerneltest.RandQ[T](r, n, zp) }
func randWeights(r *rand.Rand, n int) []int8               { return kerneltest.RandWeights(r, n) }
func compare[T comparable](got, want []T, w, c int) error  { return kerneltest.Compare(got, want, w, c) }
func guarded[T generic.Q | float32](n int) []T             { return kerneltest.Guarded[T](n) }
func checkGuard[T generic.Q | float32](b []T, n int) error { return kerneltest.CheckGuard(b, n) }
