package generic

// Channel rearrangements of NHWC tensors, as ShuffleNetV2 uses them. They
// only move values, so they are exact.

// ChannelShuffleF32 applies torchvision's channel_shuffle to every pixel of
// an hw×c tensor: the channels, viewed as groups×(c/groups), are transposed,
// so input channel g*(c/groups)+i lands at output channel i*groups+g.
// out must not alias in.
func ChannelShuffleF32(in, out []float32, hw, c, groups int) {
	cpg := c / groups
	for p := 0; p < hw; p++ {
		src := in[p*c : p*c+c]
		dst := out[p*c : p*c+c]
		for g := 0; g < groups; g++ {
			s := src[g*cpg : g*cpg+cpg]
			for i, v := range s {
				dst[i*groups+g] = v
			}
		}
	}
}

// ConcatChannelsF32 joins an hw×ca tensor a and an hw×cb tensor b along
// channels into the hw×(ca+cb) tensor out (a's channels first).
func ConcatChannelsF32(a []float32, ca int, b []float32, cb int, hw int, out []float32) {
	c := ca + cb
	for p := 0; p < hw; p++ {
		copy(out[p*c:p*c+ca], a[p*ca:p*ca+ca])
		copy(out[p*c+ca:p*c+c], b[p*cb:p*cb+cb])
	}
}

// SliceChannelsF32 copies channels from..to-1 of an hw×c tensor into the
// hw×(to-from) tensor out.
func SliceChannelsF32(in []float32, hw, c, from, to int, out []float32) {
	n := to - from
	for p := 0; p < hw; p++ {
		copy(out[p*n:p*n+n], in[p*c+from:p*c+to])
	}
}
