//go:build !purego

package arm64

import (
	"math"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// The element-wise ops, with kernels/generic's signatures. Each returns
// false, having done nothing, when its parameters are outside what the
// NEON kernels reproduce exactly (the caller then runs kernels/generic);
// elements that do not fill a vector go through kernels/generic too.

func size[T generic.Q]() int {
	var z T
	return int(unsafe.Sizeof(z))
}

func fits(v int32, b16 bool) bool {
	if b16 {
		return v >= math.MinInt16 && v <= math.MaxInt16
	}
	return v >= math.MinInt8 && v <= math.MaxInt8
}

// shiftOK: a Requantize shift that SQSHL/SRSHL apply exactly.
func shiftOK(s int32) bool { return s >= -31 && s <= 31 }

// outOK: an output zero point the narrowing adds exactly (int8 outputs add
// it in int16 lanes) and the clamp bounds in the output type.
func outOK(zp, lo, hi int32, out16 bool) (int32, int32, bool) {
	tlo, thi := int32(math.MinInt8), int32(math.MaxInt8)
	if out16 {
		tlo, thi = math.MinInt16, math.MaxInt16
	}
	lo, hi = max(lo, tlo), min(hi, thi)
	if !out16 && (zp < -32640 || zp > 32640) {
		return 0, 0, false
	}
	return lo, hi, true
}

func shifts(s int32) (shl, shr int32) { return max(s, 0), min(s, 0) }

// RescaleQ is generic.RescaleQ.
func RescaleQ[In, Out generic.Q](p *generic.QRescale, in []In, out []Out) bool {
	in16, out16 := size[In]() == 2, size[Out]() == 2
	lo, hi, ok := outOK(p.OutZP, p.OutMin, p.OutMax, out16)
	if !ok || !shiftOK(p.Shift) || !fits(p.InZP, in16) {
		return false
	}
	n := len(out)
	in = in[:n]
	m := n &^ 15
	shl, shr := shifts(p.Shift)
	sc := [8]int32{p.InZP, p.OutZP, lo, hi, p.Mult, shl, shr}
	// direct calls: through a func value the scalars would escape to the heap
	pi, po, psc := ptr(in), ptr(out), unsafe.Pointer(&sc)
	switch k := b2i(in16)<<2 | b2i(out16)<<1 | b2i(shl > 0); k {
	case 0:
		rescaleI8I8(pi, po, m, psc)
	case 1:
		rescaleI8I8Shl(pi, po, m, psc)
	case 2:
		rescaleI8I16(pi, po, m, psc)
	case 3:
		rescaleI8I16Shl(pi, po, m, psc)
	case 4:
		rescaleI16I8(pi, po, m, psc)
	case 5:
		rescaleI16I8Shl(pi, po, m, psc)
	case 6:
		rescaleI16I16(pi, po, m, psc)
	default:
		rescaleI16I16Shl(pi, po, m, psc)
	}
	if m < n {
		generic.RescaleQ(p, in[m:], out[m:])
	}
	return true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ptr[T any](s []T) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// AddQ is generic.AddQ (int8 tensors).
func AddQ[T generic.Q](p *generic.QAdd, a, b, out []T) bool {
	if size[T]() != 1 || p.LeftShift < 0 || p.LeftShift > 22 || !fits(p.AZP, false) || !fits(p.BZP, false) ||
		!shiftOK(p.AShift) || !shiftOK(p.BShift) || !shiftOK(p.OutShift) {
		return false
	}
	lo, hi, ok := outOK(p.OutZP, p.OutMin, p.OutMax, false)
	if !ok {
		return false
	}
	n := len(out)
	a, b = a[:n], b[:n]
	m := n &^ 15
	ashl, ashr := shifts(p.AShift)
	bshl, bshr := shifts(p.BShift)
	oshl, oshr := shifts(p.OutShift)
	sc := [16]int32{p.AZP, p.BZP, p.OutZP, lo, hi, p.LeftShift, p.AMult, ashl, ashr, p.BMult, bshl, bshr, p.OutMult, oshl, oshr}
	if ashl > 0 || bshl > 0 || oshl > 0 {
		addI8Shl(ptr(a), ptr(b), ptr(out), m, unsafe.Pointer(&sc))
	} else {
		addI8(ptr(a), ptr(b), ptr(out), m, unsafe.Pointer(&sc))
	}
	if m < n {
		generic.AddQ(p, a[m:], b[m:], out[m:])
	}
	return true
}

// MulChannelsQ is generic.MulChannelsQ, for c a multiple of 8 (int16: zero
// points 0, as calibration's int16 tensors have).
func MulChannelsQ[T generic.Q](p *generic.QMulChannels, x, g, out []T, hw, c int) bool {
	b16 := size[T]() == 2
	lo, hi, ok := outOK(p.OutZP, p.OutMin, p.OutMax, b16)
	if !ok || c%8 != 0 || hw < 1 || !shiftOK(p.Shift) {
		return false
	}
	if b16 && (p.XZP != 0 || p.GZP != 0) || !b16 && (!fits(p.XZP, false) || !fits(p.GZP, false)) {
		return false
	}
	_, _, _ = x[:hw*c], g[:c], out[:hw*c]
	shl, shr := shifts(p.Shift)
	sc := [8]int32{p.XZP, p.GZP, p.OutZP, lo, hi, p.Mult, shl, shr}
	px, pg, po, psc := ptr(x), ptr(g), ptr(out), unsafe.Pointer(&sc)
	switch {
	case b16 && shl > 0:
		mulChannelsI16Shl(px, pg, po, hw, c, psc)
	case b16:
		mulChannelsI16(px, pg, po, hw, c, psc)
	case shl > 0:
		mulChannelsI8Shl(px, pg, po, hw, c, psc)
	default:
		mulChannelsI8(px, pg, po, hw, c, psc)
	}
	return true
}

// GlobalAvgPoolQ is generic.GlobalAvgPoolQ, for c a multiple of 8.
func GlobalAvgPoolQ[In, Out generic.Q](p *generic.QRescale, in []In, hw, c int, out []Out) bool {
	in16, out16 := size[In]() == 2, size[Out]() == 2
	lo, hi, ok := outOK(p.OutZP, p.OutMin, p.OutMax, out16)
	corr := int64(hw) * int64(p.InZP)
	if !ok || c%8 != 0 || hw < 1 || hw >= 1<<16 || !shiftOK(p.Shift) || corr != int64(int32(corr)) {
		return false
	}
	_, _ = in[:hw*c], out[:c]
	shl, shr := shifts(p.Shift)
	sc := [8]int32{int32(corr), p.OutZP, lo, hi, p.Mult, shl, shr}
	pi, po, psc := ptr(in), ptr(out), unsafe.Pointer(&sc)
	switch k := b2i(in16)<<2 | b2i(out16)<<1 | b2i(shl > 0); k {
	case 0:
		avgPoolI8I8(pi, hw, c, po, psc)
	case 1:
		avgPoolI8I8Shl(pi, hw, c, po, psc)
	case 2:
		avgPoolI8I16(pi, hw, c, po, psc)
	case 3:
		avgPoolI8I16Shl(pi, hw, c, po, psc)
	case 4:
		avgPoolI16I8(pi, hw, c, po, psc)
	case 5:
		avgPoolI16I8Shl(pi, hw, c, po, psc)
	case 6:
		avgPoolI16I16(pi, hw, c, po, psc)
	default:
		avgPoolI16I16Shl(pi, hw, c, po, psc)
	}
	return true
}

// QuantizeF32 is generic.QuantizeF32.
func QuantizeF32[T generic.Q](in []float32, invScale float32, zp int32, out []T) bool {
	n := len(out)
	in = in[:n]
	m := n &^ 15
	sc := [2]int32{zp, int32(math.Float32bits(invScale))}
	if size[T]() == 2 {
		quantizeI16(ptr(in), ptr(out), m, unsafe.Pointer(&sc))
	} else {
		quantizeI8(ptr(in), ptr(out), m, unsafe.Pointer(&sc))
	}
	if m < n {
		generic.QuantizeF32(in[m:], invScale, zp, out[m:])
	}
	return true
}

// MaxPoolQ is generic.MaxPoolQ, for channel rows of a multiple of 8 bytes.
// Each output row is split into border pixels, whose windows are trimmed
// to the input, and the interior, in one kernel call.
func MaxPoolQ[T generic.Q](p *generic.PoolParams, in, out []T) bool {
	es := size[T]()
	cb := p.C * es
	if cb%8 != 0 || p.KH < 1 || p.KW < 1 || p.StrideW < 1 {
		return false
	}
	_, _ = in[:p.InH*p.InW*p.C], out[:p.OutH*p.OutW*p.C]
	rs, cs := p.InW*cb, cb
	// interior columns: windows fully inside horizontally
	x0 := min((p.PadL+p.StrideW-1)/p.StrideW, p.OutW)
	x1 := x0
	for x1 < p.OutW && x1*p.StrideW-p.PadL+p.KW <= p.InW {
		x1++
	}
	for oy := 0; oy < p.OutH; oy++ {
		y := oy*p.StrideH - p.PadT
		ya, yb := max(y, 0), min(y+p.KH, p.InH)
		if ya >= yb {
			return false // a window entirely in the padding: leave it to generic
		}
		orow := unsafe.Add(ptr(out), oy*p.OutW*cb)
		for ox := 0; ox < p.OutW; ox++ {
			if ox == x0 && x1 > x0 {
				maxPoolRow(es, unsafe.Add(ptr(in), ya*rs+(x0*p.StrideW-p.PadL)*cs), rs, cs, p.StrideW*cs, yb-ya, p.KW, x1-x0, cb, unsafe.Add(orow, x0*cb))
				ox = x1 - 1
				continue
			}
			x := ox*p.StrideW - p.PadL
			xa, xb := max(x, 0), min(x+p.KW, p.InW)
			if xa >= xb {
				return false
			}
			maxPoolRow(es, unsafe.Add(ptr(in), ya*rs+xa*cs), rs, cs, 0, yb-ya, xb-xa, 1, cb, unsafe.Add(orow, ox*cb))
		}
	}
	return true
}

func maxPoolRow(es int, src unsafe.Pointer, rs, cs, step, kh, kw, n, cb int, dst unsafe.Pointer) {
	if es == 2 {
		maxPoolI16(src, rs, cs, step, kh, kw, n, cb, dst)
	} else {
		maxPoolI8(src, rs, cs, step, kh, kw, n, cb, dst)
	}
}

// SliceChannelsQ is generic.SliceChannelsQ, for slices of a multiple of 8
// bytes per pixel.
func SliceChannelsQ[T generic.Q](in []T, hw, c, from, to int, out []T) bool {
	es := size[T]()
	w := (to - from) * es
	if w%8 != 0 || hw < 1 {
		return false
	}
	_, _ = in[:hw*c], out[:hw*(to-from)]
	copyRows(unsafe.Add(ptr(in), from*es), c*es, ptr(out), w, hw, w)
	return true
}

// ConcatChannelsQ is generic.ConcatChannelsQ, for parts of a multiple of 8
// bytes per pixel.
func ConcatChannelsQ[T generic.Q](a []T, ca int, b []T, cb int, hw int, out []T) bool {
	es := size[T]()
	if (ca*es)%8 != 0 || (cb*es)%8 != 0 || hw < 1 {
		return false
	}
	_, _, _ = a[:hw*ca], b[:hw*cb], out[:hw*(ca+cb)]
	c := (ca + cb) * es
	copyRows(ptr(a), ca*es, ptr(out), c, hw, ca*es)
	copyRows(ptr(b), cb*es, unsafe.Add(ptr(out), ca*es), c, hw, cb*es)
	return true
}

// ChannelShuffleQ is generic.ChannelShuffleQ for two groups of a multiple
// of 8 bytes per pixel.
func ChannelShuffleQ[T generic.Q](in, out []T, hw, c, groups int) bool {
	es := size[T]()
	if groups != 2 || c%2 != 0 || (c/2*es)%8 != 0 || hw < 1 {
		return false
	}
	_, _ = in[:hw*c], out[:hw*c]
	interleave(es, ptr(in), unsafe.Add(ptr(in), c/2*es), c*es, ptr(out), c*es, hw, c/2*es)
	return true
}

// ConcatShuffleQ is generic.ConcatShuffleQ, for halves of a multiple of 8
// bytes per pixel.
func ConcatShuffleQ[T generic.Q](a, b []T, hw, c2 int, out []T) bool {
	es := size[T]()
	if (c2*es)%8 != 0 || hw < 1 {
		return false
	}
	_, _, _ = a[:hw*c2], b[:hw*c2], out[:2*hw*c2]
	interleave(es, ptr(a), ptr(b), c2*es, ptr(out), 2*c2*es, hw, c2*es)
	return true
}

func interleave(es int, a, b unsafe.Pointer, sa int, out unsafe.Pointer, so, rows, hb int) {
	if es == 2 {
		interleaveI16(a, b, sa, out, so, rows, hb)
	} else {
		interleaveI8(a, b, sa, out, so, rows, hb)
	}
}
