package kernels

import (
	"fmt"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// QConv is a quantized convolution's parameters (kernels/generic defines
// the arithmetic).
type QConv = generic.QConv

// DType is the element type of a tensor a kernel reads or writes.
type DType uint8

const (
	Int8 DType = iota
	Int16
	Float32 // the logits
)

func (d DType) String() string {
	switch d {
	case Int8:
		return "int8"
	case Int16:
		return "int16"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// Min and Max are the representable range of d's quantized values.
func (d DType) Min() int32 {
	if d == Int16 {
		return -32768
	}
	return -128
}

func (d DType) Max() int32 {
	if d == Int16 {
		return 32767
	}
	return 127
}

// PackedConv is a convolution's weights packed once, at model load, into
// the layout the kernel path in use wants. It is immutable and shared by
// the Convs of all the bands a conv is split into for threads.
type PackedConv struct {
	p       *QConv
	w       []int8
	w16     []int16
	in, out DType
	arch    *archConv // nil: kernels/generic runs it
	path    string
}

// PackConv prepares the conv p with OHWI weights w, reading in and
// writing out elements, for the current kernel path. A conv the NEON
// kernels do not cover (see arm64.PackConv) runs on kernels/generic, with
// the same results.
func PackConv(p *QConv, w []int8, in, out DType) (*PackedConv, error) {
	c := &p.ConvParams
	if err := p.Validate(c.InH*c.InW*c.InC, len(w), c.OutH*c.OutW*c.OutC); err != nil {
		return nil, err
	}
	switch {
	case in == Float32:
		return nil, fmt.Errorf("quantized conv: float32 input: want int8 or int16")
	case (out == Float32) != (p.Epi == generic.EpiFloat):
		return nil, fmt.Errorf("quantized conv: epilogue %d cannot write %s output", p.Epi, map[bool]string{true: "float32", false: "integer"}[out == Float32])
	}
	pc := &PackedConv{p: p, w: w, in: in, out: out, path: Generic}
	if a, ok := archPackConv(p, w, in, out, path); ok {
		pc.arch, pc.path = a, path
	}
	return pc, nil
}

// PackConvW16 is PackConv for a conv with int16 weights (and an int8
// input): kernels/generic's ConvQW16.
func PackConvW16(p *QConv, w []int16, out DType) (*PackedConv, error) {
	c := &p.ConvParams
	if err := p.Validate(c.InH*c.InW*c.InC, len(w), c.OutH*c.OutW*c.OutC); err != nil {
		return nil, err
	}
	if (out == Float32) != (p.Epi == generic.EpiFloat) {
		return nil, fmt.Errorf("quantized conv: epilogue %d cannot write %s output", p.Epi, map[bool]string{true: "float32", false: "integer"}[out == Float32])
	}
	pc := &PackedConv{p: p, w16: w, in: Int8, out: out, path: Generic}
	if a, ok := archPackConvW16(p, w, out, path); ok {
		pc.arch, pc.path = a, path
	}
	return pc, nil
}

// Path names the kernel path that runs this conv: the path in use when it
// was packed, or generic for a conv the NEON kernels do not cover.
func (pc *PackedConv) Path() string { return pc.path }

// Conv is one band of a packed conv (its output rows y0..y1, described by
// p's InH, OutH and PadT), with scratch memory of its own: Convs of one
// PackedConv may run concurrently; one Conv may not.
type Conv struct {
	p         *QConv
	w         []int8
	w16       []int16
	in, out   DType
	inN, outN int
	arch      *archRunner
}

// Band prepares band p of pc: p must describe the same conv but for InH,
// OutH and PadT (engine row bands). The whole conv is pc's own parameters.
func (pc *PackedConv) Band(p *QConv) (*Conv, error) {
	a, b := p.ConvParams, pc.p.ConvParams
	a.InH, a.OutH, a.PadT = b.InH, b.OutH, b.PadT
	if a != b {
		return nil, fmt.Errorf("quantized conv band %+v is not a band of %+v", p.ConvParams, pc.p.ConvParams)
	}
	c := &p.ConvParams
	if err := p.Validate(c.InH*c.InW*c.InC, max(len(pc.w), len(pc.w16)), c.OutH*c.OutW*c.OutC); err != nil {
		return nil, err
	}
	cv := &Conv{p: p, w: pc.w, w16: pc.w16, in: pc.in, out: pc.out, inN: c.InH * c.InW * c.InC, outN: c.OutH * c.OutW * c.OutC}
	if pc.arch != nil {
		r, ok := pc.arch.NewRunner(p)
		if !ok {
			return nil, fmt.Errorf("quantized conv band %+v: the packed kernels refuse it", p.ConvParams)
		}
		cv.arch = r
	}
	return cv, nil
}

// check panics unless in and out hold the band's tensors, with the element
// types the conv was packed for: the shapes are the caller's contract,
// checked at load time, so this is a programming error.
func (c *Conv) check(in DType, inLen int, out DType, outLen int) {
	if in != c.in || out != c.out || inLen < c.inN || outLen < c.outN {
		panic(fmt.Sprintf("quantized conv: called with %d %v inputs and %d %v outputs, packed for %d %v and %d %v",
			inLen, in, outLen, out, c.inN, c.in, c.outN, c.out))
	}
}

func dtypeOf[T generic.Q]() DType {
	var z T
	if unsafe.Sizeof(z) == 2 {
		return Int16
	}
	return Int8
}

// ConvQ runs the conv band c on in, writing out (generic.ConvQ's
// contract). It allocates nothing.
func ConvQ[In, Out generic.Q](c *Conv, in []In, out []Out) {
	c.check(dtypeOf[In](), len(in), dtypeOf[Out](), len(out))
	if c.arch != nil {
		c.arch.Run(unsafe.Pointer(unsafe.SliceData(in)), unsafe.Pointer(unsafe.SliceData(out)))
		return
	}
	if c.w16 != nil {
		generic.ConvQW16(c.p, unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(in))), len(in)), c.w16, out)
		return
	}
	generic.ConvQ(c.p, in, c.w, out)
}

// ConvQFloat is ConvQ for the EpiFloat epilogue (the logits).
func ConvQFloat[In generic.Q](c *Conv, in []In, out []float32) {
	c.check(dtypeOf[In](), len(in), Float32, len(out))
	if c.arch != nil {
		c.arch.Run(unsafe.Pointer(unsafe.SliceData(in)), unsafe.Pointer(unsafe.SliceData(out)))
		return
	}
	if c.w16 != nil {
		generic.ConvQW16Float(c.p, unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(in))), len(in)), c.w16, out)
		return
	}
	generic.ConvQFloat(c.p, in, c.w, out)
}
