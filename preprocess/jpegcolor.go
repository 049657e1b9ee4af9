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

func (d *jpegDecoder) toRGB() (*RGB, error) {
	ups := d.mem.upsamplers(len(d.comps))
	for i := range d.comps {
		c := &d.comps[i]
		switch {
		case d.progressive:
			// A component no scan reached has zero coefficients: level 128.
			for by := range c.cbh {
				for bx := range c.cbw {
					coef := (*[64]int16)(c.coef[(by*c.bw+bx)*64:])
					idctIslow(coef, &c.qt, c.plane[by*8*c.bw*8+bx*8:], c.bw*8)
				}
			}
		case !c.latched: // sequential component without a scan, likewise
			for j := range c.plane {
				c.plane[j] = 128
			}
		}
		ups[i] = newUpsampler(c.plane, c.bw*8, d.w, d.h, d.maxH/c.h, d.maxV/c.v)
	}
	out := d.mem.rgb(d.w, d.h)
	rows, sums, cmyk := d.mem.rows(len(d.comps), d.w)
	rgb := len(d.comps) == 3 && d.isRGB()
	ycck := len(d.comps) == 4 && d.adobe && d.adobeXform != 0
	for y := range d.h {
		for i := range ups {
			ups[i].row(rows[i], y, sums)
		}
		o := out.Pix[y*d.w*3 : (y+1)*d.w*3]
		switch {
		case len(d.comps) == 1:
			for x, v := range rows[0] {
				o[3*x], o[3*x+1], o[3*x+2] = v, v, v
			}
		case rgb:
			for x := range d.w {
				o[3*x], o[3*x+1], o[3*x+2] = rows[0][x], rows[1][x], rows[2][x]
			}
		case len(d.comps) == 3:
			yccToRGB(o, rows[0], rows[1], rows[2])
		case ycck:
			// libjpeg writes C = 255-R (clamped) etc. and K as stored;
			// Pillow's inversion turns that back into ink = R, G, B, 255-K.
			yccToRGB(o, rows[0], rows[1], rows[2])
			for x := range d.w {
				cmyk[4*x], cmyk[4*x+1], cmyk[4*x+2], cmyk[4*x+3] = o[3*x], o[3*x+1], o[3*x+2], 255-rows[3][x]
			}
			cmykToRGB(o, cmyk)
		default:
			for x := range d.w {
				cmyk[4*x], cmyk[4*x+1], cmyk[4*x+2], cmyk[4*x+3] = 255-rows[0][x], 255-rows[1][x], 255-rows[2][x], 255-rows[3][x]
			}
			cmykToRGB(o, cmyk)
		}
	}
	return out, nil
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
