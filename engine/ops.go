package engine

import (
	"fmt"

	"github.com/edged/edged/kernels"
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/quant"
)

// The functions below bind each op to the engine's kernel path and to its
// typed buffers once, at plan time: kernels checks the op's parameters
// then, and running a task is a plain call — no type switch, no path
// lookup, no allocation.

// bandConvs packs op's weights once for the engine's kernel path and gives
// each thread's share of the conv its own kernels.ConvBand, whose working
// memory is that thread's scratch (scratch[i] for subs[i]): row bands
// share the packed weights; a split by output channels (a 1×1 output)
// packs each range's own weights.
func bandConvs(ks *kernels.Set, op *quant.Op, p *generic.QConv, subs []subConv, in, out generic.DType, scratch []*kernels.Scratch) ([]*kernels.ConvBand, error) {
	nw := max(len(op.W), len(op.W16))
	if len(op.W16) > 0 && in != generic.Int8 {
		return nil, fmt.Errorf("conv with int16 weights needs an int8 input, not %v", in)
	}
	pack := func(q *generic.QConv, lo, hi int) (*kernels.PackedConv, error) {
		if len(op.W16) > 0 {
			return kernels.PackConvW16(ks, q, op.W16[lo:hi], out)
		}
		return kernels.PackConv(ks, q, op.W[lo:hi], in, out)
	}
	var whole *kernels.PackedConv
	convs := make([]*kernels.ConvBand, len(subs))
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
		if convs[i], err = pc.Band(sub.p, scratch[i]); err != nil {
			return nil, err
		}
	}
	return convs, nil
}

func convTask(c *kernels.ConvBand, in, out buf) (func(), error) {
	switch {
	case out.f32 != nil && in.i8 != nil:
		return kernels.ConvFloat(c, in.i8, out.f32)
	case out.f32 != nil && in.i16 != nil:
		return kernels.ConvFloat(c, in.i16, out.f32)
	case in.i8 != nil && out.i8 != nil:
		return kernels.Conv(c, in.i8, out.i8)
	case in.i8 != nil && out.i16 != nil:
		return kernels.Conv(c, in.i8, out.i16)
	case in.i16 != nil && out.i8 != nil:
		return kernels.Conv(c, in.i16, out.i8)
	case in.i16 != nil && out.i16 != nil:
		return kernels.Conv(c, in.i16, out.i16)
	}
	return nil, fmt.Errorf("conv: unsupported element types")
}

// task2 and task3 bind an op, once kernels has bound it, to its buffers.
func task2[A, B any](f func(A, B), err error, a A, b B) (func(), error) {
	if err != nil {
		return nil, err
	}
	return func() { f(a, b) }, nil
}

func task3[A, B, C any](f func(A, B, C), err error, a A, b B, c C) (func(), error) {
	if err != nil {
		return nil, err
	}
	return func() { f(a, b, c) }, nil
}

func addTask(ks *kernels.Set, p *generic.QAdd, a, b, out buf) (func(), error) {
	switch {
	case a.i8 != nil && b.i8 != nil && out.i8 != nil:
		f, err := kernels.Add[int8](ks, p)
		return task3(f, err, a.i8, b.i8, out.i8)
	case a.i16 != nil && b.i16 != nil && out.i16 != nil:
		f, err := kernels.Add[int16](ks, p)
		return task3(f, err, a.i16, b.i16, out.i16)
	}
	return nil, fmt.Errorf("add: inputs and output must share one element type")
}

func mulChannelsTask(ks *kernels.Set, p *generic.QMulChannels, x, g, out buf, hw, c int) (func(), error) {
	switch {
	case x.i8 != nil && g.i8 != nil && out.i8 != nil:
		f, err := kernels.MulChannels[int8](ks, p, hw, c)
		return task3(f, err, x.i8, g.i8, out.i8)
	case x.i16 != nil && g.i16 != nil && out.i16 != nil:
		f, err := kernels.MulChannels[int16](ks, p, hw, c)
		return task3(f, err, x.i16, g.i16, out.i16)
	}
	return nil, fmt.Errorf("squeeze-excitation multiply: input, gate and output must share one element type")
}

func avgPoolTask(ks *kernels.Set, p *generic.QRescale, in, out buf, hw, c int) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		f, err := kernels.GlobalAvgPool[int8, int8](ks, p, hw, c)
		return task2(f, err, in.i8, out.i8)
	case in.i8 != nil && out.i16 != nil:
		f, err := kernels.GlobalAvgPool[int8, int16](ks, p, hw, c)
		return task2(f, err, in.i8, out.i16)
	case in.i16 != nil && out.i8 != nil:
		f, err := kernels.GlobalAvgPool[int16, int8](ks, p, hw, c)
		return task2(f, err, in.i16, out.i8)
	case in.i16 != nil && out.i16 != nil:
		f, err := kernels.GlobalAvgPool[int16, int16](ks, p, hw, c)
		return task2(f, err, in.i16, out.i16)
	}
	return nil, fmt.Errorf("global average pool: unsupported element types")
}

func rescaleTask(ks *kernels.Set, p *generic.QRescale, in, out buf) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		f, err := kernels.Rescale[int8, int8](ks, p)
		return task2(f, err, in.i8, out.i8)
	case in.i8 != nil && out.i16 != nil:
		f, err := kernels.Rescale[int8, int16](ks, p)
		return task2(f, err, in.i8, out.i16)
	case in.i16 != nil && out.i8 != nil:
		f, err := kernels.Rescale[int16, int8](ks, p)
		return task2(f, err, in.i16, out.i8)
	case in.i16 != nil && out.i16 != nil:
		f, err := kernels.Rescale[int16, int16](ks, p)
		return task2(f, err, in.i16, out.i16)
	}
	return nil, fmt.Errorf("rescale: unsupported element types")
}

func maxPoolTask(ks *kernels.Set, p *generic.PoolParams, in, out buf) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		f, err := kernels.MaxPool[int8](ks, p)
		return task2(f, err, in.i8, out.i8)
	case in.i16 != nil && out.i16 != nil:
		f, err := kernels.MaxPool[int16](ks, p)
		return task2(f, err, in.i16, out.i16)
	}
	return nil, fmt.Errorf("max pool: input and output must share one element type")
}

func sliceTask(ks *kernels.Set, in, out buf, hw, c, from, to int) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		f, err := kernels.SliceChannels[int8](ks, hw, c, from, to)
		return task2(f, err, in.i8, out.i8)
	case in.i16 != nil && out.i16 != nil:
		f, err := kernels.SliceChannels[int16](ks, hw, c, from, to)
		return task2(f, err, in.i16, out.i16)
	}
	return nil, fmt.Errorf("slice: input and output must share one element type")
}

func shuffleTask(ks *kernels.Set, in, out buf, hw, c, groups int) (func(), error) {
	switch {
	case in.i8 != nil && out.i8 != nil:
		f, err := kernels.ChannelShuffle[int8](ks, hw, c, groups)
		return task2(f, err, in.i8, out.i8)
	case in.i16 != nil && out.i16 != nil:
		f, err := kernels.ChannelShuffle[int16](ks, hw, c, groups)
		return task2(f, err, in.i16, out.i16)
	}
	return nil, fmt.Errorf("shuffle: input and output must share one element type")
}

func concatTask(ks *kernels.Set, a buf, ca int, b buf, cb, hw int, out buf) (func(), error) {
	switch {
	case a.i8 != nil && b.i8 != nil && out.i8 != nil:
		f, err := kernels.ConcatChannels[int8](ks, ca, cb, hw)
		return task3(f, err, a.i8, b.i8, out.i8)
	case a.i16 != nil && b.i16 != nil && out.i16 != nil:
		f, err := kernels.ConcatChannels[int16](ks, ca, cb, hw)
		return task3(f, err, a.i16, b.i16, out.i16)
	}
	return nil, fmt.Errorf("concat: inputs and output must share one element type")
}

// quantizeTask quantizes the float32 input *in (the slice Run was given,
// read when the task runs: Run does not copy it) into out.
func quantizeTask(ks *kernels.Set, in *[]float32, invScale float32, zp int32, out buf) (func(), error) {
	if out.i16 != nil {
		return quantizeInto(ks, in, invScale, zp, out.i16)
	}
	return quantizeInto(ks, in, invScale, zp, out.i8)
}

func quantizeInto[T generic.Q](ks *kernels.Set, in *[]float32, invScale float32, zp int32, out []T) (func(), error) {
	f, err := kernels.Quantize[T](ks, invScale, zp)
	if err != nil {
		return nil, err
	}
	return func() { f(*in, out) }, nil
}
