package engine

import (
	"fmt"

	"github.com/edged/edged/kernels"
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/quant"
)

// The functions below bind a kernel to typed buffers once, at load time,
// so that running a task is a plain call: no type switch, no allocation.

// bandConvs packs op's weights once for the kernel path in use and gives
// each thread's share of the conv its own kernels.Conv: row bands share
// the packed weights; a split by output channels (a 1×1 output) packs each
// range's own weights.
func bandConvs(op *quant.Op, p *generic.QConv, subs []subConv, in, out quant.DType) ([]*kernels.Conv, error) {
	nw := max(len(op.W), len(op.W16))
	if len(op.W16) > 0 && in != quant.Int8 {
		return nil, fmt.Errorf("conv with int16 weights needs an int8 input, not %v", in)
	}
	pack := func(q *generic.QConv, lo, hi int) (*kernels.PackedConv, error) {
		if len(op.W16) > 0 {
			return kernels.PackConvW16(q, op.W16[lo:hi], out)
		}
		return kernels.PackConv(q, op.W[lo:hi], in, out)
	}
	var whole *kernels.PackedConv
	convs := make([]*kernels.Conv, len(subs))
	for i, sub := range subs {
		var pc *kernels.PackedConv
		var err error
		switch {
		case sub.wLo != 0 || sub.wHi != nw:
			pc, err = pack(sub.p, sub.wLo, sub.wHi)
		case whole == nil:
			whole, err = pack(p, 0, nw)
			pc = whole
		default:
			pc = whole
		}
		if err != nil {
			return nil, err
		}
		if convs[i], err = pc.Band(sub.p); err != nil {
			return nil, err
		}
	}
	return convs, nil
}

func convTask(c *kernels.Conv, in, out buf) (func(), error) {
	switch {
	case out.f32 != nil && in.i8 != nil:
		return func() { kernels.ConvQFloat(c, in.i8, out.f32) }, nil
	case out.f32 != nil && in.i16 != nil:
		return func() { kernels.ConvQFloat(c, in.i16, out.f32) }, nil
	case in.i8 != nil && out.i8 != nil:
		return func() { kernels.ConvQ(c, in.i8, out.i8) }, nil
	case in.i8 != nil && out.i16 != nil:
		return func() { kernels.ConvQ(c, in.i8, out.i16) }, nil
	case in.i16 != nil && out.i8 != nil:
		return func() { kernels.ConvQ(c, in.i16, out.i8) }, nil
	case in.i16 != nil && out.i16 != nil:
		return func() { kernels.ConvQ(c, in.i16, out.i16) }, nil
	}
	return nil, fmt.Errorf("conv: unsupported element types")
}

func addTask(p *generic.QAdd, a, b, out buf) (func(), error) {
	switch {
	case a.i8 != nil && b.i8 != nil && out.i8 != nil:
		return func() { kernels.AddQ(p, a.i8, b.i8, out.i8) }, nil
	case a.i16 != nil && b.i16 != nil && out.i16 != nil:
		return func() { kernels.AddQ(p, a.i16, b.i16, out.i16) }, nil
	}
	return nil, fmt.Errorf("add: inputs and output must share one element type")
}

func mulChannelsTask(p *generic.QMulChannels, x, g, out buf, hw, c int) (func(), error) {
	switch {
	case x.i8 != nil && g.i8 != nil && out.i8 != nil:
		return func() { kernels.MulChannelsQ(p, x.i8, g.i8, out.i8, hw, c) }, nil
	case x.i16 != nil && g.i16 != nil && out.i16 != nil:
		return func() { kernels.MulChannelsQ(p, x.i16, g.i16, out.i16, hw, c) }, nil
	}
	return nil, fmt.Errorf("squeeze-excitation multiply: input, gate and output must share one element type")
}

func avgPoolTask(p *generic.QRescale, in, out buf, hw, c int) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		return func() { kernels.GlobalAvgPoolQ(p, in.i8, hw, c, out.i8) }, nil
	case in.i8 != nil && out.i16 != nil:
		return func() { kernels.GlobalAvgPoolQ(p, in.i8, hw, c, out.i16) }, nil
	case in.i16 != nil && out.i8 != nil:
		return func() { kernels.GlobalAvgPoolQ(p, in.i16, hw, c, out.i8) }, nil
	case in.i16 != nil && out.i16 != nil:
		return func() { kernels.GlobalAvgPoolQ(p, in.i16, hw, c, out.i16) }, nil
	}
	return nil, fmt.Errorf("global average pool: unsupported element types")
}

func rescaleTask(p *generic.QRescale, in, out buf) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		return func() { kernels.RescaleQ(p, in.i8, out.i8) }, nil
	case in.i8 != nil && out.i16 != nil:
		return func() { kernels.RescaleQ(p, in.i8, out.i16) }, nil
	case in.i16 != nil && out.i8 != nil:
		return func() { kernels.RescaleQ(p, in.i16, out.i8) }, nil
	case in.i16 != nil && out.i16 != nil:
		return func() { kernels.RescaleQ(p, in.i16, out.i16) }, nil
	}
	return nil, fmt.Errorf("rescale: unsupported element types")
}

func maxPoolTask(p *generic.PoolParams, in, out buf) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		return func() { kernels.MaxPoolQ(p, in.i8, out.i8) }, nil
	case in.i16 != nil && out.i16 != nil:
		return func() { kernels.MaxPoolQ(p, in.i16, out.i16) }, nil
	}
	return nil, fmt.Errorf("max pool: input and output must share one element type")
}

func sliceTask(in, out buf, hw, c, from, to int) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		return func() { kernels.SliceChannelsQ(in.i8, hw, c, from, to, out.i8) }, nil
	case in.i16 != nil && out.i16 != nil:
		return func() { kernels.SliceChannelsQ(in.i16, hw, c, from, to, out.i16) }, nil
	}
	return nil, fmt.Errorf("slice: input and output must share one element type")
}

func shuffleTask(in, out buf, hw, c, groups int) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		return func() { kernels.ChannelShuffleQ(in.i8, out.i8, hw, c, groups) }, nil
	case in.i16 != nil && out.i16 != nil:
		return func() { kernels.ChannelShuffleQ(in.i16, out.i16, hw, c, groups) }, nil
	}
	return nil, fmt.Errorf("shuffle: input and output must share one element type")
}

func concatTask(a buf, ca int, b buf, cb, hw int, out buf) (func(), error) {
	switch {
	case a.i8 != nil && b.i8 != nil && out.i8 != nil:
		return func() { kernels.ConcatChannelsQ(a.i8, ca, b.i8, cb, hw, out.i8) }, nil
	case a.i16 != nil && b.i16 != nil && out.i16 != nil:
		return func() { kernels.ConcatChannelsQ(a.i16, ca, b.i16, cb, hw, out.i16) }, nil
	}
	return nil, fmt.Errorf("concat: inputs and output must share one element type")
}

func quantizeTask(in []float32, invScale float32, zp int32, out buf) func() {
	if out.i16 != nil {
		return func() { kernels.QuantizeF32(in, invScale, zp, out.i16) }
	}
	return func() { kernels.QuantizeF32(in, invScale, zp, out.i8) }
}
