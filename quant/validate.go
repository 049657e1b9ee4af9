package quant

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
)

// Validation of a Model, in memory or read from a file: what the engine
// relies on. engine.New validates every model it is given; Read and WriteTo
// validate every model they decode or encode.

// Limits on a valid model. They are far above any edge classifier, and they
// keep a hostile file that passes the checksum from making the engine
// allocate more than ~128 MB of activations.
const (
	maxName     = 1024    // bytes of a name, arch or method
	maxTensors  = 1 << 16 // tensors, and ops
	maxDim      = 1 << 16 // H, W or C of a tensor
	maxKernel   = 1 << 10 // KH or KW of a conv or pool
	maxElements = 1 << 26 // all activation tensors together
)

// Validate checks everything the engine relies on, so that a model that
// passes can be run without further checks: indices in range, every tensor
// produced exactly once and before it is read, shapes consistent with each
// op's geometry, weight, scale and bias lengths, quantization parameters
// finite and representable, and the fields an op's kind does not use zero.
// Read calls it on every model it loads and WriteTo on every model it
// writes.
func (m *Model) Validate() error {
	if m.Arch == "" {
		return invalidf("no architecture name")
	}
	for _, s := range []struct{ what, v string }{{"architecture", m.Arch}, {"method", m.Method}} {
		if err := checkText(s.what, s.v); err != nil {
			return err
		}
	}
	for _, s := range m.CalibImages {
		if err := checkText("calibration image name", s); err != nil {
			return err
		}
	}
	if m.Padding != model.PadTorch && m.Padding != model.PadTF {
		return invalidf("padding %d (want %d: torch or %d: tf)", m.Padding, model.PadTorch, model.PadTF)
	}
	if m.Images < 0 || m.Images > math.MaxInt32 {
		return invalidf("calibration image count %d", m.Images)
	}
	if len(m.Tensors) < 2 || len(m.Tensors) > maxTensors {
		return invalidf("%d tensors (want 2 to %d)", len(m.Tensors), maxTensors)
	}
	if len(m.Ops) < 1 || len(m.Ops) > maxTensors {
		return invalidf("%d ops (want 1 to %d)", len(m.Ops), maxTensors)
	}
	if m.Output < 1 || m.Output >= len(m.Tensors) {
		return invalidf("output tensor %d (the model has tensors 1 to %d)", m.Output, len(m.Tensors)-1)
	}
	var total int64 // int64: int is 32 bits on armv7
	for i := range m.Tensors {
		if err := m.checkTensor(i); err != nil {
			return err
		}
		s := m.Tensors[i].Shape
		total += int64(s.H) * int64(s.W) * int64(s.C)
		if total > maxElements {
			return invalidf("the tensors hold more than %d values", maxElements)
		}
	}
	// producer[t] is the op that writes tensor t; -1: none yet.
	producer := make([]int, len(m.Tensors))
	for t := range producer {
		producer[t] = -1
	}
	producer[0] = len(m.Ops) // the input: written before every op
	for i := range m.Ops {
		op := &m.Ops[i]
		if err := m.checkOp(op, producer); err != nil {
			return invalidf("op %d (%v %q): %v", i, op.Kind, op.Name, err)
		}
		producer[op.Out] = i
	}
	for t, p := range producer {
		if p < 0 {
			return invalidf("no op produces tensor %d %q", t, m.Tensors[t].Name)
		}
	}
	return nil
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func checkText(what, s string) error {
	if len(s) > maxName {
		return invalidf("%s is %d bytes long (at most %d)", what, len(s), maxName)
	}
	if !utf8.ValidString(s) {
		return invalidf("%s %q is not UTF-8", what, s)
	}
	return nil
}

func (m *Model) checkTensor(i int) error {
	t := &m.Tensors[i]
	if err := checkText(fmt.Sprintf("tensor %d name", i), t.Name); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return invalidf("tensor %d %q: %s", i, t.Name, fmt.Sprintf(format, args...))
	}
	if s := t.Shape; s.H < 1 || s.W < 1 || s.C < 1 || s.H > maxDim || s.W > maxDim || s.C > maxDim {
		return bad("shape %v (each dimension 1 to %d)", s, maxDim)
	}
	switch t.DType {
	case generic.Int8:
		if t.ZP < -128 || t.ZP > 127 {
			return bad("int8 zero point %d", t.ZP)
		}
	case generic.Int16, generic.Float32:
		if t.ZP != 0 {
			return bad("%v zero point %d (the scheme makes it 0)", t.DType, t.ZP)
		}
	default:
		return bad("element type %v", t.DType)
	}
	if (t.DType == generic.Float32) != (i == m.Output) {
		return bad("is %v, but only the output (tensor %d) is float32 and it must be", t.DType, m.Output)
	}
	if !isFinite32(t.Scale) || t.Scale <= 0 {
		return bad("scale %v", t.Scale)
	}
	if !isFinite32(t.Min) || !isFinite32(t.Max) || t.Min > t.Max {
		return bad("calibrated range [%v, %v]", t.Min, t.Max)
	}
	return nil
}

func isFinite32(f float32) bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }

// opArity is how many inputs each kind of op reads.
var opArity = [...]int{
	model.Conv: 1, model.Add: 2, model.MulChannels: 2, model.GlobalAvgPool: 1,
	model.MaxPool: 1, model.Concat: 2, model.Shuffle: 1, model.Slice: 1,
}

// minPreScale is the finest pre-activation scale PreScale gives (computed
// as PreScale computes it): round(6/s) must fit in 16 bits.
var minPreScale = PreScale(0)

func (m *Model) checkOp(op *Op, producer []int) error {
	if int(op.Kind) >= len(opArity) {
		return fmt.Errorf("unknown op kind %d", op.Kind)
	}
	if err := checkText("name", op.Name); err != nil {
		return err
	}
	if len(op.Inputs) != opArity[op.Kind] {
		return fmt.Errorf("%d inputs, want %d", len(op.Inputs), opArity[op.Kind])
	}
	in := make([]*Tensor, len(op.Inputs))
	for k, t := range op.Inputs {
		if t < 0 || t >= len(m.Tensors) {
			return fmt.Errorf("input %d is tensor %d, out of range", k, t)
		}
		if producer[t] < 0 {
			return fmt.Errorf("reads tensor %d %q before any op produces it", t, m.Tensors[t].Name)
		}
		if t == m.Output {
			return fmt.Errorf("reads the float32 output tensor %d", t)
		}
		in[k] = &m.Tensors[t]
	}
	if op.Out < 1 || op.Out >= len(m.Tensors) {
		return fmt.Errorf("output tensor %d out of range (1 to %d)", op.Out, len(m.Tensors)-1)
	}
	if p := producer[op.Out]; p >= 0 {
		return fmt.Errorf("writes tensor %d, already produced by op %d", op.Out, p)
	}
	out := &m.Tensors[op.Out]
	if out.DType == generic.Float32 && op.Kind != model.Conv {
		return fmt.Errorf("produces the float32 output: only a conv's accumulators are dequantized")
	}
	if err := unusedFields(op); err != nil {
		return err
	}
	shape := func(what string, got, want model.Shape) error {
		if got != want {
			return fmt.Errorf("%s is %v, want %v", what, got, want)
		}
		return nil
	}
	sameQuant := func() error {
		if in[0].DType != out.DType || in[0].Scale != out.Scale || in[0].ZP != out.ZP {
			return fmt.Errorf("moves data but its output's quantization (%v, scale %v, zp %d) differs from its input's (%v, scale %v, zp %d)",
				out.DType, out.Scale, out.ZP, in[0].DType, in[0].Scale, in[0].ZP)
		}
		return nil
	}
	a := in[0].Shape
	switch op.Kind {
	case model.Conv:
		return checkConv(op, a, out)
	case model.Add:
		if op.Act != generic.ActNone && op.Act != generic.ActReLU {
			return fmt.Errorf("activation %v (an add fuses none or relu)", op.Act)
		}
		if err := shape("input 1", in[1].Shape, a); err != nil {
			return err
		}
		return shape("output", out.Shape, a)
	case model.MulChannels:
		if err := shape("gate", in[1].Shape, model.Shape{H: 1, W: 1, C: a.C}); err != nil {
			return err
		}
		return shape("output", out.Shape, a)
	case model.GlobalAvgPool:
		return shape("output", out.Shape, model.Shape{H: 1, W: 1, C: a.C})
	case model.MaxPool:
		p := &op.Pool
		if err := checkWindow("pool", p.InH, p.OutH, p.KH, p.StrideH, p.PadT); err != nil {
			return err
		}
		if err := checkWindow("pool", p.InW, p.OutW, p.KW, p.StrideW, p.PadL); err != nil {
			return err
		}
		if err := shape("input", a, model.Shape{H: p.InH, W: p.InW, C: p.C}); err != nil {
			return err
		}
		if err := shape("output", out.Shape, model.Shape{H: p.OutH, W: p.OutW, C: p.C}); err != nil {
			return err
		}
		return sameQuant()
	case model.Concat:
		b := in[1].Shape
		if b.H != a.H || b.W != a.W {
			return fmt.Errorf("joins a %v and a %v tensor", a, b)
		}
		return shape("output", out.Shape, model.Shape{H: a.H, W: a.W, C: a.C + b.C})
	case model.Shuffle:
		if op.Groups < 1 || a.C%op.Groups != 0 {
			return fmt.Errorf("%d groups for %d channels", op.Groups, a.C)
		}
		if err := shape("output", out.Shape, a); err != nil {
			return err
		}
		return sameQuant()
	case model.Slice:
		if op.From < 0 || op.From >= op.To || op.To > a.C {
			return fmt.Errorf("channels [%d, %d) of %d", op.From, op.To, a.C)
		}
		if err := shape("output", out.Shape, model.Shape{H: a.H, W: a.W, C: op.To - op.From}); err != nil {
			return err
		}
		return sameQuant()
	}
	return nil
}

// unusedFields requires the fields op's kind does not use to be zero: the
// file stays canonical and nothing is silently ignored.
func unusedFields(op *Op) error {
	k := op.Kind
	switch {
	case k != model.Conv && (op.Conv != generic.ConvParams{} || len(op.W) > 0 || len(op.W16) > 0 || len(op.WScale) > 0 || len(op.Bias) > 0 || op.PreScale != 0):
		return fmt.Errorf("carries conv parameters or weights")
	case k != model.MaxPool && op.Pool != generic.PoolParams{}:
		return fmt.Errorf("carries pool parameters")
	case k != model.Add && op.Act != generic.ActNone:
		return fmt.Errorf("carries an add's activation %v", op.Act)
	case k != model.Slice && (op.From != 0 || op.To != 0):
		return fmt.Errorf("carries a slice's channel range")
	case k != model.Shuffle && op.Groups != 0:
		return fmt.Errorf("carries a shuffle's group count")
	}
	return nil
}

// checkWindow checks one axis of a conv or pool: positive sizes, padding
// smaller than the kernel, and every window overlapping the input (the
// last window starts inside it), which is what both PyTorch's and
// TensorFlow's padding produce.
func checkWindow(what string, in, out, k, stride, pad int) error {
	if in < 1 || in > maxDim || out < 1 || out > maxDim || k < 1 || k > maxKernel || stride < 1 || stride > maxDim {
		return fmt.Errorf("%s geometry: input %d, output %d, kernel %d, stride %d", what, in, out, k, stride)
	}
	if pad < 0 || pad >= k {
		return fmt.Errorf("%s padding %d for kernel %d", what, pad, k)
	}
	if int64(out-1)*int64(stride)-int64(pad) >= int64(in) {
		return fmt.Errorf("%s: %d outputs of stride %d over %d inputs (padding %d) leave windows outside the input",
			what, out, stride, in, pad)
	}
	return nil
}

func checkConv(op *Op, in model.Shape, out *Tensor) error {
	c := &op.Conv
	if err := checkWindow("conv", c.InH, c.OutH, c.KH, c.StrideH, c.PadT); err != nil {
		return err
	}
	if err := checkWindow("conv", c.InW, c.OutW, c.KW, c.StrideW, c.PadL); err != nil {
		return err
	}
	if want := (model.Shape{H: c.InH, W: c.InW, C: c.InC}); in != want {
		return fmt.Errorf("input is %v, the conv reads %v", in, want)
	}
	if want := (model.Shape{H: c.OutH, W: c.OutW, C: c.OutC}); out.Shape != want {
		return fmt.Errorf("output is %v, the conv writes %v", out.Shape, want)
	}
	if c.Groups < 1 || c.InC%c.Groups != 0 || c.OutC%c.Groups != 0 {
		return fmt.Errorf("%d groups for %d input and %d output channels", c.Groups, c.InC, c.OutC)
	}
	if c.Act > generic.ActHardsigmoid {
		return fmt.Errorf("unknown activation %d", c.Act)
	}
	if out.DType == generic.Float32 && c.Act != generic.ActNone {
		return fmt.Errorf("the float32 output cannot fuse %v", c.Act)
	}
	if len(op.W) > 0 && len(op.W16) > 0 {
		return fmt.Errorf("both int8 and int16 weights")
	}
	if want := int64(c.OutC) * int64(c.KH) * int64(c.KW) * int64(c.InC/c.Groups); int64(len(op.W)+len(op.W16)) != want {
		return fmt.Errorf("%d weights, want %d×%d×%d×%d = %d", len(op.W)+len(op.W16), c.OutC, c.KH, c.KW, c.InC/c.Groups, want)
	}
	for i, w := range op.W16 {
		if w == math.MinInt16 {
			return fmt.Errorf("int16 weight %d is -32768 (symmetric weights are in [-32767, 32767])", i)
		}
	}
	for i, w := range op.W {
		if w == math.MinInt8 {
			return fmt.Errorf("weight %d is -128 (symmetric weights are in [-127, 127])", i)
		}
	}
	if len(op.WScale) != c.OutC || len(op.Bias) != c.OutC {
		return fmt.Errorf("%d weight scales and %d biases for %d output channels", len(op.WScale), len(op.Bias), c.OutC)
	}
	for o, s := range op.WScale {
		if !isFinite32(s) || s <= 0 {
			return fmt.Errorf("weight scale %v of channel %d", s, o)
		}
	}
	if c.Act == generic.ActHardswish || c.Act == generic.ActHardsigmoid {
		if !isFinite32(op.PreScale) || op.PreScale < minPreScale {
			return fmt.Errorf("pre-activation scale %v for the fused %v (at least %v)", op.PreScale, c.Act, minPreScale)
		}
	} else if op.PreScale != 0 {
		return fmt.Errorf("pre-activation scale %v without a fused hardswish or hardsigmoid", op.PreScale)
	}
	return nil
}
