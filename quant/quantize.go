package quant

import (
	"fmt"
	"math"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
)

// Plan is what calibration decides for a float graph: a range and an
// element type for every tensor, and the pre-activation |max| of every conv
// with a fused hardswish or hardsigmoid (indexed by node).
type Plan struct {
	Ranges    []Range
	DTypes    []generic.DType
	PreAbsMax []float32
	// Weights16, when set, marks the convs (by node) whose weights stay
	// in int16; their input must be int8, so that the int32 accumulator
	// holds K·128·32767.
	Weights16 []bool
	// WeightQ and WeightS, when set for a node, are its int8 weights and
	// per-channel scales as calibration rounded them (GPTQ); otherwise
	// Quantize rounds to nearest (WeightScales).
	WeightQ [][]int8
	WeightS [][]float32
}

// gateRange is the range of a hardsigmoid output: [0, 1] exactly, so the
// squeeze-excitation gate needs no calibration and 1.0 is representable.
var gateRange = Range{0, 1}

// Quantize turns a float graph and a calibration plan into an int8 model.
// Tensors that only move data (max pool, slice, shuffle) inherit their
// input's parameters; the logits stay float32.
func Quantize(g *model.Graph, p *Plan) (*Model, error) {
	if len(p.Ranges) != len(g.Shapes) || len(p.DTypes) != len(g.Shapes) || len(p.PreAbsMax) != len(g.Nodes) ||
		(p.Weights16 != nil && len(p.Weights16) != len(g.Nodes)) ||
		(p.WeightQ != nil && (len(p.WeightQ) != len(g.Nodes) || len(p.WeightS) != len(g.Nodes))) {
		return nil, fmt.Errorf("internal: plan for %d tensors/%d nodes, graph has %d/%d",
			len(p.Ranges), len(p.PreAbsMax), len(g.Shapes), len(g.Nodes))
	}
	for i := range g.Nodes {
		if p.WeightQ != nil && p.WeightQ[i] != nil && (len(p.WeightQ[i]) != len(g.Nodes[i].W) || len(p.WeightS[i]) != g.Nodes[i].Conv.OutC) {
			return nil, fmt.Errorf("internal: plan's weights for node %d (%s) do not fit it", i, g.Nodes[i].Name)
		}
	}
	m := &Model{Arch: g.Arch, Padding: g.Padding, Output: g.Output, Tensors: make([]Tensor, len(g.Shapes))}
	set := func(t int, name string, r Range, d generic.DType) {
		s, zp := Params(r, d)
		m.Tensors[t] = Tensor{Name: name, Shape: g.Shapes[t], DType: d, Scale: s, ZP: zp, Min: r.Min, Max: r.Max}
	}
	set(0, "input", p.Ranges[0], p.DTypes[0])
	for i := range g.Nodes {
		n := &g.Nodes[i]
		name := n.Name
		if name == "" {
			name = fmt.Sprintf("%s#%d", n.Kind, i)
		}
		switch {
		case n.Out == g.Output:
			m.Tensors[n.Out] = Tensor{Name: name, Shape: g.Shapes[n.Out], DType: generic.Float32, Scale: 1}
		case n.Kind == model.MaxPool || n.Kind == model.Slice || n.Kind == model.Shuffle:
			t := m.Tensors[n.Inputs[0]]
			t.Name, t.Shape = name, g.Shapes[n.Out]
			m.Tensors[n.Out] = t
		case n.Kind == model.Conv && n.Conv.Act == generic.ActHardsigmoid:
			set(n.Out, name, gateRange, p.DTypes[n.Out])
		default:
			set(n.Out, name, p.Ranges[n.Out], p.DTypes[n.Out])
		}
		op := Op{Kind: n.Kind, Name: name, Inputs: append([]int(nil), n.Inputs...), Out: n.Out,
			Pool: n.Pool, Act: n.Act, From: n.From, To: n.To, Groups: n.Groups}
		if n.Kind == model.Conv {
			in := m.Tensors[n.Inputs[0]]
			op.Conv = n.Conv
			w16 := p.Weights16 != nil && p.Weights16[i]
			if w16 {
				if in.DType != generic.Int8 {
					return nil, fmt.Errorf("%s: int16 weights need an int8 input, not %v", name, in.DType)
				}
				op.W16, op.WScale = WeightScales16(n.W, n.Conv.OutC)
			} else if p.WeightQ != nil && p.WeightQ[i] != nil {
				op.W = append([]int8(nil), p.WeightQ[i]...)
				op.WScale = append([]float32(nil), p.WeightS[i]...)
			} else {
				op.W, op.WScale = WeightScales(n.W, n.Conv.OutC)
			}
			if w16 {
				op.Bias = fitBiases(n.W, n.B, in.Scale, op.WScale, op.W16, 32767)
			} else {
				op.Bias = fitBiases(n.W, n.B, in.Scale, op.WScale, op.W, 127)
			}
			if a := n.Conv.Act; a == generic.ActHardswish || a == generic.ActHardsigmoid {
				op.PreScale = PreScale(p.PreAbsMax[i])
			}
		}
		m.Ops = append(m.Ops, op)
	}
	return m, nil
}

// fitBiases quantizes each channel's bias in units of sIn·scale[o],
// adjusting the channel's weight scale (and weights q) where the bias
// would not be represented well:
//   - a dead channel (all-zero weights) outputs its bias alone: its scale
//     is set to give the bias full resolution rather than WeightScales'
//     arbitrary 1;
//   - a channel whose weights are tiny beside its bias (a nearly dead
//     squeeze-excitation row) would need a bias beyond int32: its scale is
//     coarsened until the bias fits with room for the accumulation; its
//     weights then round to ~0, which is what they contribute next to the
//     bias.
func fitBiases[T int8 | int16](w, bias []float32, sIn float32, scale []float32, q []T, qmax float64) []int32 {
	k := len(w) / len(scale)
	out := make([]int32, len(scale))
	for o, b := range bias {
		if allZero(q[o*k : (o+1)*k]) {
			scale[o] = float32(math.Max(math.Abs(float64(b)), 1e-6) / (float64(sIn) * (1 << 24)))
		} else if lim := float64(sIn) * float64(scale[o]) * (1 << 29); math.Abs(float64(b)) > lim {
			scale[o] = float32(math.Abs(float64(b)) / (float64(sIn) * (1 << 29)))
			requantizeRow(w[o*k:(o+1)*k], scale[o], q[o*k:(o+1)*k], qmax)
		}
		out[o] = QuantizeBias(b, sIn, scale[o])
	}
	return out
}

func allZero[T int8 | int16](w []T) bool {
	for _, v := range w {
		if v != 0 {
			return false
		}
	}
	return true
}
