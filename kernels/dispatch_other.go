//go:build !arm64 || purego

package kernels

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// archPaths: without the arm64 assembly only the generic kernels exist.
func archPaths() []string { return []string{Generic} }

type archConv struct{}
type archRunner struct{}

func archPackConv(p *QConv, w []int8, in, out DType, path string) (*archConv, bool) {
	return nil, false
}

func archPackConvW16(p *QConv, w []int16, out DType, path string) (*archConv, bool) {
	return nil, false
}

func (*archConv) NewRunner(p *QConv) (*archRunner, bool) { return nil, false }
func (*archRunner) Run(in, out unsafe.Pointer)           {}

func archAddQ[T generic.Q](p *generic.QAdd, a, b, out []T) bool { return false }
func archMulChannelsQ[T generic.Q](p *generic.QMulChannels, x, g, out []T, hw, c int) bool {
	return false
}
func archRescaleQ[In, Out generic.Q](p *generic.QRescale, in []In, out []Out) bool { return false }
func archGlobalAvgPoolQ[In, Out generic.Q](p *generic.QRescale, in []In, hw, c int, out []Out) bool {
	return false
}
func archMaxPoolQ[T generic.Q](p *generic.PoolParams, in, out []T) bool { return false }
func archQuantizeF32[T generic.Q](in []float32, invScale float32, zp int32, out []T) bool {
	return false
}
func archSliceChannelsQ[T generic.Q](in []T, hw, c, from, to int, out []T) bool { return false }
func archConcatChannelsQ[T generic.Q](a []T, ca int, b []T, cb int, hw int, out []T) bool {
	return false
}
func archChannelShuffleQ[T generic.Q](in, out []T, hw, c, groups int) bool { return false }
func archConcatShuffleQ[T generic.Q](a, b []T, hw, c2 int, out []T) bool   { return false }
