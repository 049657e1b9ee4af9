package generic

import (
	"math"
	"unsafe"
)

// Shared pieces of the quantized kernels: element-type ranges and int32
// saturation.
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

// qSize is the size of T in bytes.
func qSize[T Q]() int {
	var z T
	return int(unsafe.Sizeof(z))
}

// qRange returns the value range of T.
func qRange[T Q]() (lo, hi int32) {
	if qSize[T]() == 1 {
		return -1 << 7, 1<<7 - 1
	}
	return -1 << 15, 1<<15 - 1
}

// qBounds intersects [lo, hi] with T's range, so that a clamp to the result
// also makes the conversion to T exact.
func qBounds[T Q](lo, hi int32) (int32, int32) {
	tlo, thi := qRange[T]()
	return max(lo, tlo), min(hi, thi)
}

// qSat32 saturates v to int32.
func qSat32(v int64) int32 {
	return int32(min(max(v, math.MinInt32), math.MaxInt32))
}

// qClampZP returns clamp(zp + r, lo, hi) computed without overflow;
// lo ≤ hi are within int32.
func qClampZP(zp, r, lo, hi int32) int32 {
	return int32(min(max(int64(zp)+int64(r), int64(lo)), int64(hi)))
}
