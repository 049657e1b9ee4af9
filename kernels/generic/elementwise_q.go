package generic

import "math"

// Element-wise quantized ops. Every int32 intermediate saturates and the
// final zero-point add and clamp are exact (see arith_q.go). For int8
// inputs a value-indexed table replaces the per-element requantization
// once a tensor is large enough to pay for building it; the table holds
// exactly what the formula gives, so results do not depend on the size.

// qTableMin is the element count from which an int8 input is worth a
// 256-entry table.
const qTableMin = 1024

// AddQ is the quantized residual add of QAdd's doc, element by element
// over len(out) elements of a and b.
func AddQ[T Q](p *QAdd, a, b, out []T) {
	n := len(out)
	a, b = a[:n], b[:n]
	lo, hi := qBounds[T](p.OutMin, p.OutMax)
	ls := uint(min(max(p.LeftShift, 0), 32))
	lift := func(v T, zp, m, s int32) int32 {
		return Requantize(qSat32((int64(v)-int64(zp))<<ls), m, s)
	}
	if qSize[T]() == 1 && n >= qTableMin {
		var ta, tb [256]int32
		for v := -128; v < 128; v++ {
			ta[v+128] = lift(T(v), p.AZP, p.AMult, p.AShift)
			tb[v+128] = lift(T(v), p.BZP, p.BMult, p.BShift)
		}
		for i, av := range a {
			s := qSat32(int64(ta[uint8(int(av)+128)]) + int64(tb[uint8(int(b[i])+128)]))
			out[i] = T(qClampZP(p.OutZP, Requantize(s, p.OutMult, p.OutShift), lo, hi))
		}
		return
	}
	for i, av := range a {
		s := qSat32(int64(lift(av, p.AZP, p.AMult, p.AShift)) + int64(lift(b[i], p.BZP, p.BMult, p.BShift)))
		out[i] = T(qClampZP(p.OutZP, Requantize(s, p.OutMult, p.OutShift), lo, hi))
	}
}

// MulChannelsQ multiplies every pixel of the hw×c tensor x by the gate g
// (c values), as QMulChannels' doc defines.
func MulChannelsQ[T Q](p *QMulChannels, x []T, g []T, out []T, hw, c int) {
	lo, hi := qBounds[T](p.OutMin, p.OutMax)
	g = g[:c]
	for px := 0; px < hw; px++ {
		xs := x[px*c : px*c+c]
		os := out[px*c : px*c+c]
		for i, gv := range g {
			v := qSat32((int64(xs[i]) - int64(p.XZP)) * (int64(gv) - int64(p.GZP)))
			os[i] = T(qClampZP(p.OutZP, Requantize(v, p.Mult, p.Shift), lo, hi))
		}
	}
}

// RescaleQ converts in to out's quantization (QRescale's doc) over
// len(out) elements.
func RescaleQ[In, Out Q](p *QRescale, in []In, out []Out) {
	in = in[:len(out)]
	lo, hi := qBounds[Out](p.OutMin, p.OutMax)
	f := func(v In) Out {
		return Out(qClampZP(p.OutZP, Requantize(qSat32(int64(v)-int64(p.InZP)), p.Mult, p.Shift), lo, hi))
	}
	if qSize[In]() == 1 && len(out) >= qTableMin {
		var tab [256]Out
		for v := -128; v < 128; v++ {
			tab[v+128] = f(In(v))
		}
		for i, v := range in {
			out[i] = tab[uint8(int(v)+128)]
		}
		return
	}
	for i, v := range in {
		out[i] = f(v)
	}
}

// QuantizeF32 quantizes floats: q = clamp(RoundToEven(x·invScale) + zp)
// to T's range, the product taken in float64. NaN quantizes to zp.
//
// The result is the same on every architecture: the product of two
// float32 values has at most 48 significant bits, so in float64 it is
// exact and there is nothing a fused multiply-add could round differently;
// the explicit float64 conversions also keep the compiler from fusing the
// product with the addition of zp.
func QuantizeF32[T Q](in []float32, invScale float32, zp int32, out []T) {
	in = in[:len(out)]
	tlo, thi := qRange[T]()
	lo, hi := float64(tlo), float64(thi)
	s, z := float64(invScale), float64(zp)
	for i, x := range in {
		v := float64(math.RoundToEven(float64(x)*s)) + z
		switch {
		case v >= lo && v <= hi:
			out[i] = T(v)
		case v < lo:
			out[i] = T(tlo)
		case v > hi:
			out[i] = T(thi)
		default: // NaN
			out[i] = T(min(max(zp, tlo), thi))
		}
	}
}

// DequantizeQ converts quantized values to floats: out = float32(q-zp)·scale,
// one float32 rounding (q-zp is exact in float32).
func DequantizeQ[T Q](in []T, scale float32, zp int32, out []float32) {
	in = in[:len(out)]
	for i, v := range in {
		out[i] = float32(int32(v)-zp) * scale
	}
}
