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

// newUpsampler describes a plane of w x h real samples to be expanded by
// hExp x vExp. fancy is libjpeg's do_fancy_upsampling, which it turns off
// for 1/8-scaled decodes (jdsample.c: no context rows when the minimum
// IDCT size is 1).
func newUpsampler(pix []uint8, stride, w, h, hExp, vExp int, fancy bool) upsampler {
	c := upsampler{pix: pix, stride: stride, w: w, h: h, hExp: hExp, vExp: vExp}
	// jdsample.c's choice of method: triangle filters for 2:1 factors,
	// except horizontally when a row has 2 samples or fewer; plain
	// replication ("int_upsample") for everything else.
	switch {
	case !fancy:
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

// row returns the upsampled samples of image row y (at least width
// entries): the plane's own row when nothing is expanded, else buf (of at
// least 2*c.w and width + 4 entries). sums is scratch of at least c.w
// entries.
func (c *upsampler) row(buf []uint8, width, y int, sums []int32) []uint8 {
	r := y / c.vExp
	cur := c.pix[r*c.stride : r*c.stride+c.w]
	if !c.fancyH && !c.fancyV {
		switch c.hExp {
		case 1:
			return cur
		case 2:
			d := buf[:2*len(cur)]
			for i, v := range cur {
				d[2*i], d[2*i+1] = v, v
			}
		default:
			for x := range buf[:width] {
				buf[x] = cur[x/c.hExp]
			}
		}
		return buf
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
		if c.fancyH {
			if m := h2v2Arch(buf, cur, near); m > 0 {
				h2v2Edges(buf, cur, near, m)
				return buf
			}
		}
		sums = sums[:len(cur)]
		near = near[:len(sums)]
		for i, v := range cur {
			sums[i] = 3*int32(v) + int32(near[i])
		}
		if !c.fancyH { // h1v2: (sum + 1 or 2) / 4, the bias alternating by row
			bias := int32(1 + y%2)
			d := buf[:len(sums)]
			for x, s := range sums {
				d[x] = uint8((s + bias) >> 2)
			}
			return buf
		}
		h2v2Row(buf, sums)
		return buf
	}
	h2v1Row(buf, cur)
	return buf
}

// h2v2Row is jdsample.c's h2v2_fancy_upsample on one row of column sums
// (n >= 3): 3/4 nearer + 1/4 further column, /16, with biases 8 (left
// output) and 7 (right output); the edge columns stand in for their
// missing neighbours.
func h2v2Row(dst []uint8, sums []int32) {
	n := len(sums)
	dst = dst[:2*n]
	dst[0] = uint8((4*sums[0] + 8) >> 4)
	dst[1] = uint8((3*sums[0] + sums[1] + 7) >> 4)
	for i := 1; i < n-1; i++ {
		t := 3 * sums[i]
		d := dst[2*i : 2*i+2 : 2*i+2]
		d[0] = uint8((t + sums[i-1] + 8) >> 4)
		d[1] = uint8((t + sums[i+1] + 7) >> 4)
	}
	t := 3 * sums[n-1]
	dst[2*n-2] = uint8((t + sums[n-2] + 8) >> 4)
	dst[2*n-1] = uint8((4*sums[n-1] + 7) >> 4)
}

// h2v2Edges finishes a row whose columns 1..m h2v2Arch did: column 0 and
// columns m+1 .. n-1, as h2v2Row computes them.
func h2v2Edges(dst, cur, near []uint8, m int) {
	n := len(cur)
	near = near[:n]
	dst = dst[:2*n]
	s := func(i int) int32 { return 3*int32(cur[i]) + int32(near[i]) }
	dst[0] = uint8((4*s(0) + 8) >> 4)
	dst[1] = uint8((3*s(0) + s(1) + 7) >> 4)
	for i := m + 1; i < n-1; i++ {
		t := 3 * s(i)
		dst[2*i] = uint8((t + s(i-1) + 8) >> 4)
		dst[2*i+1] = uint8((t + s(i+1) + 7) >> 4)
	}
	t := 3 * s(n-1)
	dst[2*n-2] = uint8((t + s(n-2) + 8) >> 4)
	dst[2*n-1] = uint8((4*s(n-1) + 7) >> 4)
}

// h2v1Row is jdsample.c's h2v1_fancy_upsample (n >= 3 samples):
// (3*nearer + further + 1 or 2) / 4.
func h2v1Row(dst []uint8, cur []uint8) {
	n := len(cur)
	dst = dst[:2*n]
	dst[0] = cur[0]
	dst[1] = uint8((3*int32(cur[0]) + int32(cur[1]) + 2) >> 2)
	for i := 1 + h2v1Arch(dst, cur); i < n-1; i++ {
		t := 3 * int32(cur[i])
		d := dst[2*i : 2*i+2 : 2*i+2]
		d[0] = uint8((t + int32(cur[i-1]) + 1) >> 2)
		d[1] = uint8((t + int32(cur[i+1]) + 2) >> 2)
	}
	t := 3 * int32(cur[n-1])
	dst[2*n-2] = uint8((t + int32(cur[n-2]) + 1) >> 2)
	dst[2*n-1] = cur[n-1]
}

// chromaExpansion is, for each chroma subsampling of image.YCbCr, how many
// pixels one chroma sample covers across and down.
var chromaExpansion = map[image.YCbCrSubsampleRatio][2]int{
	image.YCbCrSubsampleRatio444: {1, 1},
	image.YCbCrSubsampleRatio422: {2, 1},
	image.YCbCrSubsampleRatio420: {2, 2},
	image.YCbCrSubsampleRatio440: {1, 2},
	image.YCbCrSubsampleRatio411: {4, 1},
	image.YCbCrSubsampleRatio410: {4, 2},
}

// fromYCbCr converts a decoded JPEG's planes to RGB the way libjpeg-turbo
// does (see the file comment).
func fromYCbCr(m *image.YCbCr) (*RGB, error) {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	exp, ok := chromaExpansion[m.SubsampleRatio]
	if !ok {
		return nil, fmt.Errorf("preprocess: YCbCr image with unsupported chroma subsampling %v", m.SubsampleRatio)
	}
	hExp, vExp := exp[0], exp[1]
	if b.Min.X%hExp != 0 || b.Min.Y%vExp != 0 {
		return nil, fmt.Errorf("preprocess: YCbCr image origin %v is not aligned to its %v chroma grid", b.Min, m.SubsampleRatio)
	}
	c0 := m.COffset(b.Min.X, b.Min.Y)
	cw, ch := (w+hExp-1)/hExp, (h+vExp-1)/vExp
	yu := newUpsampler(m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, w, h, 1, 1, true)
	cb := newUpsampler(m.Cb[c0:], m.CStride, cw, ch, hExp, vExp, true)
	cr := newUpsampler(m.Cr[c0:], m.CStride, cw, ch, hExp, vExp, true)
	out := NewRGB(w, h)
	yBuf, cbBuf, crBuf := make([]uint8, w+8), make([]uint8, w+8), make([]uint8, w+8)
	sums := make([]int32, w)
	for y := range h {
		yRow := yu.row(yBuf, w, y, sums)
		cbRow := cb.row(cbBuf, w, y, sums)
		crRow := cr.row(crBuf, w, y, sums)
		yccToRGB(out.Pix[y*w*3:(y+1)*w*3], yRow, cbRow, crRow)
	}
	return out, nil
}

// yccToRGB converts one row of full-resolution Y, Cb, Cr samples to packed
// RGB with jdcolor.c's ycc_rgb_convert.
// Only the first len(dst)/3 samples of each row are used.
func yccToRGB(dst, ys, cbs, crs []uint8) {
	t := &yccTables
	n := len(dst) / 3
	ys, cbs, crs = ys[:n], cbs[:n], crs[:n]
	done := yccToRGBArch(dst, ys, cbs, crs)
	for x := done; x < n; x++ {
		yv := ys[x]
		Y, u, v := int(yv)+clampOffset, cbs[x], crs[x]
		d := dst[3*x : 3*x+3 : 3*x+3]
		d[0] = clampTab[(Y+int(t.crR[v]))&1023]
		d[1] = clampTab[(Y+int((t.cbG[u]+t.crG[v])>>cscaleBits))&1023]
		d[2] = clampTab[(Y+int(t.cbB[u]))&1023]
	}
}

// clampTab[x+clampOffset] is x clamped to 0..255 for -384 <= x < 640,
// which covers every Y + chroma offset: a load instead of two branches.
const clampOffset = 384

var clampTab = func() (t [1024]uint8) {
	for i := range t {
		t[i] = clamp8(int32(i - clampOffset))
	}
	return t
}()
