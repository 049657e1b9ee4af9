package frame

import "fmt"

// Decode chooses how a JPEG frame is decoded.
type Decode int

const (
	// Exact decodes at full size: the image equals Pillow's
	// Image.open(f).convert("RGB") byte for byte, and the crop torchvision's.
	// The default of classify, eval and calibrate, whose results are
	// compared with torchvision's.
	Exact Decode = iota
	// Fast lets the JPEG decoder downscale in the DCT domain (1/2, 1/4,
	// 1/8; libjpeg's scale_denom, Pillow's Image.draft) as long as the
	// shorter side stays at least the resize size: a large frame is never
	// materialized at full size. The daemon's default.
	Fast
)

// ParseDecode reads "exact" or "fast".
func ParseDecode(s string) (Decode, error) {
	switch s {
	case "exact":
		return Exact, nil
	case "fast":
		return Fast, nil
	}
	return Exact, fmt.Errorf("decode mode %q: want fast (DCT-domain downscaling) or exact (full-size, Pillow-exact)", s)
}

func (d Decode) String() string {
	if d == Fast {
		return "fast"
	}
	return "exact"
}
