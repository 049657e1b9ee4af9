// Package quant defines edged's quantization scheme and its int8 model
// file: the quantization parameters of every tensor, int8 weights and int32
// biases, how activation ranges are chosen from calibration statistics, and
// the binary file and human-readable quant table that store them.
//
// # Scheme
//
// Weights are int8, symmetric, one scale per output channel:
// w ≈ s_w[o]·q, q in [-127, 127], s_w[o] = max|w[o]|/127. Calibration
// chooses each weight's rounding with GPTQ (gptq.go), so that the conv's
// output error, not each weight's, is least; weights already on an int8
// grid stay exact. A dead channel (all-zero weights) gets a scale that
// gives its bias full resolution: 0/0 is never formed. The few convs where
// a sensitivity pass measures that int8 weights cost accuracy keep int16
// weights (q in [-32767, 32767]) on an int8 input.
//
// Activations are int8 with one scale and zero point per tensor
// (asymmetric): x ≈ s·(q - zp), q in [-128, 127]. Every range includes 0,
// so the real zero is exactly representable and is what padding reads. A
// few tensors may be int16 (symmetric, zp = 0) where calibration measures
// that int8 costs accuracy (mixed precision); the quant table says which.
//
// Biases are int32 in accumulator units: round(b[o] / (s_in·s_w[o])).
//
// Inference is integer-only: int32 accumulation, then fixed-point
// requantization by a 32-bit multiplier and a shift (generic.Requantize:
// gemmlowp's rounding doubling high multiply and a rounding right shift).
// ReLU is a clamp at the zero point. Hardswish and hardsigmoid are fused
// into the producing conv: its accumulator is requantized to a fine int16
// pre-activation scale, the activation is computed in integer arithmetic,
// and only its result is rounded to the output tensor (no int8 tensor sits
// before the activation). Squeeze-excitation, residual adds, pools,
// ShuffleNet's concat/shuffle are integer ops (kernels/generic/qparams.go).
// Only the logits are dequantized, straight from the last layer's int32
// accumulators.
//
// Everything the engine needs is derived deterministically from what the
// file stores (scales, zero points, int8 weights, int32 biases), so the
// same file gives bit-identical logits on every kernel path.
package quant
