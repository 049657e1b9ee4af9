//go:build !purego

package arm64

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
)

// runConv packs and runs p (whole, or split into bands of output rows the
// way the engine splits for threads) and compares with kernels/generic.
func runConv[In, Out generic.Q](p *generic.QConv, in []In, w []int8, isa ISA, bands int) error {
	c := &p.ConvParams
	want := make([]Out, c.OutH*c.OutW*c.OutC)
	generic.ConvQ(p, in, w, want)
	got := guarded[Out](len(want))
	pc, ok := PackConv(p, w, generic.DTypeOf[In](), generic.DTypeOf[Out](), isa)
	if !ok {
		return fmt.Errorf("PackConv refused the conv")
	}
	for _, b := range splitBands(p, bands) {
		rn, ok := pc.NewRunner(b.p)
		if !ok {
			return fmt.Errorf("NewRunner refused band %+v", b.p.ConvParams)
		}
		rn.Run(ptr(in[b.inLo:]), ptr(got[b.outLo:]))
	}
	if err := checkGuard(got, len(want)); err != nil {
		return err
	}
	return compare(got[:len(want)], want, c.OutW, c.OutC)
}

func runConvFloat[In generic.Q](p *generic.QConv, in []In, w []int8, isa ISA, bands int) error {
	c := &p.ConvParams
	want := make([]float32, c.OutH*c.OutW*c.OutC)
	generic.ConvQFloat(p, in, w, want)
	got := guarded[float32](len(want))
	pc, ok := PackConv(p, w, generic.DTypeOf[In](), generic.Float32, isa)
	if !ok {
		return fmt.Errorf("PackConv refused the conv")
	}
	for _, b := range splitBands(p, bands) {
		rn, ok := pc.NewRunner(b.p)
		if !ok {
			return fmt.Errorf("NewRunner refused a band")
		}
		rn.Run(ptr(in[b.inLo:]), ptr(got[b.outLo:]))
	}
	if err := checkGuard(got, len(want)); err != nil {
		return err
	}
	return compare(got[:len(want)], want, c.OutW, c.OutC)
}

// runConvW16 is runConv for int16 weights (int8 input); float out when f.
func runConvW16[Out generic.Q](p *generic.QConv, in []int8, w []int16, isa ISA, bands int, f bool) error {
	c := &p.ConvParams
	n := c.OutH * c.OutW * c.OutC
	var want, got []float32
	var wantQ, gotQ []Out
	elem := generic.DTypeOf[Out]()
	if f {
		want, got, elem = make([]float32, n), guarded[float32](n), generic.Float32
		generic.ConvQW16Float(p, in, w, want)
	} else {
		wantQ, gotQ = make([]Out, n), guarded[Out](n)
		generic.ConvQW16(p, in, w, wantQ)
	}
	pc, ok := PackConvW16(p, w, elem, isa)
	if !ok {
		return fmt.Errorf("PackConvW16 refused the conv")
	}
	for _, b := range splitBands(p, bands) {
		rn, ok := pc.NewRunner(b.p)
		if !ok {
			return fmt.Errorf("NewRunner refused a band")
		}
		if f {
			rn.Run(ptr(in[b.inLo:]), ptr(got[b.outLo:]))
		} else {
			rn.Run(ptr(in[b.inLo:]), ptr(gotQ[b.outLo:]))
		}
	}
	if f {
		if err := checkGuard(got, n); err != nil {
			return err
		}
		return compare(got[:n], want, c.OutW, c.OutC)
	}
	if err := checkGuard(gotQ, n); err != nil {
		return err
	}
	return compare(gotQ[:n], wantQ, c.OutW, c.OutC)
}

func randWeights16(r *rand.Rand, n int) []int16 {
	w := make([]int16, n)
	for i := range w {
		w[i] = int16(r.Intn(65535) - 32767)
	}
	return w
}

type band struct {
	p           *generic.QConv
	inLo, outLo int
}

// splitBands cuts p into n bands of output rows as engine.splitConv does.
func splitBands(p *generic.QConv, n int) []band {
	c := p.ConvParams
	n = max(1, min(n, c.OutH))
	var out []band
	for i := 0; i < n; i++ {
		y0, y1 := c.OutH*i/n, c.OutH*(i+1)/n
		first := y0*c.StrideH - c.PadT
		last := (y1-1)*c.StrideH - c.PadT + c.KH
		lo, hi := max(first, 0), min(last, c.InH)
		q := *p
		q.InH = max(hi-lo, 0)
		q.PadT = lo - first
		q.OutH = y1 - y0
		out = append(out, band{p: &q, inLo: lo * c.InW * c.InC, outLo: y0 * c.OutW * c.OutC})
	}
	return out
}

// convCase checks one geometry for every element type, epilogue and ISA.
func convCase(t *testing.T, r *rand.Rand, name string, c generic.ConvParams) {
	t.Helper()
	k := c.KH * c.KW * c.InC / max(c.Groups, 1)
	for _, isa := range isas() {
		for _, epi := range []generic.Epilogue{generic.EpiClamp, generic.EpiHardswish, generic.EpiHardsigmoid, generic.EpiFloat} {
			bands := 1 + r.Intn(3)
			w := randWeights(r, c.OutC*k)
			var errs []error
			tag := func(s string, err error) {
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", s, err))
				}
			}
			if epi == generic.EpiFloat {
				p8 := newQConv[int8, int8](r, c, epi)
				tag("i8>f32", runConvFloat(p8, randQ[int8](r, c.InH*c.InW*c.InC, p8.InZP), w, isa, bands))
				p16 := newQConv[int16, int8](r, c, epi)
				tag("i16>f32", runConvFloat(p16, randQ[int16](r, c.InH*c.InW*c.InC, p16.InZP), w, isa, bands))
				if c.Groups == 1 {
					p8 = newQConv[int8, int8](r, c, epi)
					tag("i8*w16>f32", runConvW16[int8](p8, randQ[int8](r, c.InH*c.InW*c.InC, p8.InZP), randWeights16(r, len(w)), isa, bands, true))
				}
			} else {
				p := newQConv[int8, int8](r, c, epi)
				tag("i8>i8", runConv[int8, int8](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), w, isa, bands))
				p = newQConv[int8, int16](r, c, epi)
				tag("i8>i16", runConv[int8, int16](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), w, isa, bands))
				p = newQConv[int16, int8](r, c, epi)
				tag("i16>i8", runConv[int16, int8](p, randQ[int16](r, c.InH*c.InW*c.InC, p.InZP), w, isa, bands))
				p = newQConv[int16, int16](r, c, epi)
				tag("i16>i16", runConv[int16, int16](p, randQ[int16](r, c.InH*c.InW*c.InC, p.InZP), w, isa, bands))
				if c.Groups == 1 {
					p = newQConv[int8, int8](r, c, epi)
					tag("i8*w16>i8", runConvW16[int8](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), randWeights16(r, len(w)), isa, bands, false))
					p = newQConv[int8, int16](r, c, epi)
					tag("i8*w16>i16", runConvW16[int16](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), randWeights16(r, len(w)), isa, bands, false))
				}
			}
			for _, err := range errs {
				t.Errorf("%s %s epi=%d bands=%d %+v: %v", name, isa, epi, bands, c, err)
			}
		}
	}
}

func TestConvFixedShapes(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, tc := range []struct {
		name string
		c    generic.ConvParams
	}{
		{"1x1 5x7x17->33", geom(5, 7, 17, 33, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1 1x1x96->17", geom(1, 1, 96, 17, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1 1x1x40->1", geom(1, 1, 40, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1 3x3x600->9", geom(3, 3, 600, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1 4x5x1->3", geom(4, 5, 1, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1 7x7x24->24", geom(7, 7, 24, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1 6x5x48->1024", geom(6, 5, 48, 1024, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1 9x9x16->72", geom(9, 9, 16, 72, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1 stride2 7x6x5->7", geom(7, 6, 5, 7, 1, 1, 2, 2, 0, 0, 0, 0, 1)},
		{"1x1 padded 3x3x4->5", geom(3, 3, 4, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
		{"dw3x3 s1 p1 9x8x17", geom(9, 8, 17, 17, 3, 3, 1, 1, 1, 1, 1, 1, 17)},
		{"dw3x3 s2 p1 9x8x33", geom(9, 8, 33, 33, 3, 3, 2, 2, 1, 1, 1, 1, 33)},
		{"dw3x3 s2 same 8x10x24", sameGeom(8, 10, 24, 24, 3, 2, 24)},
		{"dw3x3 s1 p1 1x1x5", geom(1, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 5)},
		{"dw3x3 s1 p1 1x9x3", geom(1, 9, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 3)},
		{"dw3x3 s2 p1 2x2x1", geom(2, 2, 1, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1)},
		{"dw3x3 s1 6x6x48", geom(6, 6, 48, 48, 3, 3, 1, 1, 1, 1, 1, 1, 48)},
		{"dw5x5 s1 p2 7x9x24", geom(7, 9, 24, 24, 5, 5, 1, 1, 2, 2, 2, 2, 24)},
		{"dw5x5 s2 p2 11x10x19", geom(11, 10, 19, 19, 5, 5, 2, 2, 2, 2, 2, 2, 19)},
		{"dw5x5 s2 same 14x14x40", sameGeom(14, 14, 40, 40, 5, 2, 40)},
		{"dw5x5 s1 p2 3x2x8", geom(3, 2, 8, 8, 5, 5, 1, 1, 2, 2, 2, 2, 8)},
		{"dw5x5 s1 p2 1x1x16", geom(1, 1, 16, 16, 5, 5, 1, 1, 2, 2, 2, 2, 16)},
		{"stem3x3 s2 p1 9x11x3->16", geom(9, 11, 3, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1)},
		{"stem3x3 s2 same 10x12x3->24", sameGeom(10, 12, 3, 24, 3, 2, 1)},
		{"stem3x3 s2 same 31x29x3->5", sameGeom(31, 29, 3, 5, 3, 2, 1)},
		{"dense3x3 s1 p1 4x4x64->5", geom(4, 4, 64, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1)},
		{"dense5x5 s2 p2 1x1x3->3", geom(1, 1, 3, 3, 5, 5, 2, 2, 2, 2, 2, 2, 1)},
		{"dense2x3 s1x2 6x7x5->9", geom(6, 7, 5, 9, 2, 3, 1, 2, 1, 0, 1, 1, 1)},
	} {
		convCase(t, r, tc.name, tc.c)
	}
}

// TestConvRandomShapes draws geometries: dense or depthwise, 1×1/3×3/5×5,
// strides 1 and 2, any padding including TF-SAME's extra bottom/right,
// channel counts that are not multiples of the vector width, and
// heights/widths down to 1.
func TestConvRandomShapes(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	n := 150
	if testing.Short() {
		n = 30
	}
	chans := []int{1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 24, 31, 33, 40, 72}
	for i := 0; i < n; i++ {
		ks := []int{1, 3, 5}
		k := ks[r.Intn(3)]
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
		var c generic.ConvParams
		if r.Intn(2) == 0 && k > 1 {
			ch := chans[r.Intn(len(chans))]
			c = geom(inH, inW, ch, ch, k, k, s, s, pt, pb, pl, pr, ch)
		} else {
			if k == 1 && r.Intn(2) == 0 {
				pt, pb, pl, pr, s = 0, 0, 0, 0, 1
			}
			c = geom(inH, inW, chans[r.Intn(len(chans))], chans[r.Intn(len(chans))], k, k, s, s, pt, pb, pl, pr, 1)
		}
		convCase(t, r, fmt.Sprintf("random %d", i), c)
	}
}

// TestConvRefusesMinus128 checks that a weight of -128 makes the kernels
// that pair int8 products in int16 lanes decline (the caller then runs
// generic), while the others still take the conv.
func TestConvRefusesMinus128(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, c := range []generic.ConvParams{
		geom(4, 4, 32, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1),
		geom(4, 4, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 16),
	} {
		w := randWeights(r, c.OutC*c.KH*c.KW*c.InC/c.Groups)
		w[3] = -128
		p := newQConv[int8, int8](r, c, generic.EpiClamp)
		if _, ok := PackConv(p, w, generic.Int8, generic.Int8, NEON); ok {
			t.Errorf("%+v: NEON int8 kernel accepted a -128 weight", c)
		}
		dense := c.Groups == 1
		if _, ok := PackConv(p, w, generic.Int8, generic.Int8, DotProd); ok != dense {
			t.Errorf("%+v: SDOT PackConv ok = %v, want %v", c, ok, dense)
		}
		if _, ok := PackConv(p, w, generic.Int16, generic.Int8, NEON); !ok {
			t.Errorf("%+v: int16 kernel refused a -128 weight", c)
		}
		p16 := newQConv[int16, int8](r, c, generic.EpiClamp)
		if err := runConv[int16, int8](p16, randQ[int16](r, c.InH*c.InW*c.InC, p16.InZP), w, NEON, 1); err != nil {
			t.Errorf("%+v int16 with -128: %v", c, err)
		}
	}
}

// TestConvShortRowsMinus128: an int8 conv of at most 28 values per row
// with a weight of -128 leaves gemm4x8c8NEON (which pairs products in
// int16 lanes) for the lane kernel, which must still match generic.
func TestConvShortRowsMinus128(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for _, c := range []generic.ConvParams{
		geom(5, 7, 24, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1),
		geom(9, 11, 3, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1),
		geom(6, 5, 16, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1),
	} {
		w := randWeights(r, c.OutC*c.KH*c.KW*c.InC)
		w[3], w[len(w)-1] = -128, -128
		p := newQConv[int8, int8](r, c, generic.EpiClamp)
		if err := runConv[int8, int8](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), w, NEON, 2); err != nil {
			t.Errorf("%+v i8>i8 with -128: %v", c, err)
		}
		p16 := newQConv[int8, int16](r, c, generic.EpiHardswish)
		if err := runConv[int8, int16](p16, randQ[int8](r, c.InH*c.InW*c.InC, p16.InZP), w, NEON, 1); err != nil {
			t.Errorf("%+v i8>i16 with -128: %v", c, err)
		}
	}
}
