package generic

import (
	"sync"
	"unsafe"
)

// The integer GEMM under every non-depthwise quantized conv: rows of
// activations (a pixel's channels, or an im2col patch) times rows of OHWI
// weights, both contiguous along K.
//
// Go has no SIMD, so the kernel multiplies two products per instruction
// with 64-bit SWAR: a weight pair packed as p = w0 + w1·2^32 gives
// a·p = a·w0 + a·w1·2^32, and a sum of such terms S = L + H·2^32 splits
// back exactly into L = int32(S) and H = (S-L)>>32 as long as |L|, |H|
// stay below 2^31. Runs of K are cut short enough to guarantee that (all
// of K for int8 activations, 511 for int16), and the runs are added in
// int32: the result is exactly int32 (wrapping) accumulation.

// qPanelN is the number of output channels in one packed weight panel.
const qPanelN = 8

// qPanel is one K step of a panel: the weights of 8 output channels packed
// in pairs, pair j holding channel 2j in its low and 2j+1 in its high half.
type qPanel = [qPanelN / 2]int64

// qScratch is per-call working memory, pooled so that a steady-state
// inference allocates nothing.
type qScratch struct {
	panels []qPanel
	col8   []int8
	col16  []int16
	wt     []int8
	idx    []int
}

var qScratchPool = sync.Pool{New: func() any { return new(qScratch) }}

func qGetScratch() *qScratch   { return qScratchPool.Get().(*qScratch) }
func qPutScratch(s *qScratch) { qScratchPool.Put(s) }

func (s *qScratch) panelBuf(n int) []qPanel {
	if cap(s.panels) < n {
		s.panels = make([]qPanel, n)
	}
	return s.panels[:n]
}

func (s *qScratch) wtBuf(n int) []int8 {
	if cap(s.wt) < n {
		s.wt = make([]int8, n)
	}
	return s.wt[:n]
}

func (s *qScratch) idxBuf(n int) []int {
	if cap(s.idx) < n {
		s.idx = make([]int, n)
	}
	return s.idx[:n]
}

// qColBuf returns an im2col buffer of n elements of type In.
func qColBuf[In Q](s *qScratch, n int) []In {
	var z In
	if unsafe.Sizeof(z) == 1 {
		if cap(s.col8) < n {
			s.col8 = make([]int8, n)
		}
		return unsafe.Slice((*In)(unsafe.Pointer(unsafe.SliceData(s.col8))), n)
	}
	if cap(s.col16) < n {
		s.col16 = make([]int16, n)
	}
	return unsafe.Slice((*In)(unsafe.Pointer(unsafe.SliceData(s.col16))), n)
}

// qRunK is the longest run of K whose per-lane sums provably fit in int32:
// |a·w| ≤ 2^7·2^7 for int8 activations, 2^15·2^7 for int16.
func qRunK[In Q]() int {
	lo, _ := qRange[In]()
	return (1<<31 - 1) / (int(-lo) * 128)
}

// qPackPanels packs the n×k weight rows w (row stride k) into
// ceil(n/8) panels of k steps each: dst[pn*k+kk][j] holds the weights of
// channels 8pn+2j and 8pn+2j+1 at kk. Channels beyond n are zero.
func qPackPanels(w []int8, n, k int, dst []qPanel) {
	for pn := 0; pn*qPanelN < n; pn++ {
		d := dst[pn*k : pn*k+k]
		for j := 0; j < qPanelN/2; j++ {
			c0, c1 := pn*qPanelN+2*j, pn*qPanelN+2*j+1
			switch {
			case c1 < n:
				w0, w1 := w[c0*k:c0*k+k], w[c1*k:c1*k+k]
				for kk := range d {
					d[kk][j] = int64(w0[kk]) + int64(w1[kk])<<32
				}
			case c0 < n:
				w0 := w[c0*k : c0*k+k]
				for kk := range d {
					d[kk][j] = int64(w0[kk])
				}
			default:
				for kk := range d {
					d[kk][j] = 0
				}
			}
		}
	}
}

// qSplit returns the low and high int32 lanes of a SWAR sum.
func qSplit(s int64) (lo, hi int32) {
	lo = int32(s)
	return lo, int32((s - int64(lo)) >> 32)
}

// qDot2 is the 2-row × 8-channel micro-kernel: the SWAR sums of rows x0 and
// x1 against one panel run (len(wp) == len(x0) == len(x1)).
func qDot2[In Q](x0, x1 []In, wp []qPanel) (s0, s1, s2, s3, t0, t1, t2, t3 int64) {
	wp = wp[:len(x0)]
	x1 = x1[:len(x0)]
	for k, a := range x0 {
		w := &wp[k]
		av, bv := int64(a), int64(x1[k])
		s0 += av * w[0]
		s1 += av * w[1]
		s2 += av * w[2]
		s3 += av * w[3]
		t0 += bv * w[0]
		t1 += bv * w[1]
		t2 += bv * w[2]
		t3 += bv * w[3]
	}
	return
}

// qDot1 is the 1-row × 8-channel micro-kernel.
func qDot1[In Q](x0 []In, wp []qPanel) (s0, s1, s2, s3 int64) {
	wp = wp[:len(x0)]
	for k, a := range x0 {
		w := &wp[k]
		av := int64(a)
		s0 += av * w[0]
		s1 += av * w[1]
		s2 += av * w[2]
		s3 += av * w[3]
	}
	return
}

// qAdd4 adds four SWAR sums into acc[0:8] (int32, wrapping).
func qAdd4(acc *[qPanelN]int32, s0, s1, s2, s3 int64) {
	l, h := qSplit(s0)
	acc[0] += l
	acc[1] += h
	l, h = qSplit(s1)
	acc[2] += l
	acc[3] += h
	l, h = qSplit(s2)
	acc[4] += l
	acc[5] += h
	l, h = qSplit(s3)
	acc[6] += l
	acc[7] += h
}

// qGemm computes m rows × n output channels against packed panels (n
// channels, K = len(panels)/ceil(n/8) steps each): row r is
// x[r*xs : r*xs+k], its result for channel j goes through the epilogue
// as channel o0+j into out[r*os+j].
func qGemm[In Q, Out qOut](e *qEpi, m, k int, x []In, xs int, panels []qPanel, n, o0 int, out []Out, os int) {
	run := qRunK[In]()
	for pn := 0; pn*qPanelN < n; pn++ {
		wp := panels[pn*k : pn*k+k]
		c0 := pn * qPanelN
		nc := min(qPanelN, n-c0)
		r := 0
		for ; r+1 < m; r += 2 {
			var a0, a1 [qPanelN]int32
			x0, x1 := x[r*xs:r*xs+k], x[(r+1)*xs:(r+1)*xs+k]
			for k0 := 0; k0 < k; k0 += run {
				k1 := min(k0+run, k)
				s0, s1, s2, s3, t0, t1, t2, t3 := qDot2(x0[k0:k1], x1[k0:k1], wp[k0:k1])
				qAdd4(&a0, s0, s1, s2, s3)
				qAdd4(&a1, t0, t1, t2, t3)
			}
			qStore(e, a0[:nc], o0+c0, out[r*os+c0:])
			qStore(e, a1[:nc], o0+c0, out[(r+1)*os+c0:])
		}
		if r < m {
			var a0 [qPanelN]int32
			x0 := x[r*xs : r*xs+k]
			for k0 := 0; k0 < k; k0 += run {
				k1 := min(k0+run, k)
				s0, s1, s2, s3 := qDot1(x0[k0:k1], wp[k0:k1])
				qAdd4(&a0, s0, s1, s2, s3)
			}
			qStore(e, a0[:nc], o0+c0, out[r*os+c0:])
		}
	}
}
