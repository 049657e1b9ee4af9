//go:build !purego

package amd64

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// isas lists the instruction sets this CPU runs, best first.
func isas(t testing.TB) []ISA {
	switch Best() {
	case VNNI:
		return []ISA{VNNI, AVX2}
	case AVX2:
		return []ISA{AVX2}
	}
	t.Skip("this CPU has no AVX2: the amd64 kernels cannot run")
	return nil
}

func (i ISA) String() string { return [...]string{"none", "avx2", "vnni"}[i] }

// packer is PackConv for kerneltest, its bands sharing a Scratch that is
// full of garbage at every run (dirtyConv).
func packer(isa ISA) kerneltest.Pack {
	return kerneltest.Packer[dirtyConv, dirtyRunner](func(p *generic.QConv, w8 []int8, w16 []int16, in, out generic.DType) (dirtyConv, bool) {
		c, ok := PackConv(isa, p, w8, w16, in, out)
		return dirtyConv{c, new(Scratch)}, ok
	})
}

// covered reports whether the kernels take c (else the case is skipped:
// kernels/generic runs such convs).
func covered(c generic.ConvParams) bool {
	g := max(c.Groups, 1)
	return c.OutC >= 8 && (g == 1 || g == c.InC && (c.KH == 3 || c.KH == 5) && c.KH == c.KW)
}

func TestConvFixedShapes(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, isa := range isas(t) {
		n := 0
		for _, tc := range kerneltest.ConvCases() {
			if covered(tc.C) {
				kerneltest.CheckConv(t, r, fmt.Sprintf("%s %s", isa, tc.Name), tc.C, packer(isa))
				n++
			}
		}
		if n < 5 {
			t.Fatalf("%s: only %d fixed shapes covered", isa, n)
		}
	}
}

func TestConvRandomShapes(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	n := 300
	if testing.Short() {
		n = 60
	}
	for _, isa := range isas(t) {
		for i := 0; i < n; i++ {
			if c := kerneltest.RandomShape(r); covered(c) {
				kerneltest.CheckConv(t, r, fmt.Sprintf("%s random %d", isa, i), c, packer(isa))
			}
		}
	}
}

// TestConvDeclines: what the kernels do not take is refused, so that
// kernels/generic runs it.
func TestConvDeclines(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for _, isa := range append(isas(t), None) {
		for _, c := range []generic.ConvParams{
			kerneltest.Geom(9, 9, 16, 16, 7, 7, 1, 1, 3, 3, 3, 3, 16), // depthwise 7×7
			kerneltest.Geom(4, 4, 16, 7, 1, 1, 1, 1, 0, 0, 0, 0, 1),   // 7 channels
		} {
			p := kerneltest.NewQConv[int8, int8](r, c, generic.EpiClamp)
			if _, ok := PackConv(isa, p, kerneltest.RandWeights(r, c.OutC*c.KH*c.KW*c.InC/c.Groups), nil, generic.Int8, generic.Int8); ok {
				t.Errorf("%s: PackConv took %+v", isa, c)
			}
		}
		c := kerneltest.Geom(4, 4, 16, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1)
		p := kerneltest.NewQConv[int8, int8](r, c, generic.EpiClamp)
		p.OutZP = 32641 // added in saturating int16 lanes, int8 outputs take |zp| ≤ 32640
		if _, ok := PackConv(isa, p, kerneltest.RandWeights(r, 256), nil, generic.Int8, generic.Int8); ok {
			t.Errorf("%s: PackConv took an int8 output with zero point 32641", isa)
		}
		// AVX2 clamps where a left shift would saturate, exact only for
		// multipliers of at least 2^30 (see TestEpilogueEdges)
		p = kerneltest.NewQConv[int8, int8](r, c, generic.EpiClamp)
		p.Mult[3], p.Shift[3] = 1<<29, 2
		if _, ok := PackConv(isa, p, kerneltest.RandWeights(r, 256), nil, generic.Int8, generic.Int8); ok != (isa == VNNI) {
			t.Errorf("%s: PackConv took=%v a left shift with multiplier 2^29", isa, ok)
		}
	}
}

// TestEpilogueEdges runs the epilogues on accumulators at the edges of
// their arithmetic (a 1×1 conv of zero weights, so that each channel's
// accumulator is its bias): int32's ends, and around ±2^(31-l) for the
// channels whose shift l is to the left, where the AVX2 kernels clamp
// instead of saturating x << l; with hardswish and hardsigmoid a Six up
// to 2^16 and post multipliers that shift left, so that pre·t reaches
// the post step's clamp too.
func TestEpilogueEdges(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	c := kerneltest.Geom(1, 1, 1, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1)
	params := func(p *generic.QConv) {
		p.InZP = 0
		for o := range p.Bias {
			p.Mult[o], p.Shift[o] = generic.QuantizeMultiplier(math.Ldexp(kerneltest.RandReal(r, 0.5, 1), r.Intn(25)-12))
			e := int64(1) << (31 - max(p.Shift[o], 0))
			edges := []int64{math.MinInt32, math.MaxInt32, 0, 1, -1, e - 1, e, e + 1, -e - 1, -e, -e + 1, r.Int63n(1<<32) - 1<<31}
			p.Bias[o] = int32(min(max(edges[r.Intn(len(edges))], math.MinInt32), math.MaxInt32))
		}
		if p.Epi != generic.EpiClamp {
			p.Six = int32(2000 + r.Intn(1<<16-2000+1))
			p.Three = p.Six / 2
			p.PostMult, p.PostShift = generic.QuantizeMultiplier(kerneltest.RandReal(r, 1e-4, 1e3))
		}
	}
	w := make([]int8, c.OutC)
	in := []int8{0}
	for _, isa := range isas(t) {
		for _, epi := range []generic.Epilogue{generic.EpiClamp, generic.EpiHardswish, generic.EpiHardsigmoid} {
			for trial := range 40 {
				var err error
				if trial%2 == 0 {
					p := kerneltest.NewQConv[int8, int8](r, c, epi)
					params(p)
					err = kerneltest.RunConv[int8, int8](p, in, w, nil, packer(isa), 1)
				} else {
					p := kerneltest.NewQConv[int8, int16](r, c, epi)
					params(p)
					err = kerneltest.RunConv[int8, int16](p, in, w, nil, packer(isa), 1)
				}
				if err != nil {
					t.Fatalf("%s epilogue %d trial %d: %v", isa, epi, trial, err)
				}
			}
		}
	}
}
