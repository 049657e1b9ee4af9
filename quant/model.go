package quant

import (
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
)

// Tensor is a quantized activation tensor: x ≈ Scale·(q - ZP).
type Tensor struct {
	Name  string // the node that produces it ("input" for tensor 0)
	Shape model.Shape
	DType generic.DType
	Scale float32
	ZP    int32
	// Min and Max are the real range the parameters were chosen for.
	Min, Max float32
}

// Op is one quantized operation. Kind and the geometry come from the float
// graph; the numbers are what calibration chose.
type Op struct {
	Kind   model.Kind
	Name   string
	Inputs []int
	Out    int

	// Conv: geometry and activation (Conv.Act), int8 OHWI weights with
	// one scale per output channel, int32 bias in units of s_in·s_w[o].
	Conv   generic.ConvParams
	W      []int8
	WScale []float32
	Bias   []int32
	// W16 replaces W for the few convs whose weights calibration keeps
	// in int16 (symmetric, [-32767, 32767]): exactly one of W and W16 is
	// set on a conv.
	W16 []int16
	// PreScale is the fine int16 scale of the pre-activation of a conv
	// with a fused hardswish or hardsigmoid.
	PreScale float32

	Pool     generic.PoolParams // MaxPool
	Act      generic.Act        // Add
	From, To int                // Slice
	Groups   int                // Shuffle
}

// Model is an int8 model: what `edged calibrate` writes and the engine runs.
type Model struct {
	Arch    string
	Padding model.Padding
	Tensors []Tensor // Tensors[0] is the input
	Ops     []Op
	Output  int

	// Calibration facts, for the quant table.
	Method       string
	Images       int
	SourceSHA256 [32]byte
	// CalibImages are the base names of the calibration images, so that
	// `edged eval` can leave them out: accuracy is never reported on
	// images that were used to calibrate.
	CalibImages []string
}

// NumClasses is the length of the logits.
func (m *Model) NumClasses() int { return m.Tensors[m.Output].Shape.Len() }

// Int16Tensors counts the tensors kept in int16.
func (m *Model) Int16Tensors() int {
	n := 0
	for _, t := range m.Tensors {
		if t.DType == generic.Int16 {
			n++
		}
	}
	return n
}

// Int16Weights counts the convs whose weights are kept in int16.
func (m *Model) Int16Weights() int {
	n := 0
	for i := range m.Ops {
		if len(m.Ops[i].W16) > 0 {
			n++
		}
	}
	return n
}
