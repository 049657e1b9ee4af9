package preprocess

import "fmt"

// RGB is an 8-bit RGB image, packed row-major with 3 bytes per pixel and no
// row padding: pixel (x, y) channel c is Pix[(y*W+x)*3+c].
type RGB struct {
	W, H int
	Pix  []uint8
}

// NewRGB allocates a black w x h image.
func NewRGB(w, h int) *RGB {
	return &RGB{W: w, H: h, Pix: make([]uint8, w*h*3)}
}

// Validate reports whether the image's size and pixel buffer agree.
func (m *RGB) Validate() error {
	if m == nil {
		return fmt.Errorf("preprocess: nil image")
	}
	if m.W <= 0 || m.H <= 0 {
		return fmt.Errorf("preprocess: image size %dx%d: width and height must be positive", m.W, m.H)
	}
	if len(m.Pix) != m.W*m.H*3 {
		return fmt.Errorf("preprocess: image %dx%d has %d pixel bytes, want %d (3 per pixel, no row padding)",
			m.W, m.H, len(m.Pix), m.W*m.H*3)
	}
	return nil
}

// FromBGR copies a packed BGR frame (OpenCV's native layout, 3 bytes per
// pixel, no row padding) into a new RGB image.
func FromBGR(w, h int, bgr []uint8) (*RGB, error) {
	if err := checkFrame(w, h, bgr); err != nil {
		return nil, err
	}
	m := NewRGB(w, h)
	for i := 0; i+2 < len(bgr); i += 3 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2] = bgr[i+2], bgr[i+1], bgr[i]
	}
	return m, nil
}

// WrapBGR converts a packed BGR frame to RGB in place, swapping the B and R
// bytes of bgr, and returns an image that shares bgr as its Pix: it costs no
// allocation of pixel memory, for capture loops that own their frame buffer.
func WrapBGR(w, h int, bgr []uint8) (*RGB, error) {
	if err := checkFrame(w, h, bgr); err != nil {
		return nil, err
	}
	for i := 0; i+2 < len(bgr); i += 3 {
		bgr[i], bgr[i+2] = bgr[i+2], bgr[i]
	}
	return &RGB{W: w, H: h, Pix: bgr}, nil
}

func checkFrame(w, h int, buf []uint8) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("preprocess: BGR frame size %dx%d: width and height must be positive", w, h)
	}
	if len(buf) != w*h*3 {
		return fmt.Errorf("preprocess: BGR frame %dx%d has %d bytes, want %d (3 per pixel, no row padding; copy a strided Mat first)",
			w, h, len(buf), w*h*3)
	}
	return nil
}
