package kernels

import (
	"fmt"
	"math"

	"github.com/edged/edged/kernels/generic"
)

// The element-wise ops, bound to a kernel path at plan time. Each checks
// its parameters once and returns a function with kernels/generic's
// semantics: the path's NEON kernel where it covers the parameters and
// shape (it declines otherwise), kernels/generic else. The returned
// functions check nothing per call and allocate nothing.

// Add binds generic.AddQ with p.
func Add[T generic.Q](s *Set, p *generic.QAdd) (func(a, b, out []T), error) {
	if f, ok := archAdd[T](s.arch, p); ok {
		return f, nil
	}
	return func(a, b, out []T) { generic.AddQ(p, a, b, out) }, nil
}

// MulChannels binds generic.MulChannelsQ with p on hw pixels of c
// channels.
func MulChannels[T generic.Q](s *Set, p *generic.QMulChannels, hw, c int) (func(x, g, out []T), error) {
	if hw < 1 || c < 1 {
		return nil, fmt.Errorf("squeeze-excitation multiply of %d pixels of %d channels", hw, c)
	}
	if f, ok := archMulChannels[T](s.arch, p, hw, c); ok {
		return f, nil
	}
	return func(x, g, out []T) { generic.MulChannelsQ(p, x, g, out, hw, c) }, nil
}

// Rescale binds generic.RescaleQ with p.
func Rescale[In, Out generic.Q](s *Set, p *generic.QRescale) (func(in []In, out []Out), error) {
	if f, ok := archRescale[In, Out](s.arch, p); ok {
		return f, nil
	}
	return func(in []In, out []Out) { generic.RescaleQ(p, in, out) }, nil
}

// GlobalAvgPool binds generic.GlobalAvgPoolQ with p over hw pixels of c
// channels.
func GlobalAvgPool[In, Out generic.Q](s *Set, p *generic.QRescale, hw, c int) (func(in []In, out []Out), error) {
	if hw < 1 || c < 1 {
		return nil, fmt.Errorf("global average pool of %d pixels of %d channels", hw, c)
	}
	if f, ok := archGlobalAvgPool[In, Out](s.arch, p, hw, c); ok {
		return f, nil
	}
	return func(in []In, out []Out) { generic.GlobalAvgPoolQ(p, in, hw, c, out) }, nil
}

// MaxPool binds generic.MaxPoolQ with p.
func MaxPool[T generic.Q](s *Set, p *generic.PoolParams) (func(in, out []T), error) {
	if p.KH < 1 || p.KW < 1 || p.StrideH < 1 || p.StrideW < 1 || p.C < 1 || p.OutH < 1 || p.OutW < 1 {
		return nil, fmt.Errorf("max pool %+v: window, strides and shapes must be positive", *p)
	}
	if f, ok := archMaxPool[T](s.arch, p); ok {
		return f, nil
	}
	return func(in, out []T) { generic.MaxPoolQ(p, in, out) }, nil
}

// Quantize binds generic.QuantizeF32 with invScale and zp.
func Quantize[T generic.Q](s *Set, invScale float32, zp int32) (func(in []float32, out []T), error) {
	if !(invScale > 0) || math.IsInf(float64(invScale), 0) {
		return nil, fmt.Errorf("quantize: 1/scale %v, want a positive finite number", invScale)
	}
	if f, ok := archQuantize[T](s.arch, invScale, zp); ok {
		return f, nil
	}
	return func(in []float32, out []T) { generic.QuantizeF32(in, invScale, zp, out) }, nil
}

// SliceChannels binds generic.SliceChannelsQ of channels [from, to) of hw
// pixels of c channels.
func SliceChannels[T generic.Q](s *Set, hw, c, from, to int) (func(in, out []T), error) {
	if hw < 1 || from < 0 || from >= to || to > c {
		return nil, fmt.Errorf("slice of channels [%d, %d) of %d, over %d pixels", from, to, c, hw)
	}
	if f, ok := archSliceChannels[T](s.arch, hw, c, from, to); ok {
		return f, nil
	}
	return func(in, out []T) { generic.SliceChannelsQ(in, hw, c, from, to, out) }, nil
}

// ConcatChannels binds generic.ConcatChannelsQ of hw pixels of ca and cb
// channels.
func ConcatChannels[T generic.Q](s *Set, ca, cb, hw int) (func(a, b, out []T), error) {
	if hw < 1 || ca < 1 || cb < 1 {
		return nil, fmt.Errorf("concat of %d and %d channels over %d pixels", ca, cb, hw)
	}
	if f, ok := archConcatChannels[T](s.arch, ca, cb, hw); ok {
		return f, nil
	}
	return func(a, b, out []T) { generic.ConcatChannelsQ(a, ca, b, cb, hw, out) }, nil
}

// ChannelShuffle binds generic.ChannelShuffleQ of hw pixels of c channels
// in groups.
func ChannelShuffle[T generic.Q](s *Set, hw, c, groups int) (func(in, out []T), error) {
	if hw < 1 || groups < 1 || c < groups || c%groups != 0 {
		return nil, fmt.Errorf("channel shuffle of %d channels in %d groups over %d pixels", c, groups, hw)
	}
	if f, ok := archChannelShuffle[T](s.arch, hw, c, groups); ok {
		return f, nil
	}
	return func(in, out []T) { generic.ChannelShuffleQ(in, out, hw, c, groups) }, nil
}

// ConcatShuffle binds generic.ConcatShuffleQ of two halves of hw pixels of
// c2 channels.
func ConcatShuffle[T generic.Q](s *Set, hw, c2 int) (func(a, b, out []T), error) {
	if hw < 1 || c2 < 1 {
		return nil, fmt.Errorf("concat and shuffle of two halves of %d channels over %d pixels", c2, hw)
	}
	if f, ok := archConcatShuffle[T](s.arch, hw, c2); ok {
		return f, nil
	}
	return func(a, b, out []T) { generic.ConcatShuffleQ(a, b, hw, c2, out) }, nil
}
