package preprocess

import (
	"fmt"
	"image"
)

// This file is libjpeg-turbo's stage after the IDCT, with its default
// settings (what Pillow gets): "fancy" (triangle filter) upsampling of
// subsampled components from jdsample.c and the fixed-point YCbCr->RGB
// tables of jdcolor.c. The JPEG decoder uses it, and so does FromImage for
// an image.YCbCr from image/jpeg: Go's own image.YCbCr.At and
// color.YCbCrToRGB use nearest chroma and different rounding, which moves
// ~1 in 3 pixels by 1-2 levels.

// jdcolor.c's fixed point: 16 fraction bits, rounded by adding one half.
const (
	cscaleBits = 16
	cOneHalf   = 1 << (cscaleBits - 1)
)

func cfix(x float64) int32 { return int32(x*(1<<cscaleBits) + 0.5) }

// yccTables are jdcolor.c's build_ycc_rgb_table, indexed by the Cb or Cr
// sample: red and blue offsets already shifted down, the two green terms
// kept at full precision and summed before one shift.
var yccTables = func() (t struct{ crR, cbB, crG, cbG [256]int32 }) {
	for i := range 256 {
		x := int32(i - 128)
		t.crR[i] = (cfix(1.40200)*x + cOneHalf) >> cscaleBits
		t.cbB[i] = (cfix(1.77200)*x + cOneHalf) >> cscaleBits
		t.crG[i] = -cfix(0.71414) * x
		t.cbG[i] = -cfix(0.34414)*x + cOneHalf
	}
	return t
}()

func clamp8(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// upsampler is one decoded component plane with libjpeg's view of it: only
// the w x h samples that cover the image are real (the plane also holds
// the IDCT output of MCU padding blocks, which libjpeg never reads), and
// the edge sample is replicated beyond them.
type upsampler struct {
	pix        []uint8
	stride     int
	w, h       int // real (downsampled) samples
	hExp, vExp int // upsampling factor per axis: 1, 2 or 4
	fancyH     bool
	fancyV     bool
}

func newUpsampler(pix []uint8, stride, imgW, imgH, hExp, vExp int) upsampler {
	c := upsampler{pix: pix, stride: stride, hExp: hExp, vExp: vExp}
	c.w = (imgW + hExp - 1) / hExp
	c.h = (imgH + vExp - 1) / vExp
	// jdsample.c's choice of method: triangle filters for 2:1 factors,
	// except horizontally when a row has 2 samples or fewer; plain
	// replication ("int_upsample") for everything else.
	switch {
	case hExp == 2 && vExp == 1:
		c.fancyH = c.w > 2
	case hExp == 1 && vExp == 2:
		c.fancyV = true
	case hExp == 2 && vExp == 2:
		c.fancyH = c.w > 2
		c.fancyV = c.fancyH
	}
	return c
}

// row writes the upsampled samples of image row y into dst (len = image
// width). sums is scratch of at least c.w entries.
func (c *upsampler) row(dst []uint8, y int, sums []int32) {
	r := y / c.vExp
	cur := c.pix[r*c.stride : r*c.stride+c.w]
	if !c.fancyH && !c.fancyV {
		if c.hExp == 1 {
			copy(dst, cur)
			return
		}
		for x := range dst {
			dst[x] = cur[x/c.hExp]
		}
		return
	}
	if c.fancyV {
		// The nearer row weighs 3/4, the row above (even output rows) or
		// below (odd ones) 1/4; the image's edge rows stand in for the
		// missing neighbours, as jdmainct.c's context pointers do.
		nr := r + 1
		if y%2 == 0 {
			nr = r - 1
		}
		nr = min(max(nr, 0), c.h-1)
		near := c.pix[nr*c.stride : nr*c.stride+c.w]
		sums = sums[:c.w]
		for i := range sums {
			sums[i] = 3*int32(cur[i]) + int32(near[i])
		}
		if !c.fancyH { // h1v2: (sum + 1 or 2) / 4, the bias alternating by row
			bias := int32(1 + y%2)
			for x := range dst {
				dst[x] = uint8((sums[x] + bias) >> 2)
			}
			return
		}
		// h2v2: 3/4 nearer + 1/4 further column of the column sums, /16,
		// with biases 8 (left output) and 7 (right output).
		last := c.w - 1
		for x := range dst {
			i := x >> 1
			if x&1 == 0 {
				dst[x] = uint8((3*sums[i] + sums[max(i-1, 0)] + 8) >> 4)
			} else {
				dst[x] = uint8((3*sums[i] + sums[min(i+1, last)] + 7) >> 4)
			}
		}
		return
	}
	// h2v1: (3*nearer + further + 1 or 2) / 4.
	last := c.w - 1
	for x := range dst {
		i := x >> 1
		v := 3 * int32(cur[i])
		if x&1 == 0 {
			dst[x] = uint8((v + int32(cur[max(i-1, 0)]) + 1) >> 2)
		} else {
			dst[x] = uint8((v + int32(cur[min(i+1, last)]) + 2) >> 2)
		}
	}
}

// fromYCbCr converts a decoded JPEG's planes to RGB the way libjpeg-turbo
// does (see the file comment).
func fromYCbCr(m *image.YCbCr) (*RGB, error) {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	var hExp, vExp int
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		hExp, vExp = 1, 1
	case image.YCbCrSubsampleRatio422:
		hExp, vExp = 2, 1
	case image.YCbCrSubsampleRatio420:
		hExp, vExp = 2, 2
	case image.YCbCrSubsampleRatio440:
		hExp, vExp = 1, 2
	case image.YCbCrSubsampleRatio411:
		hExp, vExp = 4, 1
	case image.YCbCrSubsampleRatio410:
		hExp, vExp = 4, 2
	default:
		return nil, fmt.Errorf("preprocess: YCbCr image with unsupported chroma subsampling %v", m.SubsampleRatio)
	}
	if b.Min.X%hExp != 0 || b.Min.Y%vExp != 0 {
		return nil, fmt.Errorf("preprocess: YCbCr image origin %v is not aligned to its %v chroma grid", b.Min, m.SubsampleRatio)
	}
	c0 := m.COffset(b.Min.X, b.Min.Y)
	yu := newUpsampler(m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, w, h, 1, 1)
	cb := newUpsampler(m.Cb[c0:], m.CStride, w, h, hExp, vExp)
	cr := newUpsampler(m.Cr[c0:], m.CStride, w, h, hExp, vExp)
	out := NewRGB(w, h)
	yRow, cbRow, crRow := make([]uint8, w), make([]uint8, w), make([]uint8, w)
	sums := make([]int32, w)
	for y := range h {
		yu.row(yRow, y, sums)
		cb.row(cbRow, y, sums)
		cr.row(crRow, y, sums)
		yccToRGB(out.Pix[y*w*3:(y+1)*w*3], yRow, cbRow, crRow)
	}
	return out, nil
}

// yccToRGB converts one row of full-resolution Y, Cb, Cr samples to packed
// RGB with jdcolor.c's ycc_rgb_convert.
func yccToRGB(dst, ys, cbs, crs []uint8) {
	t := &yccTables
	for x, yv := range ys {
		Y, u, v := int32(yv), cbs[x], crs[x]
		d := dst[3*x : 3*x+3 : 3*x+3]
		d[0] = clamp8(Y + t.crR[v])
		d[1] = clamp8(Y + (t.cbG[u]+t.crG[v])>>cscaleBits)
		d[2] = clamp8(Y + t.cbB[u])
	}
}
