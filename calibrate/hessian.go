package calibrate

import (
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

// hessian is the second-moment matrix E[x xᵀ] of a conv's receptive
// fields (its im2col rows), one k×k matrix per group: what GPTQ needs to
// round the weights for the least output error.
type hessian struct {
	k, groups int
	h         []float64 // groups × k × k
	n         float64
}

// collectHessians runs the float graph over inputs and accumulates, for
// every conv, the second moments of its input patches.
func collectHessians(g *model.Graph, inputs [][]float32) map[int]*hessian {
	hs := map[int]*hessian{}
	for i, n := range g.Nodes {
		if n.Kind != model.Conv {
			continue
		}
		c := n.Conv
		k := c.KH * c.KW * (c.InC / c.Groups)
		hs[i] = &hessian{k: k, groups: c.Groups, h: make([]float64, c.Groups*k*k)}
	}
	f := model.NewFloat(g)
	for _, x := range inputs {
		_, _ = f.RunObserved(x, func(i int, n *model.Node, out []float32) {})
		for i, n := range g.Nodes {
			if h := hs[i]; h != nil {
				h.add(&n.Conv, f.Tensor(n.Inputs[0]))
			}
		}
	}
	for _, h := range hs {
		if h.n > 0 {
			for j := range h.h {
				h.h[j] /= h.n
			}
		}
	}
	return hs
}

// add accumulates the patches of one input tensor. Padding contributes
// zeros, as it does to the conv.
func (h *hessian) add(c *generic.ConvParams, in []float32) {
	icg := c.InC / c.Groups
	patch := make([]float64, h.k)
	for oy := 0; oy < c.OutH; oy++ {
		for ox := 0; ox < c.OutW; ox++ {
			for gi := 0; gi < c.Groups; gi++ {
				j := 0
				for ky := 0; ky < c.KH; ky++ {
					iy := oy*c.StrideH - c.PadT + ky
					for kx := 0; kx < c.KW; kx++ {
						ix := ox*c.StrideW - c.PadL + kx
						for i := 0; i < icg; i++ {
							v := 0.0
							if iy >= 0 && iy < c.InH && ix >= 0 && ix < c.InW {
								v = float64(in[(iy*c.InW+ix)*c.InC+gi*icg+i])
							}
							patch[j] = v
							j++
						}
					}
				}
				m := h.h[gi*h.k*h.k : (gi+1)*h.k*h.k]
				for a, va := range patch {
					if va == 0 {
						continue
					}
					row := m[a*h.k : (a+1)*h.k]
					for b, vb := range patch {
						row[b] += va * vb
					}
				}
			}
		}
	}
	h.n += float64(c.OutH * c.OutW)
}

// roundWeights rounds every conv's weights with GPTQ against the second
// moments of its input on the calibration images, so that each weight's
// rounding error is compensated by the weights still to be rounded: the
// conv's output error, not each weight's, is what is minimized.
func roundWeights(g *model.Graph, inputs [][]float32) ([][]int8, [][]float32) {
	hs := collectHessians(g, inputs)
	wq := make([][]int8, len(g.Nodes))
	ws := make([][]float32, len(g.Nodes))
	for i, n := range g.Nodes {
		h := hs[i]
		if h == nil {
			continue
		}
		c := n.Conv
		ocg := c.OutC / c.Groups
		wq[i] = make([]int8, len(n.W))
		ws[i] = make([]float32, c.OutC)
		for gi := 0; gi < c.Groups; gi++ {
			rows := n.W[gi*ocg*h.k : (gi+1)*ocg*h.k]
			q, s := quant.GPTQ(rows, ocg, h.k, h.h[gi*h.k*h.k:(gi+1)*h.k*h.k])
			copy(wq[i][gi*ocg*h.k:], q)
			copy(ws[i][gi*ocg:], s)
		}
	}
	return wq, ws
}
