package preprocess

// This file maps a decoded JPEG's components to RGB by libjpeg's rules
// (jdapimin.c default_decompress_parms) and Pillow's convert("RGB"):
//
//   - 1 component: greyscale, replicated.
//   - 3 components: YCbCr, unless the file says RGB (no JFIF marker and an
//     Adobe marker with transform 0, or component ids 'R','G','B').
//   - 4 components: YCCK when an Adobe marker has a nonzero transform,
//     else CMYK. Pillow reads both as inverted ("CMYK;I", the Adobe
//     convention) and converts with cmyk2rgb.

// converter is toRGB's scratch, kept by a Decoder between frames.
type converter struct {
	rows [4][]uint8
	sums []int32
	cmyk []uint8
}

// toRGB runs the IDCT of a progressive image's coefficients, upsamples the
// planes and converts them into dd.out.
func (dd *Decoder) toRGB() error {
	d := &dd.j
	ow, oh := d.outSize()
	minBS := 8 / d.denom
	var ups [4]upsampler
	var blk [64]int32
	for i := range d.comps {
		c := &d.comps[i]
		switch {
		case d.progressive:
			// A component no scan reached has zero coefficients: level 128.
			for by := range c.cbh {
				if err := d.deadline.check(); err != nil {
					return err
				}
				for bx := range c.cbw {
					coef := (*[64]int16)(c.coef[(by*c.bw+bx)*64:])
					last := 0
					if dequantize(coef, &c.qt, &blk) {
						last = 1
					}
					idct(&blk, last, c.bs, c.plane[by*c.bs*c.stride+bx*c.bs:], c.stride)
				}
			}
		case !c.latched: // sequential component without a scan, likewise
			for j := range c.plane {
				c.plane[j] = 128
			}
		}
		// libjpeg's downsampled_width/height: ceil(w * h * bs / (maxH * 8)).
		cw := (d.w*c.h*c.bs + d.maxH*8 - 1) / (d.maxH * 8)
		ch := (d.h*c.v*c.bs + d.maxV*8 - 1) / (d.maxV * 8)
		hExp := d.maxH * minBS / (c.h * c.bs)
		vExp := d.maxV * minBS / (c.v * c.bs)
		ups[i] = newUpsampler(c.plane, c.stride, cw, ch, hExp, vExp, minBS > 1)
	}
	out := &dd.out
	out.W, out.H = ow, oh
	out.Pix = growSlice(out.Pix, ow*oh*3)
	cv := &dd.cv
	for i := range d.comps {
		cv.rows[i] = growSlice(cv.rows[i], ow+8)
	}
	cv.sums = growSlice(cv.sums, ow+8)
	nc := len(d.comps)
	if nc == 4 {
		cv.cmyk = growSlice(cv.cmyk, 4*ow)
	}
	var rows [4][]uint8
	rgb := nc == 3 && d.isRGB()
	ycck := nc == 4 && d.adobe && d.adobeXform != 0
	for y := range oh {
		for i := range d.comps {
			rows[i] = ups[i].row(cv.rows[i], ow, y, cv.sums)[:ow]
		}
		o := out.Pix[y*ow*3 : (y+1)*ow*3]
		switch {
		case nc == 1:
			for x, v := range rows[0] {
				o[3*x], o[3*x+1], o[3*x+2] = v, v, v
			}
		case rgb:
			for x := range ow {
				o[3*x], o[3*x+1], o[3*x+2] = rows[0][x], rows[1][x], rows[2][x]
			}
		case nc == 3:
			yccToRGB(o, rows[0], rows[1], rows[2])
		case ycck:
			// libjpeg writes C = 255-R (clamped) etc. and K as stored;
			// Pillow's inversion turns that back into ink = R, G, B, 255-K.
			yccToRGB(o, rows[0], rows[1], rows[2])
			cmyk := cv.cmyk
			for x := range ow {
				cmyk[4*x], cmyk[4*x+1], cmyk[4*x+2], cmyk[4*x+3] = o[3*x], o[3*x+1], o[3*x+2], 255-rows[3][x]
			}
			cmykToRGB(o, cmyk)
		default:
			cmyk := cv.cmyk
			for x := range ow {
				cmyk[4*x], cmyk[4*x+1], cmyk[4*x+2], cmyk[4*x+3] = 255-rows[0][x], 255-rows[1][x], 255-rows[2][x], 255-rows[3][x]
			}
			cmykToRGB(o, cmyk)
		}
	}
	return nil
}

// isRGB is libjpeg's guess for 3-component files.
func (d *jpegDecoder) isRGB() bool {
	if d.jfif {
		return false
	}
	if d.adobe {
		return d.adobeXform == 0
	}
	c := d.comps
	return c[0].id == 'R' && c[1].id == 'G' && c[2].id == 'B'
}
