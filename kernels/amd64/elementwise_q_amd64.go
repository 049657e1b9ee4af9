//go:build !purego

package amd64

import (
	"math"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// The requantizing element-wise ops. Their kernels use the epilogues'
// Requantize and narrowing, which are exact for multipliers other than
// -2^31, shifts within ±31 and the output zero points epilogueOK takes;
// every other int32 step of kernels/generic saturates, which AVX2 does not
// do, so the constructors take only parameters under which no such step
// can reach the int32 bounds (any parameters calibration produces). The
// elements after the last multiple of 8 go through kernels/generic.

// elemConsts are the kernels' constant vectors: the epilogues' (see
// epiConsts) followed by the slots of internal/asmgen's elemq.go.
type elemConsts [35][8]int32

// Slots of elemConsts beyond the epilogues' (internal/asmgen cPMult,
// cInZP ... cBReq).
const (
	slotReq  = 8  // the output Requantize's multiplier
	slotInZP = 19 // the input zero point, or hw·InZP
	slotBZP  = 20 // the second operand's zero point
	slotLift = 21 // add's left shift
	slotAReq = 22 // add's Requantize of a
	slotBReq = 26 // add's Requantize of b
	slotOutF = 30 // the output Requantize, fused (5 slots)
)

func (k *elemConsts) set(slot int, v int32) {
	for l := range k[slot] {
		k[slot][l] = v
	}
}

// setReq fills the four slots of a Requantize from slot.
func (k *elemConsts) setReq(slot int, mult, shift int32) {
	ls, rs, rsm1 := shifts(shift)
	k.set(slot, mult)
	k.set(slot+1, rs)
	k.set(slot+2, rsm1)
	k.set(slot+3, ls)
}

// setOut fills the output Requantize's slots: its multiplier, and the
// rest of its fused step.
func (k *elemConsts) setOut(mult, shift int32) {
	k.set(slotReq, mult)
	fusedAVX2(shift).put(k[slotOutF : slotOutF+5])
}

// newElemConsts sets the constants every kernel uses: the rounding, the
// saturation and the output's zero point and bounds (as narrow reads
// them).
func newElemConsts(zp, lo, hi int32) *elemConsts {
	k := &elemConsts{}
	words := func(v int32) int32 { return int32(uint32(uint16(v)) * 0x10001) }
	for l := 0; l < 8; l += 2 {
		k[0][l] = 1 << 30
	}
	k.set(1, 1)
	k.set(2, math.MaxInt32)
	k.set(3, words(zp))
	k.set(4, words(lo))
	k.set(5, words(hi))
	k.set(12, math.MinInt16)
	k.set(13, math.MaxInt16)
	k.set(16, zp)
	k.set(17, -1<<16)
	k.set(18, 1<<16-1)
	return k
}

// reqOK: a Requantize the kernels apply exactly; outReqOK: the output's,
// fused, which clamps instead of saturating a left shift (see asmgen's
// fused): exact for multipliers of at least 2^30 in magnitude there.
func reqOK(mult, shift int32) bool { return mult != math.MinInt32 && shift >= -31 && shift <= 31 }

func outReqOK(mult, shift int32) bool {
	return reqOK(mult, shift) && (shift <= 0 || mult <= -1<<30 || mult >= 1<<30)
}

// outConsts checks an output zero point and bounds as epilogueOK does and
// returns the constants for them.
func outConsts[T generic.Q](zp, lo, hi int32) (*elemConsts, bool) {
	tlo, thi := typeRange[T]()
	lo, hi = max(lo, int32(tlo)), min(hi, int32(thi))
	if lo > hi || size[T]() == 1 && (zp < -32640 || zp > 32640) || size[T]() == 2 && (zp < tlo || zp > thi) {
		return nil, false
	}
	return newElemConsts(zp, lo, hi), true
}

func typeRange[T generic.Q]() (int32, int32) {
	if size[T]() == 2 {
		return math.MinInt16, math.MaxInt16
	}
	return math.MinInt8, math.MaxInt8
}

// spread is the largest |x - zp| over T's values.
func spread[T generic.Q](zp int32) int64 {
	lo, hi := typeRange[T]()
	return max(int64(hi)-int64(zp), int64(zp)-int64(lo))
}

func fits32(v int64) bool { return v >= math.MinInt32 && v <= math.MaxInt32 }

func sel[F any](fs [4]F, a, b bool) F { return fs[2*b2i(a)+b2i(b)] }

// Rescale is generic.RescaleQ with p.
func Rescale[In, Out generic.Q](isa ISA, p *generic.QRescale) (func(in []In, out []Out), bool) {
	k, ok := outConsts[Out](p.OutZP, p.OutMin, p.OutMax)
	if isa == None || !ok || !outReqOK(p.Mult, p.Shift) || spread[In](p.InZP) > math.MaxInt32 {
		return nil, false
	}
	k.set(slotInZP, p.InZP)
	k.setOut(p.Mult, p.Shift)
	kern := sel([4]func(in, out unsafe.Pointer, n int, sc unsafe.Pointer){
		rescaleI8I8_AVX2, rescaleI8I16_AVX2, rescaleI16I8_AVX2, rescaleI16I16_AVX2,
	}, size[In]() == 2, size[Out]() == 2)
	return func(in []In, out []Out) {
		n := len(out)
		in = in[:n]
		m := n &^ 7
		kern(ptr(in), ptr(out), m, unsafe.Pointer(k))
		if m < n {
			generic.RescaleQ(p, in[m:], out[m:])
		}
	}, true
}

// GlobalAvgPool is generic.GlobalAvgPoolQ with p over hw pixels of c ≥ 8
// channels, where neither the sum nor its difference with hw·InZP can
// leave int32.
func GlobalAvgPool[In, Out generic.Q](isa ISA, p *generic.QRescale, hw, c int) (func(in []In, out []Out), bool) {
	k, ok := outConsts[Out](p.OutZP, p.OutMin, p.OutMax)
	lo, _ := typeRange[In]()
	corr := int64(hw) * int64(p.InZP)
	if isa == None || !ok || !outReqOK(p.Mult, p.Shift) || c < 8 || hw < 1 || hw >= 1<<16 ||
		!fits32(-int64(lo)*int64(hw)+max(corr, -corr)) {
		return nil, false
	}
	k.set(slotInZP, int32(corr))
	k.setOut(p.Mult, p.Shift)
	kern := sel([4]func(in unsafe.Pointer, hw, c int, out, sc unsafe.Pointer){
		avgPoolI8I8_AVX2, avgPoolI8I16_AVX2, avgPoolI16I8_AVX2, avgPoolI16I16_AVX2,
	}, size[In]() == 2, size[Out]() == 2)
	return func(in []In, out []Out) {
		_, _ = in[:hw*c], out[:c]
		kern(ptr(in), hw, c, ptr(out), unsafe.Pointer(k))
	}, true
}

// liftRange is the range of Requantize((x - zp) << ls, mult, shift) over
// T's values, when the shift is exact in int32: Requantize is monotonic,
// so the ends are those of the type's.
func liftRange[T generic.Q](zp int32, ls uint, mult, shift int32) (lo, hi int64, ok bool) {
	if spread[T](zp)<<ls > math.MaxInt32 {
		return 0, 0, false
	}
	tlo, thi := typeRange[T]()
	a := int64(generic.Requantize(int32((int64(tlo)-int64(zp))<<ls), mult, shift))
	b := int64(generic.Requantize(int32((int64(thi)-int64(zp))<<ls), mult, shift))
	return min(a, b), max(a, b), true
}

// Add is generic.AddQ with p, where the lifted operands are exact and
// their sum cannot saturate.
func Add[T generic.Q](isa ISA, p *generic.QAdd) (func(x, y, out []T), bool) {
	k, ok := outConsts[T](p.OutZP, p.OutMin, p.OutMax)
	if isa == None || !ok || !reqOK(p.AMult, p.AShift) || !reqOK(p.BMult, p.BShift) || !outReqOK(p.OutMult, p.OutShift) {
		return nil, false
	}
	ls := uint(min(max(p.LeftShift, 0), 32))
	alo, ahi, aok := liftRange[T](p.AZP, ls, p.AMult, p.AShift)
	blo, bhi, bok := liftRange[T](p.BZP, ls, p.BMult, p.BShift)
	if !aok || !bok || !fits32(alo+blo) || !fits32(ahi+bhi) {
		return nil, false
	}
	k.set(slotInZP, p.AZP)
	k.set(slotBZP, p.BZP)
	k.set(slotLift, int32(ls))
	k.setReq(slotAReq, p.AMult, p.AShift)
	k.setReq(slotBReq, p.BMult, p.BShift)
	k.setOut(p.OutMult, p.OutShift)
	kern := addI8_AVX2
	if size[T]() == 2 {
		kern = addI16_AVX2
	}
	return func(x, y, out []T) {
		n := len(out)
		x, y = x[:n], y[:n]
		m := n &^ 7
		kern(ptr(x), ptr(y), ptr(out), m, unsafe.Pointer(k))
		if m < n {
			generic.AddQ(p, x[m:], y[m:], out[m:])
		}
	}, true
}

// MulChannels is generic.MulChannelsQ with p on hw pixels of c channels,
// c a multiple of 8, where (x - XZP)·(g - GZP) is exact in int32.
func MulChannels[T generic.Q](isa ISA, p *generic.QMulChannels, hw, c int) (func(x, g, out []T), bool) {
	k, ok := outConsts[T](p.OutZP, p.OutMin, p.OutMax)
	if isa == None || !ok || !outReqOK(p.Mult, p.Shift) || hw < 1 || c < 8 || c%8 != 0 ||
		spread[T](p.XZP)*spread[T](p.GZP) > math.MaxInt32 {
		return nil, false
	}
	k.set(slotInZP, p.XZP)
	k.set(slotBZP, p.GZP)
	k.setOut(p.Mult, p.Shift)
	kern := mulChannelsI8_AVX2
	if size[T]() == 2 {
		kern = mulChannelsI16_AVX2
	}
	return func(x, g, out []T) {
		_, _, _ = x[:hw*c], g[:c], out[:hw*c]
		kern(ptr(x), ptr(g), ptr(out), hw, c, unsafe.Pointer(k))
	}, true
}
