package generic

import "sync"

// ConvF32 computes out = act(conv(in, w) + bias) for one NHWC image.
//
// in is InH×InW×InC, out is OutH×OutW×OutC, w is OHWI with
// I = InC/Groups, bias has OutC elements or is nil. Padding is zero; the
// bottom/right padding is whatever OutH/OutW imply. Groups may be 1
// (dense), InC == OutC (depthwise) or any common divisor of InC and OutC.
//
// Shapes are the caller's contract, checked once when a model is planned:
// slices shorter than p implies make ConvF32 panic with an index error.
//
// Three paths, chosen by shape:
//   - depthwise: per-channel loops with a bounds-check-free interior;
//   - 1x1, stride 1, no padding: a direct GEMM over the activation rows
//     (most of the FLOPs in MobileNetV3 and ShuffleNetV2);
//   - anything else: im2col over tiles of output pixels, then the same GEMM.
func ConvF32(p *ConvParams, in, w, bias, out []float32) {
	groups := max(p.Groups, 1)
	switch {
	case groups > 1 && groups == p.InC && groups == p.OutC:
		depthwiseF32(p, in, w, bias, out)
	case p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 &&
		p.PadT == 0 && p.PadL == 0 && p.OutH == p.InH && p.OutW == p.InW:
		conv1x1F32(p, groups, in, w, bias, out)
	default:
		convIm2colF32(p, groups, in, w, bias, out)
	}
}

// conv1x1F32 is a stride-1 unpadded 1x1 convolution: per group, a GEMM of
// the pixel rows (stride InC) with the weight rows (stride InC/groups).
func conv1x1F32(p *ConvParams, groups int, in, w, bias, out []float32) {
	hw := p.OutH * p.OutW
	ig, og := p.InC/groups, p.OutC/groups
	for g := 0; g < groups; g++ {
		var gb []float32
		if bias != nil {
			gb = bias[g*og : g*og+og]
		}
		gemmF32(hw, og, ig, in[g*ig:], p.InC, w[g*og*ig:], ig, gb, out[g*og:], p.OutC, p.Act)
	}
}

// im2colTileF32 is how many output pixels one im2col tile holds: a multiple
// of the GEMM's 3-row tile, small enough that tile and weights stay in L1/L2
// (the stem's 27-wide rows make a 10 KB tile).
const im2colTileF32 = 96

// scratchPoolF32 recycles im2col tiles and transposed depthwise weights so
// that a steady-state inference allocates nothing.
var scratchPoolF32 = sync.Pool{New: func() any { return new([]float32) }}

// getScratchF32 returns a pooled buffer of length n; its contents are
// unspecified. Give it back with putScratchF32.
func getScratchF32(n int) *[]float32 {
	s := scratchPoolF32.Get().(*[]float32)
	if cap(*s) < n {
		*s = make([]float32, n)
	}
	*s = (*s)[:n]
	return s
}

func putScratchF32(s *[]float32) { scratchPoolF32.Put(s) }

// convIm2colF32 handles every convolution the fast paths do not: for each
// group and each tile of output pixels it gathers the KH×KW×I receptive
// fields into rows (zero where they fall into padding) whose element order
// matches an OHWI weight row, then multiplies them with the weights.
func convIm2colF32(p *ConvParams, groups int, in, w, bias, out []float32) {
	ig, og := p.InC/groups, p.OutC/groups
	k := p.KH * p.KW * ig
	npix := p.OutH * p.OutW
	tile := min(im2colTileF32, npix)
	buf := getScratchF32(tile * k)
	defer putScratchF32(buf)
	cols := *buf
	for g := 0; g < groups; g++ {
		var gb []float32
		if bias != nil {
			gb = bias[g*og : g*og+og]
		}
		gw := w[g*og*k : (g+1)*og*k]
		for p0 := 0; p0 < npix; p0 += tile {
			n := min(tile, npix-p0)
			im2colF32(p, in, g*ig, ig, p0, n, cols[:n*k])
			gemmF32(n, og, k, cols, k, gw, k, gb, out[p0*p.OutC+g*og:], p.OutC, p.Act)
		}
	}
}

// im2colF32 writes the receptive fields of output pixels p0..p0+n-1, input
// channels c0..c0+ic-1, as n rows of KH*KW*ic values into cols.
func im2colF32(p *ConvParams, in []float32, c0, ic, p0, n int, cols []float32) {
	rowLen := p.KH * p.KW * ic
	for r := 0; r < n; r++ {
		oy, ox := (p0+r)/p.OutW, (p0+r)%p.OutW
		row := cols[r*rowLen : (r+1)*rowLen]
		iy0 := oy*p.StrideH - p.PadT
		ix0 := ox*p.StrideW - p.PadL
		o := 0
		for ky := 0; ky < p.KH; ky++ {
			iy := iy0 + ky
			if iy < 0 || iy >= p.InH {
				clear(row[o : o+p.KW*ic])
				o += p.KW * ic
				continue
			}
			if ic == p.InC && ix0 >= 0 && ix0+p.KW <= p.InW {
				// Dense conv, window inside the row: the KW pixels are
				// contiguous in the input, one copy serves them all.
				src := (iy*p.InW + ix0) * p.InC
				o += copy(row[o:o+p.KW*ic], in[src:src+p.KW*ic])
				continue
			}
			for kx := 0; kx < p.KW; kx++ {
				ix := ix0 + kx
				dst := row[o : o+ic]
				if ix < 0 || ix >= p.InW {
					clear(dst)
				} else {
					src := (iy*p.InW+ix)*p.InC + c0
					copy(dst, in[src:src+ic])
				}
				o += ic
			}
		}
	}
}
