//go:build !purego

package amd64

import "github.com/edged/edged/kernels/generic"

// The element-wise ops, bound when an engine is planned: each constructor
// checks the op's parameters (and the shapes it is given) once and returns
// a function with kernels/generic's semantics, or ok false when the
// instruction set is None or the parameters are outside what the kernels
// reproduce exactly (the caller then binds kernels/generic). The returned
// functions check nothing and allocate nothing.

// Add is generic.AddQ with p.
func Add[T generic.Q](isa ISA, p *generic.QAdd) (func(x, y, out []T), bool) { return nil, false }

// MulChannels is generic.MulChannelsQ with p on hw pixels of c channels.
func MulChannels[T generic.Q](isa ISA, p *generic.QMulChannels, hw, c int) (func(x, g, out []T), bool) {
	return nil, false
}

// Rescale is generic.RescaleQ with p.
func Rescale[In, Out generic.Q](isa ISA, p *generic.QRescale) (func(in []In, out []Out), bool) {
	return nil, false
}

// GlobalAvgPool is generic.GlobalAvgPoolQ with p over hw pixels of c
// channels.
func GlobalAvgPool[In, Out generic.Q](isa ISA, p *generic.QRescale, hw, c int) (func(in []In, out []Out), bool) {
	return nil, false
}

// MaxPool is generic.MaxPoolQ with p.
func MaxPool[T generic.Q](isa ISA, p *generic.PoolParams) (func(in, out []T), bool) {
	return nil, false
}

// Quantize is generic.QuantizeF32 with invScale and zp.
func Quantize[T generic.Q](isa ISA, invScale float32, zp int32) (func(in []float32, out []T), bool) {
	return nil, false
}

// SliceChannels is generic.SliceChannelsQ of channels [from, to) of hw
// pixels of c channels.
func SliceChannels[T generic.Q](isa ISA, hw, c, from, to int) (func(in, out []T), bool) {
	return nil, false
}

// ConcatChannels is generic.ConcatChannelsQ of hw pixels of ca and cb
// channels.
func ConcatChannels[T generic.Q](isa ISA, ca, cb, hw int) (func(x, y, out []T), bool) {
	return nil, false
}

// ChannelShuffle is generic.ChannelShuffleQ of hw pixels of c channels in
// groups.
func ChannelShuffle[T generic.Q](isa ISA, hw, c, groups int) (func(in, out []T), bool) {
	return nil, false
}

// ConcatShuffle is generic.ConcatShuffleQ of two halves of hw pixels of c2
// channels.
func ConcatShuffle[T generic.Q](isa ISA, hw, c2 int) (func(x, y, out []T), bool) { return nil, false }
