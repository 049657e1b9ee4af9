package model

import (
	"fmt"

	"github.com/edged/edged/kernels/generic"
)

// Float executes a Graph in float32 with the generic kernels: the reference
// engine that calibration observes and the int8 engine is judged against.
// A Float is not safe for concurrent use; make one per goroutine.
type Float struct {
	g    *Graph
	bufs [][]float32

	// PreAct, when set, is called for every Conv with a hardswish or
	// hardsigmoid with its output before the activation: calibration
	// needs that range because the int8 engine applies those activations
	// inside the conv's requantization.
	PreAct func(i int, n *Node, pre []float32)
}

// NewFloat allocates every tensor of g once.
func NewFloat(g *Graph) *Float {
	f := &Float{g: g, bufs: make([][]float32, len(g.Shapes))}
	for i, s := range g.Shapes {
		f.bufs[i] = make([]float32, s.Len())
	}
	return f
}

// Graph returns the graph f runs.
func (f *Float) Graph() *Graph { return f.g }

// Tensor returns tensor t of the last run (NHWC).
func (f *Float) Tensor(t int) []float32 { return f.bufs[t] }

// Run computes the logits of one NHWC input (224×224×3, normalized). The
// returned slice is owned by f and overwritten by the next run.
func (f *Float) Run(input []float32) ([]float32, error) {
	return f.RunObserved(input, nil)
}

// RunObserved is Run calling observe after every node with its output.
func (f *Float) RunObserved(input []float32, observe func(i int, n *Node, out []float32)) ([]float32, error) {
	if len(input) != len(f.bufs[0]) {
		return nil, fmt.Errorf("input has %d values, %s wants %d (%v)", len(input), f.g.Arch, len(f.bufs[0]), f.g.Shapes[0])
	}
	copy(f.bufs[0], input)
	for i := range f.g.Nodes {
		n := &f.g.Nodes[i]
		out := f.bufs[n.Out]
		in := f.bufs[n.Inputs[0]]
		switch n.Kind {
		case Conv:
			if f.PreAct != nil && (n.Conv.Act == generic.ActHardswish || n.Conv.Act == generic.ActHardsigmoid) {
				p := n.Conv
				p.Act = generic.ActNone
				generic.ConvF32(&p, in, n.W, n.B, out)
				f.PreAct(i, n, out)
				generic.ActivateF32(n.Conv.Act, out)
				break
			}
			generic.ConvF32(&n.Conv, in, n.W, n.B, out)
		case Add:
			generic.AddF32(in, f.bufs[n.Inputs[1]], out, n.Act)
		case MulChannels:
			s := f.g.Shapes[n.Inputs[0]]
			generic.MulChannelsF32(in, f.bufs[n.Inputs[1]], out, s.H*s.W, s.C)
		case GlobalAvgPool:
			s := f.g.Shapes[n.Inputs[0]]
			generic.GlobalAvgPoolF32(in, s.H*s.W, s.C, out)
		case MaxPool:
			generic.MaxPoolF32(&n.Pool, in, out)
		case Concat:
			a, b := f.g.Shapes[n.Inputs[0]], f.g.Shapes[n.Inputs[1]]
			generic.ConcatChannelsF32(in, a.C, f.bufs[n.Inputs[1]], b.C, a.H*a.W, out)
		case Shuffle:
			s := f.g.Shapes[n.Inputs[0]]
			generic.ChannelShuffleF32(in, out, s.H*s.W, s.C, n.Groups)
		case Slice:
			s := f.g.Shapes[n.Inputs[0]]
			generic.SliceChannelsF32(in, s.H*s.W, s.C, n.From, n.To, out)
		default:
			return nil, fmt.Errorf("internal: node %d (%s): unknown kind %v", i, n.Name, n.Kind)
		}
		if observe != nil {
			observe(i, n, out)
		}
	}
	return f.bufs[f.g.Output], nil
}
