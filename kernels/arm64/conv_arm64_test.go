//go:build !purego

package arm64

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// packer is PackConv (or PackConvW16, for int16 weights) for kerneltest.
func packer(isa ISA) kerneltest.Pack {
	return kerneltest.Packer[*Conv, *Runner](func(p *generic.QConv, w8 []int8, w16 []int16, in, out generic.DType) (*Conv, bool) {
		if w16 != nil {
			return PackConvW16(p, w16, out, isa)
		}
		return PackConv(p, w8, in, out, isa)
	})
}

// convCase checks one geometry for every element type, epilogue and ISA.
func convCase(t *testing.T, r *rand.Rand, name string, c generic.ConvParams) {
	t.Helper()
	for _, isa := range isas() {
		kerneltest.CheckConv(t, r, fmt.Sprintf("%s %s", name, isa), c, packer(isa))
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
	for i := 0; i < n; i++ {
		convCase(t, r, fmt.Sprintf("random %d", i), kerneltest.RandomShape(r))
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
		if err := kerneltest.RunConv[int16, int8](p16, randQ[int16](r, c.InH*c.InW*c.InC, p16.InZP), w, nil, packer(NEON), 1); err != nil {
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
		geom(5, 7, 24, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1),
		geom(9, 11, 3, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1),
		geom(6, 5, 16, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1),
	} {
		w := randWeights(r, c.OutC*c.KH*c.KW*c.InC)
		w[3], w[len(w)-1] = -128, -128
		p := newQConv[int8, int8](r, c, generic.EpiClamp)
		if err := kerneltest.RunConv[int8, int8](p, randQ[int8](r, c.InH*c.InW*c.InC, p.InZP), w, nil, packer(NEON), 2); err != nil {
			t.Errorf("%+v i8>i8 with -128: %v", c, err)
		}
		p16 := newQConv[int8, int16](r, c, generic.EpiHardswish)
		if err := kerneltest.RunConv[int8, int16](p16, randQ[int8](r, c.InH*c.InW*c.InC, p16.InZP), w, nil, packer(NEON), 1); err != nil {
			t.Errorf("%+v i8>i16 with -128: %v", c, err)
		}
	}
}
