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

// The element-wise kernels against kernels/generic: random shapes and
// parameters, rows and lengths that are not multiples of the vector
// width, and guard elements after every output.

// exact runs f into a guarded output of len(want) elements (w pixels of
// c values, for the report) and compares it with want.
func exact[T generic.Q](t *testing.T, name string, want []T, w, c int, f func(out []T)) {
	t.Helper()
	got := kerneltest.Guarded[T](len(want))
	f(got[:len(want)])
	if err := kerneltest.CheckGuard(got, len(want)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := kerneltest.Compare(got, want, w, c); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

// taken fails the test when a constructor declined.
func taken(t *testing.T, name string, ok bool) {
	t.Helper()
	if !ok {
		t.Fatalf("%s: declined", name)
	}
}

// randPool draws a pool geometry: windows 1-5, strides 1-3, padding
// below the window (so that no window is all padding), rows of 8 to 200
// bytes.
func randPool(r *rand.Rand, es int) generic.PoolParams {
	k := 1 + r.Intn(5)
	p := generic.PoolParams{KH: k, KW: k, StrideH: 1 + r.Intn(3), StrideW: 1 + r.Intn(3),
		InH: k + r.Intn(14), InW: k + r.Intn(14), C: (8+r.Intn(193))/es + r.Intn(2)}
	if r.Intn(3) == 0 {
		p.KW = 1 + r.Intn(5)
		p.InW += p.KW
	}
	p.PadT, p.PadL = r.Intn(p.KH), r.Intn(p.KW)
	padB, padR := r.Intn(p.KH), r.Intn(p.KW)
	p.OutH = (p.InH+p.PadT+padB-p.KH)/p.StrideH + 1
	p.OutW = (p.InW+p.PadL+padR-p.KW)/p.StrideW + 1
	return p
}

func testMaxPool[T generic.Q](t *testing.T, r *rand.Rand, isa ISA, p generic.PoolParams) {
	name := fmt.Sprintf("%s maxpool %T %+v", isa, T(0), p)
	in := kerneltest.RandQ[T](r, p.InH*p.InW*p.C, 0)
	want := make([]T, p.OutH*p.OutW*p.C)
	generic.MaxPoolQ(&p, in, want)
	f, ok := MaxPool[T](isa, &p)
	taken(t, name, ok)
	exact(t, name, want, p.OutW, p.C, func(out []T) { f(in, out) })
}

func TestMaxPool(t *testing.T) {
	r := rand.New(rand.NewSource(20))
	shufflenet := generic.PoolParams{InH: 112, InW: 112, C: 24, OutH: 56, OutW: 56, KH: 3, KW: 3,
		StrideH: 2, StrideW: 2, PadT: 1, PadL: 1}
	for _, isa := range isas(t) {
		testMaxPool[int8](t, r, isa, shufflenet)
		testMaxPool[int16](t, r, isa, shufflenet)
		for range 150 {
			testMaxPool[int8](t, r, isa, randPool(r, 1))
			testMaxPool[int16](t, r, isa, randPool(r, 2))
		}
	}
}

// quantInputs draws floats around the quantization range, with NaNs,
// infinities, exact ties after scaling by 4, and arbitrary bit patterns
// (subnormals, huge values).
func quantInputs(r *rand.Rand, n int) []float32 {
	in := make([]float32, n)
	for i := range in {
		switch r.Intn(30) {
		case 0:
			in[i] = float32(math.NaN())
		case 1:
			in[i] = float32(math.Inf(2*r.Intn(2) - 1))
		case 2, 3, 4:
			in[i] = float32(r.Intn(4001)-2000) / 8
		case 5:
			in[i] = math.Float32frombits(r.Uint32())
		default:
			in[i] = float32(r.NormFloat64() * 3)
		}
	}
	return in
}

func testQuantize[T generic.Q](t *testing.T, r *rand.Rand, isa ISA, n int) {
	lo, hi := kerneltest.TypeRange[T]()
	inv := float32(kerneltest.RandReal(r, 0.01, 1e5))
	if r.Intn(3) == 0 {
		inv = 4
	}
	zp := int32(lo + r.Int63n(hi-lo+1))
	if r.Intn(4) == 0 {
		zp = int32(r.Intn(1<<22+1) - 1<<21) // beyond the type: saturates after the add
	}
	name := fmt.Sprintf("%s quantize %T n=%d inv=%g zp=%d", isa, T(0), n, inv, zp)
	in := quantInputs(r, n)
	want := make([]T, n)
	generic.QuantizeF32(in, inv, zp, want)
	f, ok := Quantize[T](isa, inv, zp)
	taken(t, name, ok)
	exact(t, name, want, n, 1, func(out []T) { f(in, out) })
}

func TestQuantize(t *testing.T) {
	r := rand.New(rand.NewSource(21))
	for _, isa := range isas(t) {
		for _, n := range []int{1, 15, 16, 17, 31, 32, 100, 3*224*224 + 5} {
			for range 8 {
				testQuantize[int8](t, r, isa, n)
				testQuantize[int16](t, r, isa, n)
			}
		}
	}
}

// testMoves compares the channel slices, concatenations and shuffles of
// hw pixels whose parts are ca and cb channels wide.
func testMoves[T generic.Q](t *testing.T, r *rand.Rand, isa ISA, hw, ca, cb int) {
	c := ca + cb
	tag := fmt.Sprintf("%s %T hw=%d ca=%d cb=%d", isa, T(0), hw, ca, cb)
	a, b := kerneltest.RandQ[T](r, hw*ca, 0), kerneltest.RandQ[T](r, hw*cb, 0)

	cat := make([]T, hw*c)
	generic.ConcatChannelsQ(a, ca, b, cb, hw, cat)
	fc, ok := ConcatChannels[T](isa, ca, cb, hw)
	taken(t, "concat "+tag, ok)
	exact(t, "concat "+tag, cat, hw, c, func(out []T) { fc(a, b, out) })

	sl := make([]T, hw*cb)
	generic.SliceChannelsQ(cat, hw, c, ca, c, sl)
	fs, ok := SliceChannels[T](isa, hw, c, ca, c)
	taken(t, "slice "+tag, ok)
	exact(t, "slice "+tag, sl, hw, cb, func(out []T) { fs(cat, out) })

	if ca != cb {
		return
	}
	sh := make([]T, hw*c)
	generic.ChannelShuffleQ(cat, sh, hw, c, 2)
	fsh, ok := ChannelShuffle[T](isa, hw, c, 2)
	taken(t, "shuffle "+tag, ok)
	exact(t, "shuffle "+tag, sh, hw, c, func(out []T) { fsh(cat, out) })

	cs := make([]T, hw*c)
	generic.ConcatShuffleQ(a, b, hw, ca, cs)
	fcs, ok := ConcatShuffle[T](isa, hw, ca)
	taken(t, "concat+shuffle "+tag, ok)
	exact(t, "concat+shuffle "+tag, cs, hw, c, func(out []T) { fcs(a, b, out) })

	one, ok := ChannelShuffle[T](isa, hw, c, 1)
	taken(t, "shuffle of one group "+tag, ok)
	exact(t, "shuffle of one group "+tag, cat, hw, c, func(out []T) { one(cat, out) })
}

func TestDataMovement(t *testing.T) {
	r := rand.New(rand.NewSource(22))
	for _, isa := range isas(t) {
		for _, hw := range []int{1, 3, 49, 784} {
			for _, c2 := range []int{8, 9, 12, 16, 24, 40, 48, 58, 96, 116, 192} {
				testMoves[int8](t, r, isa, hw, c2, c2)
				testMoves[int16](t, r, isa, hw, c2, c2)
			}
			for range 4 {
				ca, cb := 8+r.Intn(150), 8+r.Intn(150)
				testMoves[int8](t, r, isa, hw, ca, cb)
				testMoves[int16](t, r, isa, hw, ca/2+4, cb/2+4)
			}
		}
	}
}

// TestElementwiseDeclines: the generic path (None) and what the kernels
// do not reproduce exactly are refused, so that kernels/generic runs it.
func TestElementwiseDeclines(t *testing.T) {
	pool := generic.PoolParams{InH: 8, InW: 8, C: 16, OutH: 4, OutW: 4, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadT: 1, PadL: 1}
	allPad := pool
	allPad.PadL, allPad.OutW = 3, 6 // the first column's window is all padding
	narrow := pool
	narrow.C = 7 // 7 bytes a pixel
	for _, isa := range append(isas(t), None) {
		declined := map[string]bool{}
		_, ok := MaxPool[int8](isa, &pool)
		declined["maxpool"] = !ok
		_, ok = Quantize[int8](isa, 2, 0)
		declined["quantize"] = !ok
		_, ok = SliceChannels[int16](isa, 4, 16, 0, 8)
		declined["slice"] = !ok
		_, ok = ConcatChannels[int8](isa, 8, 8, 4)
		declined["concat"] = !ok
		_, ok = ChannelShuffle[int8](isa, 4, 16, 2)
		declined["shuffle"] = !ok
		_, ok = ConcatShuffle[int16](isa, 4, 4)
		declined["concat+shuffle"] = !ok
		for op, d := range declined {
			if d != (isa == None) {
				t.Errorf("%s: %s declined %v", isa, op, d)
			}
		}
		for name, ok := range map[string]bool{
			"maxpool all padding": second(MaxPool[int8](isa, &allPad)),
			"maxpool 7 bytes":     second(MaxPool[int8](isa, &narrow)),
			"quantize 1/scale 0":  second(Quantize[int8](isa, 0, 0)),
			"quantize 1/scale ∞":  second(Quantize[int8](isa, float32(math.Inf(1)), 0)),
			"quantize zp 2^21+1":  second(Quantize[int16](isa, 1, 1<<21+1)),
			"slice 7 bytes":       second(SliceChannels[int8](isa, 4, 16, 0, 7)),
			"concat 6 bytes":      second(ConcatChannels[int16](isa, 3, 8, 4)),
			"shuffle 3 groups":    second(ChannelShuffle[int8](isa, 4, 48, 3)),
			"shuffle 7 bytes":     second(ChannelShuffle[int8](isa, 4, 14, 2)),
			"concat+shuffle 3×2":  second(ConcatShuffle[int16](isa, 4, 3)),
		} {
			if ok {
				t.Errorf("%s: %s taken", isa, name)
			}
		}
	}
}

func second[F any](_ F, ok bool) bool { return ok }

// The requantizing element-wise kernels against kernels/generic, with
// parameters drawn as calibration makes them and beyond (multipliers that
// saturate or vanish, left shifts, narrow output ranges).

func multOf(r *rand.Rand, lo, hi float64) (int32, int32) {
	return generic.QuantizeMultiplier(kerneltest.RandReal(r, lo, hi))
}

var sizes = []int{1, 7, 8, 9, 23, 64, 100, 1500}

func testRescale[In, Out generic.Q](t *testing.T, r *rand.Rand, isa ISA) {
	for _, n := range sizes {
		p := &generic.QRescale{InZP: kerneltest.ZP[In](r), OutZP: kerneltest.ZP[Out](r)}
		p.OutMin, p.OutMax = kerneltest.OutRange[Out](r, p.OutZP)
		p.Mult, p.Shift = multOf(r, 1e-5, 1e3)
		name := fmt.Sprintf("%s rescale %T>%T n=%d %+v", isa, In(0), Out(0), n, *p)
		in := kerneltest.RandQ[In](r, n, p.InZP)
		want := make([]Out, n)
		generic.RescaleQ(p, in, want)
		f, ok := Rescale[In, Out](isa, p)
		taken(t, name, ok)
		exact(t, name, want, n, 1, func(out []Out) { f(in, out) })
	}
}

func TestRescale(t *testing.T) {
	eachPair(t, 30, 15, [4]func(*testing.T, *rand.Rand, ISA){
		testRescale[int8, int8], testRescale[int8, int16], testRescale[int16, int8], testRescale[int16, int16],
	})
}

// eachPair runs the four input/output type pairs of a test n times on
// every instruction set, from one seed.
func eachPair(t *testing.T, seed int64, n int, tests [4]func(*testing.T, *rand.Rand, ISA)) {
	r := rand.New(rand.NewSource(seed))
	for _, isa := range isas(t) {
		for range n {
			for _, test := range tests {
				test(t, r, isa)
			}
		}
	}
}

func testAvgPool[In, Out generic.Q](t *testing.T, r *rand.Rand, isa ISA) {
	hw, c := []int{1, 5, 49, 196, 3000}[r.Intn(5)], 8+r.Intn(300)
	p := &generic.QRescale{InZP: kerneltest.ZP[In](r), OutZP: kerneltest.ZP[Out](r)}
	p.OutMin, p.OutMax = kerneltest.OutRange[Out](r, p.OutZP)
	p.Mult, p.Shift = multOf(r, 0.05/float64(hw), 200/float64(hw))
	name := fmt.Sprintf("%s avgpool %T>%T hw=%d c=%d %+v", isa, In(0), Out(0), hw, c, *p)
	in := kerneltest.RandQ[In](r, hw*c, p.InZP)
	want := make([]Out, c)
	generic.GlobalAvgPoolQ(p, in, hw, c, want)
	f, ok := GlobalAvgPool[In, Out](isa, p, hw, c)
	taken(t, name, ok)
	exact(t, name, want, 1, c, func(out []Out) { f(in, out) })
}

func TestGlobalAvgPool(t *testing.T) {
	eachPair(t, 31, 20, [4]func(*testing.T, *rand.Rand, ISA){
		testAvgPool[int8, int8], testAvgPool[int8, int16], testAvgPool[int16, int8], testAvgPool[int16, int16],
	})
}

func testAdd[T generic.Q](t *testing.T, r *rand.Rand, isa ISA, n int) {
	p := &generic.QAdd{AZP: kerneltest.ZP[T](r), BZP: kerneltest.ZP[T](r), OutZP: kerneltest.ZP[T](r), LeftShift: 20}
	if size[T]() == 2 {
		p.LeftShift = 15
	}
	p.OutMin, p.OutMax = kerneltest.OutRange[T](r, p.OutZP)
	sa, sb, so := kerneltest.RandReal(r, 0.01, 1), kerneltest.RandReal(r, 0.01, 1), kerneltest.RandReal(r, 0.01, 1)
	if r.Intn(4) == 0 {
		so *= kerneltest.RandReal(r, 1e-7, 1e-5) // an output multiplier that shifts left
	}
	twice := 2 * math.Max(sa, sb)
	p.AMult, p.AShift = generic.QuantizeMultiplier(sa / twice)
	p.BMult, p.BShift = generic.QuantizeMultiplier(sb / twice)
	if size[T]() == 1 && r.Intn(4) == 0 {
		p.AMult, p.AShift = multOf(r, 1, 1.9) // a left shift the int8 sum still holds
	}
	p.OutMult, p.OutShift = generic.QuantizeMultiplier(twice / (float64(int64(1)<<p.LeftShift) * so))
	name := fmt.Sprintf("%s add %T n=%d %+v", isa, T(0), n, *p)
	a, b := kerneltest.RandQ[T](r, n, p.AZP), kerneltest.RandQ[T](r, n, p.BZP)
	want := make([]T, n)
	generic.AddQ(p, a, b, want)
	f, ok := Add[T](isa, p)
	taken(t, name, ok)
	exact(t, name, want, n, 1, func(out []T) { f(a, b, out) })
}

func TestAdd(t *testing.T) {
	r := rand.New(rand.NewSource(32))
	for _, isa := range isas(t) {
		for range 20 {
			for _, n := range sizes {
				testAdd[int8](t, r, isa, n)
				testAdd[int16](t, r, isa, n)
			}
		}
	}
}

func testMulChannels[T generic.Q](t *testing.T, r *rand.Rand, isa ISA) {
	hw, c := []int{1, 3, 49, 196}[r.Intn(4)], 8*(1+r.Intn(72))
	p := &generic.QMulChannels{XZP: kerneltest.ZP[T](r), GZP: kerneltest.ZP[T](r), OutZP: kerneltest.ZP[T](r)}
	if size[T]() == 2 {
		p.XZP, p.GZP = 0, 0 // int16 tensors are symmetric: the product stays within int32
	}
	p.OutMin, p.OutMax = kerneltest.OutRange[T](r, p.OutZP)
	p.Mult, p.Shift = multOf(r, 1e-7, 10)
	name := fmt.Sprintf("%s mulchannels %T hw=%d c=%d %+v", isa, T(0), hw, c, *p)
	x, g := kerneltest.RandQ[T](r, hw*c, p.XZP), kerneltest.RandQ[T](r, c, p.GZP)
	want := make([]T, hw*c)
	generic.MulChannelsQ(p, x, g, want, hw, c)
	f, ok := MulChannels[T](isa, p, hw, c)
	taken(t, name, ok)
	exact(t, name, want, hw, c, func(out []T) { f(x, g, out) })
}

func TestMulChannels(t *testing.T) {
	r := rand.New(rand.NewSource(33))
	for _, isa := range isas(t) {
		for range 30 {
			testMulChannels[int8](t, r, isa)
			testMulChannels[int16](t, r, isa)
		}
	}
}

// TestRequantOpsDecline: parameters under which an int32 step of generic
// would saturate, or that the epilogues' arithmetic does not cover, and
// the generic path, are refused.
func TestRequantOpsDecline(t *testing.T) {
	resc := &generic.QRescale{Mult: 1 << 30, Shift: -3, OutMin: -128, OutMax: 127}
	add := &generic.QAdd{LeftShift: 20, AMult: 1 << 30, BMult: 1 << 30, OutMult: 1 << 30, OutShift: -20, OutMin: -128, OutMax: 127}
	mul := &generic.QMulChannels{Mult: 1 << 30, Shift: -8, OutMin: -128, OutMax: 127}
	for _, isa := range append(isas(t), None) {
		ok := map[string]bool{
			"rescale": second(Rescale[int8, int8](isa, resc)),
			"avgpool": second(GlobalAvgPool[int8, int8](isa, resc, 49, 16)),
			"add":     second(Add[int8](isa, add)),
			"mul":     second(MulChannels[int8](isa, mul, 4, 16)),
		}
		for op, took := range ok {
			if took != (isa != None) {
				t.Errorf("%s: %s taken %v", isa, op, took)
			}
		}
		for name, took := range map[string]bool{
			"rescale shift 32":       second(Rescale[int8, int8](isa, &generic.QRescale{Mult: 1 << 30, Shift: 32, OutMin: -128, OutMax: 127})),
			"rescale 2^29 << 2":      second(Rescale[int8, int8](isa, &generic.QRescale{Mult: 1 << 29, Shift: 2, OutMin: -128, OutMax: 127})),
			"rescale mult -2^31":     second(Rescale[int8, int8](isa, &generic.QRescale{Mult: math.MinInt32, OutMin: -128, OutMax: 127})),
			"rescale zp 32641":       second(Rescale[int8, int8](isa, &generic.QRescale{Mult: 1 << 30, OutZP: 32641, OutMin: -128, OutMax: 127})),
			"rescale in zp 2^31-1":   second(Rescale[int16, int8](isa, &generic.QRescale{Mult: 1 << 30, InZP: math.MaxInt32, OutMin: -128, OutMax: 127})),
			"rescale empty range":    second(Rescale[int8, int8](isa, &generic.QRescale{Mult: 1 << 30, OutMin: 5, OutMax: 4})),
			"avgpool 7 channels":     second(GlobalAvgPool[int8, int8](isa, resc, 49, 7)),
			"avgpool 65536 pixels":   second(GlobalAvgPool[int16, int8](isa, resc, 1<<16, 8)),
			"avgpool hw·zp overflow": second(GlobalAvgPool[int16, int8](isa, &generic.QRescale{Mult: 1 << 30, InZP: 1 << 20, OutMin: -128, OutMax: 127}, 4096, 8)),
			"add left shift 24":      second(Add[int8](isa, &generic.QAdd{LeftShift: 24, AMult: 1 << 30, BMult: 1 << 30, OutMult: 1 << 30, OutMin: -128, OutMax: 127})),
			"add saturating sum":     second(Add[int16](isa, &generic.QAdd{LeftShift: 15, AMult: 1<<31 - 1, AShift: 1, BMult: 1<<31 - 1, BShift: 1, OutMult: 1 << 30, OutMin: -128, OutMax: 127})),
			"mul 12 channels":        second(MulChannels[int8](isa, mul, 4, 12)),
			"mul int16 zero points":  second(MulChannels[int16](isa, &generic.QMulChannels{XZP: 20000, GZP: -20000, Mult: 1 << 30, OutMin: -128, OutMax: 127}, 4, 16)),
		} {
			if took {
				t.Errorf("%s: %s taken", isa, name)
			}
		}
	}
}
