package generic

// Act is an activation fused into the op that produces a tensor.
type Act uint8

const (
	ActNone        Act = iota
	ActReLU            // max(x, 0)
	ActReLU6           // min(max(x, 0), 6)
	ActHardswish       // x * relu6(x+3) / 6
	ActHardsigmoid     // relu6(x+3) / 6
)

// String returns the activation's name as torchvision spells its module.
func (a Act) String() string {
	switch a {
	case ActNone:
		return "none"
	case ActReLU:
		return "relu"
	case ActReLU6:
		return "relu6"
	case ActHardswish:
		return "hardswish"
	case ActHardsigmoid:
		return "hardsigmoid"
	}
	return "act?"
}

// ConvParams describes a 2-D convolution over an NHWC tensor (batch 1).
// Padding is explicit per side so that both torchvision's symmetric padding
// and TensorFlow's "SAME" padding (extra row/column at the bottom/right) are
// expressed by the same kernel. Padded input elements are zero.
type ConvParams struct {
	InH, InW, InC    int
	OutH, OutW, OutC int
	KH, KW           int
	StrideH, StrideW int
	PadT, PadL       int // rows above / columns left of the input; bottom/right padding follows from OutH/OutW
	Groups           int // 1: dense; InC (== OutC): depthwise
	Act              Act
}

// PoolParams describes a max pool over an NHWC tensor with -inf padding.
type PoolParams struct {
	InH, InW, C      int
	OutH, OutW       int
	KH, KW           int
	StrideH, StrideW int
	PadT, PadL       int
}

// IsBandOf reports whether c is a band of the conv whole: the same conv
// but for InH, OutH and PadT, the rows an engine thread's share has.
func (c ConvParams) IsBandOf(whole ConvParams) bool {
	c.InH, c.OutH, c.PadT = whole.InH, whole.OutH, whole.PadT
	return c == whole
}
