package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// gptqCase is one random layer and the calibration inputs it is judged on.
type gptqCase struct {
	outC, k int
	w       []float32
	x       []float64 // n×k inputs, row-major
	h       []float64 // XᵀX/n
}

// gptqInputs draws n inputs of k features that are correlated the way conv
// inputs are: a few shared latent factors (neighbouring pixels and channels
// move together), a per-feature offset (post-ReLU activations are not
// centred), and independent noise.
func gptqInputs(rng *rand.Rand, n, k int) []float64 {
	m := max(2, k/4)
	load := make([]float64, k*m)
	for i := range load {
		load[i] = rng.NormFloat64()
	}
	offset := make([]float64, k)
	for i := range offset {
		offset[i] = 0.5 * rng.Float64()
	}
	x := make([]float64, n*k)
	z := make([]float64, m)
	for s := 0; s < n; s++ {
		for f := range z {
			z[f] = rng.NormFloat64()
		}
		for i := 0; i < k; i++ {
			v := offset[i] + 0.3*rng.NormFloat64()
			for f, zf := range z {
				v += load[i*m+f] * zf
			}
			x[s*k+i] = v
		}
	}
	return x
}

// secondMoment returns XᵀX/n for n×k inputs x.
func secondMoment(x []float64, n, k int) []float64 {
	h := make([]float64, k*k)
	for s := 0; s < n; s++ {
		row := x[s*k : (s+1)*k]
		for i, xi := range row {
			for j, xj := range row {
				h[i*k+j] += xi * xj
			}
		}
	}
	for i := range h {
		h[i] /= float64(n)
	}
	return h
}

// gptqWeights draws Gaussian weights with a few outliers, which set each
// row's scale the way they do in real checkpoints.
func gptqWeights(rng *rand.Rand, outC, k int) []float32 {
	w := make([]float32, outC*k)
	for i := range w {
		v := 0.1 * rng.NormFloat64()
		if rng.IntN(50) == 0 {
			v *= 4
		}
		w[i] = float32(v)
	}
	return w
}

func newGPTQCase(seed uint64, outC, k, n int) gptqCase {
	rng := rand.New(rand.NewPCG(seed, uint64(outC*1000+k)))
	c := gptqCase{outC: outC, k: k, w: gptqWeights(rng, outC, k), x: gptqInputs(rng, n, k)}
	c.h = secondMoment(c.x, n, k)
	return c
}

// outputError is Σ_x ||(W − s·Q) x||², summed over the case's inputs
// directly rather than through H, so it checks GPTQ against the real thing.
func (c gptqCase) outputError(q []int8, s []float32) float64 {
	d := make([]float64, len(c.w))
	for o := 0; o < c.outC; o++ {
		for j := 0; j < c.k; j++ {
			i := o*c.k + j
			d[i] = float64(c.w[i]) - float64(s[o])*float64(q[i])
		}
	}
	var e float64
	for s := 0; s < len(c.x)/c.k; s++ {
		x := c.x[s*c.k : (s+1)*c.k]
		for o := 0; o < c.outC; o++ {
			var y float64
			for j, xj := range x {
				y += d[o*c.k+j] * xj
			}
			e += y * y
		}
	}
	return e
}

// checkQuantized fails unless q and scales are well-formed for the layer
// and the scales are exactly WeightScales'.
func checkQuantized(t *testing.T, w []float32, outC int, q []int8, scales []float32) {
	t.Helper()
	if len(q) != len(w) || len(scales) != outC {
		t.Fatalf("got %d weights, %d scales; want %d, %d", len(q), len(scales), len(w), outC)
	}
	for i, v := range q {
		if v < -127 || v > 127 {
			t.Fatalf("q[%d] = %d, outside [-127, 127]", i, v)
		}
	}
	_, want := WeightScales(w, outC)
	for o, s := range scales {
		if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) || s <= 0 {
			t.Fatalf("scale[%d] = %v, want finite and positive", o, s)
		}
		if s != want[o] {
			t.Fatalf("scale[%d] = %v, WeightScales gives %v", o, s, want[o])
		}
	}
}

func TestGPTQBeatsRoundToNearest(t *testing.T) {
	shapes := []struct{ outC, k int }{
		{16, 64}, // a pointwise conv
		{16, 9},  // depthwise 3×3: one channel's 9 taps per row
		{16, 27}, // the 3×3×3 stem conv
	}
	const seeds = 6
	var all float64
	for _, sh := range shapes {
		var sum float64
		for seed := uint64(1); seed <= seeds; seed++ {
			c := newGPTQCase(seed, sh.outC, sh.k, 500)
			qr, sr := WeightScales(c.w, c.outC)
			qg, sg := GPTQ(c.w, c.outC, c.k, c.h)
			checkQuantized(t, c.w, c.outC, qg, sg)
			er, eg := c.outputError(qr, sr), c.outputError(qg, sg)
			ratio := eg / er
			if ratio > 1+1e-9 {
				t.Errorf("outC=%d k=%d seed %d: GPTQ error %.6g is higher than round-to-nearest's %.6g",
					sh.outC, sh.k, seed, eg, er)
			}
			sum += ratio
		}
		mean := sum / seeds
		all += mean
		t.Logf("outC=%d k=%-2d: GPTQ/RTN output error = %.3f (mean of %d seeds)", sh.outC, sh.k, mean, seeds)
		if mean > 0.8 {
			t.Errorf("outC=%d k=%d: GPTQ error is %.3f of round-to-nearest's, want ≤ 0.8", sh.outC, sh.k, mean)
		}
	}
	t.Logf("overall GPTQ/RTN output error = %.3f", all/float64(len(shapes)))
}

func TestGPTQKeepsOnGridWeights(t *testing.T) {
	for _, k := range []int{9, 27, 64} {
		rng := rand.New(rand.NewPCG(7, uint64(k)))
		const outC = 24
		want := make([]int8, outC*k)
		s := make([]float32, outC)
		w := make([]float32, outC*k)
		for o := 0; o < outC; o++ {
			s[o] = float32(0.001 + 0.02*rng.Float64())
			for j := 0; j < k; j++ {
				want[o*k+j] = int8(rng.IntN(255) - 127)
			}
			want[o*k+rng.IntN(k)] = int8(127 * (1 - 2*rng.IntN(2)))
			for j := 0; j < k; j++ {
				w[o*k+j] = float32(float64(s[o]) * float64(want[o*k+j]))
			}
		}
		h := secondMoment(gptqInputs(rng, 500, k), 500, k)
		q, scales := GPTQ(w, outC, k, h)
		checkQuantized(t, w, outC, q, scales)
		if !slices.Equal(q, want) {
			t.Errorf("k=%d: GPTQ changed weights that are already on the int8 grid", k)
		}
		for o := range s {
			// The scale is recomputed from max|w| = float32(127·s), which
			// can land one ulp away from the checkpoint's s.
			if d := math.Abs(float64(scales[o]) - float64(s[o])); d > float64(s[o])*0x1p-23 {
				t.Errorf("k=%d row %d: scale %v, checkpoint had %v", k, o, scales[o], s[o])
			}
		}
	}
}

func TestGPTQUncorrelatedIsRoundToNearest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const outC, k = 16, 64
	w := gptqWeights(rng, outC, k)
	identity := make([]float64, k*k)
	diagonal := make([]float64, k*k)
	for j := 0; j < k; j++ {
		identity[j*k+j] = 1
		diagonal[j*k+j] = 0.1 + 5*rng.Float64()
	}
	want, wantS := WeightScales(w, outC)
	for name, h := range map[string][]float64{"identity": identity, "diagonal": diagonal} {
		q, s := GPTQ(w, outC, k, h)
		if !slices.Equal(q, want) || !slices.Equal(s, wantS) {
			t.Errorf("H = %s: GPTQ differs from round-to-nearest", name)
		}
	}
}

func TestGPTQDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	base := newGPTQCase(11, 8, 27, 500)

	t.Run("zero row", func(t *testing.T) {
		c := base
		c.w = slices.Clone(base.w)
		clear(c.w[3*c.k : 4*c.k])
		q, s := GPTQ(c.w, c.outC, c.k, c.h)
		checkQuantized(t, c.w, c.outC, q, s)
		if s[3] != 1 || slices.ContainsFunc(q[3*c.k:4*c.k], func(v int8) bool { return v != 0 }) {
			t.Errorf("zero row: scale %v, q %v; want scale 1 and zero weights", s[3], q[3*c.k:4*c.k])
		}
		qr, sr := WeightScales(c.w, c.outC)
		if eg, er := c.outputError(q, s), c.outputError(qr, sr); eg > er*(1+1e-9) {
			t.Errorf("zero row: GPTQ error %.6g > round-to-nearest %.6g", eg, er)
		}
	})

	t.Run("dead input", func(t *testing.T) {
		c := base
		c.x = slices.Clone(base.x)
		const dead = 5
		for s := 0; s < len(c.x)/c.k; s++ {
			c.x[s*c.k+dead] = 0
		}
		c.h = secondMoment(c.x, len(c.x)/c.k, c.k)
		q, s := GPTQ(c.w, c.outC, c.k, c.h)
		checkQuantized(t, c.w, c.outC, q, s)
		for o := 0; o < c.outC; o++ {
			if q[o*c.k+dead] != 0 {
				t.Errorf("row %d: weight of the dead input is %d, want 0", o, q[o*c.k+dead])
			}
		}
		qr, sr := WeightScales(c.w, c.outC)
		eg, er := c.outputError(q, s), c.outputError(qr, sr)
		if eg > 0.8*er {
			t.Errorf("dead input: GPTQ error %.6g is not clearly below round-to-nearest's %.6g", eg, er)
		}
	})

	t.Run("singular", func(t *testing.T) {
		// 10 samples of 64 features: rank 10, and two features copied.
		const k, n = 64, 10
		x := gptqInputs(rng, n, k)
		for s := 0; s < n; s++ {
			x[s*k+1] = x[s*k]
		}
		c := gptqCase{outC: 16, k: k, w: gptqWeights(rng, 16, k), x: x, h: secondMoment(x, n, k)}
		q, s := GPTQ(c.w, c.outC, c.k, c.h)
		checkQuantized(t, c.w, c.outC, q, s)
		qr, sr := WeightScales(c.w, c.outC)
		eg, er := c.outputError(q, s), c.outputError(qr, sr)
		t.Logf("rank-10 H: GPTQ/RTN output error = %.3f", eg/er)
		if eg > er*(1+1e-9) {
			t.Errorf("singular H: GPTQ error %.6g > round-to-nearest %.6g", eg, er)
		}
	})

	t.Run("one row", func(t *testing.T) {
		c := newGPTQCase(12, 1, 64, 500)
		q, s := GPTQ(c.w, 1, c.k, c.h)
		checkQuantized(t, c.w, 1, q, s)
		qr, sr := WeightScales(c.w, 1)
		if eg, er := c.outputError(q, s), c.outputError(qr, sr); eg > 0.8*er {
			t.Errorf("outC=1: GPTQ error %.6g is not clearly below round-to-nearest's %.6g", eg, er)
		}
	})

	t.Run("one input", func(t *testing.T) {
		w := []float32{0.5, -0.25, 0}
		q, s := GPTQ(w, 3, 1, []float64{2})
		checkQuantized(t, w, 3, q, s)
		if want := []int8{127, -127, 0}; !slices.Equal(q, want) {
			t.Errorf("k=1: q = %v, want %v", q, want)
		}
	})

	// Inputs the factorization cannot use must give round-to-nearest.
	rtn, rtnS := WeightScales(base.w, base.outC)
	bad := map[string][]float64{
		"all-zero H": make([]float64, base.k*base.k),
		"NaN in H":   slices.Clone(base.h),
		"short H":    base.h[:len(base.h)-1],
		"indefinite": slices.Clone(base.h),
	}
	bad["NaN in H"][7] = math.NaN()
	// A huge off-diagonal pair makes a 2×2 minor indefinite by far more
	// than any dampening the retries reach.
	bad["indefinite"][0*base.k+1], bad["indefinite"][1*base.k+0] = 1e12, 1e12
	for name, h := range bad {
		t.Run(name, func(t *testing.T) {
			q, s := GPTQ(base.w, base.outC, base.k, h)
			checkQuantized(t, base.w, base.outC, q, s)
			if !slices.Equal(q, rtn) || !slices.Equal(s, rtnS) {
				t.Errorf("%s: want round-to-nearest", name)
			}
		})
	}

	t.Run("bad shape", func(t *testing.T) {
		for _, sh := range [][3]int{{0, 27, 0}, {8, 0, 0}, {8, 27, 8*27 - 1}, {-1, -1, 1}} {
			q, s := GPTQ(make([]float32, sh[2]), sh[0], sh[1], base.h)
			if q != nil || s != nil {
				t.Errorf("outC=%d k=%d len(w)=%d: want nil results", sh[0], sh[1], sh[2])
			}
		}
	})
}

func TestGPTQIndependentOfThreads(t *testing.T) {
	c := newGPTQCase(41, 70, 200, 500) // big enough for every parallel path
	q2, s2 := GPTQ(c.w, c.outC, c.k, c.h)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	q1, s1 := GPTQ(c.w, c.outC, c.k, c.h)
	if !slices.Equal(q1, q2) || !slices.Equal(s1, s2) {
		t.Errorf("GPTQ differs between GOMAXPROCS=1 and %d", runtime.NumCPU())
	}
}

// naiveDampedInverseFactor is naiveInverseFactor of H + λI, λ 1% of H's
// mean diagonal: the dampening GPTQ applies first (H is not changed).
func naiveDampedInverseFactor(h []float64, k int) []float64 {
	damped := slices.Clone(h)
	var tr float64
	for j := 0; j < k; j++ {
		tr += h[j*k+j]
	}
	for j := 0; j < k; j++ {
		damped[j*k+j] += 0.01 * tr / float64(k)
	}
	return naiveInverseFactor(damped, k)
}

// naiveInverseFactor is the textbook route the brief describes: invert H by
// Gauss-Jordan, then take the upper Cholesky factor of H⁻¹.
func naiveInverseFactor(h []float64, k int) []float64 {
	a := slices.Clone(h)
	inv := make([]float64, k*k)
	for i := 0; i < k; i++ {
		inv[i*k+i] = 1
	}
	for c := 0; c < k; c++ {
		p := a[c*k+c]
		for j := 0; j < k; j++ {
			a[c*k+j] /= p
			inv[c*k+j] /= p
		}
		for r := 0; r < k; r++ {
			if r == c {
				continue
			}
			f := a[r*k+c]
			for j := 0; j < k; j++ {
				a[r*k+j] -= f * a[c*k+j]
				inv[r*k+j] -= f * inv[c*k+j]
			}
		}
	}
	u := make([]float64, k*k) // Hinv = UᵀU, Cholesky row by row
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			v := inv[i*k+j]
			for l := 0; l < i; l++ {
				v -= u[l*k+i] * u[l*k+j]
			}
			if j == i {
				u[i*k+i] = math.Sqrt(v)
			} else {
				u[i*k+j] = v / u[i*k+i]
			}
		}
	}
	return u
}

func TestGPTQInverseFactor(t *testing.T) {
	for _, k := range []int{1, 9, 64, 200} {
		c := newGPTQCase(21, 1, k, 500)
		a, _ := sanitizeHessian(c.h, k)
		u, ok := dampedInverseFactor(a, k)
		if !ok {
			t.Fatalf("k=%d: factorization failed", k)
		}
		want := naiveDampedInverseFactor(a, k)
		var worst float64
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				if j < i && u[i*k+j] != 0 {
					t.Fatalf("k=%d: U[%d][%d] = %v below the diagonal", k, i, j, u[i*k+j])
				}
				worst = max(worst, math.Abs(u[i*k+j]-want[i*k+j])/math.Abs(want[i*k+i]))
			}
		}
		if worst > 1e-9 {
			t.Errorf("k=%d: U differs from the textbook factor by %.3g (relative to the diagonal)", k, worst)
		}
	}
}

// rowError is dᵀHd for one row, d = w − s·q.
func rowError(w []float32, s float32, q []int8, h []float64) float64 {
	k := len(w)
	var e float64
	for i := 0; i < k; i++ {
		di := float64(w[i]) - float64(s)*float64(q[i])
		for j := 0; j < k; j++ {
			e += di * h[i*k+j] * (float64(w[j]) - float64(s)*float64(q[j]))
		}
	}
	return e
}

// TestGPTQMatchesReferenceSweep runs the unblocked column sweep exactly as
// the paper states it, on the textbook factor, and checks that the tiled,
// multi-row sweep rounds every row the same way, except where the
// reference's rounding is worse than round-to-nearest and GPTQ must keep
// round-to-nearest instead.
func TestGPTQMatchesReferenceSweep(t *testing.T) {
	for _, k := range []int{9, 27, 64} {
		c := newGPTQCase(31, 37, k, 500) // 37 rows: two full tiles and a ragged one
		a, _ := sanitizeHessian(c.h, k)
		u := naiveDampedInverseFactor(a, k)
		rtn, s := WeightScales(c.w, c.outC)
		ref := make([]int8, len(c.w))
		w := make([]float64, len(c.w))
		for i, v := range c.w {
			w[i] = float64(v)
		}
		for j := 0; j < k; j++ {
			for o := 0; o < c.outC; o++ {
				so := float64(s[o])
				qv := math.Max(-127, math.Min(127, math.Round(w[o*k+j]/so)))
				ref[o*k+j] = int8(qv)
				e := (w[o*k+j] - so*qv) / u[j*k+j]
				for l := j + 1; l < k; l++ {
					w[o*k+l] -= e * u[j*k+l]
				}
			}
		}
		got, _ := GPTQ(c.w, c.outC, k, c.h)
		same, kept := 0, 0
		for o := 0; o < c.outC; o++ {
			row := func(q []int8) []int8 { return q[o*k : (o+1)*k] }
			wo := c.w[o*k : (o+1)*k]
			eRef := rowError(wo, s[o], row(ref), c.h)
			eRTN := rowError(wo, s[o], row(rtn), c.h)
			want := row(ref)
			if eRef > eRTN {
				want = row(rtn)
				kept++
			}
			if slices.Equal(row(got), want) {
				same++
			} else if math.Abs(eRef-eRTN) > 1e-9*eRTN {
				t.Errorf("k=%d row %d: q = %v, want %v (reference error %.6g, round-to-nearest %.6g)",
					k, o, row(got), want, eRef, eRTN)
			}
		}
		t.Logf("k=%d: %d of %d rows as expected; in %d the reference sweep loses to round-to-nearest",
			k, same, c.outC, kept)
	}
}

// benchHessian is the second moment of AR(1) inputs with a common offset,
// x_j = μ + e_j with corr(e_i, e_j) = ρ^|i−j|: PSD, correlated like
// neighbouring pixels, and cheap to build at k = 1024.
func benchHessian(k int) []float64 {
	h := make([]float64, k*k)
	for i := 0; i < k; i++ {
		for j := 0; j < k; j++ {
			h[i*k+j] = math.Pow(0.9, math.Abs(float64(i-j))) + 0.25
		}
	}
	return h
}

func BenchmarkGPTQ(b *testing.B) {
	for _, sh := range []struct{ outC, k int }{{1000, 1024}, {144, 576}} {
		rng := rand.New(rand.NewPCG(1, 1))
		w := gptqWeights(rng, sh.outC, sh.k)
		h := benchHessian(sh.k)
		b.Run(fmt.Sprintf("outC=%d/k=%d", sh.outC, sh.k), func(b *testing.B) {
			for b.Loop() {
				GPTQ(w, sh.outC, sh.k, h)
			}
		})
	}
}

func BenchmarkGPTQFactor(b *testing.B) {
	for _, k := range []int{1024, 576} {
		h := benchHessian(k)
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			for b.Loop() {
				dampedInverseFactor(h, k)
			}
		})
	}
}
