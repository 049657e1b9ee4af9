//go:build arm64 && !purego

package kernels

import (
	"github.com/edged/edged/kernels/arm64"
	"github.com/edged/edged/kernels/generic"
	"golang.org/x/sys/cpu"
)

// arm64's dispatch: the SDOT path where the CPU has the dot product, the
// ARMv8.0 NEON path on every arm64 CPU (Advanced SIMD is mandatory), and
// generic. Each arch* function binds an op to kernels/arm64, or returns
// nil (generic path, or parameters the NEON kernels decline), in which
// case kernels/generic runs it.

func archPaths() []string {
	if cpu.ARM64.HasASIMDDP {
		return []string{DotProd, NEON, Generic}
	}
	return []string{NEON, Generic}
}

// archSet is a path's instruction set: on for neon and dotprod.
type archSet struct {
	on  bool
	isa arm64.ISA
}

func newArchSet(p string) archSet {
	switch p {
	case NEON:
		return archSet{on: true, isa: arm64.NEON}
	case DotProd:
		return archSet{on: true, isa: arm64.DotProd}
	}
	return archSet{}
}

type archConv = arm64.Conv
type archRunner = arm64.Runner

// archScratch is empty: the NEON Runners keep their own working memory
// (sharing it would add instructions to refill the padding borders, and
// the instruction counts are what is measured on arm64).
type archScratch struct{}

func archNewRunner(c *archConv, p *QConv, _ *Scratch) (*archRunner, bool) { return c.NewRunner(p) }

func archPackConv(a archSet, p *QConv, w []int8, in, out generic.DType) *archConv {
	if !a.on {
		return nil
	}
	c, _ := arm64.PackConv(p, w, in, out, a.isa)
	return c
}

func archPackConvW16(a archSet, p *QConv, w []int16, out generic.DType) *archConv {
	if !a.on {
		return nil
	}
	c, _ := arm64.PackConvW16(p, w, out, a.isa)
	return c
}

func archAdd[T generic.Q](a archSet, p *generic.QAdd) (func(x, y, out []T), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.Add[T](p)
}

func archMulChannels[T generic.Q](a archSet, p *generic.QMulChannels, hw, c int) (func(x, g, out []T), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.MulChannels[T](p, hw, c)
}

func archRescale[In, Out generic.Q](a archSet, p *generic.QRescale) (func(in []In, out []Out), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.Rescale[In, Out](p)
}

func archGlobalAvgPool[In, Out generic.Q](a archSet, p *generic.QRescale, hw, c int) (func(in []In, out []Out), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.GlobalAvgPool[In, Out](p, hw, c)
}

func archMaxPool[T generic.Q](a archSet, p *generic.PoolParams) (func(in, out []T), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.MaxPool[T](p)
}

func archQuantize[T generic.Q](a archSet, invScale float32, zp int32) (func(in []float32, out []T), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.Quantize[T](invScale, zp)
}

func archSliceChannels[T generic.Q](a archSet, hw, c, from, to int) (func(in, out []T), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.SliceChannels[T](hw, c, from, to)
}

func archConcatChannels[T generic.Q](a archSet, ca, cb, hw int) (func(x, y, out []T), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.ConcatChannels[T](ca, cb, hw)
}

func archChannelShuffle[T generic.Q](a archSet, hw, c, groups int) (func(in, out []T), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.ChannelShuffle[T](hw, c, groups)
}

func archConcatShuffle[T generic.Q](a archSet, hw, c2 int) (func(x, y, out []T), bool) {
	if !a.on {
		return nil, false
	}
	return arm64.ConcatShuffle[T](hw, c2)
}
