package kerneltest

import (
	"fmt"
	"math/rand"
	"testing"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// Pack packs a conv for the kernel path under test: with int8 weights w8
// and in elements, or int16 weights w16 (and int8 inputs). It returns
// the maker of a band's run function, or ok false when the path declines
// the conv.
type Pack func(p *generic.QConv, w8 []int8, w16 []int16, in, out generic.DType) (band func(p *generic.QConv) (run func(in, out unsafe.Pointer), ok bool), ok bool)

// Band is one band of output rows of a conv, as the engine splits them.
type Band struct {
	P           *generic.QConv
	InLo, OutLo int
}

// SplitBands cuts p into n bands of output rows as engine.splitConv does.
func SplitBands(p *generic.QConv, n int) []Band {
	c := p.ConvParams
	n = max(1, min(n, c.OutH))
	var out []Band
	for i := 0; i < n; i++ {
		y0, y1 := c.OutH*i/n, c.OutH*(i+1)/n
		first := y0*c.StrideH - c.PadT
		last := (y1-1)*c.StrideH - c.PadT + c.KH
		lo, hi := max(first, 0), min(last, c.InH)
		q := *p
		q.InH = max(hi-lo, 0)
		q.PadT = lo - first
		q.OutH = y1 - y0
		out = append(out, Band{P: &q, InLo: lo * c.InW * c.InC, OutLo: y0 * c.OutW * c.OutC})
	}
	return out
}

// RunConv packs p with pack, runs it in bands and compares with
// kernels/generic (ConvQ, ConvQFloat, ConvQW16 or ConvQW16Float, by the
// weights and Out); in must be []int8 when w16 is given.
func RunConv[In generic.Q, Out generic.Q | float32](p *generic.QConv, in []In, w8 []int8, w16 []int16, pack Pack, bands int) error {
	c := &p.ConvParams
	n := c.OutH * c.OutW * c.OutC
	want, got := make([]Out, n), Guarded[Out](n)
	in8, _ := any(in).([]int8)
	switch o := any(want).(type) {
	case []float32:
		if w16 != nil {
			generic.ConvQW16Float(p, in8, w16, o)
		} else {
			generic.ConvQFloat(p, in, w8, o)
		}
	case []int8:
		reference(p, in, in8, w8, w16, o)
	case []int16:
		reference(p, in, in8, w8, w16, o)
	}
	var z Out
	outT := map[uintptr]generic.DType{1: generic.Int8, 2: generic.Int16, 4: generic.Float32}[unsafe.Sizeof(z)]
	inT := map[uintptr]generic.DType{1: generic.Int8, 2: generic.Int16}[unsafe.Sizeof(in[0])]
	band, ok := pack(p, w8, w16, inT, outT)
	if !ok {
		return fmt.Errorf("the kernels refused the conv")
	}
	for _, b := range SplitBands(p, bands) {
		run, ok := band(b.P)
		if !ok {
			return fmt.Errorf("the kernels refused band %+v", b.P.ConvParams)
		}
		run(Ptr(in[b.InLo:]), Ptr(got[b.OutLo:]))
	}
	if err := CheckGuard(got, n); err != nil {
		return err
	}
	return Compare(got[:n], want, c.OutW, c.OutC)
}

func reference[In, Out generic.Q](p *generic.QConv, in []In, in8 []int8, w8 []int8, w16 []int16, want []Out) {
	if w16 != nil {
		generic.ConvQW16(p, in8, w16, want)
		return
	}
	generic.ConvQ(p, in, w8, want)
}

// CheckConv checks one geometry with pack for every element type and
// epilogue: int8 and int16 inputs and outputs, float logits, and for
// dense convs int16 weights.
func CheckConv(t *testing.T, r *rand.Rand, name string, c generic.ConvParams, pack Pack) {
	t.Helper()
	k := c.KH * c.KW * c.InC / max(c.Groups, 1)
	size := c.InH * c.InW * c.InC
	for _, epi := range []generic.Epilogue{generic.EpiClamp, generic.EpiHardswish, generic.EpiHardsigmoid, generic.EpiFloat} {
		bands := 1 + r.Intn(3)
		w := RandWeights(r, c.OutC*k)
		var errs []error
		tag := func(s string, err error) {
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s, err))
			}
		}
		dense := c.Groups <= 1
		if epi == generic.EpiFloat {
			p8 := NewQConv[int8, int8](r, c, epi)
			tag("i8>f32", RunConv[int8, float32](p8, RandQ[int8](r, size, p8.InZP), w, nil, pack, bands))
			p16 := NewQConv[int16, int8](r, c, epi)
			tag("i16>f32", RunConv[int16, float32](p16, RandQ[int16](r, size, p16.InZP), w, nil, pack, bands))
			if dense {
				p8 = NewQConv[int8, int8](r, c, epi)
				tag("i8*w16>f32", RunConv[int8, float32](p8, RandQ[int8](r, size, p8.InZP), nil, RandWeights16(r, len(w)), pack, bands))
			}
		} else {
			p := NewQConv[int8, int8](r, c, epi)
			tag("i8>i8", RunConv[int8, int8](p, RandQ[int8](r, size, p.InZP), w, nil, pack, bands))
			p = NewQConv[int8, int16](r, c, epi)
			tag("i8>i16", RunConv[int8, int16](p, RandQ[int8](r, size, p.InZP), w, nil, pack, bands))
			p = NewQConv[int16, int8](r, c, epi)
			tag("i16>i8", RunConv[int16, int8](p, RandQ[int16](r, size, p.InZP), w, nil, pack, bands))
			p = NewQConv[int16, int16](r, c, epi)
			tag("i16>i16", RunConv[int16, int16](p, RandQ[int16](r, size, p.InZP), w, nil, pack, bands))
			if dense {
				p = NewQConv[int8, int8](r, c, epi)
				tag("i8*w16>i8", RunConv[int8, int8](p, RandQ[int8](r, size, p.InZP), nil, RandWeights16(r, len(w)), pack, bands))
				p = NewQConv[int8, int16](r, c, epi)
				tag("i8*w16>i16", RunConv[int8, int16](p, RandQ[int8](r, size, p.InZP), nil, RandWeights16(r, len(w)), pack, bands))
			}
		}
		for _, err := range errs {
			t.Errorf("%s epi=%d bands=%d %+v: %v", name, epi, bands, c, err)
		}
	}
}

// RandomShape draws a geometry: dense or depthwise, 1×1/3×3/5×5, strides
// 1 and 2, any padding including TF-SAME's extra bottom/right, channel
// counts that are not multiples of the vector widths, and heights/widths
// down to 1.
func RandomShape(r *rand.Rand) generic.ConvParams {
	chans := []int{1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 24, 31, 33, 40, 72}
	k := []int{1, 3, 5}[r.Intn(3)]
	s := 1 + r.Intn(2)
	inH, inW := 1+r.Intn(16), 1+r.Intn(16)
	pad := func() (int, int) {
		a := r.Intn(k/2 + 1)
		return a, a + r.Intn(2)
	}
	pt, pb := pad()
	pl, pr := pad()
	if r.Intn(4) == 0 { // TF-SAME: nothing on top, the extra at the bottom
		pt, pb = 0, k/2
	}
	pb = max(pb, k-inH-pt)
	pr = max(pr, k-inW-pl)
	if r.Intn(2) == 0 && k > 1 {
		ch := chans[r.Intn(len(chans))]
		return Geom(inH, inW, ch, ch, k, k, s, s, pt, pb, pl, pr, ch)
	}
	if k == 1 && r.Intn(2) == 0 {
		pt, pb, pl, pr, s = 0, 0, 0, 0, 1
	}
	return Geom(inH, inW, chans[r.Intn(len(chans))], chans[r.Intn(len(chans))], k, k, s, s, pt, pb, pl, pr, 1)
}

// Packer makes a Pack of a packing function whose convs make runners by
// band, as kernels/arm64's and kernels/amd64's Conv and Runner do.
func Packer[C interface {
	NewRunner(*generic.QConv) (R, bool)
}, R interface{ Run(in, out unsafe.Pointer) }](pack func(p *generic.QConv, w8 []int8, w16 []int16, in, out generic.DType) (C, bool)) Pack {
	return func(p *generic.QConv, w8 []int8, w16 []int16, in, out generic.DType) (func(*generic.QConv) (func(in, out unsafe.Pointer), bool), bool) {
		c, ok := pack(p, w8, w16, in, out)
		if !ok {
			return nil, false
		}
		return func(b *generic.QConv) (func(in, out unsafe.Pointer), bool) {
			r, ok := c.NewRunner(b)
			if !ok {
				return nil, false
			}
			return r.Run, true
		}, true
	}
}
