//go:build amd64 && !purego

package kernels

import (
	"github.com/edged/edged/kernels/amd64"
	"github.com/edged/edged/kernels/generic"
)

// amd64's dispatch: the AVX-512 VNNI path where the CPU has it, the AVX2
// path where it has AVX2, and generic. Each arch* function asks
// kernels/amd64 for the op on the set's instruction set; amd64 declines
// (nil, false) on the generic path and for parameters its kernels do not
// reproduce exactly, and kernels/generic then runs the op.

func archPaths() []string {
	switch amd64.Best() {
	case amd64.VNNI:
		return []string{VNNI, AVX2, Generic}
	case amd64.AVX2:
		return []string{AVX2, Generic}
	}
	return []string{Generic}
}

// archSet is a path's instruction set (amd64.None for generic).
type archSet struct{ isa amd64.ISA }

func newArchSet(p string) archSet {
	return archSet{map[string]amd64.ISA{AVX2: amd64.AVX2, VNNI: amd64.VNNI}[p]}
}

type archConv = amd64.Conv
type archRunner = amd64.Runner
type archScratch = amd64.Scratch

func archNewRunner(c *archConv, p *QConv, s *Scratch) (*archRunner, bool) {
	if s == nil {
		return c.NewRunner(p)
	}
	return c.NewRunnerScratch(p, &s.arch)
}

func archPackConv(a archSet, p *QConv, w []int8, in, out generic.DType) *archConv {
	c, _ := amd64.PackConv(a.isa, p, w, nil, in, out)
	return c
}

func archPackConvW16(a archSet, p *QConv, w []int16, out generic.DType) *archConv {
	c, _ := amd64.PackConv(a.isa, p, nil, w, generic.Int8, out)
	return c
}

func archAdd[T generic.Q](a archSet, p *generic.QAdd) (func(x, y, out []T), bool) {
	return amd64.Add[T](a.isa, p)
}
func archMulChannels[T generic.Q](a archSet, p *generic.QMulChannels, hw, c int) (func(x, g, out []T), bool) {
	return amd64.MulChannels[T](a.isa, p, hw, c)
}
func archRescale[In, Out generic.Q](a archSet, p *generic.QRescale) (func(in []In, out []Out), bool) {
	return amd64.Rescale[In, Out](a.isa, p)
}
func archGlobalAvgPool[In, Out generic.Q](a archSet, p *generic.QRescale, hw, c int) (func(in []In, out []Out), bool) {
	return amd64.GlobalAvgPool[In, Out](a.isa, p, hw, c)
}
func archMaxPool[T generic.Q](a archSet, p *generic.PoolParams) (func(in, out []T), bool) {
	return amd64.MaxPool[T](a.isa, p)
}
func archQuantize[T generic.Q](a archSet, invScale float32, zp int32) (func(in []float32, out []T), bool) {
	return amd64.Quantize[T](a.isa, invScale, zp)
}
func archSliceChannels[T generic.Q](a archSet, hw, c, from, to int) (func(in, out []T), bool) {
	return amd64.SliceChannels[T](a.isa, hw, c, from, to)
}
func archConcatChannels[T generic.Q](a archSet, ca, cb, hw int) (func(x, y, out []T), bool) {
	return amd64.ConcatChannels[T](a.isa, ca, cb, hw)
}
func archChannelShuffle[T generic.Q](a archSet, hw, c, groups int) (func(in, out []T), bool) {
	return amd64.ChannelShuffle[T](a.isa, hw, c, groups)
}
func archConcatShuffle[T generic.Q](a archSet, hw, c2 int) (func(x, y, out []T), bool) {
	return amd64.ConcatShuffle[T](a.isa, hw, c2)
}
