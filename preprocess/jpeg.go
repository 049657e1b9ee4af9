package preprocess

import (
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
	bs       int // IDCT output size per block side: 8, or 4, 2, 1 when scaled
	stride   int // plane row length, bw*bs
	plane    []uint8
	coef     []int16 // progressive only: bw*bh blocks, natural order
	qt       [64]int32
	latched  bool // qt copied at the component's first scan, as libjpeg does
	dcPred   int32
	dc, ac   int // Huffman table selectors of the current scan
}

// jpegDecoder holds one decode's state; a Decoder keeps one and reuses
// its buffers (planes, coefficients, Huffman tables) from frame to frame.
type jpegDecoder struct {
	bits        bitReader
	opts        DecodeOptions
	qt          [4][64]int32 // natural order
	qtDefined   [4]bool
	dcTab       [4]huffTable
	acTab       [4]huffTable
	w, h        int
	denom       int // DCT-domain scale: output is ceil(w/denom) x ceil(h/denom)
	progressive bool
	comps       []jpegComponent
	compBuf     [4]jpegComponent
	planeBuf    [4][]uint8
	coefBuf     [4][]int16
	maxH, maxV  int
	mcusX       int
	mcusY       int
	restart     int
	jfif        bool
	adobe       bool
	adobeXform  uint8
	eobrun      int32
	scans       int
	deadline    deadline
	tmp         [256]byte
}

// errJPEG is corrupt or unsupported JPEG structure.
type errJPEG string

func (e errJPEG) Error() string { return string(e) }

// reset prepares d for a new stream, keeping its buffers.
func (d *jpegDecoder) reset(data []byte, opts DecodeOptions) {
	planes, coefs := d.planeBuf, d.coefBuf
	for i := range d.compBuf {
		if d.compBuf[i].plane != nil {
			planes[i] = d.compBuf[i].plane
		}
		if d.compBuf[i].coef != nil {
			coefs[i] = d.compBuf[i].coef
		}
	}
	*d = jpegDecoder{
		bits:     bitReader{data: data},
		opts:     opts,
		planeBuf: planes,
		coefBuf:  coefs,
		dcTab:    d.dcTab,
		acTab:    d.acTab,
	}
	for i := range d.dcTab {
		d.dcTab[i].defined, d.acTab[i].defined = false, false
	}
}

func (d *jpegDecoder) readByte() (uint8, error) {
	b := &d.bits
	if b.pos >= len(b.data) {
		return 0, io.ErrUnexpectedEOF
	}
	c := b.data[b.pos]
	b.pos++
	return c, nil
}

// readFull reads a marker segment's payload; short input is truncation.
func (d *jpegDecoder) readFull(p []byte) error {
	b := &d.bits
	if len(b.data)-b.pos < len(p) {
		b.pos = len(b.data)
		return io.ErrUnexpectedEOF
	}
	b.pos += copy(p, b.data[b.pos:])
	return nil
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
	if err := d.readFull(d.tmp[:2]); err != nil {
		return 0, err
	}
	n := int(d.tmp[0])<<8 | int(d.tmp[1]) - 2
	if n < 0 {
		return 0, errJPEG("bad marker segment length")
	}
	return n, nil
}

func (d *jpegDecoder) skip(n int) error {
	b := &d.bits
	if len(b.data)-b.pos < n {
		b.pos = len(b.data)
		return io.ErrUnexpectedEOF
	}
	b.pos += n
	return nil
}

func (d *jpegDecoder) decode() error {
	if err := d.readFull(d.tmp[:2]); err != nil {
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
	if err := d.readFull(d.tmp[:k]); err != nil {
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
	if err := d.readFull(d.tmp[:2]); err != nil {
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
		if err := d.readFull(d.tmp[:size]); err != nil {
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
		if err := d.readFull(d.tmp[:17]); err != nil {
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
		vals := make([]uint8, total)
		if err := d.readFull(vals); err != nil {
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
	if err := d.readFull(d.tmp[:6]); err != nil {
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
	if err := d.readFull(d.tmp[:3*nc]); err != nil {
		return err
	}
	d.progressive = progressive
	d.comps = d.compBuf[:nc]
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
	d.denom = d.opts.scaleDenom(d.w, d.h)
	minBS := 8 / d.denom
	var need int64
	for i := range d.comps {
		c := &d.comps[i]
		if d.maxH%c.h != 0 || d.maxV%c.v != 0 {
			return fmt.Errorf("unsupported JPEG sampling factors %dx%d with maximum %dx%d (not integral)", c.h, c.v, d.maxH, d.maxV)
		}
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
		// ceil(ceil(w*h/maxH)/8), as libjpeg's width_in_blocks.
		c.cbw = ((d.w*c.h+d.maxH-1)/d.maxH + 7) / 8
		c.cbh = ((d.h*c.v+d.maxV-1)/d.maxV + 7) / 8
		c.bs = scaledBlockSize(minBS, d.maxH, d.maxV, c.h, c.v)
		c.stride = c.bw * c.bs
		need += int64(c.stride) * int64(c.bh*c.bs)
		if progressive {
			need += int64(c.bw) * int64(c.bh) * 64 * 2
		}
	}
	ow, oh := d.outSize()
	need += int64(ow)*int64(oh)*3 + int64(ow)*int64(nc+5) // RGB output and row buffers
	if budget := d.opts.memoryBudget(); need > budget {
		kind := "baseline"
		if progressive {
			kind = "progressive"
		}
		return fmt.Errorf("%s JPEG of %dx%d pixels with %d components needs %d MB to decode, over the %d MB memory budget (DecodeOptions.MemoryBudget); downscale it first",
			kind, d.w, d.h, nc, (need+1<<20-1)>>20, budget>>20)
	}
	for i := range d.comps {
		c := &d.comps[i]
		c.plane = growSlice(d.planeBuf[i], c.stride*c.bh*c.bs)
		d.planeBuf[i] = c.plane
		if progressive {
			c.coef = growSlice(d.coefBuf[i], c.bw*c.bh*64)
			clear(c.coef)
			d.coefBuf[i] = c.coef
		}
	}
	return nil
}

// outSize is the decoded image's size: ceil(w/denom) x ceil(h/denom), as
// libjpeg's jdiv_round_up(image_width * scale_num, scale_denom).
func (d *jpegDecoder) outSize() (int, int) {
	return (d.w + d.denom - 1) / d.denom, (d.h + d.denom - 1) / d.denom
}

// scaledBlockSize is libjpeg-turbo's choice of a component's IDCT output
// size (jdmaster.c, jpeg_core_output_dimensions): minBS for the
// full-resolution components; subsampled ones are scaled up by 2 while
// that still divides their subsampling, so that a scaled decode replaces
// chroma upsampling by a larger IDCT (4:2:0 at 1/2 decodes chroma with
// the full 8x8 IDCT and upsamples nothing).
func scaledBlockSize(minBS, maxH, maxV, h, v int) int {
	s := minBS
	for s < 8 && (maxH*minBS)%(h*s*2) == 0 && (maxV*minBS)%(v*s*2) == 0 {
		s *= 2
	}
	return s
}

// growSlice returns buf resized to n elements, reallocating only when its
// capacity is short.
func growSlice[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:n]
}

func (d *jpegDecoder) readSOS(n int) error {
	if d.comps == nil {
		return errJPEG("SOS before SOF")
	}
	if n < 6 || n > 4+2*4 {
		return errJPEG("bad SOS length")
	}
	if err := d.readFull(d.tmp[:n]); err != nil {
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
	if max := d.opts.maxScans(); d.scans > max {
		return fmt.Errorf("JPEG has more than %d scans (DecodeOptions.MaxScans); a real progressive file has about 10, so this one is corrupt or hostile", max)
	}
	return d.decodeScan(scan, ss, se, ah, al)
}
