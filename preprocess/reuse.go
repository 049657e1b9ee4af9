package preprocess

import (
	"bufio"
	"bytes"
	"fmt"
)

// DecodeOptions ask a Decoder for less than the full image.
type DecodeOptions struct {
	// MinShort, when positive, allows a JPEG to be decoded at a reduced
	// scale in the DCT domain (libjpeg's scale_denom 2, 4 or 8, Pillow's
	// Image.draft): the largest reduction whose shorter side stays at
	// least MinShort pixels. The daemon passes the transform's resize
	// size (256). 0 decodes at full size, byte-exact with Pillow's
	// Image.open(f).convert("RGB").
	//
	// Until the JPEG decoder implements the reduced IDCTs, every scale is
	// 1 and the option changes nothing.
	MinShort int
}

// Decoder decodes JPEG and PNG images like Decode, but keeps its memory
// (the JPEG component planes and coefficients, row buffers and the RGB
// image itself) from one call to the next: a camera's decoder allocates
// nothing per frame once it has seen a frame of the largest size. A
// Decoder is not safe for concurrent use; the zero value is ready.
type Decoder struct {
	br   *bufio.Reader
	rd   bytes.Reader
	jpeg jpegDecoder
	mem  jpegMem
}

// Decode decodes data as Decode does. The image belongs to d and is
// overwritten by the next call. PNGs are decoded by image/png, which
// allocates; JPEGs reuse d's memory.
func (d *Decoder) Decode(data []byte, opts DecodeOptions) (*RGB, error) {
	if opts.MinShort < 0 {
		return nil, fmt.Errorf("preprocess: DecodeOptions.MinShort %d: must be 0 (full size) or positive", opts.MinShort)
	}
	if !bytes.HasPrefix(data, jpegMagic) {
		return Decode(bytes.NewReader(data))
	}
	d.rd.Reset(data)
	if d.br == nil {
		d.br = bufio.NewReader(&d.rd)
	} else {
		d.br.Reset(&d.rd)
	}
	d.jpeg.reset(&d.mem)
	return decodeJPEGWith(&d.jpeg, d.br)
}

// reset readies d for a new image: everything zero except the Huffman
// tables' value slices and the memory, which are kept for reuse.
func (d *jpegDecoder) reset(mem *jpegMem) {
	var vals [8][]uint8
	for i := range 4 {
		vals[i], vals[4+i] = d.dcTab[i].vals[:0], d.acTab[i].vals[:0]
	}
	*d = jpegDecoder{mem: mem}
	for i := range 4 {
		d.dcTab[i].vals, d.acTab[i].vals = vals[i], vals[4+i]
	}
}

// jpegMem is the memory a jpegDecoder allocates per image, kept by a
// Decoder. Every method works on a nil *jpegMem too, allocating afresh:
// that is the one-shot Decode.
type jpegMem struct {
	comps  [4]jpegComponent
	planes [4][]uint8
	coefs  [4][]int16
	ups    [4]upsampler
	rowBuf [4][]uint8
	rowPtr [4][]uint8
	sums   []int32
	cmyk   []uint8
	out    RGB
}

func (m *jpegMem) components(n int) []jpegComponent {
	if m == nil {
		return make([]jpegComponent, n)
	}
	m.comps = [4]jpegComponent{}
	return m.comps[:n]
}

// plane returns component i's sample plane. Reused planes are cleared:
// blocks a corrupt stream never reaches must read as the fresh ones do.
func (m *jpegMem) plane(i, n int) []uint8 {
	if m == nil {
		return make([]uint8, n)
	}
	m.planes[i] = growClear(m.planes[i], n)
	return m.planes[i]
}

// coef returns component i's coefficients, zeroed: progressive scans
// refine them from zero.
func (m *jpegMem) coef(i, n int) []int16 {
	if m == nil {
		return make([]int16, n)
	}
	if cap(m.coefs[i]) < n {
		m.coefs[i] = make([]int16, n)
	} else {
		m.coefs[i] = m.coefs[i][:n]
		clear(m.coefs[i])
	}
	return m.coefs[i]
}

func (m *jpegMem) upsamplers(n int) []upsampler {
	if m == nil {
		return make([]upsampler, n)
	}
	return m.ups[:n]
}

// rgb returns the w x h output image (every byte is written by toRGB).
func (m *jpegMem) rgb(w, h int) *RGB {
	if m == nil {
		return NewRGB(w, h)
	}
	m.out.W, m.out.H, m.out.Pix = w, h, grow(m.out.Pix, w*h*3)
	return &m.out
}

// rows returns n row buffers of w samples, the upsampler's sums and a
// CMYK row (4w).
func (m *jpegMem) rows(n, w int) (rows [][]uint8, sums []int32, cmyk []uint8) {
	if m == nil {
		rows = make([][]uint8, n)
		for i := range rows {
			rows[i] = make([]uint8, w)
		}
		return rows, make([]int32, w), make([]uint8, 4*w)
	}
	for i := range n {
		m.rowBuf[i] = grow(m.rowBuf[i], w)
		m.rowPtr[i] = m.rowBuf[i]
	}
	if cap(m.sums) < w {
		m.sums = make([]int32, w)
	}
	m.cmyk = grow(m.cmyk, 4*w)
	return m.rowPtr[:n], m.sums[:w], m.cmyk
}

func growClear(b []uint8, n int) []uint8 {
	if cap(b) < n {
		return make([]uint8, n)
	}
	b = b[:n]
	clear(b)
	return b
}
