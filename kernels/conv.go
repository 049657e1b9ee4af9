package kernels

import (
	"fmt"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// QConv is a quantized convolution's parameters (kernels/generic defines
// the arithmetic).
type QConv = generic.QConv

// PackedConv is a convolution's weights packed once, at model load, into
// the layout its kernel path wants. It is immutable and shared by the
// ConvBands of all the bands a conv is split into for threads.
type PackedConv struct {
	p       *QConv
	w       []int8
	w16     []int16
	in, out generic.DType
	arch    *archConv // nil: kernels/generic runs it
	path    string
}

// PackConv prepares the conv p with OHWI weights w, reading in and
// writing out elements, for path s. A conv the NEON kernels do not cover
// (see arm64.PackConv) runs on kernels/generic, with the same results.
func PackConv(s *Set, p *QConv, w []int8, in, out generic.DType) (*PackedConv, error) {
	if err := checkConv(p, len(w), out); err != nil {
		return nil, err
	}
	if in != generic.Int8 && in != generic.Int16 {
		return nil, fmt.Errorf("quantized conv: %v input: want int8 or int16", in)
	}
	pc := &PackedConv{p: p, w: w, in: in, out: out, path: Generic}
	if a := archPackConv(s.arch, p, w, in, out); a != nil {
		pc.arch, pc.path = a, s.path
	}
	return pc, nil
}

// PackConvW16 is PackConv for a conv with int16 weights (and an int8
// input): kernels/generic's ConvQW16.
func PackConvW16(s *Set, p *QConv, w []int16, out generic.DType) (*PackedConv, error) {
	if err := checkConv(p, len(w), out); err != nil {
		return nil, err
	}
	pc := &PackedConv{p: p, w16: w, in: generic.Int8, out: out, path: Generic}
	if a := archPackConvW16(s.arch, p, w, out); a != nil {
		pc.arch, pc.path = a, s.path
	}
	return pc, nil
}

func checkConv(p *QConv, nw int, out generic.DType) error {
	c := &p.ConvParams
	if err := p.Validate(c.InH*c.InW*c.InC, nw, c.OutH*c.OutW*c.OutC); err != nil {
		return err
	}
	if (out == generic.Float32) != (p.Epi == generic.EpiFloat) {
		return fmt.Errorf("quantized conv: epilogue %d cannot write %v output", p.Epi, out)
	}
	return nil
}

// Path names the kernel path that runs this conv: its Set's, or generic
// for a conv the NEON kernels do not cover.
func (pc *PackedConv) Path() string { return pc.path }

// Scratch is working memory that conv bands share when they never run at
// the same time. An engine makes one per thread, for the bands that
// thread runs layer after layer: each layer then finds its accumulator
// tiles and padded input in lines the previous layer left in cache.
// (Only the amd64 kernels use it so far; elsewhere a band keeps its own.)
type Scratch struct{ arch archScratch }

// NewScratch returns an empty Scratch; the bands made with it size it.
func NewScratch() *Scratch { return new(Scratch) }

// ConvBand is one band of a packed conv (its output rows y0..y1,
// described by p's InH, OutH and PadT), with scratch memory of its own or
// a Scratch's: bands of one PackedConv may run concurrently; one band may
// not, nor two bands of one Scratch.
type ConvBand struct {
	p         *QConv
	w         []int8
	w16       []int16
	in, out   generic.DType
	inN, outN int
	arch      *archRunner
}

// Band prepares band p of pc: p must describe the same conv but for InH,
// OutH and PadT (engine row bands). The whole conv is pc's own parameters.
// The band's working memory is in s, or its own if s is nil.
func (pc *PackedConv) Band(p *QConv, s *Scratch) (*ConvBand, error) {
	if !p.IsBandOf(pc.p.ConvParams) {
		return nil, fmt.Errorf("quantized conv band %+v is not a band of %+v", p.ConvParams, pc.p.ConvParams)
	}
	c := &p.ConvParams
	if err := p.Validate(c.InH*c.InW*c.InC, max(len(pc.w), len(pc.w16)), c.OutH*c.OutW*c.OutC); err != nil {
		return nil, err
	}
	cv := &ConvBand{p: p, w: pc.w, w16: pc.w16, in: pc.in, out: pc.out, inN: c.InH * c.InW * c.InC, outN: c.OutH * c.OutW * c.OutC}
	if pc.arch != nil {
		r, ok := archNewRunner(pc.arch, p, s)
		if !ok {
			return nil, fmt.Errorf("quantized conv band %+v: the packed kernels refuse it", p.ConvParams)
		}
		cv.arch = r
	}
	return cv, nil
}

// check refuses element types or lengths other than the band was packed
// for: once, when the band is bound.
func (c *ConvBand) check(in generic.DType, inLen int, out generic.DType, outLen int) error {
	if in != c.in || out != c.out || inLen < c.inN || outLen < c.outN {
		return fmt.Errorf("quantized conv: bound to %d %v inputs and %d %v outputs, packed for %d %v and %d %v",
			inLen, in, outLen, out, c.inN, c.in, c.outN, c.out)
	}
	return nil
}

// Conv binds the band c to its tensors in and out: the returned function
// runs it (generic.ConvQ's contract) and allocates nothing.
func Conv[In, Out generic.Q](c *ConvBand, in []In, out []Out) (func(), error) {
	if f, err := bindArch(c, in, out, generic.DTypeOf[Out]()); f != nil || err != nil {
		return f, err
	}
	if c.w16 != nil {
		in8 := asInt8(in)
		return func() { generic.ConvQW16(c.p, in8, c.w16, out) }, nil
	}
	return func() { generic.ConvQ(c.p, in, c.w, out) }, nil
}

// ConvFloat is Conv for the EpiFloat epilogue (the logits).
func ConvFloat[In generic.Q](c *ConvBand, in []In, out []float32) (func(), error) {
	if f, err := bindArch(c, in, out, generic.Float32); f != nil || err != nil {
		return f, err
	}
	if c.w16 != nil {
		in8 := asInt8(in)
		return func() { generic.ConvQW16Float(c.p, in8, c.w16, out) }, nil
	}
	return func() { generic.ConvQFloat(c.p, in, c.w, out) }, nil
}

// bindArch checks the binding and returns the band's assembly task; nil
// and no error when kernels/generic runs the band.
func bindArch[In generic.Q, Out any](c *ConvBand, in []In, out []Out, outT generic.DType) (func(), error) {
	if err := c.check(generic.DTypeOf[In](), len(in), outT, len(out)); err != nil {
		return nil, err
	}
	if c.arch == nil {
		return nil, nil
	}
	r, pi, po := c.arch, unsafe.Pointer(unsafe.SliceData(in)), unsafe.Pointer(unsafe.SliceData(out))
	return func() { r.Run(pi, po) }, nil
}

// asInt8 is in as int8: int16-weight convs take int8 inputs (checked when
// they are packed).
func asInt8[In generic.Q](in []In) []int8 {
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(in))), len(in))
}
