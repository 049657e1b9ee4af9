package preprocess

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
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
// converts it to RGB as Pillow's Image.open(f).convert("RGB") does (see
// FromImage). EXIF orientation is ignored, as Pillow ignores it.
//
// JPEG entropy decoding and the inverse DCT are Go's image/jpeg; its IDCT
// rounds differently from libjpeg's default "islow" one, so a decoded
// sample can be off by one level from Pillow's. Measured on the 500
// images of imagenet-sample, see the package tests for the figures.
func Decode(r io.Reader) (*RGB, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(len(pngMagic))
	if err != nil && len(head) == 0 {
		if err == io.EOF {
			return nil, fmt.Errorf("preprocess: empty input: %w", ErrUnknownFormat)
		}
		return nil, fmt.Errorf("preprocess: read image header: %w", err)
	}
	var m image.Image
	switch {
	case bytes.HasPrefix(head, jpegMagic):
		m, err = jpeg.Decode(br)
		if err != nil {
			return nil, decodeError("JPEG", err)
		}
	case bytes.HasPrefix(head, pngMagic):
		m, err = png.Decode(br)
		if err != nil {
			return nil, decodeError("PNG", err)
		}
	default:
		return nil, fmt.Errorf("preprocess: %w (starts with % x)", ErrUnknownFormat, head)
	}
	return FromImage(m)
}

func decodeError(format string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("preprocess: truncated %s: %w (%v)", format, ErrTruncated, err)
	}
	return fmt.Errorf("preprocess: decode %s: %w", format, err)
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
