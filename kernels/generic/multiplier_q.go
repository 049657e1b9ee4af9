package generic

import "math"

// QuantizeMultiplier turns a real rescaling factor into Requantize's
// fixed point: mult in [2^30, 2^31) and shift with real ≈ mult·2^(shift-31),
// as TFLite's QuantizeMultiplier does (frexp, then the mantissa rounded to
// 31 bits; a mantissa that rounds up to 2^31 carries into the exponent).
// The relative error is below 2^-31.
//
// Out-of-range values are clamped to what Requantize can apply, so that
// the result is still the best available integer behaviour:
//   - real == 0, NaN, or real < 2^-32 gives (0, 0): the factor times any
//     int32 is below one half, so the exact result rounds to 0 anyway, and
//     Requantize(x, 0, 0) is 0 for every x;
//   - real ≥ 2^30 (beyond shift 30) gives (2^31-1, 30): the largest factor
//     Requantize can apply, ≈2^30, which saturates for every |x| ≥ 2;
//   - real < 0 gives the negated multiplier of |real| (mult in
//     (-2^31, -2^30]); Requantize handles it, but no kernel expects it.
func QuantizeMultiplier(real float64) (mult, shift int32) {
	if real < 0 {
		m, s := QuantizeMultiplier(-real)
		return -m, s
	}
	if !(real > 0) { // 0 or NaN
		return 0, 0
	}
	if math.IsInf(real, 1) {
		return math.MaxInt32, 30
	}
	q, e := math.Frexp(real) // real = q·2^e, q in [0.5, 1)
	m := int64(math.Round(q * (1 << 31)))
	if m == 1<<31 { // q rounded up to 1: carry into the exponent
		m >>= 1
		e++
	}
	switch {
	case e < -31:
		return 0, 0
	case e > 30:
		return math.MaxInt32, 30
	}
	return int32(m), int32(e)
}
