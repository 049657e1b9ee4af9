package generic

// LinearF32 is a fully connected layer: out[o] = act(bias[o] + Σ_i
// in[i]·w[o*inF+i]) for o < outF, with w in PyTorch's nn.Linear layout
// ([outF][inF], row-major). bias may be nil.
func LinearF32(in, w, bias []float32, out []float32, inF, outF int, act Act) {
	gemmF32(1, outF, inF, in[:inF], inF, w[:outF*inF], inF, bias, out[:outF], outF, act)
}
