package kerneltest

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/edged/edged/kernels/generic"
)

// Geom builds conv geometry from explicit padding on all four sides, so
// that TF-SAME (an extra bottom row or right column) and symmetric
// padding are both expressed.
func Geom(inH, inW, inC, outC, kh, kw, sh, sw, padT, padB, padL, padR, groups int) generic.ConvParams {
	return generic.ConvParams{
		InH: inH, InW: inW, InC: inC, OutC: outC,
		OutH: (inH+padT+padB-kh)/sh + 1, OutW: (inW+padL+padR-kw)/sw + 1,
		KH: kh, KW: kw, StrideH: sh, StrideW: sw, PadT: padT, PadL: padL, Groups: groups,
	}
}

// SameGeom is Geom with TF "SAME" padding for a square k×k kernel of
// stride s.
func SameGeom(inH, inW, inC, outC, k, s, groups int) generic.ConvParams {
	same := func(n int) (int, int) {
		total := max((n+s-1)/s*s-s+k-n, 0)
		return total / 2, total - total/2
	}
	pt, pb := same(inH)
	pl, pr := same(inW)
	return Geom(inH, inW, inC, outC, k, k, s, s, pt, pb, pl, pr, groups)
}

// GeomString describes c in one line for test messages.
func GeomString(c generic.ConvParams) string {
	return fmt.Sprintf("%dx%dx%d->%dx%dx%d k%dx%d s%dx%d pad t%d l%d g%d",
		c.InH, c.InW, c.InC, c.OutH, c.OutW, c.OutC, c.KH, c.KW, c.StrideH, c.StrideW, c.PadT, c.PadL, c.Groups)
}

// ConvCase is a fixed conv shape for the kernels' tests.
type ConvCase struct {
	Name string
	C    generic.ConvParams
	// NEON: kernels/arm64 takes the shape (PackConv accepts it) and its
	// tests hold it to that; the others are kernels/generic's alone.
	NEON bool
}

// ConvCases are the fixed shapes every kernel path must get right: each
// kind of conv the networks have, at sizes where tiles, panels, runs and
// vector widths end in every way.
func ConvCases() []ConvCase {
	g, s := Geom, SameGeom
	return []ConvCase{
		{"1x1/5x7x17->33", g(5, 7, 17, 33, 1, 1, 1, 1, 0, 0, 0, 0, 1), true},
		{"1x1/1x1x96->17", g(1, 1, 96, 17, 1, 1, 1, 1, 0, 0, 0, 0, 1), true},
		{"1x1/1x1x40->1", g(1, 1, 40, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1), true},
		{"1x1/3x3x600->9 (int16 K runs)", g(3, 3, 600, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1), true},
		{"1x1/4x5x1->3", g(4, 5, 1, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1), true},
		{"1x1/7x7x24->24", g(7, 7, 24, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1), true},
		{"1x1/6x5x48->1024", g(6, 5, 48, 1024, 1, 1, 1, 1, 0, 0, 0, 0, 1), true},
		{"1x1/9x9x16->72", g(9, 9, 16, 72, 1, 1, 1, 1, 0, 0, 0, 0, 1), true},
		{"1x1/1x2x24->9 (direct)", g(1, 2, 24, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1), false},
		{"1x1/groups2 1x1x6->10 (direct)", g(1, 1, 6, 10, 1, 1, 1, 1, 0, 0, 0, 0, 2), false},
		{"1x1/2x2x400->300 (panel at a time)", g(2, 2, 400, 300, 1, 1, 1, 1, 0, 0, 0, 0, 1), false},
		{"1x1/7x1x24->16", g(7, 1, 24, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1), false},
		{"1x1/groups2 3x3x6->10", g(3, 3, 6, 10, 1, 1, 1, 1, 0, 0, 0, 0, 2), false},
		{"1x1/stride2 7x6x5->7", g(7, 6, 5, 7, 1, 1, 2, 2, 0, 0, 0, 0, 1), true},
		{"1x1/padded 3x3x4->5", g(3, 3, 4, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1), true},
		{"dw3x3/s1 p1 9x8x17", g(9, 8, 17, 17, 3, 3, 1, 1, 1, 1, 1, 1, 17), true},
		{"dw3x3/s2 p1 9x8x33", g(9, 8, 33, 33, 3, 3, 2, 2, 1, 1, 1, 1, 33), true},
		{"dw3x3/s2 same 8x10x16", s(8, 10, 16, 16, 3, 2, 16), false},
		{"dw3x3/s2 same 8x10x24", s(8, 10, 24, 24, 3, 2, 24), true},
		{"dw3x3/s1 p1 1x1x5", g(1, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 5), true},
		{"dw3x3/s1 p1 1x9x3", g(1, 9, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 3), true},
		{"dw3x3/s2 p1 2x2x1", g(2, 2, 1, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1), true},
		{"dw3x3/s1 p1 6x6x48", g(6, 6, 48, 48, 3, 3, 1, 1, 1, 1, 1, 1, 48), true},
		{"dw3x3/s1 unpadded 6x6x9", g(6, 6, 9, 9, 3, 3, 1, 1, 0, 0, 0, 0, 9), false},
		{"dw5x5/s1 p2 7x9x24", g(7, 9, 24, 24, 5, 5, 1, 1, 2, 2, 2, 2, 24), true},
		{"dw5x5/s2 p2 11x10x19", g(11, 10, 19, 19, 5, 5, 2, 2, 2, 2, 2, 2, 19), true},
		{"dw5x5/s2 same 14x14x10", s(14, 14, 10, 10, 5, 2, 10), false},
		{"dw5x5/s2 same 14x14x40", s(14, 14, 40, 40, 5, 2, 40), true},
		{"dw5x5/s1 p2 3x2x8", g(3, 2, 8, 8, 5, 5, 1, 1, 2, 2, 2, 2, 8), true},
		{"dw5x5/s1 p2 1x1x16", g(1, 1, 16, 16, 5, 5, 1, 1, 2, 2, 2, 2, 16), true},
		{"dw3x5/s1 1x2 pad 6x7x11", g(6, 7, 11, 11, 3, 5, 1, 1, 1, 1, 2, 2, 11), false},
		{"dw3x3/band pad 3 5x6x7", g(5, 6, 7, 7, 3, 3, 1, 1, 3, 0, 1, 1, 7), false},
		{"dw9x9/s1 p4 6x7x5 (2 lanes for int8)", g(6, 7, 5, 5, 9, 9, 1, 1, 4, 4, 4, 4, 5), false},
		{"dw23x23/s2 p11 4x5x3 (1 lane for int16)", g(4, 5, 3, 3, 23, 23, 2, 2, 11, 11, 11, 11, 3), false},
		{"dw3x3/multiplier2 5x5x3->6", g(5, 5, 3, 6, 3, 3, 1, 1, 1, 1, 1, 1, 3), false},
		{"stem3x3/s2 p1 9x11x3->16", g(9, 11, 3, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1), true},
		{"stem3x3/s2 same 10x12x3->16", s(10, 12, 3, 16, 3, 2, 1), false},
		{"stem3x3/s2 same 10x12x3->24", s(10, 12, 3, 24, 3, 2, 1), true},
		{"stem3x3/s2 same 31x29x3->5", s(31, 29, 3, 5, 3, 2, 1), true},
		{"dense3x3/s1 p1 4x4x64->5 (int16 K runs)", g(4, 4, 64, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1), true},
		{"dense3x3/groups2 5x6x6->4", g(5, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2), false},
		{"dense5x5/s2 p2 1x1x3->3", g(1, 1, 3, 3, 5, 5, 2, 2, 2, 2, 2, 2, 1), true},
		{"dense2x3/s1x2 6x7x5->9", g(6, 7, 5, 9, 2, 3, 1, 2, 1, 0, 1, 1, 1), true},
	}
}

// NewQConv draws quantization parameters for c: per-channel multipliers
// mostly scaled so that the outputs spread over the output type (a
// quarter from anywhere in [1e-6, 40], which saturates or vanishes),
// biases of the accumulators' size (sometimes anywhere in int32, to
// exercise wrapping), an input zero point, output zero points (int16 ones
// often 0, as in models) and output ranges of every kind; for hardswish
// and hardsigmoid a Six and a post multiplier, sometimes one that shifts
// left; for the float epilogue per-channel scales.
func NewQConv[In, Out generic.Q](r *rand.Rand, c generic.ConvParams, epi generic.Epilogue) *generic.QConv {
	ilo, ihi := TypeRange[In]()
	olo, ohi := TypeRange[Out]()
	k := c.KH * c.KW * c.InC / max(c.Groups, 1)
	accMag := math.Sqrt(float64(k)) * float64(ihi-ilo) / math.Sqrt(12) * 127 / math.Sqrt(3)
	p := &generic.QConv{ConvParams: c, Epi: epi,
		InZP:   int32(ilo + r.Int63n(ihi-ilo+1)),
		Bias:   make([]int32, c.OutC),
		Mult:   make([]int32, c.OutC),
		Shift:  make([]int32, c.OutC),
		OutZP:  int32(olo + r.Int63n(ohi-olo+1)),
		OutMin: int32(olo), OutMax: int32(ohi),
	}
	if ihi > math.MaxInt8 && r.Intn(2) == 0 {
		p.InZP = 0 // calibration's int16 tensors are symmetric
	}
	if ohi > math.MaxInt8 && r.Intn(2) == 0 {
		p.OutZP = 0
	}
	wild := r.Intn(8) == 0
	for o := range p.Bias {
		if wild && r.Intn(2) == 0 {
			p.Bias[o] = int32(r.Uint32())
		} else {
			p.Bias[o] = int32((r.Float64()*2 - 1) * 2 * accMag)
		}
	}
	switch r.Intn(4) {
	case 0: // ReLU folded into the bounds
		p.OutMin = p.OutZP
	case 1: // ReLU6-like
		p.OutMin, p.OutMax = p.OutZP, p.OutZP+int32(r.Int63n(ohi-olo+1))
	case 2: // wider than the type: the type must still clamp
		p.OutMin, p.OutMax = -1<<20, 1<<20
	}
	target := float64(ohi - olo) // the output span a channel should cover
	switch epi {
	case generic.EpiHardswish, generic.EpiHardsigmoid:
		p.Six = int32(2000 + r.Intn(32767-2000+1))
		s := 6 / float64(p.Six)
		p.Three = int32(math.Round(3 / s))
		target = 32767
		var sOut, post float64
		if epi == generic.EpiHardswish {
			sOut = 32767 * s / float64(ohi-olo) * RandReal(r, 0.3, 3)
			post = s * s / (6 * sOut)
		} else {
			sOut = 1 / float64(ohi-olo) * RandReal(r, 0.5, 2)
			post = s / (6 * sOut)
		}
		if r.Intn(4) == 0 {
			post *= RandReal(r, 1, 1000) // a post multiplier that shifts left
		}
		p.PostMult, p.PostShift = generic.QuantizeMultiplier(post)
	case generic.EpiFloat:
		p.OutScale = make([]float32, c.OutC)
		for o := range p.OutScale {
			p.OutScale[o] = float32(RandReal(r, 1e-6, 1))
		}
		return p
	}
	for o := range p.Mult {
		real := target / (6 * accMag) * RandReal(r, 0.25, 4)
		if r.Intn(4) == 0 {
			real = RandReal(r, 1e-6, 40)
		}
		p.Mult[o], p.Shift[o] = generic.QuantizeMultiplier(real)
	}
	return p
}
