package calibrate

import (
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

// biasCorrect returns a copy of g whose conv biases absorb the mean error
// that rounding the weights to int8 adds to each output channel (bias
// correction, Nagel et al. 2019): a conv is linear before its activation,
// so that error's mean is Σ (w_q − w)·E[x] over taps and input channels,
// with E[x] the per-channel mean of the conv's input over the calibration
// images.
//
// Only the weights' error is corrected. Correcting the activations' mean
// error too (the "empirical" variant) was measured here to hurt badly: a
// clipped range lowers the mean of a few large values, and a bias adds the
// difference back to every value.
//
// Squeeze-excitation convs are left alone: their hardsigmoid gate
// saturates, and "fixing" its input fixes an error the saturation had
// hidden (shared/notes/ptq-study.md).
func biasCorrect(g *model.Graph, mean [][]float64, plan *quant.Plan) *model.Graph {
	cg := *g
	cg.Nodes = append([]model.Node(nil), g.Nodes...)
	for i := range cg.Nodes {
		n := &cg.Nodes[i]
		if !correctable(g, i) || plan.Weights16 != nil && plan.Weights16[i] {
			continue // int16 weights: their error is negligible
		}
		c := n.Conv
		var wq []int8
		var scale []float32
		if plan.WeightQ != nil && plan.WeightQ[i] != nil {
			wq, scale = plan.WeightQ[i], plan.WeightS[i]
		} else {
			wq, scale = quant.WeightScales(n.W, c.OutC)
		}
		ef := mean[n.Inputs[0]]
		icg, ocg := c.InC/c.Groups, c.OutC/c.Groups
		k := c.KH * c.KW * icg
		n.B = append([]float32(nil), n.B...)
		for o := 0; o < c.OutC; o++ {
			base := (o / ocg) * icg
			var delta float64
			for j := 0; j < k; j++ {
				w := o*k + j
				delta += (float64(wq[w])*float64(scale[o]) - float64(n.W[w])) * ef[base+j%icg]
			}
			n.B[o] -= float32(delta)
		}
	}
	return &cg
}

// correctable reports whether node i is a conv whose bias is corrected.
func correctable(g *model.Graph, i int) bool {
	n := &g.Nodes[i]
	if n.Kind != model.Conv || n.Conv.Act == generic.ActHardsigmoid {
		return false
	}
	// The squeeze layer of squeeze-excitation reads a pooled 1×1 tensor
	// and feeds the gate.
	for _, m := range g.Nodes {
		if m.Kind == model.Conv && m.Conv.Act == generic.ActHardsigmoid && m.Inputs[0] == n.Out {
			return false
		}
	}
	return true
}
