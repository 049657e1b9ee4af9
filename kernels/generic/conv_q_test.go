package generic

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/edged/edged/kernels/internal/kerneltest"
)

// tqGeom builds conv geometry from explicit padding on all four sides, so
// that TF-SAME (extra bottom/right) and symmetric padding are both expressed.
func tqGeom(inH, inW, inC, outC, kh, kw, sh, sw, padT, padB, padL, padR, groups int) ConvParams {
	return ConvParams{
		InH: inH, InW: inW, InC: inC, OutC: outC,
		OutH: (inH+padT+padB-kh)/sh + 1, OutW: (inW+padL+padR-kw)/sw + 1,
		KH: kh, KW: kw, StrideH: sh, StrideW: sw, PadT: padT, PadL: padL, Groups: groups,
	}
}

// tqSame returns TF "SAME" padding (top, bottom) for one axis.
func tqSame(n, k, s int) (int, int) {
	total := max((n+s-1)/s*s-s+k-n, 0)
	return total / 2, total - total/2
}

func tqSameGeom(inH, inW, inC, outC, k, s, groups int) ConvParams {
	pt, pb := tqSame(inH, k, s)
	pl, pr := tqSame(inW, k, s)
	return tqGeom(inH, inW, inC, outC, k, k, s, s, pt, pb, pl, pr, groups)
}

// tqConvCases are the fixed shapes every kernel path must get right.
func tqConvCases() []struct {
	name string
	c    ConvParams
} {
	type cs = struct {
		name string
		c    ConvParams
	}
	return []cs{
		{"1x1/5x7x17->33", tqGeom(5, 7, 17, 33, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1/1x1x96->17", tqGeom(1, 1, 96, 17, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1/1x1x40->1", tqGeom(1, 1, 40, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1/3x3x600->9 (int16 K runs)", tqGeom(3, 3, 600, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1/4x5x1->3", tqGeom(4, 5, 1, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1/1x2x24->9 (direct)", tqGeom(1, 2, 24, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1/groups2 1x1x6->10 (direct)", tqGeom(1, 1, 6, 10, 1, 1, 1, 1, 0, 0, 0, 0, 2)},
		{"1x1/2x2x400->300 (panel at a time)", tqGeom(2, 2, 400, 300, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1/7x1x24->16", tqGeom(7, 1, 24, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1)},
		{"1x1/groups2 3x3x6->10", tqGeom(3, 3, 6, 10, 1, 1, 1, 1, 0, 0, 0, 0, 2)},
		{"1x1/stride2 7x6x5->7", tqGeom(7, 6, 5, 7, 1, 1, 2, 2, 0, 0, 0, 0, 1)},
		{"1x1/padded 3x3x4->5", tqGeom(3, 3, 4, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1)},
		{"dw3x3/s1 p1 9x8x17", tqGeom(9, 8, 17, 17, 3, 3, 1, 1, 1, 1, 1, 1, 17)},
		{"dw3x3/s2 p1 9x8x33", tqGeom(9, 8, 33, 33, 3, 3, 2, 2, 1, 1, 1, 1, 33)},
		{"dw3x3/s2 same 8x10x16", tqSameGeom(8, 10, 16, 16, 3, 2, 16)},
		{"dw3x3/s1 p1 1x1x5", tqGeom(1, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 5)},
		{"dw3x3/s1 p1 1x9x3", tqGeom(1, 9, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 3)},
		{"dw3x3/s2 p1 2x2x1", tqGeom(2, 2, 1, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1)},
		{"dw3x3/s1 unpadded 6x6x9", tqGeom(6, 6, 9, 9, 3, 3, 1, 1, 0, 0, 0, 0, 9)},
		{"dw5x5/s1 p2 7x9x24", tqGeom(7, 9, 24, 24, 5, 5, 1, 1, 2, 2, 2, 2, 24)},
		{"dw5x5/s2 p2 11x10x19", tqGeom(11, 10, 19, 19, 5, 5, 2, 2, 2, 2, 2, 2, 19)},
		{"dw5x5/s2 same 14x14x10", tqSameGeom(14, 14, 10, 10, 5, 2, 10)},
		{"dw5x5/s1 p2 3x2x8", tqGeom(3, 2, 8, 8, 5, 5, 1, 1, 2, 2, 2, 2, 8)},
		{"dw3x5/s1 1x2 pad 6x7x11", tqGeom(6, 7, 11, 11, 3, 5, 1, 1, 1, 1, 2, 2, 11)},
		{"dw3x3/band pad 3 5x6x7", tqGeom(5, 6, 7, 7, 3, 3, 1, 1, 3, 0, 1, 1, 7)},
		{"dw9x9/s1 p4 6x7x5 (2 lanes for int8)", tqGeom(6, 7, 5, 5, 9, 9, 1, 1, 4, 4, 4, 4, 5)},
		{"dw23x23/s2 p11 4x5x3 (1 lane for int16)", tqGeom(4, 5, 3, 3, 23, 23, 2, 2, 11, 11, 11, 11, 3)},
		{"dw3x3/multiplier2 5x5x3->6", tqGeom(5, 5, 3, 6, 3, 3, 1, 1, 1, 1, 1, 1, 3)},
		{"stem3x3/s2 p1 9x11x3->16", tqGeom(9, 11, 3, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1)},
		{"stem3x3/s2 same 10x12x3->16", tqSameGeom(10, 12, 3, 16, 3, 2, 1)},
		{"stem3x3/s2 same 31x29x3->5", tqSameGeom(31, 29, 3, 5, 3, 2, 1)},
		{"dense3x3/s1 p1 4x4x64->5 (int16 K runs)", tqGeom(4, 4, 64, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1)},
		{"dense3x3/groups2 5x6x6->4", tqGeom(5, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2)},
		{"dense5x5/s2 p2 1x1x3->3", tqGeom(1, 1, 3, 3, 5, 5, 2, 2, 2, 2, 2, 2, 1)},
		{"dense2x3/s1x2 6x7x5->9", tqGeom(6, 7, 5, 9, 2, 3, 1, 2, 1, 0, 1, 1, 1)},
	}
}

// tqRandomGeom draws a small random conv: dense, depthwise or grouped,
// 1×1/3×3/5×5 (sometimes rectangular), stride 1 or 2, any padding up to
// the kernel's half plus one extra row/column at the bottom/right.
func tqRandomGeom(r *rand.Rand) ConvParams {
	ks := []int{1, 3, 5}
	kh := ks[r.Intn(3)]
	kw := kh
	if r.Intn(6) == 0 {
		kw = ks[r.Intn(3)]
	}
	sh, sw := 1+r.Intn(2), 1+r.Intn(2)
	if r.Intn(3) > 0 {
		sw = sh
	}
	inH, inW := 1+r.Intn(12), 1+r.Intn(12)
	chans := []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 24, 33}
	pad := func(k int) (int, int) {
		a := r.Intn(k/2 + 1)
		return a, a + r.Intn(2)
	}
	pt, pb := pad(kh)
	pl, pr := pad(kw)
	if inH+pt+pb < kh {
		pb = kh - inH - pt
	}
	if inW+pl+pr < kw {
		pr = kw - inW - pl
	}
	var inC, outC, g int
	switch r.Intn(3) {
	case 0: // depthwise
		inC = chans[r.Intn(len(chans))]
		outC, g = inC, inC
	case 1: // dense
		inC, outC, g = chans[r.Intn(len(chans))], chans[r.Intn(len(chans))], 1
	default: // grouped
		g = 2 + r.Intn(2)
		inC, outC = g*(1+r.Intn(6)), g*(1+r.Intn(6))
	}
	return tqGeom(inH, inW, inC, outC, kh, kw, sh, sw, pt, pb, pl, pr, g)
}

// tqNewQConv draws quantization parameters for c: per-channel multipliers
// mostly scaled so that outputs spread over the output type (some from
// anywhere in [1e-6, 4], which saturates or vanishes), biases of the
// accumulators' size (sometimes near ±2^31, to exercise int32 wrapping),
// a random input zero point and output range.
func tqNewQConv[In, Out Q](r *rand.Rand, c ConvParams, epi Epilogue) *QConv {
	ilo, ihi := tqTypeRange[In]()
	olo, ohi := tqTypeRange[Out]()
	k := c.KH * c.KW * c.InC / max(c.Groups, 1)
	accMag := math.Sqrt(float64(k)) * float64(ihi-ilo) / math.Sqrt(12) * 127 / math.Sqrt(3)
	p := &QConv{ConvParams: c, Epi: epi,
		InZP:   int32(ilo + r.Int63n(ihi-ilo+1)),
		Bias:   make([]int32, c.OutC),
		Mult:   make([]int32, c.OutC),
		Shift:  make([]int32, c.OutC),
		OutZP:  int32(olo + r.Int63n(ohi-olo+1)),
		OutMin: int32(olo), OutMax: int32(ohi),
	}
	if qSize[In]() == 2 && r.Intn(2) == 0 {
		p.InZP = 0 // calibration's int16 tensors are symmetric
	}
	wild := r.Intn(10) == 0
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
	case EpiHardswish, EpiHardsigmoid:
		p.Six = int32(2000 + r.Intn(32767-2000+1))
		s := 6 / float64(p.Six)
		p.Three = int32(math.Round(3 / s))
		target = 32767
		var sOut, post float64
		if epi == EpiHardswish {
			sOut = 32767 * s / float64(ohi-olo) * tqRandReal(r, 0.3, 3)
			post = s * s / (6 * sOut)
		} else {
			sOut = 1 / float64(ohi-olo) * tqRandReal(r, 0.5, 2)
			post = s / (6 * sOut)
		}
		p.PostMult, p.PostShift = QuantizeMultiplier(post)
	case EpiFloat:
		p.OutScale = make([]float32, c.OutC)
		for o := range p.OutScale {
			p.OutScale[o] = float32(tqRandReal(r, 1e-6, 1))
		}
		return p
	}
	for o := range p.Mult {
		real := target / (6 * accMag) * tqRandReal(r, 0.25, 4)
		if r.Intn(4) == 0 {
			real = tqRandReal(r, 1e-6, 4)
		}
		p.Mult[o], p.Shift[o] = QuantizeMultiplier(real)
	}
	return p
}

// tqWeights draws OHWI int8 weights, mostly in [-127, 127] with the odd -128.
func tqWeights(r *rand.Rand, n int) []int8 {
	w := make([]int8, n)
	for i := range w {
		w[i] = int8(r.Intn(255) - 127)
		if r.Intn(50) == 0 {
			w[i] = -128
		}
	}
	return w
}

const tqGuard = 8

// tqCompare is kerneltest.Compare, for got exactly as long as want.
func tqCompare[T comparable](got, want []T, w, c int) error {
	if len(got) != len(want) {
		return fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	return kerneltest.Compare(got, want, w, c)
}

// tqCheckConv runs ConvQ on random data and compares it with the reference,
// also checking that nothing beyond the output is written.
func tqCheckConv[In, Out Q](r *rand.Rand, c ConvParams, epi Epilogue) error {
	p := tqNewQConv[In, Out](r, c, epi)
	in := tqRandQ[In](r, c.InH*c.InW*c.InC)
	if r.Intn(2) == 0 { // values near the zero point: realistic, and no wrapping
		lo, hi := tqTypeRange[In]()
		in = tqRandIn[In](r, len(in), max(lo, int64(p.InZP)-100), min(hi, int64(p.InZP)+100))
	}
	w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC/max(c.Groups, 1))
	want := tqRefConv[In, Out](p, in, w)
	buf := make([]Out, len(want)+tqGuard)
	for i := range buf {
		buf[i] = 0x55
	}
	ConvQ(p, in, w, buf[:len(want)])
	for _, v := range buf[len(want):] {
		if v != 0x55 {
			return fmt.Errorf("wrote past the output")
		}
	}
	if err := tqCompare(buf[:len(want)], want, c.OutW, c.OutC); err != nil {
		return fmt.Errorf("epilogue %d, InZP %d: %v", epi, p.InZP, err)
	}
	return nil
}

func tqCheckConvFloat[In Q](r *rand.Rand, c ConvParams) error {
	p := tqNewQConv[In, int8](r, c, EpiFloat)
	in := tqRandQ[In](r, c.InH*c.InW*c.InC)
	w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC/max(c.Groups, 1))
	want := tqRefConvFloat(p, in, w)
	got := make([]float32, len(want))
	ConvQFloat(p, in, w, got)
	return tqCompare(got, want, c.OutW, c.OutC)
}

// tqCheckConvAll runs every element-type combination and epilogue on c.
func tqCheckConvAll(r *rand.Rand, c ConvParams) error {
	for _, epi := range []Epilogue{EpiClamp, EpiHardswish, EpiHardsigmoid} {
		for _, f := range []func() error{
			func() error { return tqCheckConv[int8, int8](r, c, epi) },
			func() error { return tqCheckConv[int8, int16](r, c, epi) },
			func() error { return tqCheckConv[int16, int8](r, c, epi) },
			func() error { return tqCheckConv[int16, int16](r, c, epi) },
		} {
			if err := f(); err != nil {
				return err
			}
		}
	}
	if err := tqCheckConvFloat[int8](r, c); err != nil {
		return fmt.Errorf("float epilogue, int8 input: %v", err)
	}
	if err := tqCheckConvFloat[int16](r, c); err != nil {
		return fmt.Errorf("float epilogue, int16 input: %v", err)
	}
	return nil
}

func tqGeomString(c ConvParams) string {
	return fmt.Sprintf("%dx%dx%d->%dx%dx%d k%dx%d s%dx%d pad t%d l%d g%d",
		c.InH, c.InW, c.InC, c.OutH, c.OutW, c.OutC, c.KH, c.KW, c.StrideH, c.StrideW, c.PadT, c.PadL, c.Groups)
}

func TestConvQFixedShapes(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, tc := range tqConvCases() {
		for rep := 0; rep < 8; rep++ {
			if err := tqCheckConvAll(r, tc.c); err != nil {
				t.Errorf("%s (%s): %v", tc.name, tqGeomString(tc.c), err)
				break
			}
		}
	}
}

func TestConvQRandomShapes(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	n := 2000
	if testing.Short() {
		n = 200
	}
	for i := 0; i < n; i++ {
		c := tqRandomGeom(r)
		if err := tqCheckConvAll(r, c); err != nil {
			t.Errorf("case %d (%s): %v", i, tqGeomString(c), err)
		}
	}
}

// TestConvQNetworkShapes runs shapes at the size the networks use them,
// where the tile, panel and run boundaries of the fast paths fall
// differently than in small cases.
func TestConvQNetworkShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("network-size shapes take a few seconds")
	}
	r := rand.New(rand.NewSource(3))
	for _, c := range []ConvParams{
		tqSameGeom(224, 224, 3, 16, 3, 2, 1),
		tqGeom(56, 56, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 16),
		tqSameGeom(28, 28, 96, 96, 5, 2, 96),
		tqGeom(14, 14, 96, 576, 1, 1, 1, 1, 0, 0, 0, 0, 1),
		tqGeom(1, 1, 576, 1024, 1, 1, 1, 1, 0, 0, 0, 0, 1),
	} {
		if err := tqCheckConv[int8, int8](r, c, EpiClamp); err != nil {
			t.Errorf("%s: %v", tqGeomString(c), err)
		}
		if err := tqCheckConv[int16, int8](r, c, EpiHardswish); err != nil {
			t.Errorf("%s int16 in: %v", tqGeomString(c), err)
		}
	}
}

// TestConvQChecksCatchWrongKernels proves the comparison can fail: a
// kernel that is off by one in one place, or ignores the padding value,
// is caught.
func TestConvQChecksCatchWrongKernels(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	c := tqGeom(6, 6, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 5)
	p := tqNewQConv[int8, int8](r, c, EpiClamp)
	p.Mult[2], p.Shift[2] = QuantizeMultiplier(0.01)
	p.InZP = 7
	in := tqRandQ[int8](r, c.InH*c.InW*c.InC)
	w := tqWeights(r, c.OutC*9)
	want := tqRefConv[int8, int8](p, in, w)
	got := make([]int8, len(want))

	q := *p
	q.InZP = 0 // padding read as 0 instead of InZP
	ConvQ(&q, in, w, got)
	if tqCompare(got, want, c.OutW, c.OutC) == nil {
		t.Error("a conv padding with 0 instead of InZP went unnoticed")
	}
	q = *p
	q.Bias = append([]int32(nil), p.Bias...)
	q.Bias[2] += 300 // > 0.5 output step at multiplier 0.01
	ConvQ(&q, in, w, got)
	if tqCompare(got, want, c.OutW, c.OutC) == nil {
		t.Error("a conv with one bias off went unnoticed")
	}
	ConvQ(p, in, w, got)
	if err := tqCompare(got, want, c.OutW, c.OutC); err != nil {
		t.Errorf("the unmodified conv differs: %v", err)
	}
}

func TestConvQValidate(t *testing.T) {
	good := func() *QConv {
		c := tqGeom(4, 4, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 2)
		return &QConv{ConvParams: c, Bias: make([]int32, 8), Mult: make([]int32, 8), Shift: make([]int32, 8),
			OutMin: -128, OutMax: 127}
	}
	const nIn, nW, nOut = 4 * 4 * 6, 8 * 9 * 3, 4 * 4 * 8
	if err := good().Validate(nIn, nW, nOut); err != nil {
		t.Fatalf("valid conv rejected: %v", err)
	}
	for _, tc := range []struct {
		name          string
		mod           func(p *QConv)
		in, w, out    int
		wantSubstring string
	}{
		{"short input", nil, nIn - 1, nW, nOut, "input has"},
		{"short weights", nil, nIn, nW - 1, nOut, "weights have"},
		{"short output", nil, nIn, nW, nOut - 1, "output has"},
		{"groups", func(p *QConv) { p.Groups = 4 }, nIn, nW, nOut, "groups 4"},
		{"stride", func(p *QConv) { p.StrideH = 0 }, nIn, nW, nOut, "stride"},
		{"padding", func(p *QConv) { p.PadL = -1 }, nIn, nW, nOut, "padding"},
		{"bias", func(p *QConv) { p.Bias = p.Bias[:7] }, nIn, nW, nOut, "biases"},
		{"mult", func(p *QConv) { p.Mult = nil }, nIn, nW, nOut, "multipliers"},
		{"scales", func(p *QConv) { p.Epi = EpiFloat }, nIn, nW, nOut, "output scales"},
		{"epilogue", func(p *QConv) { p.Epi = 9 }, nIn, nW, nOut, "unknown epilogue"},
		{"range", func(p *QConv) { p.OutMin = 5; p.OutMax = 4 }, nIn, nW, nOut, "is empty"},
	} {
		p := good()
		if tc.mod != nil {
			tc.mod(p)
		}
		err := p.Validate(tc.in, tc.w, tc.out)
		if err == nil || !strings.Contains(err.Error(), tc.wantSubstring) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.wantSubstring)
		}
	}

	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	p := good()
	in, w := make([]int8, nIn), make([]int8, nW)
	mustPanic("short output", func() { ConvQ(p, in, w, make([]int8, nOut-1)) })
	mustPanic("float epilogue through ConvQ", func() {
		q := good()
		q.Epi, q.OutScale = EpiFloat, make([]float32, 8)
		ConvQ(q, in, w, make([]int8, nOut))
	})
	mustPanic("ConvQFloat without EpiFloat", func() { ConvQFloat(p, in, w, make([]float32, nOut)) })
	mustPanic("int8 input with an int16 zero point", func() {
		q := good()
		q.InZP = 300
		ConvQ(q, in, w, make([]int8, nOut))
	})
}

func TestSumWeights(t *testing.T) {
	w := []int8{1, 2, 3, -128, 127, 0, -1, -1, -1}
	got := SumWeights(w, 3, 3)
	want := []int32{6, -1, -3}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("SumWeights = %v, want %v", got, want)
	}
}

func TestConvQAllocs(t *testing.T) {
	if tqRace {
		t.Skip("sync.Pool drops items under -race")
	}
	r := rand.New(rand.NewSource(5))
	for _, c := range []ConvParams{
		tqGeom(8, 8, 24, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1),
		tqGeom(8, 8, 24, 24, 3, 3, 2, 2, 1, 1, 1, 1, 24),
		tqGeom(9, 9, 3, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1),
	} {
		p := tqNewQConv[int8, int8](r, c, EpiHardswish)
		in := tqRandQ[int8](r, c.InH*c.InW*c.InC)
		w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC/c.Groups)
		out := make([]int8, c.OutH*c.OutW*c.OutC)
		ConvQ(p, in, w, out)
		if n := testing.AllocsPerRun(50, func() { ConvQ(p, in, w, out) }); n > 0 {
			t.Errorf("%s: %v allocations per call, want 0", tqGeomString(c), n)
		}
	}
}

// TestConvQWrapsLikeInt32 drives the accumulators past 2^31 with extreme
// inputs and weights (which random data never does): the SWAR GEMM must
// still give exactly int32 wrapping accumulation, which is what its K runs
// guarantee (int16: 600 > 511 terms of 2^22; int8: 140000 > 131071 terms
// of 2^14).
func TestConvQWrapsLikeInt32(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	check := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	c16 := tqGeom(2, 1, 600, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1)
	c8 := tqGeom(1, 1, 140000, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1)
	for _, v := range []int64{-32768, 32767} {
		check("int16", tqCheckExtreme[int16](r, c16, v))
	}
	for _, v := range []int64{-128, 127} {
		check("int8", tqCheckExtreme[int8](r, c8, v))
	}
}

// tqCheckExtreme runs a conv whose inputs are all v and whose weights are
// mostly -128. The bias cancels the wrapped sum up to a small offset, and
// the multiplier is 1 into int16, so that the output shows the accumulator
// to the unit: a carry lost between SWAR lanes would be visible.
func tqCheckExtreme[In Q](r *rand.Rand, c ConvParams, v int64) error {
	p := tqNewQConv[In, int16](r, c, EpiClamp)
	p.OutZP, p.OutMin, p.OutMax = 0, -32768, 32767
	in := tqRandIn[In](r, c.InH*c.InW*c.InC, v, v)
	w := make([]int8, c.OutC*c.InC)
	for i := range w {
		w[i] = -128
		if r.Intn(100) == 0 {
			w[i] = int8(r.Intn(256) - 128)
		}
	}
	for o := range p.Bias {
		p.Bias[o] = 0
		p.Mult[o], p.Shift[o] = 1<<31-1, 0
		wide := 0.0 // the true sum, to prove it leaves int32
		for i := 0; i < c.InC; i++ {
			wide += float64(v) * float64(w[o*c.InC+i])
		}
		if math.Abs(wide) < 1<<31 {
			return fmt.Errorf("channel %d: sum %g does not overflow int32; the test is too weak", o, wide)
		}
	}
	acc := tqRefConvAcc(p, in, w)
	for o := range p.Bias {
		p.Bias[o] = -acc[o] + int32(r.Intn(2001)-1000)
	}
	want := tqRefConv[In, int16](p, in, w)
	got := make([]int16, len(want))
	ConvQ(p, in, w, got)
	return tqCompare(got, want, c.OutW, c.OutC)
}

// TestConvQUnusualParams covers parameters outside what QuantizeMultiplier
// produces, for which the epilogue falls back to Requantize itself: a
// shift beyond [-31, 32], the multiplier -2^31, a Six beyond 2^16.
func TestConvQUnusualParams(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	c := tqGeom(4, 5, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1)
	for _, tc := range []struct {
		name string
		epi  Epilogue
		mod  func(p *QConv)
	}{
		{"shift -40", EpiClamp, func(p *QConv) { p.Shift[3] = -40 }},
		{"mult -2^31", EpiClamp, func(p *QConv) { p.Mult[0] = math.MinInt32 }},
		{"negative mult", EpiClamp, func(p *QConv) { p.Mult[1] = -p.Mult[1] }},
		{"shift 31", EpiHardswish, func(p *QConv) { p.Shift[2] = 31 }},
		{"six 70000", EpiHardswish, func(p *QConv) { p.Six, p.Three = 70000, 35000 }},
		{"post shift -45", EpiHardsigmoid, func(p *QConv) { p.PostShift = -45 }},
	} {
		p := tqNewQConv[int8, int16](r, c, tc.epi)
		tc.mod(p)
		in := tqRandQ[int8](r, c.InH*c.InW*c.InC)
		w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC)
		want := tqRefConv[int8, int16](p, in, w)
		got := make([]int16, len(want))
		ConvQ(p, in, w, got)
		if err := tqCompare(got, want, c.OutW, c.OutC); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestConvQConcurrent runs one conv from several goroutines at once, as
// the engine's workers do with bands of one layer: the pooled scratch
// must not be shared, and p must not be written. Run with -race.
func TestConvQConcurrent(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	for _, c := range []ConvParams{
		tqGeom(9, 9, 24, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1),
		tqGeom(9, 9, 24, 24, 5, 5, 1, 1, 2, 2, 2, 2, 24),
		tqGeom(9, 9, 3, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1),
	} {
		p := tqNewQConv[int8, int8](r, c, EpiHardswish)
		w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC/c.Groups)
		const workers = 4
		ins := make([][]int8, workers)
		wants := make([][]int8, workers)
		for i := range ins {
			ins[i] = tqRandQ[int8](r, c.InH*c.InW*c.InC)
			wants[i] = tqRefConv[int8, int8](p, ins[i], w)
		}
		errs := make(chan error, workers)
		for i := 0; i < workers; i++ {
			go func() {
				out := make([]int8, len(wants[i]))
				for rep := 0; rep < 20; rep++ {
					ConvQ(p, ins[i], w, out)
					if err := tqCompare(out, wants[i], c.OutW, c.OutC); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for i := 0; i < workers; i++ {
			if err := <-errs; err != nil {
				t.Errorf("%s: %v", tqGeomString(c), err)
			}
		}
	}
}
