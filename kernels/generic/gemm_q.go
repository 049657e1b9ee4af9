package generic

// The integer GEMM under every non-depthwise quantized conv: rows of
// activations (a pixel's channels, or an im2col patch) times rows of OHWI
// weights, both contiguous along K.
//
// Go has no SIMD, so the kernel gets several products out of each 64-bit
// multiply (SWAR): weights of different output channels are packed into
// the lanes of one int64, w = w0 + w1·2^b + w2·2^2b, so that one
// activation a gives a·w = a·w0 + a·w1·2^b + a·w2·2^2b. A sum of such
// terms splits back exactly into its lanes as long as every lane's sum
// stays within its b bits (signed): int8 activations use three 21-bit
// lanes, and a run of at most 63 products of |a·w| ≤ 2^14 stays below
// 2^20; int16 activations use two 32-bit lanes and runs of at most 511
// products of |a·w| ≤ 2^22. The lanes of consecutive runs are added in
// int32, so the result is exactly int32 (wrapping) accumulation.

// qWords is the number of int64 words in one step of a packed panel.
const qWords = 4

// qPanel is one K step of a packed weight panel: qWords words of
// qLayout.lanes channels each; word j, lane l holds channel j·lanes+l.
type qPanel = [qWords]int64

// qMaxPanel is the most output channels one panel holds.
const qMaxPanel = qWords * 3

// qLayout is how a kernel packs weights for activations of one type.
type qLayout struct {
	lanes int  // channels per word
	bits  uint // lane width
	run   int  // longest run of products whose lane sums cannot overflow
}

func qLayoutFor[In Q]() qLayout {
	if qSize[In]() == 1 {
		return qLayout{lanes: 3, bits: 21, run: 63}
	}
	return qLayout{lanes: 2, bits: 32, run: 511}
}

// panelN is the number of output channels in one panel.
func (l qLayout) panelN() int { return qWords * l.lanes }

// qSplit3 adds the three 21-bit lanes of the SWAR sum s to acc[0:3].
func qSplit3(acc []int32, s int64) {
	a := s << 43 >> 43
	s = (s - a) >> 21
	b := s << 43 >> 43
	acc = acc[:3]
	acc[0] += int32(a)
	acc[1] += int32(b)
	acc[2] += int32((s - b) >> 21)
}

// qSplit2 adds the two 32-bit lanes of the SWAR sum s to acc[0:2].
func qSplit2(acc []int32, s int64) {
	a := int64(int32(s))
	acc = acc[:2]
	acc[0] += int32(a)
	acc[1] += int32((s - a) >> 32)
}

// qPackPanels packs the n×k weight rows w (row stride k) into
// ceil(n/panelN) panels of k steps each (dst[pn*k+kk] is step kk of panel
// pn). Channels beyond n read zero, a buffer of at least k zeros.
func qPackPanels(l qLayout, w []int8, n, k int, dst []qPanel, zero []int8) {
	pc := l.panelN()
	row := func(c int) []int8 {
		if c < n {
			return w[c*k : c*k+k]
		}
		return zero[:k]
	}
	for pn := 0; pn*pc < n; pn++ {
		d := dst[pn*k : pn*k+k]
		for j := 0; j < qWords; j++ {
			c := pn*pc + j*l.lanes
			if l.lanes == 3 {
				a, b, e := row(c), row(c+1), row(c+2)
				for kk := range d {
					d[kk][j] = int64(a[kk]) + int64(b[kk])<<21 + int64(e[kk])<<42
				}
				continue
			}
			a, b := row(c), row(c+1)
			for kk := range d {
				d[kk][j] = int64(a[kk]) + int64(b[kk])<<32
			}
		}
	}
}

// qDot4 is the micro-kernel: the SWAR sums of one activation row x
// against a run of one panel's four words (len(wp) == len(x)). It is kept
// out of line so that its loop gets registers of its own: inlined into
// the driver, Go's register allocator spills the accumulators.
//
//go:noinline
func qDot4[In Q](x []In, wp []qPanel) (s0, s1, s2, s3 int64) {
	wp = wp[:len(x)]
	for k, a := range x {
		w := &wp[k]
		av := int64(a)
		s0 += av * w[0]
		s1 += av * w[1]
		s2 += av * w[2]
		s3 += av * w[3]
	}
	return
}

// qDot2 is qDot4 for a panel whose last two words are empty.
//
//go:noinline
func qDot2[In Q](x []In, wp []qPanel) (s0, s1 int64) {
	wp = wp[:len(x)]
	for k, a := range x {
		w := &wp[k]
		av := int64(a)
		s0 += av * w[0]
		s1 += av * w[1]
	}
	return
}

// qTileRows is how many rows the GEMM accumulates before running the
// epilogue over them.
const qTileRows = 16

// qGemm computes m rows × n output channels against packed panels (k
// steps each, ceil(n/panelN) of them): row r is x[r*xs : r*xs+k], and its
// result for channel j goes through the epilogue as channel o0+j into
// out[r*os+j]. Blocks of qTileRows rows meet every panel while they are
// in L1, and the epilogue then runs over whole output rows.
func qGemm[In Q, Out qOut](e *qEpi, s *qScratch, l qLayout, m, k int, x []In, xs int, panels []qPanel, n, o0 int, out []Out, os int) {
	pc := l.panelN()
	tile := s.int32Buf(qTileRows * n)
	for r0 := 0; r0 < m; r0 += qTileRows {
		rows := min(qTileRows, m-r0)
		for pn := 0; pn*pc < n; pn++ {
			wp := panels[pn*k : pn*k+k]
			c0 := pn * pc
			nc := min(pc, n-c0)
			narrow := nc <= 2*l.lanes
			var acc [qMaxPanel]int32
			for r := 0; r < rows; r++ {
				x0 := (r0 + r) * xs
				qGemmRow(l, x[x0:x0+k], wp, narrow, acc[:])
				copy(tile[r*n+c0:r*n+c0+nc], acc[:nc])
			}
		}
		qFinish(e, tile, n, rows, n, o0, out[r0*os:], os)
	}
}

// qGemmRow computes one row's int32 sums against one panel into acc, one
// run of K at a time.
func qGemmRow[In Q](l qLayout, x []In, wp []qPanel, narrow bool, acc []int32) {
	acc = acc[:qMaxPanel]
	clear(acc)
	k := len(x)
	wp = wp[:k]
	for k0 := 0; k0 < k; k0 += l.run {
		k1 := min(k0+l.run, k)
		xr, wr := x[k0:k1], wp[k0:k1]
		switch {
		case l.lanes == 3 && narrow:
			s0, s1 := qDot2(xr, wr)
			qSplit3(acc[0:], s0)
			qSplit3(acc[3:], s1)
		case l.lanes == 3:
			s0, s1, s2, s3 := qDot4(xr, wr)
			qSplit3(acc[0:], s0)
			qSplit3(acc[3:], s1)
			qSplit3(acc[6:], s2)
			qSplit3(acc[9:], s3)
		case narrow:
			s0, s1 := qDot2(xr, wr)
			qSplit2(acc[0:], s0)
			qSplit2(acc[2:], s1)
		default:
			s0, s1, s2, s3 := qDot4(xr, wr)
			qSplit2(acc[0:], s0)
			qSplit2(acc[2:], s1)
			qSplit2(acc[4:], s2)
			qSplit2(acc[6:], s3)
		}
	}
}

// qGemmDirect is the GEMM for one or two rows, where packing the weights
// would cost more than the SWAR saves: plain int32 dot products, four
// output channels at a time, straight from the OHWI rows.
func qGemmDirect[In Q, Out qOut](e *qEpi, s *qScratch, m, k int, x []In, xs int, w []int8, n, o0 int, out []Out, os int) {
	acc := s.int32Buf(n)
	for r := 0; r < m; r++ {
		xr := x[r*xs : r*xs+k]
		c := 0
		for ; c+4 <= n; c += 4 {
			acc[c], acc[c+1], acc[c+2], acc[c+3] = qDotDirect4(xr, w[c*k:(c+1)*k], w[(c+1)*k:(c+2)*k], w[(c+2)*k:(c+3)*k], w[(c+3)*k:(c+4)*k])
		}
		for ; c < n; c++ {
			var sum int32
			for kk, v := range w[c*k : (c+1)*k] {
				sum += int32(xr[kk]) * int32(v)
			}
			acc[c] = sum
		}
		qFinish(e, acc, n, 1, n, o0, out[r*os:], os)
	}
}

// qDotDirect4 returns the int32 dot products of x with four weight rows.
//
//go:noinline
func qDotDirect4[In Q](x []In, w0, w1, w2, w3 []int8) (s0, s1, s2, s3 int32) {
	w0, w1, w2, w3 = w0[:len(x)], w1[:len(x)], w2[:len(x)], w3[:len(x)]
	for k, a := range x {
		v := int32(a)
		s0 += v * int32(w0[k])
		s1 += v * int32(w1[k])
		s2 += v * int32(w2[k])
		s3 += v * int32(w3[k])
	}
	return
}
