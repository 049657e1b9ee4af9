package kernels

import "github.com/edged/edged/kernels/generic"

// The element-wise ops on the kernel path in use: kernels/generic's
// signatures and results, NEON where the arm64 kernels cover the shape
// and parameters (they decline otherwise, and generic runs). None of them
// allocates.

// AddQ is generic.AddQ.
func AddQ[T generic.Q](p *generic.QAdd, a, b, out []T) {
	if path != Generic && archAddQ(p, a, b, out) {
		return
	}
	generic.AddQ(p, a, b, out)
}

// MulChannelsQ is generic.MulChannelsQ.
func MulChannelsQ[T generic.Q](p *generic.QMulChannels, x, g, out []T, hw, c int) {
	if path != Generic && archMulChannelsQ(p, x, g, out, hw, c) {
		return
	}
	generic.MulChannelsQ(p, x, g, out, hw, c)
}

// RescaleQ is generic.RescaleQ.
func RescaleQ[In, Out generic.Q](p *generic.QRescale, in []In, out []Out) {
	if path != Generic && archRescaleQ(p, in, out) {
		return
	}
	generic.RescaleQ(p, in, out)
}

// GlobalAvgPoolQ is generic.GlobalAvgPoolQ.
func GlobalAvgPoolQ[In, Out generic.Q](p *generic.QRescale, in []In, hw, c int, out []Out) {
	if path != Generic && archGlobalAvgPoolQ(p, in, hw, c, out) {
		return
	}
	generic.GlobalAvgPoolQ(p, in, hw, c, out)
}

// MaxPoolQ is generic.MaxPoolQ.
func MaxPoolQ[T generic.Q](p *generic.PoolParams, in, out []T) {
	if path != Generic && archMaxPoolQ(p, in, out) {
		return
	}
	generic.MaxPoolQ(p, in, out)
}

// QuantizeF32 is generic.QuantizeF32.
func QuantizeF32[T generic.Q](in []float32, invScale float32, zp int32, out []T) {
	if path != Generic && archQuantizeF32(in, invScale, zp, out) {
		return
	}
	generic.QuantizeF32(in, invScale, zp, out)
}

// SliceChannelsQ is generic.SliceChannelsQ.
func SliceChannelsQ[T generic.Q](in []T, hw, c, from, to int, out []T) {
	if path != Generic && archSliceChannelsQ(in, hw, c, from, to, out) {
		return
	}
	generic.SliceChannelsQ(in, hw, c, from, to, out)
}

// ConcatChannelsQ is generic.ConcatChannelsQ.
func ConcatChannelsQ[T generic.Q](a []T, ca int, b []T, cb int, hw int, out []T) {
	if path != Generic && archConcatChannelsQ(a, ca, b, cb, hw, out) {
		return
	}
	generic.ConcatChannelsQ(a, ca, b, cb, hw, out)
}

// ChannelShuffleQ is generic.ChannelShuffleQ.
func ChannelShuffleQ[T generic.Q](in, out []T, hw, c, groups int) {
	if path != Generic && archChannelShuffleQ(in, out, hw, c, groups) {
		return
	}
	generic.ChannelShuffleQ(in, out, hw, c, groups)
}

// ConcatShuffleQ is generic.ConcatShuffleQ.
func ConcatShuffleQ[T generic.Q](a, b []T, hw, c2 int, out []T) {
	if path != Generic && archConcatShuffleQ(a, b, hw, c2, out) {
		return
	}
	generic.ConcatShuffleQ(a, b, hw, c2, out)
}
