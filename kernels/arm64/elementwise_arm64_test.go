//go:build !purego

package arm64

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// The element-wise kernels against kernels/generic on random parameters
// and lengths that are not multiples of the vector width.

func randMult(r *rand.Rand, lo, hi float64) (int32, int32) {
	return generic.QuantizeMultiplier(kerneltest.RandReal(r, lo, hi))
}

func lengths(r *rand.Rand) []int {
	return []int{1, 7, 15, 16, 17, 31, 33, 64, 100 + r.Intn(300), 1024 + r.Intn(2000)}
}

func testRescale[In, Out generic.Q](t *testing.T, r *rand.Rand) {
	for _, n := range lengths(r) {
		p := &generic.QRescale{InZP: kerneltest.ZP[In](r), OutZP: kerneltest.ZP[Out](r)}
		p.OutMin, p.OutMax = kerneltest.OutRange[Out](r, p.OutZP)
		p.Mult, p.Shift = randMult(r, 1e-4, 300)
		in := randQ[In](r, n, p.InZP)
		want := make([]Out, n)
		generic.RescaleQ(p, in, want)
		got := guarded[Out](n)
		f, ok := Rescale[In, Out](p)
		if !ok {
			t.Fatalf("Rescale refused %+v", p)
		}
		f(in, got[:n])
		if err := checkGuard(got, n); err != nil {
			t.Fatal(err)
		}
		if err := compare(got[:n], want, n, 1); err != nil {
			t.Errorf("rescale %T>%T n=%d %+v: %v", in[0], want[0], n, p, err)
		}
	}
}

func TestRescale(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	for i := 0; i < 20; i++ {
		testRescale[int8, int8](t, r)
		testRescale[int8, int16](t, r)
		testRescale[int16, int8](t, r)
		testRescale[int16, int16](t, r)
	}
}

func TestAdd(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for i := 0; i < 40; i++ {
		for _, n := range lengths(r) {
			p := &generic.QAdd{AZP: kerneltest.ZP[int8](r), BZP: kerneltest.ZP[int8](r), OutZP: kerneltest.ZP[int8](r), LeftShift: 20}
			p.OutMin, p.OutMax = kerneltest.OutRange[int8](r, p.OutZP)
			sa, sb, so := kerneltest.RandReal(r, 0.01, 1), kerneltest.RandReal(r, 0.01, 1), kerneltest.RandReal(r, 0.01, 1)
			if r.Intn(5) == 0 {
				so *= 1e-3 // an output scale that makes OutShift positive
			}
			twice := 2 * math.Max(sa, sb)
			p.AMult, p.AShift = generic.QuantizeMultiplier(sa / twice)
			p.BMult, p.BShift = generic.QuantizeMultiplier(sb / twice)
			p.OutMult, p.OutShift = generic.QuantizeMultiplier(twice / (float64(int64(1)<<20) * so))
			a, b := randQ[int8](r, n, p.AZP), randQ[int8](r, n, p.BZP)
			want := make([]int8, n)
			generic.AddQ(p, a, b, want)
			got := guarded[int8](n)
			f, ok := Add[int8](p)
			if !ok {
				t.Fatalf("Add refused %+v", p)
			}
			f(a, b, got[:n])
			if err := checkGuard(got, n); err != nil {
				t.Fatal(err)
			}
			if err := compare(got[:n], want, n, 1); err != nil {
				t.Errorf("add n=%d %+v: %v", n, p, err)
			}
		}
	}
}

func testMulChannels[T generic.Q](t *testing.T, r *rand.Rand) {
	for _, c := range []int{8, 16, 24, 96, 120, 576} {
		for _, hw := range []int{1, 3, 49, 196} {
			p := &generic.QMulChannels{XZP: kerneltest.ZP[T](r), GZP: kerneltest.ZP[T](r), OutZP: kerneltest.ZP[T](r)}
			if size[T]() == 2 {
				p.XZP, p.GZP = 0, 0
			}
			p.OutMin, p.OutMax = kerneltest.OutRange[T](r, p.OutZP)
			p.Mult, p.Shift = randMult(r, 1e-6, 10)
			x, g := randQ[T](r, hw*c, p.XZP), randQ[T](r, c, p.GZP)
			want := make([]T, hw*c)
			generic.MulChannelsQ(p, x, g, want, hw, c)
			got := guarded[T](hw * c)
			f, ok := MulChannels[T](p, hw, c)
			if !ok {
				t.Fatalf("MulChannels refused %+v", p)
			}
			f(x, g, got[:hw*c])
			if err := checkGuard(got, hw*c); err != nil {
				t.Fatal(err)
			}
			if err := compare(got[:hw*c], want, hw, c); err != nil {
				t.Errorf("mulchannels %T hw=%d c=%d %+v: %v", x[0], hw, c, p, err)
			}
		}
	}
}

func TestMulChannels(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	for i := 0; i < 5; i++ {
		testMulChannels[int8](t, r)
		testMulChannels[int16](t, r)
	}
}

func testAvgPool[In, Out generic.Q](t *testing.T, r *rand.Rand) {
	for _, c := range []int{8, 16, 24, 96, 120} {
		for _, hw := range []int{1, 49, 127, 128, 129, 300, 3136} {
			p := &generic.QRescale{InZP: kerneltest.ZP[In](r), OutZP: kerneltest.ZP[Out](r)}
			p.OutMin, p.OutMax = kerneltest.OutRange[Out](r, p.OutZP)
			p.Mult, p.Shift = randMult(r, 0.1/float64(hw), 100/float64(hw))
			in := randQ[In](r, hw*c, p.InZP)
			want := make([]Out, c)
			generic.GlobalAvgPoolQ(p, in, hw, c, want)
			got := guarded[Out](c)
			f, ok := GlobalAvgPool[In, Out](p, hw, c)
			if !ok {
				t.Fatalf("GlobalAvgPool refused %+v", p)
			}
			f(in, got[:c])
			if err := checkGuard(got, c); err != nil {
				t.Fatal(err)
			}
			if err := compare(got[:c], want, 1, c); err != nil {
				t.Errorf("avgpool %T>%T hw=%d c=%d %+v: %v", in[0], want[0], hw, c, p, err)
			}
		}
	}
}

func TestGlobalAvgPool(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	for i := 0; i < 3; i++ {
		testAvgPool[int8, int8](t, r)
		testAvgPool[int8, int16](t, r)
		testAvgPool[int16, int8](t, r)
		testAvgPool[int16, int16](t, r)
	}
}

func testQuantize[T generic.Q](t *testing.T, r *rand.Rand) {
	for _, n := range lengths(r) {
		in := make([]float32, n)
		for i := range in {
			in[i] = float32(r.NormFloat64() * 2)
			switch r.Intn(40) {
			case 0:
				in[i] = float32(math.NaN())
			case 1:
				in[i] = float32(math.Inf(1 - 2*r.Intn(2)))
			case 2:
				in[i] = float32(r.Intn(9)-4) / 8 // exact halves after scaling by 4
			case 3:
				in[i] = math.Float32frombits(r.Uint32()) // anything, subnormals too
			}
		}
		inv := float32(kerneltest.RandReal(r, 1, 1e5))
		if r.Intn(3) == 0 {
			inv = 4
		}
		zp := kerneltest.ZP[T](r)
		want := make([]T, n)
		generic.QuantizeF32(in, inv, zp, want)
		got := guarded[T](n)
		f, ok := Quantize[T](inv, zp)
		if !ok {
			t.Fatalf("Quantize refused inv=%g zp=%d", inv, zp)
		}
		f(in, got[:n])
		if err := checkGuard(got, n); err != nil {
			t.Fatal(err)
		}
		if err := compare(got[:n], want, n, 1); err != nil {
			t.Errorf("quantize %T n=%d inv=%g zp=%d: %v", want[0], n, inv, zp, err)
		}
	}
}

func TestQuantize(t *testing.T) {
	r := rand.New(rand.NewSource(14))
	for i := 0; i < 10; i++ {
		testQuantize[int8](t, r)
		testQuantize[int16](t, r)
	}
}

func testMaxPool[T generic.Q](t *testing.T, r *rand.Rand, p generic.PoolParams) {
	in := randQ[T](r, p.InH*p.InW*p.C, 0)
	want := make([]T, p.OutH*p.OutW*p.C)
	generic.MaxPoolQ(&p, in, want)
	got := guarded[T](len(want))
	f, ok := MaxPool[T](&p)
	if !ok {
		t.Fatalf("MaxPool refused %+v", p)
	}
	f(in, got[:len(want)])
	if err := checkGuard(got, len(want)); err != nil {
		t.Fatal(err)
	}
	if err := compare(got[:len(want)], want, p.OutW, p.C); err != nil {
		t.Errorf("maxpool %T %+v: %v", want[0], p, err)
	}
}

func TestMaxPool(t *testing.T) {
	r := rand.New(rand.NewSource(15))
	pool := func(h, w, c, k, s, pt, pl, pb, pr int) generic.PoolParams {
		return generic.PoolParams{InH: h, InW: w, C: c, KH: k, KW: k, StrideH: s, StrideW: s, PadT: pt, PadL: pl,
			OutH: (h+pt+pb-k)/s + 1, OutW: (w+pl+pr-k)/s + 1}
	}
	for _, p := range []generic.PoolParams{
		pool(112, 112, 24, 3, 2, 1, 1, 1, 1),
		pool(9, 7, 8, 3, 2, 1, 1, 1, 1),
		pool(9, 8, 24, 3, 2, 0, 0, 1, 1),
		pool(5, 5, 16, 3, 1, 1, 1, 1, 1),
		pool(1, 1, 8, 3, 2, 1, 1, 1, 1),
		pool(6, 7, 40, 2, 2, 0, 0, 0, 0),
		pool(7, 6, 8, 5, 1, 2, 2, 2, 2),
	} {
		testMaxPool[int8](t, r, p)
		testMaxPool[int16](t, r, p)
	}
}

func TestDataMovement(t *testing.T) {
	r := rand.New(rand.NewSource(16))
	for _, c2 := range []int{8, 24, 48, 96, 192, 40} {
		for _, hw := range []int{1, 7, 49, 196} {
			if err := dataMovement[int8](r, hw, c2); err != nil {
				t.Errorf("int8 hw=%d c2=%d: %v", hw, c2, err)
			}
			if err := dataMovement[int16](r, hw, c2); err != nil {
				t.Errorf("int16 hw=%d c2=%d: %v", hw, c2, err)
			}
		}
	}
}

func dataMovement[T generic.Q](r *rand.Rand, hw, c2 int) error {
	a, b := randQ[T](r, hw*c2, 0), randQ[T](r, hw*c2, 0)
	c := 2 * c2
	check := func(name string, ok bool, got, want []T) error {
		if !ok {
			return fmt.Errorf("%s refused", name)
		}
		if err := checkGuard(got, len(want)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := compare(got[:len(want)], want, hw, len(want)/hw); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	cat := make([]T, hw*c)
	generic.ConcatChannelsQ(a, c2, b, c2, hw, cat)
	got := guarded[T](hw * c)
	fcat, ok := ConcatChannels[T](c2, c2, hw)
	if ok {
		fcat(a, b, got[:hw*c])
	}
	if err := check("concat", ok, got, cat); err != nil {
		return err
	}
	want := make([]T, hw*c)
	generic.ChannelShuffleQ(cat, want, hw, c, 2)
	got = guarded[T](hw * c)
	fsh, ok := ChannelShuffle[T](hw, c, 2)
	if ok {
		fsh(cat, got[:hw*c])
	}
	if err := check("shuffle", ok, got, want); err != nil {
		return err
	}
	generic.ConcatShuffleQ(a, b, hw, c2, want)
	got = guarded[T](hw * c)
	fcs, ok := ConcatShuffle[T](hw, c2)
	if ok {
		fcs(a, b, got[:hw*c])
	}
	if err := check("concat+shuffle", ok, got, want); err != nil {
		return err
	}
	from := (c2 / 8) * 4
	sl := make([]T, hw*(c2))
	generic.SliceChannelsQ(cat, hw, c, from, from+c2, sl)
	got = guarded[T](hw * c2)
	fsl, ok := SliceChannels[T](hw, c, from, from+c2)
	if ok {
		fsl(cat, got[:hw*c2])
	}
	return check("slice", ok, got, sl)
}
