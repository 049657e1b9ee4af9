package generic

// Element-wise float32 ops: activations, residual add and the
// squeeze-excitation channel scale. The activation formulas follow PyTorch's
// CPU kernels operation by operation (x*clamp(x+3, 0, 6)/6 is a multiply
// then a true division, not a multiply by 1/6), so that each rounding
// matches torch's and the float engine tracks torchvision's logits closely.

// actF32 applies a to one value.
func actF32(a Act, x float32) float32 {
	switch a {
	case ActReLU:
		return max(x, 0)
	case ActReLU6:
		return min(max(x, 0), 6)
	case ActHardswish:
		return x * min(max(x+3, 0), 6) / 6
	case ActHardsigmoid:
		return min(max(x+3, 0), 6) / 6
	}
	return x
}

// ActivateF32 applies a to every element of x in place.
func ActivateF32(a Act, x []float32) {
	// One loop per activation keeps the switch out of the loop body.
	switch a {
	case ActReLU:
		for i, v := range x {
			x[i] = max(v, 0)
		}
	case ActReLU6:
		for i, v := range x {
			x[i] = min(max(v, 0), 6)
		}
	case ActHardswish:
		for i, v := range x {
			x[i] = v * min(max(v+3, 0), 6) / 6
		}
	case ActHardsigmoid:
		for i, v := range x {
			x[i] = min(max(v+3, 0), 6) / 6
		}
	}
}

// AddF32 sets out[i] = act(a[i] + b[i]) for i < len(out). out may alias a
// or b.
func AddF32(a, b, out []float32, act Act) {
	a = a[:len(out)]
	b = b[:len(out)]
	for i := range out {
		out[i] = a[i] + b[i]
	}
	ActivateF32(act, out)
}

// MulChannelsF32 scales each channel of an hw×c tensor by its own factor,
// as squeeze-excitation does: out[i*c+ch] = in[i*c+ch] * scale[ch]. out may
// alias in.
func MulChannelsF32(in, scale, out []float32, hw, c int) {
	scale = scale[:c]
	for i := 0; i < hw; i++ {
		src := in[i*c : i*c+c]
		dst := out[i*c : i*c+c]
		src = src[:len(scale)]
		dst = dst[:len(scale)]
		for ch, s := range scale {
			dst[ch] = src[ch] * s
		}
	}
}
