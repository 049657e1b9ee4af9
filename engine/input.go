package engine

import (
	"fmt"
	"time"

	"github.com/edged/edged/kernels"
	"github.com/edged/edged/kernels/generic"
)

// Input is how a model quantizes its input tensor: Run's first step turns
// each float32 value x into clamp(RoundToEven(x·(1/Scale)) + ZP) in DType.
// A caller whose input comes from bytes (a camera frame's uint8 crop) can
// tabulate that step per byte value with QuantizeInput and skip float32
// altogether: RunQuantized then runs the rest of the model.
type Input struct {
	DType generic.DType // generic.Int8 or generic.Int16
	Scale float32
	ZP    int32
	Len   int // values in the input tensor (224·224·3 for ImageNet)
}

// Input returns the quantization of e's input tensor. It only reads what
// New fixed, so it may be called while another goroutine runs e.
func (e *Engine) Input() Input {
	t := &e.m.Tensors[0]
	return Input{DType: t.DType, Scale: t.Scale, ZP: t.ZP, Len: e.inLen}
}

// QuantizeInput does to x exactly what Run's first step does to its
// input, with the same kernel path, writing out8 (an int8 input) or out16
// (int16), each at least len(x) long. It uses none of e's buffers, so it
// may be called while another goroutine runs e.
func (e *Engine) QuantizeInput(x []float32, out8 []int8, out16 []int16) error {
	in := e.Input()
	if in.DType == generic.Int16 {
		f, err := kernels.Quantize[int16](e.ks, 1/in.Scale, in.ZP)
		if err != nil {
			return err
		}
		f(x, out16[:len(x)])
		return nil
	}
	f, err := kernels.Quantize[int8](e.ks, 1/in.Scale, in.ZP)
	if err != nil {
		return err
	}
	f(x, out8[:len(x)])
	return nil
}

// RunQuantized computes the logits of an input already quantized as
// e.Input() says: in8 for an int8 input tensor, in16 for an int16 one,
// Len values. It is Run without its first step (steps[0] is always the
// input quantization, see New), so for the same values it returns the
// same logits bit for bit. The slice belongs to e, as Run's does.
func (e *Engine) RunQuantized(in8 []int8, in16 []int16) ([]float32, error) {
	return e.runQuantized(in8, in16, nil)
}

// RunQuantizedTimed is RunQuantized adding each step's wall time to
// times[i] (len(Layers())); times[0], the input quantization, stays 0.
func (e *Engine) RunQuantizedTimed(in8 []int8, in16 []int16, times []time.Duration) ([]float32, error) {
	return e.runQuantized(in8, in16, times)
}

func (e *Engine) runQuantized(in8 []int8, in16 []int16, times []time.Duration) ([]float32, error) {
	b := e.bufs[0]
	switch {
	case b.i8 != nil && len(in8) == len(b.i8):
		copy(b.i8, in8)
	case b.i16 != nil && len(in16) == len(b.i16):
		copy(b.i16, in16)
	default:
		in := e.Input()
		return nil, fmt.Errorf("quantized input has %d int8 and %d int16 values; the model wants %d %v values (%v)",
			len(in8), len(in16), in.Len, in.DType, e.m.Tensors[0].Shape)
	}
	return e.runSteps(1, times), nil
}
