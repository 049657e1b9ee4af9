package preprocess

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// This file is a JPEG decoder that reproduces libjpeg-turbo's output with
// its default settings (what Pillow uses): baseline, extended-sequential
// and progressive Huffman-coded 8-bit JPEGs, libjpeg's islow IDCT
// (jpegidct.go), fancy chroma upsampling and colour conversion (ycbcr.go),
// and libjpeg's rules for what the components mean. Arithmetic coding,
// lossless, hierarchical and 12-bit JPEGs are reported as unsupported.

// MaxPixels bounds the size of an image Decode accepts, checked from the
// header before any pixel memory is allocated: a few bytes of hostile or
// corrupt input can declare 65535x65535 pixels, and libjpeg's rule of
// decoding missing data as zeros would then cost gigabytes and seconds.
// The value is Pillow's MAX_IMAGE_PIXELS, where Pillow warns of a
// decompression bomb; no camera frame or photo to classify comes near it.
const MaxPixels = 89478485

// zigzag[i] is the natural-order index of the i-th coefficient in zigzag
// order; entries past 63 absorb out-of-range indexes of corrupt data.
var zigzag = [64 + 16]uint8{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
	63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
}

// sofName names the JPEG processes this decoder does not implement.
var sofName = [16]string{
	3: "lossless", 5: "hierarchical", 6: "hierarchical progressive", 7: "hierarchical lossless",
	9: "arithmetic-coded", 10: "arithmetic-coded progressive", 11: "arithmetic-coded lossless",
	13: "hierarchical arithmetic-coded", 14: "hierarchical arithmetic-coded progressive",
	15: "hierarchical arithmetic-coded lossless",
}

type jpegComponent struct {
	id       uint8
	h, v     int // sampling factors
	tq       int // quantization table selector
	bw, bh   int // blocks stored per row and column (MCU-padded)
	cbw, cbh int // blocks holding image samples (non-interleaved scans)
	plane    []uint8
	coef     []int16 // progressive only: bw*bh blocks, natural order
	qt       [64]int32
	latched  bool // qt copied at the component's first scan, as libjpeg does
	dcPred   int32
	dc, ac   int // Huffman table selectors of the current scan
}

type jpegDecoder struct {
	r           *bufio.Reader
	bits        bitReader
	qt          [4][64]int32 // natural order
	qtDefined   [4]bool
	dcTab       [4]huffTable
	acTab       [4]huffTable
	w, h        int
	progressive bool
	comps       []jpegComponent
	maxH, maxV  int
	mcusX       int
	mcusY       int
	restart     int
	jfif        bool
	adobe       bool
	adobeXform  uint8
	eobrun      int32
	scans       int
	tmp         [256]byte
	mem         *jpegMem // a Decoder's reusable buffers; nil: allocate (reuse.go)
}

// errJPEG is corrupt or unsupported JPEG structure.
type errJPEG string

func (e errJPEG) Error() string { return string(e) }

// decodeJPEG decodes a JPEG stream to RGB as Pillow's
// Image.open(f).convert("RGB") would.
func decodeJPEG(r *bufio.Reader) (*RGB, error) {
	return decodeJPEGWith(&jpegDecoder{}, r)
}

// decodeJPEGWith is decodeJPEG with a decoder that may carry reusable
// memory (Decoder.Decode resets it first).
func decodeJPEGWith(d *jpegDecoder, r *bufio.Reader) (*RGB, error) {
	d.r = r
	d.bits.r = r
	if err := d.decode(); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("preprocess: truncated JPEG: %w", ErrTruncated)
		}
		return nil, fmt.Errorf("preprocess: decode JPEG: %w", err)
	}
	return d.toRGB()
}

func (d *jpegDecoder) readByte() (uint8, error) {
	c, err := d.r.ReadByte()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return c, err
}

// nextMarker returns the next marker code, skipping any bytes before it
// (libjpeg tolerates such garbage with a warning).
func (d *jpegDecoder) nextMarker() (uint8, error) {
	if m := d.bits.marker; m != 0 {
		d.bits.marker = 0
		return m, nil
	}
	for {
		c, err := d.readByte()
		if err != nil {
			return 0, err
		}
		if c != 0xFF {
			continue
		}
		for c == 0xFF {
			if c, err = d.readByte(); err != nil {
				return 0, err
			}
		}
		if c != 0 {
			return c, nil
		}
	}
}

// segment reads a marker segment's 2-byte length and returns its payload
// length.
func (d *jpegDecoder) segment() (int, error) {
	if err := readFull(d.r, d.tmp[:2]); err != nil {
		return 0, err
	}
	n := int(d.tmp[0])<<8 | int(d.tmp[1]) - 2
	if n < 0 {
		return 0, errJPEG("bad marker segment length")
	}
	return n, nil
}

func (d *jpegDecoder) skip(n int) error {
	_, err := d.r.Discard(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (d *jpegDecoder) decode() error {
	if err := readFull(d.r, d.tmp[:2]); err != nil {
		return err
	}
	if d.tmp[0] != 0xFF || d.tmp[1] != 0xD8 {
		return errJPEG("missing SOI marker")
	}
	for {
		m, err := d.nextMarker()
		if err != nil {
			return err
		}
		switch {
		case m == 0xD9: // EOI
			if d.scans == 0 {
				return errJPEG("no image data before EOI")
			}
			return nil
		case m >= 0xD0 && m <= 0xD7, m == 0x01: // stray RSTn, TEM: no payload
			continue
		}
		n, err := d.segment()
		if err != nil {
			return err
		}
		switch m {
		case 0xC0, 0xC1, 0xC2:
			err = d.readSOF(n, m == 0xC2)
		case 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
			err = fmt.Errorf("unsupported JPEG process SOF%d (%s); re-encode it as baseline or progressive", m-0xC0, sofName[m-0xC0])
		case 0xC4:
			err = d.readDHT(n)
		case 0xCC:
			err = errors.New("unsupported arithmetic-coded JPEG (DAC marker)")
		case 0xDB:
			err = d.readDQT(n)
		case 0xDD:
			err = d.readDRI(n)
		case 0xDA:
			err = d.readSOS(n)
		case 0xE0:
			err = d.readApp(n, "JFIF\x00", 14, func(b []byte) { d.jfif = true })
		case 0xEE:
			err = d.readApp(n, "Adobe", 12, func(b []byte) { d.adobe, d.adobeXform = true, b[11] })
		default:
			err = d.skip(n)
		}
		if err != nil {
			return err
		}
	}
}

// readApp reads an APPn segment and calls f when it starts with tag and
// is at least minLen bytes long (libjpeg's examine_app0/app14).
func (d *jpegDecoder) readApp(n int, tag string, minLen int, f func([]byte)) error {
	k := min(n, len(d.tmp))
	if err := readFull(d.r, d.tmp[:k]); err != nil {
		return err
	}
	if k >= minLen && string(d.tmp[:len(tag)]) == tag {
		f(d.tmp[:k])
	}
	return d.skip(n - k)
}

func (d *jpegDecoder) readDRI(n int) error {
	if n != 2 {
		return errJPEG("bad DRI length")
	}
	if err := readFull(d.r, d.tmp[:2]); err != nil {
		return err
	}
	d.restart = int(d.tmp[0])<<8 | int(d.tmp[1])
	return nil
}

func (d *jpegDecoder) readDQT(n int) error {
	for n > 0 {
		pq, err := d.readByte()
		if err != nil {
			return err
		}
		n--
		id := int(pq & 15)
		if id > 3 {
			return errJPEG("bad DQT table id")
		}
		size := 64
		if pq>>4 != 0 {
			size = 128
		}
		if n < size {
			return errJPEG("short DQT segment")
		}
		if err := readFull(d.r, d.tmp[:size]); err != nil {
			return err
		}
		n -= size
		for i := range 64 {
			v := int32(d.tmp[i])
			if size == 128 {
				v = int32(d.tmp[2*i])<<8 | int32(d.tmp[2*i+1])
			}
			d.qt[id][zigzag[i]] = v
		}
		d.qtDefined[id] = true
	}
	return nil
}

func (d *jpegDecoder) readDHT(n int) error {
	for n > 0 {
		if n < 17 {
			return errJPEG("short DHT segment")
		}
		if err := readFull(d.r, d.tmp[:17]); err != nil {
			return err
		}
		n -= 17
		tc, th := d.tmp[0]>>4, d.tmp[0]&15
		if tc > 1 || th > 3 {
			return errJPEG("bad DHT table class or id")
		}
		var counts [16]uint8
		copy(counts[:], d.tmp[1:17])
		total := 0
		for _, c := range counts {
			total += int(c)
		}
		if total > 256 || total > n {
			return errJPEG("bad DHT code counts")
		}
		vals := d.tmp[:total] // counts were copied out; build copies vals
		if err := readFull(d.r, vals); err != nil {
			return err
		}
		n -= total
		t := &d.dcTab[th]
		if tc == 1 {
			t = &d.acTab[th]
		}
		if err := t.build(&counts, vals); err != nil {
			return err
		}
	}
	return nil
}

func (d *jpegDecoder) readSOF(n int, progressive bool) error {
	if d.comps != nil {
		return errJPEG("more than one SOF marker")
	}
	if n < 6 {
		return errJPEG("short SOF segment")
	}
	if err := readFull(d.r, d.tmp[:6]); err != nil {
		return err
	}
	if d.tmp[0] != 8 {
		return fmt.Errorf("unsupported %d-bit JPEG (only 8-bit samples)", d.tmp[0])
	}
	d.h = int(d.tmp[1])<<8 | int(d.tmp[2])
	d.w = int(d.tmp[3])<<8 | int(d.tmp[4])
	nc := int(d.tmp[5])
	if d.w == 0 || d.h == 0 {
		return fmt.Errorf("unsupported JPEG size %dx%d (DNL height not supported)", d.w, d.h)
	}
	if d.w*d.h > MaxPixels {
		return fmt.Errorf("JPEG of %dx%d pixels exceeds the %d-pixel limit (MaxPixels); downscale it first", d.w, d.h, MaxPixels)
	}
	if nc != 1 && nc != 3 && nc != 4 {
		return fmt.Errorf("unsupported JPEG with %d components (1, 3 or 4)", nc)
	}
	if n != 6+3*nc {
		return errJPEG("bad SOF length")
	}
	if err := readFull(d.r, d.tmp[:3*nc]); err != nil {
		return err
	}
	d.progressive = progressive
	d.comps = d.mem.components(nc)
	d.maxH, d.maxV = 1, 1
	for i := range d.comps {
		c := &d.comps[i]
		c.id = d.tmp[3*i]
		c.h, c.v = int(d.tmp[3*i+1]>>4), int(d.tmp[3*i+1]&15)
		c.tq = int(d.tmp[3*i+2])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return errJPEG("bad SOF component parameters")
		}
		d.maxH, d.maxV = max(d.maxH, c.h), max(d.maxV, c.v)
	}
	d.mcusX = (d.w + 8*d.maxH - 1) / (8 * d.maxH)
	d.mcusY = (d.h + 8*d.maxV - 1) / (8 * d.maxV)
	for i := range d.comps {
		c := &d.comps[i]
		if d.maxH%c.h != 0 || d.maxV%c.v != 0 {
			return fmt.Errorf("unsupported JPEG sampling factors %dx%d with maximum %dx%d (not integral)", c.h, c.v, d.maxH, d.maxV)
		}
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
		// ceil(ceil(w*h/maxH)/8), as libjpeg's width_in_blocks.
		c.cbw = ((d.w*c.h+d.maxH-1)/d.maxH + 7) / 8
		c.cbh = ((d.h*c.v+d.maxV-1)/d.maxV + 7) / 8
		c.plane = d.mem.plane(i, c.bw*8*c.bh*8)
		if progressive {
			c.coef = d.mem.coef(i, c.bw*c.bh*64)
		}
	}
	return nil
}

func (d *jpegDecoder) readSOS(n int) error {
	if d.comps == nil {
		return errJPEG("SOS before SOF")
	}
	if n < 6 || n > 4+2*4 {
		return errJPEG("bad SOS length")
	}
	if err := readFull(d.r, d.tmp[:n]); err != nil {
		return err
	}
	ns := int(d.tmp[0])
	if ns < 1 || ns > 4 || n != 4+2*ns {
		return errJPEG("bad SOS length")
	}
	var scan []*jpegComponent
	for i := range ns {
		id, sel := d.tmp[1+2*i], d.tmp[2+2*i]
		var c *jpegComponent
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
			}
		}
		if c == nil {
			return errJPEG("SOS names an unknown component")
		}
		c.dc, c.ac = int(sel>>4), int(sel&15)
		if c.dc > 3 || c.ac > 3 {
			return errJPEG("bad SOS table selectors")
		}
		if !c.latched {
			if !d.qtDefined[c.tq] {
				return errJPEG("component's quantization table is not defined")
			}
			c.qt, c.latched = d.qt[c.tq], true
		}
		scan = append(scan, c)
	}
	p := d.tmp[1+2*ns:]
	ss, se, ah, al := int(p[0]), int(p[1]), int(p[2]>>4), int(p[2]&15)
	if d.progressive {
		if ss > se || se > 63 || (ss == 0) != (se == 0) || (ss > 0 && ns != 1) || al > 13 {
			return errJPEG("bad progressive scan parameters")
		}
	} else {
		// libjpeg ignores Ss/Se/Ah/Al of sequential scans (with a warning).
		ss, se, ah, al = 0, 63, 0, 0
	}
	blocks := 0
	for _, c := range scan {
		blocks += c.h * c.v
	}
	if ns > 1 && blocks > 10 {
		return errJPEG("too many blocks in an MCU")
	}
	d.scans++
	return d.decodeScan(scan, ss, se, ah, al)
}
