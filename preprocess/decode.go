package preprocess

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"strings"
)

// ErrUnknownFormat is returned (wrapped) by Decode for input that is
// neither JPEG nor PNG.
var ErrUnknownFormat = errors.New("not a JPEG or PNG image")

// ErrTruncated is returned (wrapped) by Decode for a JPEG or PNG stream
// that ends early. Pillow refuses such files too (unless
// ImageFile.LOAD_TRUNCATED_IMAGES is set), so they have no reference
// tensor to match.
var ErrTruncated = errors.New("truncated image data")

var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
)

// Decode reads a JPEG or PNG image, recognised by its content, and
// converts it to RGB as Pillow's Image.open(f).convert("RGB") does. EXIF
// orientation is ignored, as Pillow ignores it.
//
// JPEGs go through this package's own decoder (jpeg.go), which equals
// libjpeg-turbo's output; arithmetic-coded, lossless, hierarchical and
// 12-bit JPEGs are refused as unsupported. PNGs are decoded by image/png
// and converted by FromImage's Pillow rules. Images of more than
// MaxPixels pixels, or needing more than DefaultMemoryBudget bytes, are
// refused from their header. Decode allocates a new image each time; a
// capture loop should keep a Decoder instead.
func Decode(r io.Reader) (*RGB, error) {
	data, err := io.ReadAll(io.LimitReader(r, DefaultMemoryBudget+1))
	if err != nil {
		return nil, fmt.Errorf("preprocess: read image: %w", err)
	}
	if len(data) > DefaultMemoryBudget {
		return nil, fmt.Errorf("preprocess: image file larger than the %d MB memory budget (DefaultMemoryBudget)", DefaultMemoryBudget>>20)
	}
	var d Decoder
	return d.Decode(data, DecodeOptions{})
}

// pngError wraps an image/png error. image/png reports a short stream as
// io.ErrUnexpectedEOF or, inside compressed data, as a FormatError saying
// so; both become ErrTruncated.
func pngError(err error) error {
	var fe png.FormatError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.As(err, &fe) && (strings.Contains(string(fe), "EOF") || strings.Contains(string(fe), "not enough pixel data")) {
		return fmt.Errorf("preprocess: truncated PNG: %w (%v)", ErrTruncated, err)
	}
	return fmt.Errorf("preprocess: decode PNG: %w", err)
}

// DecodeFile opens and decodes the image at path; errors name the path.
func DecodeFile(path string) (*RGB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError names the path
	}
	defer f.Close()
	m, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func errEmptyImage(b image.Rectangle) error {
	return fmt.Errorf("preprocess: image has no pixels (bounds %v)", b)
}
