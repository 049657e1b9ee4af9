//go:build !(arm64 || amd64) || purego

package kernels

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// The dispatch of builds without assembly kernels (other architectures,
// the purego tag): only kernels/generic exists, so every arch* function
// binds nothing.

func archPaths() []string { return []string{Generic} }

type archSet struct{}

func newArchSet(string) archSet { return archSet{} }

type archConv struct{}
type archRunner struct{}
type archScratch struct{}

func archPackConv(archSet, *QConv, []int8, generic.DType, generic.DType) *archConv { return nil }
func archPackConvW16(archSet, *QConv, []int16, generic.DType) *archConv            { return nil }

func archNewRunner(*archConv, *QConv, *Scratch) (*archRunner, bool) { return nil, false }
func (*archRunner) Run(in, out unsafe.Pointer)                      {}

func archAdd[T generic.Q](archSet, *generic.QAdd) (func(x, y, out []T), bool) { return nil, false }
func archMulChannels[T generic.Q](archSet, *generic.QMulChannels, int, int) (func(x, g, out []T), bool) {
	return nil, false
}
func archRescale[In, Out generic.Q](archSet, *generic.QRescale) (func(in []In, out []Out), bool) {
	return nil, false
}
func archGlobalAvgPool[In, Out generic.Q](archSet, *generic.QRescale, int, int) (func(in []In, out []Out), bool) {
	return nil, false
}
func archMaxPool[T generic.Q](archSet, *generic.PoolParams) (func(in, out []T), bool) {
	return nil, false
}
func archQuantize[T generic.Q](archSet, float32, int32) (func(in []float32, out []T), bool) {
	return nil, false
}
func archSliceChannels[T generic.Q](archSet, int, int, int, int) (func(in, out []T), bool) {
	return nil, false
}
func archConcatChannels[T generic.Q](archSet, int, int, int) (func(x, y, out []T), bool) {
	return nil, false
}
func archChannelShuffle[T generic.Q](archSet, int, int, int) (func(in, out []T), bool) {
	return nil, false
}
func archConcatShuffle[T generic.Q](archSet, int, int) (func(x, y, out []T), bool) { return nil, false }
