package quant

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// GPTQ quantizes the rows of w (outC rows of k weights, row-major: the
// OHWI layout flattened to [outC][k]) to int8 with the per-row scales of
// WeightScales, choosing each weight's rounding to minimize the layer's
// output error Σ_x ||(W - s·Q) x||² for inputs x with second-moment
// matrix H = E[x xᵀ] (k×k, row-major, symmetric PSD).
//
// It is GPTQ (Frantar et al. 2022) with the scales held fixed: the columns
// are rounded in order and each column's rounding error is spread over the
// columns not yet rounded, weighted by the inverse of the dampened H, so
// that correlated inputs cancel it. The scales are exactly WeightScales'
// (max|w[o]|/127 of the original row), so the file format and the kernels
// see nothing new; only the choice of round-up or round-down changes.
//
// Guarantees the calibrator relies on:
//   - a row that is already on its int8 grid (int8-exact checkpoints) and
//     an all-zero row come back exactly as WeightScales returns them;
//   - no row's output error under H is higher than round-to-nearest's:
//     each row keeps whichever of the two is better (GPTQ is greedy, and
//     clamping at ±127 can in rare rows make it lose);
//   - inputs with H[j][j] == 0 never fire, so their weights become 0 (in
//     every row that is not already on its grid);
//   - if len(h) != k·k, H or w holds NaN or Inf, every input is dead
//     (H = 0), or H cannot be factored even after raising the dampening,
//     the result is WeightScales' (a warning is logged); nothing panics
//     and no NaN is produced.
//
// The result does not depend on GOMAXPROCS; it may differ in rare
// roundings between amd64 and arm64, whose compiler fuses multiply-adds.
//
// If outC or k is below 1 or len(w) != outC·k there is no layer to
// quantize and GPTQ returns nil slices.
func GPTQ(w []float32, outC, k int, h []float64) (q []int8, scales []float32) {
	if outC < 1 || k < 1 || len(w) != outC*k {
		return nil, nil
	}
	q, scales = WeightScales(w, outC)
	if len(h) != k*k {
		return q, scales
	}
	if !finite32s(w) || !finite64s(h) {
		return q, scales
	}
	a, dead := sanitizeHessian(h, k)
	if !slices.Contains(dead, false) {
		// Zeroing every weight would be "optimal" for inputs that never
		// fire (a dead depthwise channel), but keeping the nearest
		// rounding is harmless and right if calibration data simply never
		// reached this layer.
		return q, scales
	}
	u, ok := dampedInverseFactor(a, k)
	if !ok {
		return q, scales
	}
	quantizeRows(w, k, scales, u, dead, h, q)
	return q, scales
}

// gptqTries is how many times the dampening is raised ×10 before giving up
// on a matrix that is not numerically positive definite.
const gptqTries = 5

// sanitizeHessian returns a copy of h in which every dead input (a zero, or
// invalid negative, diagonal entry) is decoupled with H[j][j] = 1, and the
// list of dead inputs.
func sanitizeHessian(h []float64, k int) (a []float64, dead []bool) {
	a = make([]float64, k*k)
	copy(a, h)
	dead = make([]bool, k)
	for j := 0; j < k; j++ {
		if a[j*k+j] > 0 {
			continue
		}
		dead[j] = true
		// For a PSD matrix this row and column are zero already; clearing
		// them keeps an invalid input from coupling the dead column.
		for i := 0; i < k; i++ {
			a[j*k+i], a[i*k+j] = 0, 0
		}
		a[j*k+j] = 1
	}
	return a, dead
}

// dampedInverseFactor returns the upper triangular U with UᵀU = (A + λI)⁻¹,
// λ = 0.01·mean(diag A), raising λ ×10 while A + λI is not numerically
// positive definite. A is not modified.
func dampedInverseFactor(a []float64, k int) (u []float64, ok bool) {
	var tr float64
	for j := 0; j < k; j++ {
		tr += a[j*k+j]
	}
	lambda := 0.01 * tr / float64(k)
	if lambda == 0 {
		lambda = 1e-8
	}
	r := make([]float64, k*k)
	for try := 0; try < gptqTries; try++ {
		copy(r, a)
		for j := 0; j < k; j++ {
			r[j*k+j] += lambda
		}
		if upperCholesky(r, k) {
			u = invertUpper(r, k)
			if finite64s(u) {
				return u, true
			}
		}
		lambda *= 10
	}
	return nil, false
}

// upperCholesky overwrites the upper triangle of the symmetric matrix a
// with the upper triangular R such that A = R Rᵀ (the Cholesky factor of A
// taken from the last row up), and reports whether A is positive definite.
// Then R⁻¹ is the upper factor U of A⁻¹ = UᵀU that GPTQ needs, without
// forming A⁻¹ and factoring it a second time.
//
// R[i][j] = (A[i][j] − R[i][j+1:]·R[j][j+1:]) / R[j][j] is a unit-stride
// dot product of row tails. Columns are taken in blocks of cholBlock: the
// block's own rows are factored first, then every row above it finishes
// all the block's columns at once, reading the block's rows from cache and
// giving each goroutine a whole block of work rather than one column's.
func upperCholesky(a []float64, k int) bool {
	for j1 := k; j1 > 0; j1 -= cholBlock {
		j0 := max(0, j1-cholBlock)
		for j := j1 - 1; j >= j0; j-- {
			rj := a[j*k+j+1 : (j+1)*k]
			d := a[j*k+j] - dot64(rj, rj)
			if !(d > 0) || math.IsInf(d, 0) {
				return false
			}
			rjj := math.Sqrt(d)
			a[j*k+j] = rjj
			for i := j0; i < j; i++ {
				a[i*k+j] = (a[i*k+j] - dot64(a[i*k+j+1:(i+1)*k], rj)) / rjj
			}
		}
		perRow := (j1 - j0) * (k - j0)
		gptqParallel(j0, j0*perRow >= gptqParallelMin, gptqGrain/perRow+1, func(i int) {
			ri := a[i*k : (i+1)*k]
			for j := j1 - 1; j >= j0; j-- {
				ri[j] = (ri[j] - dot64(ri[j+1:], a[j*k+j+1:(j+1)*k])) / a[j*k+j]
			}
		})
	}
	return true
}

// cholBlock is how many columns upperCholesky finishes per pass over the
// rows above them: 32 rows of R (256 KB at k = 1024) stay in L2.
const cholBlock = 32

// invertUpper returns R⁻¹ for the upper triangular R held in the upper
// triangle of r (the lower triangle is ignored). Row i of R⁻¹ solves
// x R = e_i; substituting forward subtracts whole row tails of R, so every
// inner loop is a unit-stride axpy, and rows are independent.
func invertUpper(r []float64, k int) []float64 {
	u := make([]float64, k*k)
	gptqParallel(k, k*k*k >= 6*gptqParallelMin, 1, func(i int) {
		x := u[i*k : (i+1)*k]
		x[i] = 1
		for l := i; l < k; l++ {
			x[l] /= r[l*k+l]
			if xl := x[l]; xl != 0 {
				axpy64(x[l+1:], r[l*k+l+1:(l+1)*k], -xl)
			}
		}
	})
	return u
}

// gptqTileRows is how many rows are rounded together: each row of U is then
// read once per tile and reused from L1, while the tile's working rows
// (gptqTileRows·k float64) stay in L2.
const gptqTileRows = 16

// quantizeRows runs the GPTQ column sweep on every row of w that needs it
// and overwrites that row of q (which holds round-to-nearest on entry)
// where the result has the lower output error under h.
func quantizeRows(w []float32, k int, scales []float32, u []float64, dead []bool, h []float64, q []int8) {
	outC := len(scales)
	tiles := (outC + gptqTileRows - 1) / gptqTileRows
	var next atomic.Int64
	workers := min(runtime.GOMAXPROCS(0), tiles)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := newGPTQTileState(k)
			for {
				tile := int(next.Add(1)) - 1
				if tile >= tiles {
					return
				}
				lo, hi := tile*gptqTileRows, min((tile+1)*gptqTileRows, outC)
				t.run(w, k, lo, hi, scales, u, dead, h, q)
			}
		}()
	}
	wg.Wait()
}

// gptqTileState is one worker's scratch space, allocated once.
type gptqTileState struct {
	rows []int       // the output channels of the tile that need GPTQ
	work [][]float64 // their working copies, updated by the sweep
	qg   [][]int8    // their GPTQ roundings
	err  []float64   // this column's scaled rounding errors
	diff [][]float64 // s·(q_gptq − q_rtn), to compare the two roundings
	sum  [][]float64 // d_rtn + d_gptq, likewise
	wins []bool      // whether each row's GPTQ rounding is the better
}

func newGPTQTileState(k int) *gptqTileState {
	t := &gptqTileState{err: make([]float64, gptqTileRows), wins: make([]bool, gptqTileRows)}
	t.work = make([][]float64, gptqTileRows)
	t.qg = make([][]int8, gptqTileRows)
	t.diff = make([][]float64, gptqTileRows)
	t.sum = make([][]float64, gptqTileRows)
	for i := range t.work {
		t.work[i] = make([]float64, k)
		t.qg[i] = make([]int8, k)
		t.diff[i] = make([]float64, k)
		t.sum[i] = make([]float64, k)
	}
	return t
}

func (t *gptqTileState) run(w []float32, k, lo, hi int, scales []float32, u []float64, dead []bool, h []float64, q []int8) {
	t.rows = t.rows[:0]
	for o := lo; o < hi; o++ {
		if needsGPTQ(w[o*k:(o+1)*k], float64(scales[o]), q[o*k:(o+1)*k]) {
			t.rows = append(t.rows, o)
		}
	}
	n := len(t.rows)
	if n == 0 {
		return
	}
	work, qg, e := t.work[:n], t.qg[:n], t.err[:n]
	for r, o := range t.rows {
		for j, v := range w[o*k : (o+1)*k] {
			work[r][j] = float64(v)
			if dead[j] {
				work[r][j] = 0
			}
		}
	}
	for j := 0; j < k; j++ {
		ujj := u[j*k+j]
		for r, o := range t.rows {
			s := float64(scales[o])
			v := work[r][j]
			qv := clamp127(math.Round(v / s))
			qg[r][j] = int8(qv)
			e[r] = (v - s*qv) / ujj
		}
		tail := u[j*k+j+1 : (j+1)*k]
		r := 0
		for ; r+4 <= n; r += 4 {
			axpy64x4(tail, work[r][j+1:], work[r+1][j+1:], work[r+2][j+1:], work[r+3][j+1:],
				-e[r], -e[r+1], -e[r+2], -e[r+3])
		}
		for ; r < n; r++ {
			axpy64(work[r][j+1:], tail, -e[r])
		}
	}
	wins := t.gptqWins(w, k, scales, q, h)
	for r, o := range t.rows {
		row := q[o*k : (o+1)*k]
		if wins[r] {
			copy(row, qg[r])
		}
		// A dead input's weight never reaches the output, so storing 0
		// costs nothing whichever rounding won.
		for j, d := range dead {
			if d {
				row[j] = 0
			}
		}
	}
}

// needsGPTQ reports whether a row can gain from error compensation. An
// all-zero row cannot, and neither can a row whose round-to-nearest is
// exact: its output error is already zero, and the float residue of a
// checkpoint's own int8 grid (w = float32(s·q), s recomputed from max|w|)
// must not be propagated into different roundings.
func needsGPTQ(w []float32, s float64, qRTN []int8) bool {
	for j, v := range w {
		if math.Abs(float64(v)/s-float64(qRTN[j])) > 1e-4 {
			return true
		}
	}
	return false
}

// gptqWins reports, for each row of the tile, whether its GPTQ rounding
// has a strictly lower output error dᵀHd, d = w − s·q, than
// round-to-nearest's (held in q). It evaluates
// d_rᵀHd_r − d_gᵀHd_g = (d_r − d_g)ᵀ H (d_r + d_g), which only touches the
// rows of H where the two roundings differ; each such row of H is read
// once for the whole tile.
func (t *gptqTileState) gptqWins(w []float32, k int, scales []float32, q []int8, h []float64) []bool {
	n := len(t.rows)
	for r, o := range t.rows {
		s := float64(scales[o])
		qr, qg := q[o*k:(o+1)*k], t.qg[r]
		for j, v := range w[o*k : (o+1)*k] {
			t.diff[r][j] = s * float64(int(qg[j])-int(qr[j]))
			t.sum[r][j] = 2*float64(v) - s*float64(int(qg[j])+int(qr[j]))
		}
	}
	gain := t.err[:n]
	clear(gain)
	for j := 0; j < k; j++ {
		hj := h[j*k : (j+1)*k]
		for r := 0; r < n; r++ {
			if d := t.diff[r][j]; d != 0 {
				gain[r] += d * dot64(hj, t.sum[r])
			}
		}
	}
	wins := t.wins[:n]
	for r, g := range gain {
		wins[r] = g > 0
	}
	return wins
}

func clamp127(x float64) float64 { return math.Max(-127, math.Min(127, x)) }

// gptqParallelMin is the work (in multiply-adds) below which spreading a loop
// over goroutines costs more than it saves, and gptqGrain the least work
// worth one hand-out from the shared counter.
const (
	gptqParallelMin = 1 << 16
	gptqGrain       = 1 << 12
)

// gptqParallel calls f(i) for i in [0, n), on all CPUs when parallel is set.
// Indices are handed out in blocks of grain, so uneven costs still balance
// while cheap ones do not contend on the counter.
func gptqParallel(n int, parallel bool, grain int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+grain-1)/grain)
	if !parallel || workers < 2 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(int64(grain))) - grain
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+grain, n); i++ {
					f(i)
				}
			}
		}()
	}
	wg.Wait()
}

func dot64(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy64 sets y += alpha·x.
func axpy64(y, x []float64, alpha float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// axpy64x4 sets yi += ai·x for four rows at once, loading x once.
func axpy64x4(x, y0, y1, y2, y3 []float64, a0, a1, a2, a3 float64) {
	n := len(x)
	y0, y1, y2, y3 = y0[:n], y1[:n], y2[:n], y3[:n]
	for i, v := range x {
		y0[i] += a0 * v
		y1[i] += a1 * v
		y2[i] += a2 * v
		y3[i] += a3 * v
	}
}

func finite32s(x []float32) bool {
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return false
		}
	}
	return true
}

func finite64s(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
