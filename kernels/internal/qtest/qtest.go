// Package qtest holds what the tests of the assembly kernel packages
// (kernels/arm64, kernels/amd64) share: random quantization parameters
// and tensors, outputs with guard elements, conv geometries and the conv
// case that compares a kernel path with kernels/generic for every element
// type and epilogue. It imports kernels/generic, so generic's own internal
// tests use kernels/internal/kerneltest instead.
package qtest

import (
	"fmt"
	"math"
	"math/rand"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// TypeRange is T's value range.
func TypeRange[T generic.Q]() (int64, int64) {
	var z T
	if unsafe.Sizeof(z) == 1 {
		return -128, 127
	}
	return -32768, 32767
}

// Geom builds conv geometry from explicit padding on all four sides, so
// that TF-SAME (PadT = 0, an extra bottom row) is expressed too.
func Geom(inH, inW, inC, outC, kh, kw, sh, sw, padT, padB, padL, padR, groups int) generic.ConvParams {
	return generic.ConvParams{
		InH: inH, InW: inW, InC: inC, OutC: outC,
		OutH: (inH+padT+padB-kh)/sh + 1, OutW: (inW+padL+padR-kw)/sw + 1,
		KH: kh, KW: kw, StrideH: sh, StrideW: sw, PadT: padT, PadL: padL, Groups: groups,
	}
}

// SameGeom is a k×k conv of stride s with TensorFlow's "SAME" padding.
func SameGeom(inH, inW, inC, outC, k, s, groups int) generic.ConvParams {
	same := func(n int) (int, int) {
		total := max((n+s-1)/s*s-s+k-n, 0)
		return total / 2, total - total/2
	}
	pt, pb := same(inH)
	pl, pr := same(inW)
	return Geom(inH, inW, inC, outC, k, k, s, s, pt, pb, pl, pr, groups)
}

// RandReal draws log-uniformly from [lo, hi].
func RandReal(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo)))
}

// NewQConv draws quantization parameters for c: multipliers that spread
// the outputs over the output type (and some that saturate or vanish),
// biases of the accumulators' size (sometimes anywhere in int32, to
// exercise wrapping), zero points and output ranges of every kind.
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
	if ihi > 127 && r.Intn(2) == 0 {
		p.InZP = 0
	}
	if ohi > 127 && r.Intn(2) == 0 { // int16 tensors are symmetric in models
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
	case 0:
		p.OutMin = p.OutZP
	case 1:
		p.OutMin, p.OutMax = p.OutZP, p.OutZP+int32(r.Int63n(ohi-olo+1))
	case 2:
		p.OutMin, p.OutMax = -1<<20, 1<<20
	}
	target := float64(ohi - olo)
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

// RandQ draws n values of T, uniform over the type or near the zero point.
func RandQ[T generic.Q](r *rand.Rand, n int, zp int32) []T {
	lo, hi := TypeRange[T]()
	if r.Intn(2) == 0 {
		lo, hi = max(lo, int64(zp)-100), min(hi, int64(zp)+100)
	}
	v := make([]T, n)
	for i := range v {
		v[i] = T(lo + r.Int63n(hi-lo+1))
	}
	return v
}

// RandWeights draws int8 weights in [-127, 127] (symmetric quantization).
func RandWeights(r *rand.Rand, n int) []int8 {
	w := make([]int8, n)
	for i := range w {
		w[i] = int8(r.Intn(255) - 127)
	}
	return w
}

// RandWeights16 draws int16 weights in [-32767, 32767].
func RandWeights16(r *rand.Rand, n int) []int16 {
	w := make([]int16, n)
	for i := range w {
		w[i] = int16(r.Intn(65535) - 32767)
	}
	return w
}

// Compare is kerneltest.Compare.
func Compare[T comparable](got, want []T, w, c int) error { return kerneltest.Compare(got, want, w, c) }

const guard = 16

// Guarded returns a slice of n elements followed by guard sentinels.
func Guarded[T generic.Q | float32](n int) []T {
	b := make([]T, n+guard)
	for i := range b {
		b[i] = T(0x55)
	}
	return b
}

// CheckGuard reports a write past the first n elements of a Guarded slice.
func CheckGuard[T generic.Q | float32](b []T, n int) error {
	for _, v := range b[n:] {
		if v != T(0x55) {
			return fmt.Errorf("wrote past the output")
		}
	}
	return nil
}

// Ptr is the address of s's first element.
func Ptr[T any](s []T) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }
