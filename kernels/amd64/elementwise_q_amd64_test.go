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

// The requantizing element-wise kernels against kernels/generic, with
// parameters drawn as calibration makes them and beyond (multipliers that
// saturate or vanish, left shifts, narrow output ranges).

// zpOf draws a zero point of T (int16 ones are often 0, as in models).
func zpOf[T generic.Q](r *rand.Rand) int32 {
	lo, hi := kerneltest.TypeRange[T]()
	if hi > 127 && r.Intn(2) == 0 {
		return 0
	}
	return int32(lo + r.Int63n(hi-lo+1))
}

// rangeOf draws output bounds around zp: the type, from zp (ReLU), or
// wider than the type.
func rangeOf[T generic.Q](r *rand.Rand, zp int32) (int32, int32) {
	lo, hi := kerneltest.TypeRange[T]()
	switch r.Intn(4) {
	case 0:
		return zp, int32(hi)
	case 1:
		return -1 << 20, 1 << 20
	}
	return int32(lo), int32(hi)
}

func multOf(r *rand.Rand, lo, hi float64) (int32, int32) {
	return generic.QuantizeMultiplier(kerneltest.RandReal(r, lo, hi))
}

var sizes = []int{1, 7, 8, 9, 23, 64, 100, 1500}

func testRescale[In, Out generic.Q](t *testing.T, r *rand.Rand, isa ISA) {
	for _, n := range sizes {
		p := &generic.QRescale{InZP: zpOf[In](r), OutZP: zpOf[Out](r)}
		p.OutMin, p.OutMax = rangeOf[Out](r, p.OutZP)
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
	r := rand.New(rand.NewSource(30))
	for _, isa := range isas(t) {
		for range 15 {
			testRescale[int8, int8](t, r, isa)
			testRescale[int8, int16](t, r, isa)
			testRescale[int16, int8](t, r, isa)
			testRescale[int16, int16](t, r, isa)
		}
	}
}

func testAvgPool[In, Out generic.Q](t *testing.T, r *rand.Rand, isa ISA) {
	hw, c := []int{1, 5, 49, 196, 3000}[r.Intn(5)], 8+r.Intn(300)
	p := &generic.QRescale{InZP: zpOf[In](r), OutZP: zpOf[Out](r)}
	p.OutMin, p.OutMax = rangeOf[Out](r, p.OutZP)
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
	r := rand.New(rand.NewSource(31))
	for _, isa := range isas(t) {
		for range 20 {
			testAvgPool[int8, int8](t, r, isa)
			testAvgPool[int8, int16](t, r, isa)
			testAvgPool[int16, int8](t, r, isa)
			testAvgPool[int16, int16](t, r, isa)
		}
	}
}

func testAdd[T generic.Q](t *testing.T, r *rand.Rand, isa ISA, n int) {
	p := &generic.QAdd{AZP: zpOf[T](r), BZP: zpOf[T](r), OutZP: zpOf[T](r), LeftShift: 20}
	if size[T]() == 2 {
		p.LeftShift = 15
	}
	p.OutMin, p.OutMax = rangeOf[T](r, p.OutZP)
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
	p := &generic.QMulChannels{XZP: zpOf[T](r), GZP: zpOf[T](r), OutZP: zpOf[T](r)}
	if size[T]() == 2 {
		p.XZP, p.GZP = 0, 0 // int16 tensors are symmetric: the product stays within int32
	}
	p.OutMin, p.OutMax = rangeOf[T](r, p.OutZP)
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
