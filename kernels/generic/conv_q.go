package generic

import "fmt"

// ConvQ computes a quantized convolution of one NHWC image with int32
// accumulation and p.Epi's epilogue (EpiClamp, EpiHardswish or
// EpiHardsigmoid, see qparams.go). in is InH×InW×InC, out is
// OutH×OutW×OutC, w is OHWI int8 with I = InC/Groups. Padded input elements
// read p.InZP. Outputs are clamped to [OutMin, OutMax] and to Out's range.
//
// The shapes are the caller's contract, checked once when a model is
// planned (see QConv.Validate); a call that breaks it panics with
// Validate's error. Groups may be 1 (dense), InC == OutC (depthwise) or any
// common divisor of InC and OutC. Three paths, chosen by shape:
//   - 1×1, stride 1, unpadded: the SWAR GEMM (gemm_q.go) straight over the
//     pixel rows, most of the MACs of MobileNetV3 and ShuffleNetV2; plain
//     dot products for a 1×1 tensor;
//   - depthwise: SWAR over adjacent output pixels on a padded copy of the
//     input, so that no pixel needs a bounds test (depthwise_q.go);
//   - anything else (the stem, grouped convs): im2col over tiles of output
//     pixels, then the same GEMM.
//
// Every path computes exactly the arithmetic of qparams.go and the
// overflow rules of arith_q.go, so any path agrees bit for bit with a
// naive loop (the tests hold one). ConvQ allocates nothing once its
// pooled scratch has grown, and may run concurrently on shared p and w.
func ConvQ[In, Out Q](p *QConv, in []In, w []int8, out []Out) {
	qCheckConv[In](p, len(in), len(w), len(out), false)
	qConv(p, in, w, out)
}

// ConvQFloat is ConvQ with the EpiFloat epilogue, which p.Epi must select:
// out[o] = float32(acc)·p.OutScale[o], the dequantized logits.
func ConvQFloat[In Q](p *QConv, in []In, w []int8, out []float32) {
	qCheckConv[In](p, len(in), len(w), len(out), true)
	qConv(p, in, w, out)
}

// SumWeights returns Σw over each output channel of an outC×k weight
// tensor (k = KH·KW·InC/Groups), the term that folds -InZP·Σw into Bias.
func SumWeights(w []int8, outC, k int) []int32 {
	s := make([]int32, outC)
	for o := range s {
		var t int32
		for _, v := range w[o*k : o*k+k] {
			t += int32(v)
		}
		s[o] = t
	}
	return s
}

// Validate reports whether p describes a conv ConvQ or ConvQFloat can run
// on buffers of inLen, wLen and outLen elements, naming the first field
// that is wrong.
func (p *QConv) Validate(inLen, wLen, outLen int) error {
	c := &p.ConvParams
	g := max(c.Groups, 1)
	switch {
	case c.InH < 1 || c.InW < 1 || c.InC < 1 || c.OutH < 1 || c.OutW < 1 || c.OutC < 1:
		return fmt.Errorf("quantized conv: shape %dx%dx%d -> %dx%dx%d has an empty dimension", c.InH, c.InW, c.InC, c.OutH, c.OutW, c.OutC)
	case c.KH < 1 || c.KW < 1 || c.StrideH < 1 || c.StrideW < 1:
		return fmt.Errorf("quantized conv: kernel %dx%d stride %dx%d must be positive", c.KH, c.KW, c.StrideH, c.StrideW)
	case c.PadT < 0 || c.PadL < 0:
		return fmt.Errorf("quantized conv: padding top %d left %d must not be negative", c.PadT, c.PadL)
	case c.InC%g != 0 || c.OutC%g != 0:
		return fmt.Errorf("quantized conv: groups %d must divide in channels %d and out channels %d", g, c.InC, c.OutC)
	case inLen < c.InH*c.InW*c.InC:
		return fmt.Errorf("quantized conv: input has %d elements, %dx%dx%d needs %d", inLen, c.InH, c.InW, c.InC, c.InH*c.InW*c.InC)
	case wLen < c.OutC*c.KH*c.KW*(c.InC/g):
		return fmt.Errorf("quantized conv: weights have %d elements, %dx%dx%dx%d needs %d", wLen, c.OutC, c.KH, c.KW, c.InC/g, c.OutC*c.KH*c.KW*(c.InC/g))
	case outLen < c.OutH*c.OutW*c.OutC:
		return fmt.Errorf("quantized conv: output has %d elements, %dx%dx%d needs %d", outLen, c.OutH, c.OutW, c.OutC, c.OutH*c.OutW*c.OutC)
	case len(p.Bias) < c.OutC:
		return fmt.Errorf("quantized conv: %d biases for %d output channels", len(p.Bias), c.OutC)
	case p.Epi > EpiFloat:
		return fmt.Errorf("quantized conv: unknown epilogue %d", p.Epi)
	case p.Epi == EpiFloat && len(p.OutScale) < c.OutC:
		return fmt.Errorf("quantized conv: %d output scales for %d output channels", len(p.OutScale), c.OutC)
	case p.Epi != EpiFloat && (len(p.Mult) < c.OutC || len(p.Shift) < c.OutC):
		return fmt.Errorf("quantized conv: %d multipliers and %d shifts for %d output channels", len(p.Mult), len(p.Shift), c.OutC)
	case p.Epi != EpiFloat && p.OutMin > p.OutMax:
		return fmt.Errorf("quantized conv: output range [%d, %d] is empty", p.OutMin, p.OutMax)
	}
	return nil
}

// qCheckConv panics unless p is valid for the call, including that the
// padding value InZP is an In and that the epilogue matches the entry point.
func qCheckConv[In Q](p *QConv, inLen, wLen, outLen int, float bool) {
	err := p.Validate(inLen, wLen, outLen)
	if lo, hi := qRange[In](); err == nil && (p.InZP < lo || p.InZP > hi) {
		err = fmt.Errorf("quantized conv: input zero point %d is outside the input type's range [%d, %d]", p.InZP, lo, hi)
	}
	if err == nil && float != (p.Epi == EpiFloat) {
		if float {
			err = fmt.Errorf("quantized conv: ConvQFloat needs EpiFloat, got epilogue %d", p.Epi)
		} else {
			err = fmt.Errorf("quantized conv: EpiFloat writes float32; use ConvQFloat")
		}
	}
	if err != nil {
		panic(err)
	}
}

// qConv picks the path for a validated conv.
func qConv[In Q, Out qOut](p *QConv, in []In, w []int8, out []Out) {
	c := &p.ConvParams
	g := max(c.Groups, 1)
	s := qGetScratch()
	defer qPutScratch(s)
	e := newQEpi[Out](p, s)
	switch {
	case c.KH == 1 && c.KW == 1 && c.StrideH == 1 && c.StrideW == 1 &&
		c.PadT == 0 && c.PadL == 0 && c.OutH == c.InH && c.OutW == c.InW:
		qConv1x1(&e, s, g, in, w, out)
	case g > 1 && g == c.InC && g == c.OutC:
		qDepthwise(&e, s, in, w, out)
	default:
		qConvIm2col(&e, s, g, in, w, out)
	}
}

// qConv1x1 is a stride-1 unpadded 1×1 conv: per group, the GEMM of the
// pixel rows (stride InC) with the group's weight rows. One or two rows
// (a 1×1 tensor: squeeze-excitation, the classifier) use plain dot
// products, since packing the weights would cost more than it saves.
func qConv1x1[In Q, Out qOut](e *qEpi, s *qScratch, g int, in []In, w []int8, out []Out) {
	c := &e.p.ConvParams
	hw := c.OutH * c.OutW
	ig, og := c.InC/g, c.OutC/g
	if hw <= qDirectRows {
		for gi := 0; gi < g; gi++ {
			qGemmDirect(e, s, hw, ig, in[gi*ig:], c.InC, w[gi*og*ig:(gi+1)*og*ig], og, gi*og, out[gi*og:], c.OutC)
		}
		return
	}
	l := qLayoutFor[In]()
	pc := l.panelN()
	np := (og + pc - 1) / pc
	zero := s.zeros(ig)
	if np*ig*8*qWords <= qPackBudget {
		// All of a group's panels at once, so that the GEMM runs the
		// epilogue over whole output rows.
		panels := s.panelBuf(np * ig)
		for gi := 0; gi < g; gi++ {
			qPackPanels(l, w[gi*og*ig:(gi+1)*og*ig], og, ig, panels, zero)
			qGemm(e, s, l, hw, ig, in[gi*ig:], c.InC, panels, og, gi*og, out[gi*og:], c.OutC)
		}
		return
	}
	// Large weights: one panel at a time, which stays in L1 while all
	// the pixel rows stream past it.
	panel := s.panelBuf(ig)
	for gi := 0; gi < g; gi++ {
		gw := w[gi*og*ig : (gi+1)*og*ig]
		for c0 := 0; c0 < og; c0 += pc {
			nc := min(pc, og-c0)
			qPackPanels(l, gw[c0*ig:(c0+nc)*ig], nc, ig, panel, zero)
			qGemm(e, s, l, hw, ig, in[gi*ig:], c.InC, panel, nc, gi*og+c0, out[gi*og+c0:], c.OutC)
		}
	}
}

// qPackBudget bounds the packed weights the 1×1 path keeps at once, so
// that they stay in L2.
const qPackBudget = 256 << 10

// qDirectRows is the most rows for which the GEMM skips packing weights.
const qDirectRows = 2

// qIm2colBytes bounds one im2col tile, so that it stays in L1 next to the
// packed weights.
const qIm2colBytes = 16 << 10

// qConvIm2col runs any conv as im2col tiles of output pixels times the
// packed weights of each group.
func qConvIm2col[In Q, Out qOut](e *qEpi, s *qScratch, g int, in []In, w []int8, out []Out) {
	c := &e.p.ConvParams
	ig, og := c.InC/g, c.OutC/g
	k := c.KH * c.KW * ig
	npix := c.OutH * c.OutW
	tile := max(1, min(npix, qIm2colBytes/(k*qSize[In]())))
	col := qColBuf[In](s, tile*k)
	l := qLayoutFor[In]()
	np := (og + l.panelN() - 1) / l.panelN()
	panels := s.panelBuf(np * k)
	zero := s.zeros(k)
	for gi := 0; gi < g; gi++ {
		qPackPanels(l, w[gi*og*k:(gi+1)*og*k], og, k, panels, zero)
		for p0 := 0; p0 < npix; p0 += tile {
			n := min(tile, npix-p0)
			qIm2col(e.p, in, gi*ig, ig, p0, n, col)
			qGemm(e, s, l, n, k, col, k, panels, og, gi*og, out[p0*c.OutC+gi*og:], c.OutC)
		}
	}
}

// qIm2col writes the KH×KW×ic patches of output pixels p0..p0+n-1 (input
// channels c0..c0+ic-1) as rows of col; padding reads InZP. When the
// patch covers all input channels, a window row inside the input is one
// contiguous run of KW·ic values.
func qIm2col[In Q](p *QConv, in []In, c0, ic, p0, n int, col []In) {
	c := &p.ConvParams
	seg := c.KW * ic
	k := c.KH * seg
	zp := In(p.InZP)
	dense := ic == c.InC
	for i := 0; i < n; i++ {
		oy, ox := (p0+i)/c.OutW, (p0+i)%c.OutW
		row := col[i*k : i*k+k]
		ix0 := ox*c.StrideW - c.PadL
		inside := ix0 >= 0 && ix0+c.KW <= c.InW
		for ky := 0; ky < c.KH; ky++ {
			dst := row[ky*seg : ky*seg+seg]
			iy := oy*c.StrideH - c.PadT + ky
			switch {
			case iy < 0 || iy >= c.InH:
				for t := range dst {
					dst[t] = zp
				}
			case dense && inside:
				o := (iy*c.InW + ix0) * c.InC
				copy(dst, in[o:o+seg])
			default:
				for kx := 0; kx < c.KW; kx++ {
					d := dst[kx*ic : kx*ic+ic]
					ix := ix0 + kx
					if ix < 0 || ix >= c.InW {
						for t := range d {
							d[t] = zp
						}
						continue
					}
					copy(d, in[(iy*c.InW+ix)*c.InC+c0:])
				}
			}
		}
	}
}
