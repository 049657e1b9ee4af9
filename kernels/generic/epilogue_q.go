package generic

import "unsafe"

// Shared pieces of the quantized kernels: element-type ranges, int32
// saturation, and the conv epilogue that turns accumulators into outputs.
//
// Overflow rules, which the NEON kernels must reproduce:
//   - conv accumulators (bias + Σ in·w) are int32 and wrap, as SMLAL/SDOT
//     accumulation does;
//   - every other int32 intermediate (a zero-point-corrected product or
//     sum, a lifted add operand, pre·t in hardswish) saturates to int32,
//     as SQSHL/SQADD/SQDMULL-style steps do; with the parameters edged's
//     calibration produces none of them comes near 2^31;
//   - the final OutZP + Requantize(...) and the clamp to [OutMin, OutMax]
//     are exact (not wrapped): on NEON, a saturating add followed by the
//     clamp, with the clamp bounds inside the output type.

// qOut is what a conv can write: a quantized tensor or, for EpiFloat, the
// float32 logits.
type qOut interface{ ~int8 | ~int16 | ~float32 }

// qRange returns the value range of T.
func qRange[T Q]() (lo, hi int32) {
	var z T
	if unsafe.Sizeof(z) == 1 {
		return -1 << 7, 1<<7 - 1
	}
	return -1 << 15, 1<<15 - 1
}

// qSize is the size of T in bytes.
func qSize[T Q]() int {
	var z T
	return int(unsafe.Sizeof(z))
}

// qBounds intersects [lo, hi] with T's range, so that a clamp to the result
// also makes the conversion to T exact.
func qBounds[T Q](lo, hi int32) (int32, int32) {
	tlo, thi := qRange[T]()
	return max(lo, tlo), min(hi, thi)
}

// qSat32 saturates v to int32.
func qSat32(v int64) int32 {
	if v > 1<<31-1 {
		return 1<<31 - 1
	}
	if v < -1<<31 {
		return -1 << 31
	}
	return int32(v)
}

// qClampZP returns clamp(zp + r, lo, hi) computed without overflow;
// lo ≤ hi are within int32.
func qClampZP(zp, r, lo, hi int32) int32 {
	v := int64(zp) + int64(r)
	if v < int64(lo) {
		return lo
	}
	if v > int64(hi) {
		return hi
	}
	return int32(v)
}

// qEpi is a conv epilogue prepared once per call.
type qEpi struct {
	p      *QConv
	lo, hi int32 // [OutMin, OutMax] ∩ the output type's range
}

func newQEpi[Out qOut](p *QConv) qEpi {
	e := qEpi{p: p, lo: p.OutMin, hi: p.OutMax}
	var z Out
	switch unsafe.Sizeof(z) {
	case 1:
		e.lo, e.hi = max(e.lo, -1<<7), min(e.hi, 1<<7-1)
	case 2:
		e.lo, e.hi = max(e.lo, -1<<15), min(e.hi, 1<<15-1)
	}
	return e
}

// store finishes the accumulators (Σ in·w, bias not yet added) of output
// channels o0, o0+1, ... of one pixel and writes them to out[0:len(acc)].
func qStore[Out qOut](e *qEpi, acc []int32, o0 int, out []Out) {
	p := e.p
	n := len(acc)
	out = out[:n]
	bias := p.Bias[o0 : o0+n]
	if p.Epi == EpiFloat {
		sc := p.OutScale[o0 : o0+n]
		for i, a := range acc {
			out[i] = Out(float32(a+bias[i]) * sc[i])
		}
		return
	}
	mult := p.Mult[o0 : o0+n]
	shift := p.Shift[o0 : o0+n]
	lo, hi, zp := e.lo, e.hi, p.OutZP
	switch p.Epi {
	case EpiClamp:
		for i, a := range acc {
			out[i] = Out(qClampZP(zp, Requantize(a+bias[i], mult[i], shift[i]), lo, hi))
		}
	case EpiHardswish:
		three, six, pm, ps := p.Three, p.Six, p.PostMult, p.PostShift
		for i, a := range acc {
			pre := min(max(Requantize(a+bias[i], mult[i], shift[i]), -1<<15), 1<<15-1)
			t := min(max(pre+three, 0), six)
			r := Requantize(qSat32(int64(pre)*int64(t)), pm, ps)
			out[i] = Out(qClampZP(zp, r, lo, hi))
		}
	case EpiHardsigmoid:
		three, six, pm, ps := p.Three, p.Six, p.PostMult, p.PostShift
		for i, a := range acc {
			pre := min(max(Requantize(a+bias[i], mult[i], shift[i]), -1<<15), 1<<15-1)
			t := min(max(pre+three, 0), six)
			out[i] = Out(qClampZP(zp, Requantize(t, pm, ps), lo, hi))
		}
	default:
		panic("generic: unknown conv epilogue")
	}
}
