//go:build !purego

package amd64

import (
	"math"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// A conv runs as one of three kinds: a GEMM over the input's own pixel
// rows (k1x1), a GEMM over gathered patches (kIm2col), or the depthwise
// kernels (kDepthwise); the kernels' Go types follow.
type convKind uint8

const (
	k1x1 convKind = iota
	kIm2col
	kDepthwise
)

type (
	gemmFunc   = func(a unsafe.Pointer, lda, m, steps int, w unsafe.Pointer, nb, half int, acc unsafe.Pointer, ldc int)
	epiFunc    = func(acc unsafe.Pointer, ldacc, rows, n int, prm, out unsafe.Pointer, ldout int, sc unsafe.Pointer)
	dwFunc     = func(src, taps unsafe.Pointer, ow, step int, w unsafe.Pointer, nblk int, acc unsafe.Pointer, accs int)
	dwRowsFunc = func(src unsafe.Pointer, rps, ow int, w unsafe.Pointer, nblk, bstride int, acc unsafe.Pointer, accs int)
)

// Conv is a convolution packed for these kernels: the weights in a GEMM
// micro-kernel's block layout and the epilogue's parameters. It is
// immutable after PackConv and shared by the Runners of all its bands.
type Conv struct {
	p       generic.QConv
	kind    convKind
	in, out generic.DType
	wide    bool // the GEMM reads int16 activations: int8 inputs are widened as they are copied
	aesz    int  // bytes of one activation as the GEMM reads it
	k, kp   int  // GEMM depth, and padded to a whole step
	mr      int  // rows per micro-tile
	npad    int  // an accumulator row: the channels of the blocks
	w       []byte
	nb      int        // full blocks
	half    int        // 1: a half-width block follows them
	gemm    gemmFunc   // mr rows at a time
	gemm1   gemmFunc   // the same, one row at a time: the rows left over
	dw      dwFunc     // AVX-512 depthwise (pixel-major input)
	dwRows  dwRowsFunc // AVX2 depthwise (row-pair layout), if not dw
	dwBlock int        // channels per depthwise block
	prm     []int32    // the epilogue's per-channel parameters (packAVX2, pack512) or float scales
	sc      *epiConsts // the epilogue's constant vectors
	epi     epiFunc
	// flat accumulator rows go through the epilogue as one row of
	// flat·OutC channels, with prmFlat: see packEpilogue
	flat    int
	prmFlat []int32
}

// epiConsts are the epilogue's constant vectors, in the order of
// internal/asmgen's cRound ... cPHi.
type epiConsts [26][8]int32

// tileBytes bounds an accumulator tile, so that it stays in L1.
const tileBytes = 32 << 10

func round(n, m int) int { return (n + m - 1) / m * m }

// PackConv packs the conv p (dense, or depthwise 3×3 or 5×5) for the
// kernels of isa: with int8 weights w8 and in elements, or int16 weights
// w16 and int8 inputs (kernels/generic's ConvQW16, dense only), writing
// out elements. ok is false for the generic path (None) and what the
// kernels do not reproduce exactly — other grouped convs, fewer than 8
// output channels, parameters outside the epilogue's exact range (see
// epilogueOK) — and kernels/generic runs it instead.
func PackConv(isa ISA, p *generic.QConv, w8 []int8, w16 []int16, in, out generic.DType) (*Conv, bool) {
	cp := &p.ConvParams
	if g := max(cp.Groups, 1); g != 1 {
		if g != cp.InC || g != cp.OutC || cp.KH != cp.KW || cp.KH != 3 && cp.KH != 5 || w16 != nil {
			return nil, false
		}
	}
	if isa == None || cp.OutC < 8 || in == generic.Float32 ||
		p.Validate(cp.InH*cp.InW*cp.InC, max(len(w8), len(w16)), cp.OutH*cp.OutW*cp.OutC) != nil ||
		(p.Epi == generic.EpiFloat) != (out == generic.Float32) || !epilogueOK(isa, p, out) {
		return nil, false
	}
	if max(cp.Groups, 1) != 1 {
		return packDepthwise(isa, p, w8, in, out)
	}
	n, k := cp.OutC, cp.KH*cp.KW*cp.InC
	c := &Conv{p: *p, in: in, out: out, k: k, kind: kIm2col}
	if cp.KH == 1 && cp.KW == 1 && cp.StrideH == 1 && cp.StrideW == 1 && cp.PadT == 0 && cp.PadL == 0 &&
		cp.OutH == cp.InH && cp.OutW == cp.InW {
		c.kind = k1x1
	}
	weight := func(o, kk int) int32 {
		if w16 != nil {
			return int32(w16[o*k+kk])
		}
		return int32(w8[o*k+kk])
	}
	bias := func(o int) int32 { return p.Bias[o] }
	// AVX2: 8 int32 lanes × 2 vectors, int16 pairs; int8 weights stay
	// bytes (wsz 1), widened as the kernel loads them
	nr, group, wsz := 16, 2, 1
	if w16 != nil {
		wsz = 2
	}
	switch {
	case isa == VNNI && in == generic.Int8 && w16 == nil:
		nr, group = 32, 4
		c.gemm, c.gemm1, c.mr, c.aesz = gemmI8I8_8x32c4_VNNI, gemmI8I8_1x32c4_VNNI, 8, 1
		// VPDPBUSD multiplies activations offset to a+128: their extra
		// 128·Σw comes off the bias (int32, wrapping like the sums)
		bias = func(o int) int32 {
			s := int32(0)
			for kk := 0; kk < k; kk++ {
				s += weight(o, kk)
			}
			return p.Bias[o] - 128*s
		}
	case isa == VNNI && w16 != nil:
		nr = 32
		c.gemm, c.gemm1, c.mr, c.aesz = gemmI16I16_8x32c2_VNNI, gemmI16I16_1x32c2_VNNI, 8, 2
	case isa == VNNI:
		nr = 32
		c.gemm, c.gemm1, c.mr, c.aesz = gemmI16I8_8x32c2_VNNI, gemmI16I8_1x32c2_VNNI, 8, 2
	case w16 != nil:
		c.gemm, c.gemm1, c.mr, c.aesz = gemmI16I16_6x16c2_AVX2, gemmI16I16_1x16c2_AVX2, 6, 2
	default:
		c.gemm, c.gemm1, c.mr, c.aesz = gemmI16I8_6x16c2_AVX2, gemmI16I8_1x16c2_AVX2, 6, 2
	}
	c.wide = c.aesz == 2 && in == generic.Int8
	c.kp = round(k, group)
	c.nb, c.half = n/nr, 0
	switch r := n % nr; {
	case r > nr/2:
		c.nb++
	case r > 0:
		c.half = 1
	}
	c.npad = c.nb*nr + c.half*nr/2
	c.w = packBlocks(weight, bias, n, k, c.kp, nr, group, wsz, c.nb, c.half)
	c.packEpilogue(isa, p, out)
	return c, true
}

// packBlocks lays the weights out as the GEMM kernels read them: per block
// of width channels (nb of nr, then half of nr/2) width int32 biases, then
// per step of group k (4 int8 weights, or 2 int16 ones, or 2 int8 ones
// that the kernel widens) the width channels' weights, of esz bytes each;
// channels past n and k past k are 0.
func packBlocks(weight func(o, kk int) int32, bias func(o int) int32, n, k, kp, nr, group, esz, nb, half int) []byte {
	var out []byte
	o0 := 0
	for b := 0; b < nb+half; b++ {
		width := nr
		if b == nb {
			width = nr / 2
		}
		blk := make([]byte, 4*width+width*kp*esz)
		for l := 0; l < width; l++ {
			if o := o0 + l; o < n {
				*(*int32)(unsafe.Pointer(&blk[4*l])) = bias(o)
			}
		}
		d := blk[4*width:]
		for s := 0; s < kp/group; s++ {
			for l := 0; l < width; l++ {
				for j := 0; j < group; j++ {
					o, kk := o0+l, s*group+j
					if o >= n || kk >= k {
						continue
					}
					at := ((s*width+l)*group + j) * esz
					if esz == 1 {
						d[at] = byte(int8(weight(o, kk)))
					} else {
						*(*int16)(unsafe.Pointer(&d[at])) = int16(weight(o, kk))
					}
				}
			}
		}
		out = append(out, blk...)
		o0 += width
	}
	return out
}

// epilogueOK reports whether p's requantization is within what the
// epilogue kernels reproduce exactly: multipliers other than -2^31, shifts
// within ±31 (VPSLLVD/VPSRAVD), the zero point of an int8 output added in
// saturating int16 lanes (|zp| ≤ 32640 with int8 bounds), an int16
// output's within int16, and hardswish's pre·t within int32. The AVX2
// epilogues clamp instead of saturating a left shift, which needs a
// multiplier of at least 2^30 in magnitude where the shift is to the left
// (as generic.QuantizeMultiplier's always are; see asmgen's fused).
func epilogueOK(isa ISA, p *generic.QConv, out generic.DType) bool {
	if p.Epi == generic.EpiFloat {
		return true
	}
	mulOK := func(m, s int32) bool {
		if isa == AVX2 && s > 0 && (m > -1<<30 && m < 1<<30) {
			return false
		}
		return m != math.MinInt32 && s >= -31 && s <= 31
	}
	for o := 0; o < p.OutC; o++ {
		if !mulOK(p.Mult[o], p.Shift[o]) {
			return false
		}
	}
	lo, hi := bounds(p, out)
	if lo > hi {
		return false
	}
	if out == generic.Int8 && (p.OutZP < -32640 || p.OutZP > 32640) || out == generic.Int16 && (p.OutZP < -32768 || p.OutZP > 32767) {
		return false
	}
	switch p.Epi {
	case generic.EpiHardswish, generic.EpiHardsigmoid:
		return mulOK(p.PostMult, p.PostShift) && p.Six >= 0 && p.Six <= 1<<16 && p.Three >= -1<<30 && p.Three <= 1<<30
	}
	return true
}

// bounds is [OutMin, OutMax] within the output type.
func bounds(p *generic.QConv, out generic.DType) (lo, hi int32) {
	if out == generic.Int16 {
		return max(p.OutMin, math.MinInt16), min(p.OutMax, math.MaxInt16)
	}
	return max(p.OutMin, math.MinInt8), min(p.OutMax, math.MaxInt8)
}

// shifts splits a Requantize shift into the kernels' left shift, right
// shift and right shift - 1 (32 where there is none: VPSRLVD then yields
// no rounding bit).
func shifts(s int32) (ls, rs, rsm1 int32) {
	ls, rs = max(s, 0), max(-s, 0)
	rsm1 = rs - 1
	if rs == 0 {
		rsm1 = 32
	}
	return ls, rs, rsm1
}

// fused is the AVX-512 epilogues' 64-bit rounding constant and shift for
// a Requantize right shift rs (see internal/asmgen/epi512.go).
func fused(rs int32) (r, s int64) {
	r = 1 << 30
	if rs > 0 {
		r += 1 << (30 + rs)
	}
	return r, 31 + int64(rs)
}

// packEpilogue packs c's epilogue for p on isa: the per-channel
// parameters for npad channels, the constants, the kernel; and, when the
// accumulator rows are as long as the output's (npad = OutC) and short,
// the parameters of flat rows at a time taken as one, about 128 channels:
// the epilogue loops per row, and on a stem's 16 or 24 channels the loop
// cost as much as a third of the arithmetic.
func (c *Conv) packEpilogue(isa ISA, p *generic.QConv, out generic.DType) {
	c.prm, c.sc, c.epi = packEpiParams(isa, p, out, c.npad)
	n := p.OutC
	if p.Epi == generic.EpiFloat || c.npad != n || n >= 128 || n%8 != 0 {
		return
	}
	c.flat = (128 + n - 1) / n
	if isa == VNNI && n*c.flat%16 != 0 {
		c.flat++ // whole vectors of 16
	}
	q := *p
	q.OutC = n * c.flat
	q.Mult, q.Shift = make([]int32, q.OutC), make([]int32, q.OutC)
	for r := range c.flat {
		copy(q.Mult[r*n:], p.Mult[:n])
		copy(q.Shift[r*n:], p.Shift[:n])
	}
	c.prmFlat, _, _ = packEpiParams(isa, &q, out, q.OutC)
}

// packEpiParams returns the epilogue's per-channel parameters for isa
// (npad channels), its constants and its kernel.
func packEpiParams(isa ISA, p *generic.QConv, out generic.DType, npad int) ([]int32, *epiConsts, epiFunc) {
	if p.Epi == generic.EpiFloat {
		prm := make([]int32, npad)
		for o := 0; o < p.OutC; o++ {
			prm[o] = int32(math.Float32bits(p.OutScale[o]))
		}
		if isa == VNNI {
			return prm, &epiConsts{}, requantI32F32_AVX512
		}
		return prm, &epiConsts{}, requantI32F32_AVX2
	}
	// a left shift anywhere selects the kernels that saturate it
	shl := false
	for _, sh := range p.Shift[:p.OutC] {
		shl = shl || sh > 0
	}
	lo, hi := bounds(p, out)
	pls, prs, _ := shifts(p.PostShift)
	act := p.Epi == generic.EpiHardswish || p.Epi == generic.EpiHardsigmoid
	shl = shl || act && pls > 0
	words := func(v int32) int32 { return int32(uint32(uint16(v)) * 0x10001) }
	sc := &epiConsts{}
	for l := range 8 {
		sc[2][l] = math.MaxInt32
		sc[3][l], sc[4][l], sc[5][l] = words(p.OutZP), words(lo), words(hi)
		sc[6][l], sc[7][l], sc[8][l] = p.Three, p.Six, p.PostMult
		sc[11][l] = pls
		sc[12][l], sc[13][l] = math.MinInt16, math.MaxInt16
		sc[16][l], sc[17][l], sc[18][l] = p.OutZP, -1<<16, 1<<16-1
	}
	pr, ps := fused(prs)
	*(*int64)(unsafe.Pointer(&sc[19])) = pr
	*(*int64)(unsafe.Pointer(&sc[20])) = ps
	i := 4*int(p.Epi) + 2*b2i(out == generic.Int16) + b2i(shl)
	if isa == VNNI {
		return pack512(p, npad), sc, epis512[i]
	}
	fusedAVX2(p.PostShift).put(sc[21:26])
	return packAVX2(p, shl), sc, epis[i]
}

// fusedStep is the AVX2 epilogues' fused Requantize for one shift (see
// internal/asmgen/epi.go fused): the 64-bit rounding constant plus 2^62,
// the shift, 2^(62-s) mod 2^32, and the clamp that stands in for a
// saturating left shift.
type fusedStep struct {
	r      uint64
	s      int32
	sub    int32
	lo, hi int32
}

// put writes the step's uniform form to five constant vectors (asmgen's
// uniform): the rounding constant and the shift in int64 lanes, then
// 2^(62-s), lo and hi in every int32 lane.
func (f fusedStep) put(v [][8]int32) {
	for l := range 4 {
		v[0][2*l], v[0][2*l+1] = int32(f.r), int32(f.r>>32)
		v[1][2*l], v[1][2*l+1] = f.s, 0
	}
	for l := range 8 {
		v[2][l], v[3][l], v[4][l] = f.sub, f.lo, f.hi
	}
}

func fusedAVX2(shift int32) fusedStep {
	f := fusedStep{lo: math.MinInt32, hi: math.MaxInt32}
	if shift > 0 {
		l := uint(shift)
		f.s = 31 - int32(l)
		if l <= 30 {
			f.r = 1 << (30 - l)
		}
		f.lo, f.hi = -1<<(31-l), 1<<(31-l)-1
	} else {
		rs := uint(-shift)
		f.s = 31 + int32(rs)
		f.r = 1 << 30
		if rs > 0 {
			f.r += 1 << (30 + rs)
		}
	}
	f.r += 1 << 62
	f.sub = int32(uint32(uint64(1) << (62 - f.s)))
	return f
}

// packAVX2 lays out the AVX2 epilogues' per-channel parameters: a
// stream of 8-channel groups in the order the kernels take a row's
// channels (16 at a time, then 8, then the last 8 overlapping), each
// group 7 vectors of 8 int32 (9 with shl; internal/asmgen's gM ... gHi):
// multipliers, the odd channels' multipliers at the even dwords, the
// even and the odd channels' 64-bit rounding constants and shifts,
// 2^(62-s) mod 2^32, and the clamp bounds.
func packAVX2(p *generic.QConv, shl bool) []int32 {
	n := p.OutC
	var starts []int
	c := 0
	for ; c+16 <= n; c += 16 {
		starts = append(starts, c, c+8)
	}
	if c+8 <= n {
		starts = append(starts, c)
		c += 8
	}
	if c < n {
		starts = append(starts, n-8)
	}
	g := 56
	if shl {
		g = 72
	}
	prm := make([]int32, len(starts)*g)
	for i, c0 := range starts {
		grp := prm[i*g : (i+1)*g]
		for j := range 8 {
			o := c0 + j
			f := fusedAVX2(p.Shift[o])
			grp[j] = p.Mult[o]
			if j%2 == 1 {
				grp[8+j-1] = p.Mult[o]
			}
			q := 16 + 8*(j%2) + 2*(j/2) // the int64 lane of channel j among the even or the odd ones
			grp[q], grp[q+1] = int32(f.r), int32(f.r>>32)
			grp[q+16] = f.s
			grp[48+j] = f.sub
			if shl {
				grp[56+j], grp[64+j] = f.lo, f.hi
			}
		}
	}
	return prm
}

// epis are the AVX2 epilogues: by epilogue (EpiClamp, EpiHardswish,
// EpiHardsigmoid), then int16 output, then a left shift.
var epis = [...]epiFunc{
	requantClampI32I8_AVX2, requantClampI32I8_AVX2Shl, requantClampI32I16_AVX2, requantClampI32I16_AVX2Shl,
	requantHardswishI32I8_AVX2, requantHardswishI32I8_AVX2Shl, requantHardswishI32I16_AVX2, requantHardswishI32I16_AVX2Shl,
	requantHardsigmoidI32I8_AVX2, requantHardsigmoidI32I8_AVX2Shl, requantHardsigmoidI32I16_AVX2, requantHardsigmoidI32I16_AVX2Shl,
}

// epis512 are the AVX-512 epilogues, in epis' order.
var epis512 = [...]epiFunc{
	requantClampI32I8_AVX512, requantClampI32I8_AVX512Shl, requantClampI32I16_AVX512, requantClampI32I16_AVX512Shl,
	requantHardswishI32I8_AVX512, requantHardswishI32I8_AVX512Shl, requantHardswishI32I16_AVX512, requantHardswishI32I16_AVX512Shl,
	requantHardsigmoidI32I8_AVX512, requantHardsigmoidI32I8_AVX512Shl, requantHardsigmoidI32I16_AVX512, requantHardsigmoidI32I16_AVX512Shl,
}

// pack512 lays out the AVX-512 epilogues' per-channel parameters: per 16
// channels 7 vectors of 16 int32 — multipliers; the odd channels'
// multipliers at the even dwords; the even and the odd channels' fused
// 64-bit rounding constants; their 64-bit shifts; the left shifts.
func pack512(p *generic.QConv, npad int) []int32 {
	prm := make([]int32, npad/16*112)
	for o := 0; o < p.OutC; o++ {
		ch := prm[o/16*112:]
		j := o % 16
		ls, rs, _ := shifts(p.Shift[o])
		r, s := fused(rs)
		ch[j], ch[96+j] = p.Mult[o], ls
		q := 32 + 16*(j%2) + 2*(j/2) // the int64 lane of channel j, even or odd half
		ch[q], ch[q+1] = int32(r), int32(r>>32)
		ch[q+32], ch[q+33] = int32(s), int32(s>>32)
		if j%2 == 1 {
			ch[16+j-1] = p.Mult[o]
		}
	}
	return prm
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
