//go:build arm64 && !purego

package kernels

import (
	"github.com/edged/edged/kernels/arm64"
	"github.com/edged/edged/kernels/generic"
	"golang.org/x/sys/cpu"
)

// archPaths: the SDOT path where the CPU has the dot product, and the
// ARMv8.0 NEON path on every arm64 CPU (Advanced SIMD is mandatory).
func archPaths() []string {
	if cpu.ARM64.HasASIMDDP {
		return []string{DotProd, NEON, Generic}
	}
	return []string{NEON, Generic}
}

type archConv = arm64.Conv
type archRunner = arm64.Runner

func archPackConv(p *QConv, w []int8, in, out DType, path string) (*archConv, bool) {
	if path == Generic {
		return nil, false
	}
	isa := arm64.NEON
	if path == DotProd {
		isa = arm64.DotProd
	}
	return arm64.PackConv(p, w, arm64.Elem(in), arm64.Elem(out), isa)
}

func archPackConvW16(p *QConv, w []int16, out DType, path string) (*archConv, bool) {
	if path == Generic {
		return nil, false
	}
	isa := arm64.NEON
	if path == DotProd {
		isa = arm64.DotProd
	}
	return arm64.PackConvW16(p, w, arm64.Elem(out), isa)
}

func archAddQ[T generic.Q](p *generic.QAdd, a, b, out []T) bool { return arm64.AddQ(p, a, b, out) }
func archMulChannelsQ[T generic.Q](p *generic.QMulChannels, x, g, out []T, hw, c int) bool {
	return arm64.MulChannelsQ(p, x, g, out, hw, c)
}
func archRescaleQ[In, Out generic.Q](p *generic.QRescale, in []In, out []Out) bool {
	return arm64.RescaleQ(p, in, out)
}
func archGlobalAvgPoolQ[In, Out generic.Q](p *generic.QRescale, in []In, hw, c int, out []Out) bool {
	return arm64.GlobalAvgPoolQ(p, in, hw, c, out)
}
func archMaxPoolQ[T generic.Q](p *generic.PoolParams, in, out []T) bool {
	return arm64.MaxPoolQ(p, in, out)
}
func archQuantizeF32[T generic.Q](in []float32, invScale float32, zp int32, out []T) bool {
	return arm64.QuantizeF32(in, invScale, zp, out)
}
func archSliceChannelsQ[T generic.Q](in []T, hw, c, from, to int, out []T) bool {
	return arm64.SliceChannelsQ(in, hw, c, from, to, out)
}
func archConcatChannelsQ[T generic.Q](a []T, ca int, b []T, cb int, hw int, out []T) bool {
	return arm64.ConcatChannelsQ(a, ca, b, cb, hw, out)
}
func archChannelShuffleQ[T generic.Q](in, out []T, hw, c, groups int) bool {
	return arm64.ChannelShuffleQ(in, out, hw, c, groups)
}
func archConcatShuffleQ[T generic.Q](a, b []T, hw, c2 int, out []T) bool {
	return arm64.ConcatShuffleQ(a, b, hw, c2, out)
}
