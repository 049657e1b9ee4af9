//go:build !purego

package arm64

import (
	"math"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// The element-wise ops, bound when an engine is planned: each constructor
// checks the op's parameters (and the shapes it is given) once and returns
// a function with kernels/generic's semantics, or ok false when the
// parameters are outside what the NEON kernels reproduce exactly (the
// caller then binds kernels/generic). The returned functions check
// nothing and allocate nothing; elements that do not fill a vector go
// through kernels/generic.

func size[T generic.Q]() int { return generic.DTypeOf[T]().Size() }

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

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ptr[T any](s []T) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// Rescale is generic.RescaleQ with p.
func Rescale[In, Out generic.Q](p *generic.QRescale) (f func(in []In, out []Out), ok bool) {
	in16, out16 := size[In]() == 2, size[Out]() == 2
	lo, hi, ok := outOK(p.OutZP, p.OutMin, p.OutMax, out16)
	if !ok || !shiftOK(p.Shift) || !fits(p.InZP, in16) {
		return nil, false
	}
	shl, shr := shifts(p.Shift)
	sc := &[8]int32{p.InZP, p.OutZP, lo, hi, p.Mult, shl, shr}
	kern := [...]func(in, out unsafe.Pointer, n int, sc unsafe.Pointer){
		rescaleI8I8, rescaleI8I8Shl, rescaleI8I16, rescaleI8I16Shl,
		rescaleI16I8, rescaleI16I8Shl, rescaleI16I16, rescaleI16I16Shl,
	}[b2i(in16)<<2|b2i(out16)<<1|b2i(shl > 0)]
	return func(in []In, out []Out) {
		n := len(out)
		in = in[:n]
		m := n &^ 15
		kern(ptr(in), ptr(out), m, unsafe.Pointer(sc))
		if m < n {
			generic.RescaleQ(p, in[m:], out[m:])
		}
	}, true
}

// Add is generic.AddQ with p, for int8 tensors.
func Add[T generic.Q](p *generic.QAdd) (f func(a, b, out []T), ok bool) {
	if size[T]() != 1 || p.LeftShift < 0 || p.LeftShift > 22 || !fits(p.AZP, false) || !fits(p.BZP, false) ||
		!shiftOK(p.AShift) || !shiftOK(p.BShift) || !shiftOK(p.OutShift) {
		return nil, false
	}
	lo, hi, ok := outOK(p.OutZP, p.OutMin, p.OutMax, false)
	if !ok {
		return nil, false
	}
	ashl, ashr := shifts(p.AShift)
	bshl, bshr := shifts(p.BShift)
	oshl, oshr := shifts(p.OutShift)
	sc := &[16]int32{p.AZP, p.BZP, p.OutZP, lo, hi, p.LeftShift, p.AMult, ashl, ashr, p.BMult, bshl, bshr, p.OutMult, oshl, oshr}
	kern := addI8
	if ashl > 0 || bshl > 0 || oshl > 0 {
		kern = addI8Shl
	}
	return func(a, b, out []T) {
		n := len(out)
		a, b = a[:n], b[:n]
		m := n &^ 15
		kern(ptr(a), ptr(b), ptr(out), m, unsafe.Pointer(sc))
		if m < n {
			generic.AddQ(p, a[m:], b[m:], out[m:])
		}
	}, true
}

// MulChannels is generic.MulChannelsQ with p on hw×c tensors, for c a
// multiple of 8 (int16: zero points 0, as calibration's int16 tensors
// have).
func MulChannels[T generic.Q](p *generic.QMulChannels, hw, c int) (f func(x, g, out []T), ok bool) {
	b16 := size[T]() == 2
	lo, hi, ok := outOK(p.OutZP, p.OutMin, p.OutMax, b16)
	if !ok || c%8 != 0 || hw < 1 || !shiftOK(p.Shift) {
		return nil, false
	}
	if b16 && (p.XZP != 0 || p.GZP != 0) || !b16 && (!fits(p.XZP, false) || !fits(p.GZP, false)) {
		return nil, false
	}
	shl, shr := shifts(p.Shift)
	sc := &[8]int32{p.XZP, p.GZP, p.OutZP, lo, hi, p.Mult, shl, shr}
	kern := [...]func(x, g, out unsafe.Pointer, hw, c int, sc unsafe.Pointer){
		mulChannelsI8, mulChannelsI8Shl, mulChannelsI16, mulChannelsI16Shl,
	}[b2i(b16)<<1|b2i(shl > 0)]
	return func(x, g, out []T) {
		_, _, _ = x[:hw*c], g[:c], out[:hw*c]
		kern(ptr(x), ptr(g), ptr(out), hw, c, unsafe.Pointer(sc))
	}, true
}

// GlobalAvgPool is generic.GlobalAvgPoolQ with p over hw pixels of c
// channels, for c a multiple of 8.
func GlobalAvgPool[In, Out generic.Q](p *generic.QRescale, hw, c int) (f func(in []In, out []Out), ok bool) {
	in16, out16 := size[In]() == 2, size[Out]() == 2
	lo, hi, ok := outOK(p.OutZP, p.OutMin, p.OutMax, out16)
	corr := int64(hw) * int64(p.InZP)
	if !ok || c%8 != 0 || hw < 1 || hw >= 1<<16 || !shiftOK(p.Shift) || corr != int64(int32(corr)) {
		return nil, false
	}
	shl, shr := shifts(p.Shift)
	sc := &[8]int32{int32(corr), p.OutZP, lo, hi, p.Mult, shl, shr}
	kern := [...]func(in unsafe.Pointer, hw, c int, out, sc unsafe.Pointer){
		avgPoolI8I8, avgPoolI8I8Shl, avgPoolI8I16, avgPoolI8I16Shl,
		avgPoolI16I8, avgPoolI16I8Shl, avgPoolI16I16, avgPoolI16I16Shl,
	}[b2i(in16)<<2|b2i(out16)<<1|b2i(shl > 0)]
	return func(in []In, out []Out) {
		_, _ = in[:hw*c], out[:c]
		kern(ptr(in), hw, c, ptr(out), unsafe.Pointer(sc))
	}, true
}

// Quantize is generic.QuantizeF32 with invScale and zp.
func Quantize[T generic.Q](invScale float32, zp int32) (f func(in []float32, out []T), ok bool) {
	sc := &[2]int32{zp, int32(math.Float32bits(invScale))}
	kern := quantizeI8
	if size[T]() == 2 {
		kern = quantizeI16
	}
	return func(in []float32, out []T) {
		n := len(out)
		in = in[:n]
		m := n &^ 15
		kern(ptr(in), ptr(out), m, unsafe.Pointer(sc))
		if m < n {
			generic.QuantizeF32(in[m:], invScale, zp, out[m:])
		}
	}, true
}

// MaxPool is generic.MaxPoolQ with p, for channel rows of a multiple of 8
// bytes and no window entirely in the padding. Each output row is split
// into border pixels, whose windows are trimmed to the input, and the
// interior, in one kernel call.
func MaxPool[T generic.Q](p *generic.PoolParams) (f func(in, out []T), ok bool) {
	es := size[T]()
	cb := p.C * es
	if cb%8 != 0 || p.KH < 1 || p.KW < 1 || p.StrideW < 1 {
		return nil, false
	}
	for oy := 0; oy < p.OutH; oy++ {
		if y := oy*p.StrideH - p.PadT; max(y, 0) >= min(y+p.KH, p.InH) {
			return nil, false
		}
	}
	for ox := 0; ox < p.OutW; ox++ {
		if x := ox*p.StrideW - p.PadL; max(x, 0) >= min(x+p.KW, p.InW) {
			return nil, false
		}
	}
	kern := maxPoolI8
	if es == 2 {
		kern = maxPoolI16
	}
	rs, cs := p.InW*cb, cb
	// interior columns: windows fully inside horizontally
	x0 := min((p.PadL+p.StrideW-1)/p.StrideW, p.OutW)
	x1 := x0
	for x1 < p.OutW && x1*p.StrideW-p.PadL+p.KW <= p.InW {
		x1++
	}
	return func(in, out []T) {
		_, _ = in[:p.InH*p.InW*p.C], out[:p.OutH*p.OutW*p.C]
		for oy := 0; oy < p.OutH; oy++ {
			y := oy*p.StrideH - p.PadT
			ya, yb := max(y, 0), min(y+p.KH, p.InH)
			orow := unsafe.Add(ptr(out), oy*p.OutW*cb)
			for ox := 0; ox < p.OutW; ox++ {
				if ox == x0 && x1 > x0 {
					kern(unsafe.Add(ptr(in), ya*rs+(x0*p.StrideW-p.PadL)*cs), rs, cs, p.StrideW*cs, yb-ya, p.KW, x1-x0, cb, unsafe.Add(orow, x0*cb))
					ox = x1 - 1
					continue
				}
				x := ox*p.StrideW - p.PadL
				xa, xb := max(x, 0), min(x+p.KW, p.InW)
				kern(unsafe.Add(ptr(in), ya*rs+xa*cs), rs, cs, 0, yb-ya, xb-xa, 1, cb, unsafe.Add(orow, ox*cb))
			}
		}
	}, true
}

// SliceChannels is generic.SliceChannelsQ of channels [from, to) of hw
// pixels of c channels, for slices of a multiple of 8 bytes per pixel.
func SliceChannels[T generic.Q](hw, c, from, to int) (f func(in, out []T), ok bool) {
	es := size[T]()
	w := (to - from) * es
	if w%8 != 0 || hw < 1 {
		return nil, false
	}
	return func(in, out []T) {
		_, _ = in[:hw*c], out[:hw*(to-from)]
		copyRows(unsafe.Add(ptr(in), from*es), c*es, ptr(out), w, hw, w)
	}, true
}

// ConcatChannels is generic.ConcatChannelsQ of hw pixels of ca and cb
// channels, for parts of a multiple of 8 bytes per pixel.
func ConcatChannels[T generic.Q](ca, cb, hw int) (f func(a, b, out []T), ok bool) {
	es := size[T]()
	if (ca*es)%8 != 0 || (cb*es)%8 != 0 || hw < 1 {
		return nil, false
	}
	c := (ca + cb) * es
	return func(a, b, out []T) {
		_, _, _ = a[:hw*ca], b[:hw*cb], out[:hw*(ca+cb)]
		copyRows(ptr(a), ca*es, ptr(out), c, hw, ca*es)
		copyRows(ptr(b), cb*es, unsafe.Add(ptr(out), ca*es), c, hw, cb*es)
	}, true
}

// ChannelShuffle is generic.ChannelShuffleQ of hw pixels of c channels,
// for two groups of a multiple of 8 bytes per pixel.
func ChannelShuffle[T generic.Q](hw, c, groups int) (f func(in, out []T), ok bool) {
	es := size[T]()
	if groups != 2 || c%2 != 0 || (c/2*es)%8 != 0 || hw < 1 {
		return nil, false
	}
	kern := interleaveKernel(es)
	return func(in, out []T) {
		_, _ = in[:hw*c], out[:hw*c]
		kern(ptr(in), unsafe.Add(ptr(in), c/2*es), c*es, ptr(out), c*es, hw, c/2*es)
	}, true
}

// ConcatShuffle is generic.ConcatShuffleQ of two hw×c2 halves, for halves
// of a multiple of 8 bytes per pixel.
func ConcatShuffle[T generic.Q](hw, c2 int) (f func(a, b, out []T), ok bool) {
	es := size[T]()
	if (c2*es)%8 != 0 || hw < 1 {
		return nil, false
	}
	kern := interleaveKernel(es)
	return func(a, b, out []T) {
		_, _, _ = a[:hw*c2], b[:hw*c2], out[:2*hw*c2]
		kern(ptr(a), ptr(b), c2*es, ptr(out), 2*c2*es, hw, c2*es)
	}, true
}

func interleaveKernel(es int) func(a, b unsafe.Pointer, sa int, out unsafe.Pointer, so, rows, hb int) {
	if es == 2 {
		return interleaveI16
	}
	return interleaveI8
}
