package frame

import (
	"fmt"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/imagenet"
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/preprocess"
)

// Image is one frame: an encoded JPEG or PNG (Data, from files, HTTP and
// MJPEG sources), or a decoded packed BGR frame (W, H, BGR; OpenCV's
// layout, 3 bytes per pixel, no row padding). The Pipeline only reads it.
type Image struct {
	Data []byte
	W, H int
	BGR  []byte
}

// Pipeline is one camera's or worker's frame path and all its memory. Not
// safe for concurrent use: give each goroutine its own.
type Pipeline struct {
	t    preprocess.Transform
	mode Decode

	dec  preprocess.Decoder
	rs   preprocess.Cropper
	crop []uint8 // Crop x Crop x 3 bytes, RGB

	// int8 path: the table of the model input q was built for, and the
	// quantized input (q8 or q16 by q.DType).
	q     engine.Input
	qOK   bool
	tab8  [3][256]int8
	tab16 [3][256]int16
	q8    []int8
	q16   []int16

	norm    [3][256]float32 // t.NormTable()
	x       []float32       // float path
	classes []imagenet.Class
}

// New returns a Pipeline applying t, decoding JPEG frames as mode says.
func New(t preprocess.Transform, mode Decode) (*Pipeline, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if mode != Exact && mode != Fast {
		return nil, fmt.Errorf("frame: decode mode %d: want Exact or Fast", mode)
	}
	return &Pipeline{t: t, mode: mode, crop: make([]uint8, t.Crop*t.Crop*3), norm: t.NormTable()}, nil
}

// Crop decodes (or wraps) img, resizes and centre-crops it: the
// Crop x Crop x 3 RGB bytes torchvision's ToTensor sees. The slice belongs
// to p and is overwritten by the next frame.
func (p *Pipeline) Crop(img Image) ([]uint8, error) {
	var (
		rgb *preprocess.RGB
		err error
	)
	switch {
	case img.BGR != nil:
		// Wrapped, not copied: the resampler treats the channels alike, so
		// the BGR frame is resized as is and only the crop is swapped.
		if len(img.BGR) != img.W*img.H*3 || img.W <= 0 || img.H <= 0 {
			return nil, fmt.Errorf("BGR frame %dx%d has %d bytes, want %d (3 per pixel, no row padding)", img.W, img.H, len(img.BGR), img.W*img.H*3)
		}
		wrap := preprocess.RGB{W: img.W, H: img.H, Pix: img.BGR}
		if err := p.rs.Apply(p.t, &wrap, p.crop); err != nil {
			return nil, err
		}
		for i := 0; i+2 < len(p.crop); i += 3 {
			p.crop[i], p.crop[i+2] = p.crop[i+2], p.crop[i]
		}
		return p.crop, nil
	case len(img.Data) == 0:
		return nil, fmt.Errorf("empty frame")
	}
	opts := preprocess.DecodeOptions{}
	if p.mode == Fast {
		opts.MinSide = p.t.ResizeShort
	}
	rgb, err = p.dec.Decode(img.Data, opts)
	if err != nil {
		return nil, fmt.Errorf("decode %d-byte image: %w", len(img.Data), err)
	}
	if err := p.rs.Apply(p.t, rgb, p.crop); err != nil {
		return nil, err
	}
	return p.crop, nil
}

// Float is Crop followed by ToTensor+Normalize: the NHWC float32 input of
// the float reference model and of calibration. The slice belongs to p.
func (p *Pipeline) Float(img Image) ([]float32, error) {
	if _, err := p.Crop(img); err != nil {
		return nil, err
	}
	return p.Normalize(), nil
}

// Normalize returns ToTensor+Normalize of the last frame's crop (what
// Float returns), e.g. for a float reference beside the int8 path. The
// slice belongs to p.
func (p *Pipeline) Normalize() []float32 {
	crop, lut := p.crop, &p.norm
	if len(p.x) != len(crop) {
		p.x = make([]float32, len(crop))
	}
	for i := 0; i+2 < len(crop); i += 3 {
		p.x[i], p.x[i+1], p.x[i+2] = lut[0][crop[i]], lut[1][crop[i+1]], lut[2][crop[i+2]]
	}
	return p.x
}

// Quantize is Crop followed by the quantization of e's model input: the
// input is then ready for Logits. It only reads e (its input's
// quantization, and its kernels to build the table once per model), so it
// may run while another goroutine runs e.
func (p *Pipeline) Quantize(img Image, e *engine.Engine) error {
	if _, err := p.Crop(img); err != nil {
		return err
	}
	return p.quantize(e)
}

// quantize fills q8 or q16 from the crop through the table for e's input,
// building the table when that input differs from the last one.
func (p *Pipeline) quantize(e *engine.Engine) error {
	in := e.Input()
	if in.Len != len(p.crop) {
		return fmt.Errorf("the model's input has %d values; the transform makes %dx%dx3 = %d", in.Len, p.t.Crop, p.t.Crop, len(p.crop))
	}
	if !p.qOK || p.q != in {
		if err := p.buildTable(e, in); err != nil {
			return err
		}
	}
	if in.DType == generic.Int16 {
		lookup(p.q16, p.crop, &p.tab16)
	} else {
		lookup(p.q8, p.crop, &p.tab8)
	}
	return nil
}

// buildTable quantizes NormTable's 256 float32 values per channel with
// the engine's own input quantization: entry v of channel c is exactly
// what Run's first step makes of the float path's value for byte v.
func (p *Pipeline) buildTable(e *engine.Engine, in engine.Input) error {
	p.qOK = false
	for c := range 3 {
		if err := e.QuantizeInput(p.norm[c][:], p.tab8[c][:], p.tab16[c][:]); err != nil {
			return err
		}
	}
	if in.DType == generic.Int16 {
		p.q16, p.q8 = make([]int16, in.Len), nil
	} else {
		p.q8, p.q16 = make([]int8, in.Len), nil
	}
	p.q, p.qOK = in, true
	return nil
}

// lookup maps packed RGB bytes to quantized values, channel by channel.
func lookup[T int8 | int16](dst []T, crop []uint8, tab *[3][256]T) {
	dst = dst[:len(crop)]
	for i := 0; i+2 < len(crop); i += 3 {
		s := crop[i : i+3 : i+3]
		d := dst[i : i+3 : i+3]
		d[0], d[1], d[2] = tab[0][s[0]], tab[1][s[1]], tab[2][s[2]]
	}
}

// Logits runs e on the input Quantize prepared. If e quantizes its input
// differently from the model Quantize was given (a model reloaded in
// between), the kept crop is quantized again for e first. The logits
// belong to e.
func (p *Pipeline) Logits(e *engine.Engine) ([]float32, error) {
	if !p.qOK {
		return nil, fmt.Errorf("frame: Logits before Quantize")
	}
	if in := e.Input(); in != p.q {
		if err := p.quantize(e); err != nil {
			return nil, err
		}
	}
	return e.RunQuantized(p.q8, p.q16)
}

// TopK returns the k best classes of logits; the slice belongs to p.
func (p *Pipeline) TopK(logits []float32, k int) []imagenet.Class {
	p.classes = imagenet.TopKInto(p.classes[:0], logits, k)
	return p.classes
}

// Run is the whole frame: Quantize for e's model, Logits, TopK. The
// classes belong to p and are overwritten by the next frame.
func (p *Pipeline) Run(img Image, e *engine.Engine, k int) ([]imagenet.Class, error) {
	if err := p.Quantize(img, e); err != nil {
		return nil, err
	}
	logits, err := p.Logits(e)
	if err != nil {
		return nil, err
	}
	return p.TopK(logits, k), nil
}
