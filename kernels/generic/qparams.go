package generic

// The integer arithmetic of edged's quantized ops. It is defined here, once,
// so that every per-architecture kernel can be bit-exact with the generic
// one: each step maps onto one NEON instruction.

// Q is the element type of a quantized activation tensor: int8, or int16
// for the few tensors calibration keeps in higher precision.
type Q interface{ ~int8 | ~int16 }

// Requantize scales an int32 accumulator by a real multiplier given as a
// fixed-point Mult in [2^30, 2^31) and a power-of-two Shift (positive:
// left), i.e. by Mult·2^(Shift-31):
//
//	v = x << max(Shift,0), saturating          (SQSHL)
//	v = (2·v·Mult + 2^31) >> 32, saturating     (SQRDMULH)
//	v = (v + 2^(r-1)) >> r, r = max(-Shift,0)   (SRSHL by -r: round half up)
//
// This is gemmlowp's SaturatingRoundingDoublingHighMul followed by a
// rounding right shift (rounding half up rather than away from zero, as
// NEON's SRSHL does, so no fix-up instruction is needed).
func Requantize(x, mult, shift int32) int32 {
	v := int64(x)
	if shift > 0 {
		v <<= uint(shift)
		if v > 1<<31-1 {
			v = 1<<31 - 1
		} else if v < -1<<31 {
			v = -1 << 31
		}
	}
	if v == -1<<31 && mult == -1<<31 {
		v = 1<<31 - 1
	} else {
		v = (2*v*int64(mult) + 1<<31) >> 32
	}
	if shift < 0 {
		r := uint(-shift)
		v = (v + 1<<(r-1)) >> r
	}
	return int32(v)
}

// Epilogue selects what a quantized conv does with its accumulators.
type Epilogue uint8

const (
	// EpiClamp: out = clamp(OutZP + Requantize(acc), OutMin, OutMax). ReLU
	// and ReLU6 are folded into OutMin/OutMax.
	EpiClamp Epilogue = iota
	// EpiHardswish: pre = sat16(Requantize(acc)) is the pre-activation in
	// units of a fine scale s (|pre| < 2^15); t = clamp(pre+Three, 0, Six)
	// with Three = round(3/s), Six = round(6/s) ≤ 2^15;
	// out = clamp(OutZP + Requantize(pre·t, PostMult, PostShift), OutMin, OutMax)
	// with PostMult/PostShift ≈ s²/(6·s_out). No tensor is rounded to the
	// output precision before the hardswish.
	EpiHardswish
	// EpiHardsigmoid: as EpiHardswish but out = clamp(OutZP +
	// Requantize(t, PostMult, PostShift), OutMin, OutMax) with
	// PostMult/PostShift ≈ s/(6·s_out).
	EpiHardsigmoid
	// EpiFloat: out = float32(acc) · OutScale[o]: the logits, the only
	// tensor dequantized.
	EpiFloat
)

// QConv is a quantized convolution: int8 or int16 input, int8 weights
// (symmetric, per output channel), int32 accumulation.
type QConv struct {
	ConvParams // geometry; ConvParams.Act is ignored (the epilogue applies it)

	// InZP is the input's zero point: the value padding reads.
	InZP int32
	// Bias[o] is the real bias in accumulator units with -InZP·Σw[o]
	// folded in, so the inner loop multiplies raw input values.
	Bias []int32
	// Mult[o], Shift[o]: accumulator → output (EpiClamp) or → the
	// pre-activation (EpiHardswish, EpiHardsigmoid).
	Mult, Shift []int32

	Epi                   Epilogue
	OutZP, OutMin, OutMax int32
	Three, Six            int32     // EpiHardswish, EpiHardsigmoid
	PostMult, PostShift   int32     // EpiHardswish, EpiHardsigmoid
	OutScale              []float32 // EpiFloat
}

// QAdd is a quantized element-wise add (residual connection), TFLite's
// scheme: both inputs are lifted by LeftShift bits, rescaled to a common
// scale, summed and rescaled to the output:
//
//	a' = Requantize((a-AZP) << LeftShift, AMult, AShift)
//	b' = Requantize((b-BZP) << LeftShift, BMult, BShift)
//	out = clamp(OutZP + Requantize(a'+b', OutMult, OutShift), OutMin, OutMax)
//
// LeftShift is 20 for int8 inputs and 15 for int16 inputs.
type QAdd struct {
	AZP, BZP, OutZP   int32
	LeftShift         int32
	AMult, AShift     int32
	BMult, BShift     int32
	OutMult, OutShift int32
	OutMin, OutMax    int32
}

// QMulChannels is squeeze-excitation's gate: an H×W×C tensor x times a
// 1×1×C gate g:
//
//	out = clamp(OutZP + Requantize((x-XZP)·(g[c]-GZP), Mult, Shift), OutMin, OutMax)
type QMulChannels struct {
	XZP, GZP, OutZP int32
	Mult, Shift     int32
	OutMin, OutMax  int32
}

// QRescale converts a tensor to other quantization parameters (a concat
// input of another scale, an int8↔int16 boundary, a quantized mean):
//
//	out = clamp(OutZP + Requantize(x-InZP, Mult, Shift), OutMin, OutMax)
//
// A global average pool uses the same parameters on the channel sums:
// out = clamp(OutZP + Requantize(Σx - HW·InZP, Mult, Shift), ...).
type QRescale struct {
	InZP, OutZP    int32
	Mult, Shift    int32
	OutMin, OutMax int32
}
