package generic_test

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// tqRandomGeom draws a small random conv: dense, depthwise or grouped,
// 1×1/3×3/5×5 (sometimes rectangular), stride 1 or 2, any padding up to
// the kernel's half plus one extra row/column at the bottom/right.
func tqRandomGeom(r *rand.Rand) generic.ConvParams {
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
	return kerneltest.Geom(inH, inW, inC, outC, kh, kw, sh, sw, pt, pb, pl, pr, g)
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
func tqCheckConv[In, Out generic.Q](r *rand.Rand, c generic.ConvParams, epi generic.Epilogue) error {
	p := kerneltest.NewQConv[In, Out](r, c, epi)
	in := tqRandQ[In](r, c.InH*c.InW*c.InC)
	if r.Intn(2) == 0 { // values near the zero point: realistic, and no wrapping
		lo, hi := kerneltest.TypeRange[In]()
		in = tqRandIn[In](r, len(in), max(lo, int64(p.InZP)-100), min(hi, int64(p.InZP)+100))
	}
	w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC/max(c.Groups, 1))
	want := tqRefConv[In, Out](p, in, w)
	buf := make([]Out, len(want)+tqGuard)
	for i := range buf {
		buf[i] = 0x55
	}
	generic.ConvQ(p, in, w, buf[:len(want)])
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

func tqCheckConvFloat[In generic.Q](r *rand.Rand, c generic.ConvParams) error {
	p := kerneltest.NewQConv[In, int8](r, c, generic.EpiFloat)
	in := tqRandQ[In](r, c.InH*c.InW*c.InC)
	w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC/max(c.Groups, 1))
	want := tqRefConvFloat(p, in, w)
	got := make([]float32, len(want))
	generic.ConvQFloat(p, in, w, got)
	return tqCompare(got, want, c.OutW, c.OutC)
}

// tqCheckConvAll runs every element-type combination and epilogue on c.
func tqCheckConvAll(r *rand.Rand, c generic.ConvParams) error {
	for _, epi := range []generic.Epilogue{generic.EpiClamp, generic.EpiHardswish, generic.EpiHardsigmoid} {
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

func TestConvQFixedShapes(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, tc := range kerneltest.ConvCases() {
		for rep := 0; rep < 8; rep++ {
			if err := tqCheckConvAll(r, tc.C); err != nil {
				t.Errorf("%s (%s): %v", tc.Name, kerneltest.GeomString(tc.C), err)
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
			t.Errorf("case %d (%s): %v", i, kerneltest.GeomString(c), err)
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
	for _, c := range []generic.ConvParams{
		kerneltest.SameGeom(224, 224, 3, 16, 3, 2, 1),
		kerneltest.Geom(56, 56, 16, 16, 3, 3, 2, 2, 1, 1, 1, 1, 16),
		kerneltest.SameGeom(28, 28, 96, 96, 5, 2, 96),
		kerneltest.Geom(14, 14, 96, 576, 1, 1, 1, 1, 0, 0, 0, 0, 1),
		kerneltest.Geom(1, 1, 576, 1024, 1, 1, 1, 1, 0, 0, 0, 0, 1),
	} {
		if err := tqCheckConv[int8, int8](r, c, generic.EpiClamp); err != nil {
			t.Errorf("%s: %v", kerneltest.GeomString(c), err)
		}
		if err := tqCheckConv[int16, int8](r, c, generic.EpiHardswish); err != nil {
			t.Errorf("%s int16 in: %v", kerneltest.GeomString(c), err)
		}
	}
}

// TestConvQChecksCatchWrongKernels proves the comparison can fail: a
// kernel that is off by one in one place, or ignores the padding value,
// is caught.
func TestConvQChecksCatchWrongKernels(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	c := kerneltest.Geom(6, 6, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 5)
	p := kerneltest.NewQConv[int8, int8](r, c, generic.EpiClamp)
	p.Mult[2], p.Shift[2] = generic.QuantizeMultiplier(0.01)
	p.InZP = 7
	in := tqRandQ[int8](r, c.InH*c.InW*c.InC)
	w := tqWeights(r, c.OutC*9)
	want := tqRefConv[int8, int8](p, in, w)
	got := make([]int8, len(want))

	q := *p
	q.InZP = 0 // padding read as 0 instead of InZP
	generic.ConvQ(&q, in, w, got)
	if tqCompare(got, want, c.OutW, c.OutC) == nil {
		t.Error("a conv padding with 0 instead of InZP went unnoticed")
	}
	q = *p
	q.Bias = append([]int32(nil), p.Bias...)
	q.Bias[2] += 300 // > 0.5 output step at multiplier 0.01
	generic.ConvQ(&q, in, w, got)
	if tqCompare(got, want, c.OutW, c.OutC) == nil {
		t.Error("a conv with one bias off went unnoticed")
	}
	generic.ConvQ(p, in, w, got)
	if err := tqCompare(got, want, c.OutW, c.OutC); err != nil {
		t.Errorf("the unmodified conv differs: %v", err)
	}
}

func TestConvQValidate(t *testing.T) {
	good := func() *generic.QConv {
		c := kerneltest.Geom(4, 4, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 2)
		return &generic.QConv{ConvParams: c, Bias: make([]int32, 8), Mult: make([]int32, 8), Shift: make([]int32, 8),
			OutMin: -128, OutMax: 127}
	}
	const nIn, nW, nOut = 4 * 4 * 6, 8 * 9 * 3, 4 * 4 * 8
	if err := good().Validate(nIn, nW, nOut); err != nil {
		t.Fatalf("valid conv rejected: %v", err)
	}
	for _, tc := range []struct {
		name          string
		mod           func(p *generic.QConv)
		in, w, out    int
		wantSubstring string
	}{
		{"short input", nil, nIn - 1, nW, nOut, "input has"},
		{"short weights", nil, nIn, nW - 1, nOut, "weights have"},
		{"short output", nil, nIn, nW, nOut - 1, "output has"},
		{"groups", func(p *generic.QConv) { p.Groups = 4 }, nIn, nW, nOut, "groups 4"},
		{"stride", func(p *generic.QConv) { p.StrideH = 0 }, nIn, nW, nOut, "stride"},
		{"padding", func(p *generic.QConv) { p.PadL = -1 }, nIn, nW, nOut, "padding"},
		{"bias", func(p *generic.QConv) { p.Bias = p.Bias[:7] }, nIn, nW, nOut, "biases"},
		{"mult", func(p *generic.QConv) { p.Mult = nil }, nIn, nW, nOut, "multipliers"},
		{"scales", func(p *generic.QConv) { p.Epi = generic.EpiFloat }, nIn, nW, nOut, "output scales"},
		{"epilogue", func(p *generic.QConv) { p.Epi = 9 }, nIn, nW, nOut, "unknown epilogue"},
		{"range", func(p *generic.QConv) { p.OutMin = 5; p.OutMax = 4 }, nIn, nW, nOut, "is empty"},
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
	mustPanic("short output", func() { generic.ConvQ(p, in, w, make([]int8, nOut-1)) })
	mustPanic("float epilogue through ConvQ", func() {
		q := good()
		q.Epi, q.OutScale = generic.EpiFloat, make([]float32, 8)
		generic.ConvQ(q, in, w, make([]int8, nOut))
	})
	mustPanic("ConvQFloat without EpiFloat", func() { generic.ConvQFloat(p, in, w, make([]float32, nOut)) })
	mustPanic("int8 input with an int16 zero point", func() {
		q := good()
		q.InZP = 300
		generic.ConvQ(q, in, w, make([]int8, nOut))
	})
}

func TestSumWeights(t *testing.T) {
	w := []int8{1, 2, 3, -128, 127, 0, -1, -1, -1}
	got := generic.SumWeights(w, 3, 3)
	want := []int32{6, -1, -3}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("SumWeights = %v, want %v", got, want)
	}
}

// tqPathShapes take each of ConvQ's paths once: 1×1 (GEMM, a whole and
// a ragged tile count), depthwise 3×3 stride 2 and 5×5 stride 1, and the
// dense 3×3 stem; the tests of what all paths must do (allocate nothing,
// run concurrently) run them.
var tqPathShapes = []generic.ConvParams{
	kerneltest.Geom(8, 8, 24, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1),
	kerneltest.Geom(9, 9, 24, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1),
	kerneltest.Geom(8, 8, 24, 24, 3, 3, 2, 2, 1, 1, 1, 1, 24),
	kerneltest.Geom(9, 9, 24, 24, 5, 5, 1, 1, 2, 2, 2, 2, 24),
	kerneltest.Geom(9, 9, 3, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1),
}

func TestConvQAllocs(t *testing.T) {
	if tqRace {
		t.Skip("sync.Pool drops items under -race")
	}
	r := rand.New(rand.NewSource(5))
	for _, c := range tqPathShapes {
		p := kerneltest.NewQConv[int8, int8](r, c, generic.EpiHardswish)
		in := tqRandQ[int8](r, c.InH*c.InW*c.InC)
		w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC/c.Groups)
		out := make([]int8, c.OutH*c.OutW*c.OutC)
		generic.ConvQ(p, in, w, out)
		if n := testing.AllocsPerRun(50, func() { generic.ConvQ(p, in, w, out) }); n > 0 {
			t.Errorf("%s: %v allocations per call, want 0", kerneltest.GeomString(c), n)
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
	c16 := kerneltest.Geom(2, 1, 600, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1)
	c8 := kerneltest.Geom(1, 1, 140000, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1)
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
func tqCheckExtreme[In generic.Q](r *rand.Rand, c generic.ConvParams, v int64) error {
	p := kerneltest.NewQConv[In, int16](r, c, generic.EpiClamp)
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
	generic.ConvQ(p, in, w, got)
	return tqCompare(got, want, c.OutW, c.OutC)
}

// TestConvQUnusualParams covers parameters outside what QuantizeMultiplier
// produces, for which the epilogue falls back to Requantize itself: a
// shift beyond [-31, 32], the multiplier -2^31, a Six beyond 2^16.
func TestConvQUnusualParams(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	c := kerneltest.Geom(4, 5, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1)
	for _, tc := range []struct {
		name string
		epi  generic.Epilogue
		mod  func(p *generic.QConv)
	}{
		{"shift -40", generic.EpiClamp, func(p *generic.QConv) { p.Shift[3] = -40 }},
		{"mult -2^31", generic.EpiClamp, func(p *generic.QConv) { p.Mult[0] = math.MinInt32 }},
		{"negative mult", generic.EpiClamp, func(p *generic.QConv) { p.Mult[1] = -p.Mult[1] }},
		{"shift 31", generic.EpiHardswish, func(p *generic.QConv) { p.Shift[2] = 31 }},
		{"six 70000", generic.EpiHardswish, func(p *generic.QConv) { p.Six, p.Three = 70000, 35000 }},
		{"post shift -45", generic.EpiHardsigmoid, func(p *generic.QConv) { p.PostShift = -45 }},
	} {
		p := kerneltest.NewQConv[int8, int16](r, c, tc.epi)
		tc.mod(p)
		in := tqRandQ[int8](r, c.InH*c.InW*c.InC)
		w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC)
		want := tqRefConv[int8, int16](p, in, w)
		got := make([]int16, len(want))
		generic.ConvQ(p, in, w, got)
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
	for _, c := range tqPathShapes {
		p := kerneltest.NewQConv[int8, int8](r, c, generic.EpiHardswish)
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
					generic.ConvQ(p, ins[i], w, out)
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
				t.Errorf("%s: %v", kerneltest.GeomString(c), err)
			}
		}
	}
}
