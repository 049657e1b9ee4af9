package preprocess

import (
	"image"
	"image/color"
)

// FromImage converts a decoded image to RGB with the rules of Pillow's
// Image.convert("RGB"), which is what torchvision's loader applies:
//
//   - JPEG YCbCr planes: libjpeg-turbo's upsampling and colour tables
//     (see ycbcr.go).
//   - Grey: the value replicated into R, G and B.
//   - CMYK (Go's JPEG decoder has already undone Adobe's inversion, as
//     Pillow's "CMYK;I" raw mode does): Pillow's cmyk2rgb, see cmykToRGB.
//   - Alpha (RGBA, grey+alpha, palette with transparency): dropped, not
//     composited onto any background; colour values are the stored,
//     non-premultiplied ones.
//   - 16-bit colour samples: the high byte, as Pillow's ";16B" unpackers.
//   - 16-bit grey without alpha: clipped to 255, not scaled. Pillow opens
//     it as an "I" image whose conversion to RGB clips, so such a PNG is
//     mostly white to torchvision too; reproduced on purpose.
//
// Any other image.Image goes through color.NRGBAModel.
func FromImage(m image.Image) (*RGB, error) {
	b := m.Bounds()
	if b.Empty() {
		return nil, errEmptyImage(b)
	}
	w, h := b.Dx(), b.Dy()
	switch m := m.(type) {
	case *image.YCbCr:
		return fromYCbCr(m)
	case *image.Gray:
		out := NewRGB(w, h)
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			o := out.Pix[y*w*3:]
			for x, v := range row {
				o[3*x], o[3*x+1], o[3*x+2] = v, v, v
			}
		}
		return out, nil
	case *image.CMYK:
		out := NewRGB(w, h)
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			cmykToRGB(out.Pix[y*w*3:(y+1)*w*3], row)
		}
		return out, nil
	case *image.RGBA:
		// Go's PNG decoder uses RGBA only for opaque truecolour, where
		// premultiplied and straight values coincide.
		return fromRGBA(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h, 1), nil
	case *image.NRGBA:
		return fromRGBA(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h, 1), nil
	case *image.RGBA64:
		return fromRGBA(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h, 2), nil
	case *image.NRGBA64:
		return fromRGBA(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h, 2), nil
	case *image.Gray16:
		out := NewRGB(w, h)
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:2*w]
			o := out.Pix[y*w*3:]
			for x := range w {
				v := uint8(255)
				if row[2*x] == 0 { // big endian: high byte zero means <= 255
					v = row[2*x+1]
				}
				o[3*x], o[3*x+1], o[3*x+2] = v, v, v
			}
		}
		return out, nil
	case *image.Paletted:
		// Pillow's P -> RGB looks up the palette's RGB and ignores its
		// transparency; Go's PNG decoder stores such entries as NRGBA.
		var lut [256][3]uint8
		for i, c := range m.Palette {
			if i == 256 {
				break
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			lut[i] = [3]uint8{n.R, n.G, n.B}
		}
		out := NewRGB(w, h)
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			o := out.Pix[y*w*3:]
			for x, i := range row {
				p := lut[i]
				o[3*x], o[3*x+1], o[3*x+2] = p[0], p[1], p[2]
			}
		}
		return out, nil
	}
	out := NewRGB(w, h)
	for y := range h {
		for x := range w {
			c := color.NRGBAModel.Convert(m.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			i := (y*w + x) * 3
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = c.R, c.G, c.B
		}
	}
	return out, nil
}

// fromRGBA keeps R, G and B of pixels of four samples (the 4th, alpha, is
// dropped) of size bytes each: 1, or 2 for big-endian 16-bit samples, of
// which it keeps the high byte.
func fromRGBA(pix []uint8, stride, off, w, h, size int) *RGB {
	px := 4 * size
	out := NewRGB(w, h)
	for y := range h {
		row := pix[off+y*stride:][:px*w]
		o := out.Pix[y*w*3:]
		for x := range w {
			p := row[px*x:]
			o[3*x], o[3*x+1], o[3*x+2] = p[0], p[size], p[2*size]
		}
	}
	return out
}

// cmykToRGB converts packed CMYK (4 bytes a pixel, 255 = full ink) to
// packed RGB with Pillow's cmyk2rgb (Convert.c, Pillow >= 8): with
// nk = 255-K, each channel is nk - round(C*nk/255), so ink scales the
// remaining light instead of the older, harsher 255 - min(255, C+K).
func cmykToRGB(dst, src []uint8) {
	for i, j := 0, 0; j+3 < len(src) && i+2 < len(dst); i, j = i+3, j+4 {
		nk := 255 - int(src[j+3])
		dst[i] = clip255(nk - mulDiv255(int(src[j]), nk))
		dst[i+1] = clip255(nk - mulDiv255(int(src[j+1]), nk))
		dst[i+2] = clip255(nk - mulDiv255(int(src[j+2]), nk))
	}
}

// mulDiv255 is Pillow's MULDIV255: a*b/255 rounded, without a division.
func mulDiv255(a, b int) int {
	t := a*b + 128
	return ((t >> 8) + t) >> 8
}

func clip255(v int) uint8 {
	return uint8(min(max(v, 0), 255))
}
