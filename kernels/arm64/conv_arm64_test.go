//go:build !purego

package arm64

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// runConv packs and runs p (whole, or split into bands of output rows the
// way the engine splits for threads) and compares with kernels/generic.
func runConv[In, Out generic.Q](p *generic.QConv, in []In, w []int8, isa ISA, bands int) error {
	want := make([]Out, p.OutH*p.OutW*p.OutC)
	generic.ConvQ(p, in, w, want)
	got := guarded[Out](len(want))
	pc, ok := PackConv(p, w, generic.DTypeOf[In](), generic.DTypeOf[Out](), isa)
	if !ok {
		return fmt.Errorf("PackConv refused the conv")
	}
	if err := runBands(pc, p, bands, in, got); err != nil {
		return err
	}
	return checkOut(got, want, p)
}

func runConvFloat[In generic.Q](p *generic.QConv, in []In, w []int8, isa ISA, bands int) error {
	want := make([]float32, p.OutH*p.OutW*p.OutC)
	generic.ConvQFloat(p, in, w, want)
	got := guarded[float32](len(want))
	pc, ok := PackConv(p, w, generic.DTypeOf[In](), generic.Float32, isa)
	if !ok {
		return fmt.Errorf("PackConv refused the conv")
	}
	if err := runBands(pc, p, bands, in, got); err != nil {
		return err
	}
	return checkOut(got, want, p)
}

// runConvW16 is runConv for int16 weights (int8 input); float out when f.
func runConvW16[Out generic.Q](p *generic.QConv, in []int8, w []int16, isa ISA, bands int, f bool) error {
	n := p.OutH * p.OutW * p.OutC
	elem := generic.DTypeOf[Out]()
	if f {
		elem = generic.Float32
	}
	pc, ok := PackConvW16(p, w, elem, isa)
	if !ok {
		return fmt.Errorf("PackConvW16 refused the conv")
	}
	if f {
		want, got := make([]float32, n), guarded[float32](n)
		generic.ConvQW16Float(p, in, w, want)
		if err := runBands(pc, p, bands, in, got); err != nil {
			return err
		}
		return checkOut(got, want, p)
	}
	want, got := make([]Out, n), guarded[Out](n)
	generic.ConvQW16(p, in, w, want)
	if err := runBands(pc, p, bands, in, got); err != nil {
		return err
	}
	return checkOut(got, want, p)
}

// runBands runs pc over p cut into bands of output rows (as the engine
// cuts a conv for its threads), each band at its input and output offsets.
func runBands[In, Out any](pc *Conv, p *generic.QConv, bands int, in []In, out []Out) error {
	for _, b := range splitBands(p, bands) {
		rn, ok := pc.NewRunner(b.p)
		if !ok {
			return fmt.Errorf("NewRunner refused band %+v", b.p.ConvParams)
		}
		rn.Run(ptr(in[b.inLo:]), ptr(out[b.outLo:]))
	}
	return nil
}

// checkOut checks a guarded output against want: nothing written past
// it, every value equal.
func checkOut[T generic.Q | float32](got, want []T, p *generic.QConv) error {
	if err := checkGuard(got, len(want)); err != nil {
		return err
	}
	return compare(got[:len(want)], want, p.OutW, p.OutC)
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
				p8 := kerneltest.NewQConv[int8, int8](r, c, epi)
				tag("i8>f32", runConvFloat(p8, randQ[int8](r, c.InH*c.InW*c.InC, p8.InZP), w, isa, bands))
				p16 := kerneltest.NewQConv[int16, int8](r, c, epi)
				tag("i16>f32", runConvFloat(p16, randQ[int16](r, c.InH*c.InW*c.InC, p16.InZP), w, isa, bands))
				if c.Groups == 1 {
					p8 = kerneltest.NewQConv[int8, int8](r, c, epi)
					tag("i8*w16>f32", runConvW16[int8](p8, randQ[int8](r, c.InH*c.InW*c.InC, p8.InZP), randWeights16(r, len(w)), isa, bands, true))
				}
			} else {
				p := kerneltest.NewQConv[int8, int8](r, c, epi)
				tag("i8>i8", runConv[int8, int8](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), w, isa, bands))
				p = kerneltest.NewQConv[int8, int16](r, c, epi)
				tag("i8>i16", runConv[int8, int16](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), w, isa, bands))
				p = kerneltest.NewQConv[int16, int8](r, c, epi)
				tag("i16>i8", runConv[int16, int8](p, randQ[int16](r, c.InH*c.InW*c.InC, p.InZP), w, isa, bands))
				p = kerneltest.NewQConv[int16, int16](r, c, epi)
				tag("i16>i16", runConv[int16, int16](p, randQ[int16](r, c.InH*c.InW*c.InC, p.InZP), w, isa, bands))
				if c.Groups == 1 {
					p = kerneltest.NewQConv[int8, int8](r, c, epi)
					tag("i8*w16>i8", runConvW16[int8](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), randWeights16(r, len(w)), isa, bands, false))
					p = kerneltest.NewQConv[int8, int16](r, c, epi)
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
	for _, tc := range kerneltest.ConvCases() {
		if tc.NEON {
			convCase(t, r, tc.Name, tc.C)
		}
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
			c = kerneltest.Geom(inH, inW, ch, ch, k, k, s, s, pt, pb, pl, pr, ch)
		} else {
			if k == 1 && r.Intn(2) == 0 {
				pt, pb, pl, pr, s = 0, 0, 0, 0, 1
			}
			c = kerneltest.Geom(inH, inW, chans[r.Intn(len(chans))], chans[r.Intn(len(chans))], k, k, s, s, pt, pb, pl, pr, 1)
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
		kerneltest.Geom(4, 4, 32, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1),
		kerneltest.Geom(4, 4, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 16),
	} {
		w := randWeights(r, c.OutC*c.KH*c.KW*c.InC/c.Groups)
		w[3] = -128
		p := kerneltest.NewQConv[int8, int8](r, c, generic.EpiClamp)
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
		p16 := kerneltest.NewQConv[int16, int8](r, c, generic.EpiClamp)
		if err := runConv[int16, int8](p16, randQ[int16](r, c.InH*c.InW*c.InC, p16.InZP), w, NEON, 1); err != nil {
			t.Errorf("%+v int16 with -128: %v", c, err)
		}
	}
}

// TestConvShortRowsMinus128: an int8 conv of at most 28 values per row
// with a weight of -128 leaves gemmI8I8_4x8c8_NEONMlalPadal (which pairs products in
// int16 lanes) for the lane kernel, which must still match generic.
func TestConvShortRowsMinus128(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for _, c := range []generic.ConvParams{
		kerneltest.Geom(5, 7, 24, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1),
		kerneltest.Geom(9, 11, 3, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1),
		kerneltest.Geom(6, 5, 16, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1),
	} {
		w := randWeights(r, c.OutC*c.KH*c.KW*c.InC)
		w[3], w[len(w)-1] = -128, -128
		p := kerneltest.NewQConv[int8, int8](r, c, generic.EpiClamp)
		if err := runConv[int8, int8](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), w, NEON, 2); err != nil {
			t.Errorf("%+v i8>i8 with -128: %v", c, err)
		}
		p16 := kerneltest.NewQConv[int8, int16](r, c, generic.EpiHardswish)
		if err := runConv[int8, int16](p16, randQ[int8](r, c.InH*c.InW*c.InC, p16.InZP), w, NEON, 1); err != nil {
			t.Errorf("%+v i8>i16 with -128: %v", c, err)
		}
	}
}
