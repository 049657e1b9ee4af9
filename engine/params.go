package engine

import (
	"fmt"
	"math"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/quant"
)

// mult converts a real multiplier into generic.Requantize's fixed point.
func mult(real float64) (int32, int32) { return generic.QuantizeMultiplier(real) }

// sumW is Σw over one output channel of a conv's int8 or int16 weights.
func sumW(op *quant.Op, o, k int) int64 {
	var s int64
	for _, v := range op.W16[min(o*k, len(op.W16)):min((o+1)*k, len(op.W16))] {
		s += int64(v)
	}
	for _, v := range op.W[min(o*k, len(op.W)):min((o+1)*k, len(op.W))] {
		s += int64(v)
	}
	return s
}

// convParams derives a conv's kernel parameters from the model: the
// zero point folded into the bias, one multiplier per output channel, and
// the epilogue that applies the activation.
func convParams(op *quant.Op, in, out *quant.Tensor) (*generic.QConv, error) {
	c := op.Conv
	k := c.KH * c.KW * (c.InC / c.Groups)
	// A model file is validated, but these int32 bounds are the engine's
	// own contract: past them an accumulator could wrap.
	if in.DType == generic.Int16 && k > quant.MaxInt16InputK {
		return nil, fmt.Errorf("%s: an int16 input over %d values overflows the accumulator (limit %d): recalibrate", op.Name, k, quant.MaxInt16InputK)
	}
	if len(op.W16) > 0 && k > quant.MaxInt16WeightK {
		return nil, fmt.Errorf("%s: int16 weights over %d inputs overflow the accumulator (limit %d): recalibrate", op.Name, k, quant.MaxInt16WeightK)
	}
	p := &generic.QConv{ConvParams: c, InZP: in.ZP, OutZP: out.ZP,
		Bias: make([]int32, c.OutC), Mult: make([]int32, c.OutC), Shift: make([]int32, c.OutC),
		OutMin: out.DType.Min(), OutMax: out.DType.Max()}
	for o := 0; o < c.OutC; o++ {
		b := int64(op.Bias[o]) - int64(in.ZP)*sumW(op, o, k)
		if b > math.MaxInt32 || b < math.MinInt32 {
			return nil, fmt.Errorf("%s: bias of channel %d overflows int32 after folding the zero point", op.Name, o)
		}
		p.Bias[o] = int32(b)
	}
	accScale := func(o int) float64 { return float64(in.Scale) * float64(op.WScale[o]) }
	if out.DType == generic.Float32 {
		p.Epi = generic.EpiFloat
		p.OutScale = make([]float32, c.OutC)
		for o := range p.OutScale {
			p.OutScale[o] = float32(accScale(o))
		}
		return p, nil
	}
	so := float64(out.Scale)
	switch c.Act {
	case generic.ActNone:
		p.Epi = generic.EpiClamp
	case generic.ActReLU:
		p.Epi = generic.EpiClamp
		p.OutMin = max(p.OutMin, out.ZP)
	case generic.ActReLU6:
		p.Epi = generic.EpiClamp
		p.OutMin = max(p.OutMin, out.ZP)
		p.OutMax = min(p.OutMax, out.ZP+int32(math.Round(6/so)))
	case generic.ActHardswish, generic.ActHardsigmoid:
		s := float64(op.PreScale)
		if s <= 0 {
			return nil, fmt.Errorf("%s: no pre-activation scale for the fused %v", op.Name, c.Act)
		}
		p.Three = int32(math.Round(3 / s))
		p.Six = int32(math.Round(6 / s))
		if c.Act == generic.ActHardswish {
			p.Epi = generic.EpiHardswish
			p.PostMult, p.PostShift = mult(s * s / (6 * so))
		} else {
			p.Epi = generic.EpiHardsigmoid
			p.PostMult, p.PostShift = mult(s / (6 * so))
		}
		for o := 0; o < c.OutC; o++ {
			p.Mult[o], p.Shift[o] = mult(accScale(o) / s)
		}
		return p, nil
	default:
		return nil, fmt.Errorf("%s: activation %v has no integer epilogue", op.Name, c.Act)
	}
	for o := 0; o < c.OutC; o++ {
		p.Mult[o], p.Shift[o] = mult(accScale(o) / so)
	}
	return p, nil
}

// addParams is TFLite's residual-add rescaling.
func addParams(op *quant.Op, a, b, out *quant.Tensor) *generic.QAdd {
	ls := int32(20)
	if a.DType == generic.Int16 || b.DType == generic.Int16 {
		ls = 15
	}
	twice := 2 * math.Max(float64(a.Scale), float64(b.Scale))
	p := &generic.QAdd{AZP: a.ZP, BZP: b.ZP, OutZP: out.ZP, LeftShift: ls,
		OutMin: out.DType.Min(), OutMax: out.DType.Max()}
	p.AMult, p.AShift = mult(float64(a.Scale) / twice)
	p.BMult, p.BShift = mult(float64(b.Scale) / twice)
	p.OutMult, p.OutShift = mult(twice / (float64(int64(1)<<ls) * float64(out.Scale)))
	if op.Act == generic.ActReLU {
		p.OutMin = max(p.OutMin, out.ZP)
	}
	return p
}

func mulChannelsParams(x, g, out *quant.Tensor) *generic.QMulChannels {
	p := &generic.QMulChannels{XZP: x.ZP, GZP: g.ZP, OutZP: out.ZP, OutMin: out.DType.Min(), OutMax: out.DType.Max()}
	p.Mult, p.Shift = mult(float64(x.Scale) * float64(g.Scale) / float64(out.Scale))
	return p
}

// rescaleParams maps in's quantization onto out's; count > 1 divides too
// (a global average pool sums count values).
func rescaleParams(in, out *quant.Tensor, count int) *generic.QRescale {
	p := &generic.QRescale{InZP: in.ZP, OutZP: out.ZP, OutMin: out.DType.Min(), OutMax: out.DType.Max()}
	p.Mult, p.Shift = mult(float64(in.Scale) / (float64(count) * float64(out.Scale)))
	return p
}

// sameQuant reports whether two tensors share element type and parameters,
// so data can move between them without rescaling.
func sameQuant(a, b *quant.Tensor) bool {
	return a.DType == b.DType && a.Scale == b.Scale && a.ZP == b.ZP
}
