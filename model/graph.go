package model

import (
	"fmt"

	"github.com/edged/edged/kernels/generic"
)

// Kind is the kind of operation a Node performs.
type Kind uint8

const (
	// Conv is a 2-D convolution with folded BatchNorm and a fused
	// activation. A fully connected layer is a 1x1 Conv on a 1x1 tensor.
	Conv Kind = iota
	// Add is an element-wise sum of two tensors of one shape (residual).
	Add
	// MulChannels scales an H×W×C tensor (input 0) by a 1×1×C tensor
	// (input 1): squeeze-excitation's gate.
	MulChannels
	// GlobalAvgPool averages H×W×C down to 1×1×C.
	GlobalAvgPool
	// MaxPool is a max pool (ShuffleNet's stem).
	MaxPool
	// Concat joins its inputs along the channel axis.
	Concat
	// Shuffle is ShuffleNet's channel shuffle with Groups groups.
	Shuffle
	// Slice takes channels [From, To) of its input (ShuffleNet's chunk).
	Slice
)

var kindNames = [...]string{"conv", "add", "mulchannels", "globalavgpool", "maxpool", "concat", "shuffle", "slice"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Shape is the shape of an NHWC tensor with batch 1.
type Shape struct{ H, W, C int }

// Len is the number of elements.
func (s Shape) Len() int { return s.H * s.W * s.C }

func (s Shape) String() string { return fmt.Sprintf("%dx%dx%d", s.H, s.W, s.C) }

// Node is one op of a Graph. Tensors are numbered; tensor 0 is the input.
type Node struct {
	// Name is the torchvision module whose output equals this node's
	// output (e.g. "features.1.block.0"), or "" where torchvision has no
	// such module (ShuffleNet's concat before the shuffle).
	Name   string
	Kind   Kind
	Inputs []int
	Out    int

	Conv generic.ConvParams // Conv: geometry and fused activation
	W    []float32          // Conv: OHWI weights, BatchNorm folded in
	B    []float32          // Conv: bias (never nil for Conv), BatchNorm folded in

	Pool generic.PoolParams // MaxPool

	Act      generic.Act // Add: fused activation
	From, To int         // Slice
	Groups   int         // Shuffle
}

// Graph is a network lowered to ops over statically shaped tensors, in
// execution order. Every buffer size is known when the graph is built.
type Graph struct {
	Arch    string // e.g. "mobilenet_v3_small"
	Padding Padding
	Nodes   []Node
	Shapes  []Shape // Shapes[t] is tensor t's shape; tensor 0 is the input
	Output  int     // the logits tensor
}

// NumClasses is the length of the logits.
func (g *Graph) NumClasses() int { return g.Shapes[g.Output].Len() }

// Input is the input tensor's shape (224×224×3 for every architecture here).
func (g *Graph) Input() Shape { return g.Shapes[0] }

// Padding selects how stride-2 convolutions pad their input.
type Padding uint8

const (
	// PadTorch is PyTorch's symmetric padding: (k-1)/2 on every side.
	PadTorch Padding = iota
	// PadTF is TensorFlow's "SAME" padding for strided convs and pools:
	// total = max((ceil(H/s)-1)*s + k - H, 0), top = total/2 (floor), the
	// extra row/column at the bottom/right.
	PadTF
)

func (p Padding) String() string {
	if p == PadTF {
		return "tf"
	}
	return "torch"
}

// ParsePadding reads "torch" or "tf".
func ParsePadding(s string) (Padding, error) {
	switch s {
	case "torch", "":
		return PadTorch, nil
	case "tf", "same":
		return PadTF, nil
	}
	return 0, fmt.Errorf("padding %q: want torch (PyTorch's symmetric padding) or tf (TensorFlow \"SAME\")", s)
}

// pads returns the padding before an axis and the output length for a
// kernel of size k and stride s over n input elements.
func (p Padding) pads(n, k, s int) (before, out int) {
	if p == PadTF && s > 1 {
		out = (n + s - 1) / s
		total := max((out-1)*s+k-n, 0)
		return total / 2, out
	}
	before = (k - 1) / 2
	return before, (n+2*before-k)/s + 1
}
