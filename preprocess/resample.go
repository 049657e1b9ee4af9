package preprocess

import "math"

// This file is Pillow's bilinear resampler for 8-bit images (Resample.c),
// which torchvision's Resize uses for PIL images: a separable filter whose
// support widens with the scale when shrinking (that is the antialiasing),
// per-output-pixel coefficients normalised to sum 1 and converted to fixed
// point with 22 fraction bits, a horizontal pass first whose output is
// rounded and clipped to uint8, then a vertical pass over it. Each output
// pixel of a pass depends only on its own coefficients, so computing only
// the rows and columns that survive the centre crop gives the same bytes
// as resizing the whole image and cropping afterwards.

// precisionBits is Pillow's PRECISION_BITS: 32 - 8 (result) - 2 (headroom).
const precisionBits = 32 - 8 - 2

// kernel is one pass's coefficients for a range of output indices: output
// i (counting from the first one computed) reads n[i] inputs starting at
// start[i], weighted by w[off[i] : off[i]+n[i]].
type kernel struct {
	start, n, off []int
	w             []int32
}

// bilinear is Pillow's bilinear_filter: a triangle of support 1.
func bilinear(x float64) float64 {
	x = math.Abs(x)
	if x < 1 {
		return 1 - x
	}
	return 0
}

// makeKernel computes Pillow's precompute_coeffs + normalize_coeffs_8bpc
// for an inSize -> outSize pass, for outputs first..first+count-1, reusing
// k's slices. The arithmetic follows Pillow's order of operations in
// float64; the explicit float64() conversions forbid fused multiply-adds,
// which Go may emit on arm64 and which would round differently from the
// x86 builds of Pillow.
func (k *kernel) make(inSize, outSize, first, count int) {
	scale := float64(inSize) / float64(outSize)
	filterScale := max(scale, 1)
	support := 1 * filterScale // bilinear support is 1
	ss := 1 / filterScale

	k.start = k.start[:0]
	k.n = k.n[:0]
	k.off = k.off[:0]
	k.w = k.w[:0]
	var tmp [64]float64
	for xx := first; xx < first+count; xx++ {
		center := float64((float64(xx) + 0.5) * scale)
		xmin := int(center - support + 0.5)
		xmin = max(xmin, 0)
		xmax := int(center + support + 0.5)
		xmax = min(xmax, inSize) - xmin
		ws := tmp[:0]
		if xmax > len(tmp) {
			ws = make([]float64, 0, xmax)
		}
		sum := 0.0
		for x := range xmax {
			w := bilinear(float64((float64(x+xmin) - center + 0.5) * ss))
			ws = append(ws, w)
			sum += w
		}
		k.start = append(k.start, xmin)
		k.n = append(k.n, xmax)
		k.off = append(k.off, len(k.w))
		for _, w := range ws {
			if sum != 0 {
				w /= sum
			}
			if w < 0 {
				k.w = append(k.w, int32(-0.5+float64(w*(1<<precisionBits))))
			} else {
				k.w = append(k.w, int32(0.5+float64(w*(1<<precisionBits))))
			}
		}
	}
}

// clip8 is Pillow's clip8: drop the fraction bits (arithmetic shift) and
// clamp to a byte.
func clip8(ss int32) uint8 {
	v := ss >> precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// resampleH runs the horizontal pass over rows [y0, y1) of src (packed RGB,
// width srcW) into dst (packed RGB, one row per source row, len(k.n)
// pixels wide): with the NEON kernel when simd is set and the architecture
// has one, which gives the same bytes.
func resampleH(dst, src []uint8, srcW, y0, y1 int, k *kernel, simd bool) {
	if !simd || !archResampleH(dst, src, srcW, y0, y1, k) {
		resampleHGo(dst, src, srcW, y0, y1, k)
	}
}

// resampleHGo is resampleH in Go: Pillow's ImagingResampleHorizontal_8bpc.
func resampleHGo(dst, src []uint8, srcW, y0, y1 int, k *kernel) {
	outW := len(k.n)
	for y := y0; y < y1; y++ {
		row := src[y*srcW*3 : (y+1)*srcW*3]
		o := dst[(y-y0)*outW*3 : (y-y0+1)*outW*3]
		for xx := range outW {
			in := row[k.start[xx]*3 : (k.start[xx]+k.n[xx])*3]
			w := k.w[k.off[xx] : k.off[xx]+k.n[xx]]
			r, g, b := int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1)), int32(1<<(precisionBits-1))
			for i, c := range w {
				p := in[3*i : 3*i+3]
				r += int32(p[0]) * c
				g += int32(p[1]) * c
				b += int32(p[2]) * c
			}
			o[3*xx], o[3*xx+1], o[3*xx+2] = clip8(r), clip8(g), clip8(b)
		}
	}
}

// resampleV runs the vertical pass: output row yy reads rows
// k.start[yy]-rowBase ... of src (packed RGB, width w bytes/3). Each row's
// first multiple of 16 bytes goes through the NEON kernel when simd is set
// and the architecture has one, the rest (and everything else) through Go.
func resampleV(dst, src []uint8, w, rowBase int, k *kernel, simd bool) {
	stride := w * 3
	for yy := range k.n {
		wts := k.w[k.off[yy] : k.off[yy]+k.n[yy]]
		base := (k.start[yy] - rowBase) * stride
		o := dst[yy*stride : (yy+1)*stride]
		x0 := 0
		if simd {
			x0 = archResampleV(o, src[base:], stride, wts)
		}
		resampleVGo(o, src, base, stride, wts, x0)
	}
}

// resampleVGo computes bytes x0... of one output row of the vertical pass
// (Pillow's ImagingResampleVertical_8bpc): o[x] from src[base+i*stride+x].
func resampleVGo(o, src []uint8, base, stride int, wts []int32, x0 int) {
	for x := x0; x < stride; x++ {
		s := int32(1 << (precisionBits - 1))
		for i, c := range wts {
			s += int32(src[base+i*stride+x]) * c
		}
		o[x] = clip8(s)
	}
}
