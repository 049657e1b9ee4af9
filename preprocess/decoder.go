package preprocess

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/png"
	"io"
	"time"
)

// DefaultMemoryBudget is the memory one decode may use unless
// DecodeOptions.MemoryBudget says otherwise: 128 MiB, sized for a 1 GB
// board (Raspberry Pi 4) running a camera or two next to the model. It
// counts what the decoder allocates for the image, checked from the header
// before allocating: for a JPEG its sample planes (4:2:0 is 1.5 bytes per
// pixel, 4:4:4 3), the coefficients a progressive JPEG keeps (2 bytes per
// sample) and the RGB result (3 bytes per pixel); for a PNG image/png's
// buffer at the file's bit depth (up to 8 bytes per pixel for 16-bit RGBA)
// plus the RGB result. So it admits a 28-megapixel baseline 4:2:0 JPEG, a
// 16-megapixel progressive one, and a 10-megapixel 16-bit RGBA PNG; a
// 12-megapixel phone photo fits in any of those forms.
const DefaultMemoryBudget = 128 << 20

// DefaultMaxScans caps the scans of a progressive JPEG. Encoders write
// about 10 (cjpeg's default script has 10, mozjpeg's up to ~30);
// libjpeg-turbo's TurboJPEG API suggests 500 as a limit against
// files whose thousands of tiny scans each walk the whole image.
const DefaultMaxScans = 100

// DefaultTimeout bounds one decode's wall-clock time. A frame decodes in
// milliseconds and a large photo in well under a second on a Pi 4; the
// bound is for input crafted to be slow that passes the other limits.
const DefaultTimeout = 10 * time.Second

// DecodeOptions tune a Decoder. The zero value decodes at full size with
// the default limits.
type DecodeOptions struct {
	// MinSide, when positive, asks for DCT-domain downscaling of JPEGs
	// (libjpeg's scale_denom): the largest reduction among 1/2, 1/4 and
	// 1/8 whose shorter side, rounded up as libjpeg does, stays >= MinSide.
	// Such a decode never builds the full-size image and equals
	// libjpeg-turbo's scaled output (Pillow's Image.draft) byte for byte.
	// PNGs are always decoded at full size.
	MinSide int
	// ScaleDenom, when 1, 2, 4 or 8, fixes the JPEG reduction to 1/ScaleDenom
	// and overrides MinSide.
	ScaleDenom int
	// MemoryBudget is the most bytes one decode may allocate for the image
	// (see DefaultMemoryBudget, used when it is 0).
	MemoryBudget int64
	// MaxScans caps a JPEG's scan count (DefaultMaxScans when 0).
	MaxScans int
	// Timeout bounds one decode (DefaultTimeout when 0; negative: none).
	Timeout time.Duration
}

func (o *DecodeOptions) memoryBudget() int64 {
	if o.MemoryBudget > 0 {
		return o.MemoryBudget
	}
	return DefaultMemoryBudget
}

func (o *DecodeOptions) maxScans() int {
	if o.MaxScans > 0 {
		return o.MaxScans
	}
	return DefaultMaxScans
}

// scaleDenom is the JPEG reduction for a w x h image.
func (o *DecodeOptions) scaleDenom(w, h int) int {
	switch o.ScaleDenom {
	case 1, 2, 4, 8:
		return o.ScaleDenom
	}
	if o.MinSide <= 0 {
		return 1
	}
	for _, d := range []int{8, 4, 2} {
		if min((w+d-1)/d, (h+d-1)/d) >= o.MinSide {
			return d
		}
	}
	return 1
}

// Validate reports options that make no sense.
func (o *DecodeOptions) Validate() error {
	switch o.ScaleDenom {
	case 0, 1, 2, 4, 8:
	default:
		return fmt.Errorf("preprocess: DecodeOptions.ScaleDenom %d: want 0 (choose by MinSide), 1, 2, 4 or 8", o.ScaleDenom)
	}
	if o.MinSide < 0 || o.MemoryBudget < 0 || o.MaxScans < 0 {
		return fmt.Errorf("preprocess: DecodeOptions %+v: negative MinSide, MemoryBudget or MaxScans", *o)
	}
	return nil
}

// ErrTimeout is returned (wrapped) when a decode exceeds
// DecodeOptions.Timeout.
var ErrTimeout = errors.New("decode took too long")

// deadline is checked once per MCU row: cheap, and a row of even a
// 65535-pixel-wide image takes milliseconds.
type deadline struct {
	at time.Time
}

func (t *deadline) start(d time.Duration) {
	if d == 0 {
		d = DefaultTimeout
	}
	t.at = time.Time{}
	if d > 0 {
		t.at = time.Now().Add(d)
	}
}

func (t *deadline) check() error {
	if !t.at.IsZero() && time.Now().After(t.at) {
		return ErrTimeout
	}
	return nil
}

// A Decoder decodes JPEG and PNG images to RGB like Decode, reusing its
// memory from one call to the next: in steady state (same size and layout
// of frames) a JPEG decode allocates nothing. A Decoder is not safe for
// concurrent use; give each camera its own.
type Decoder struct {
	j   jpegDecoder
	out RGB
	cv  converter
}

// Decode decodes data (a whole JPEG or PNG file) as Decode does, with
// opts' scaling and limits. The returned image and its Pix belong to the
// Decoder and are overwritten by the next call.
func (d *Decoder) Decode(data []byte, opts DecodeOptions) (*RGB, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(data, jpegMagic):
		if err := d.decodeJPEG(data, opts); err != nil {
			return nil, err
		}
		return &d.out, nil
	case bytes.HasPrefix(data, pngMagic):
		return decodePNG(data, opts.memoryBudget())
	case len(data) == 0:
		return nil, fmt.Errorf("preprocess: empty input: %w", ErrUnknownFormat)
	default:
		return nil, fmt.Errorf("preprocess: %w (starts with % x)", ErrUnknownFormat, data[:min(len(data), 8)])
	}
}

func (d *Decoder) decodeJPEG(data []byte, opts DecodeOptions) error {
	j := &d.j
	j.reset(data, opts)
	j.deadline.start(opts.Timeout)
	err := j.decode()
	if err == nil {
		err = d.toRGB()
	}
	j.bits.data = nil // do not keep the caller's frame alive
	if err != nil {
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return fmt.Errorf("preprocess: truncated JPEG: %w", ErrTruncated)
		case errors.Is(err, ErrTimeout):
			return fmt.Errorf("preprocess: decode JPEG: %w (over %v, DecodeOptions.Timeout)", err, j.timeout())
		}
		return fmt.Errorf("preprocess: decode JPEG: %w", err)
	}
	return nil
}

func (d *jpegDecoder) timeout() time.Duration {
	if d.opts.Timeout == 0 {
		return DefaultTimeout
	}
	return d.opts.Timeout
}

// pngBytesPerPixel is what image/png allocates per pixel for a colour type
// and bit depth (IHDR), the basis of the PNG memory check.
func pngBytesPerPixel(colorType, depth uint8) int64 {
	wide := int64(1)
	if depth == 16 {
		wide = 2
	}
	switch colorType {
	case 0: // grey
		return wide
	case 2, 6: // RGB, RGBA: image/png returns RGBA(64)/NRGBA(64)
		return 4 * wide
	case 4: // grey + alpha: NRGBA(64)
		return 4 * wide
	default: // palette
		return 1
	}
}

// decodePNG decodes a PNG after checking its IHDR against the pixel limit
// and the memory budget.
func decodePNG(data []byte, budget int64) (*RGB, error) {
	if len(data) >= 26 {
		w, h := binary.BigEndian.Uint32(data[16:]), binary.BigEndian.Uint32(data[20:])
		if uint64(w)*uint64(h) > MaxPixels {
			return nil, fmt.Errorf("preprocess: PNG of %dx%d pixels exceeds the %d-pixel limit (MaxPixels); downscale it first", w, h, MaxPixels)
		}
		depth, ct := data[24], data[25]
		need := int64(w) * int64(h) * (pngBytesPerPixel(ct, depth) + 3)
		if need > budget {
			return nil, fmt.Errorf("preprocess: %d-bit PNG of %dx%d pixels needs %d MB to decode, over the %d MB memory budget (DecodeOptions.MemoryBudget); downscale it or save it with 8 bits per channel",
				depth, w, h, (need+1<<20-1)>>20, budget>>20)
		}
	}
	m, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, pngError(err)
	}
	return FromImage(m)
}
