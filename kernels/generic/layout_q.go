package generic

// Channel rearrangements of quantized NHWC tensors for ShuffleNetV2. They
// only move values, so they need no quantization parameters: the tensors
// involved share one scale and zero point. out must not alias an input.

// SliceChannelsQ copies channels from..to-1 of the hw×c tensor in into the
// hw×(to-from) tensor out.
func SliceChannelsQ[T Q](in []T, hw, c, from, to int, out []T) {
	n := to - from
	for px := 0; px < hw; px++ {
		copy(out[px*n:px*n+n], in[px*c+from:px*c+to])
	}
}

// ConcatChannelsQ joins the hw×ca tensor a and the hw×cb tensor b along
// channels into the hw×(ca+cb) tensor out, a's channels first.
func ConcatChannelsQ[T Q](a []T, ca int, b []T, cb int, hw int, out []T) {
	c := ca + cb
	for px := 0; px < hw; px++ {
		copy(out[px*c:px*c+ca], a[px*ca:px*ca+ca])
		copy(out[px*c+ca:px*c+c], b[px*cb:px*cb+cb])
	}
}

// ChannelShuffleQ applies torchvision's channel_shuffle to every pixel of
// the hw×c tensor in: the channels, viewed as groups×(c/groups), are
// transposed, so input channel g·(c/groups)+i lands on output channel
// i·groups+g.
func ChannelShuffleQ[T Q](in, out []T, hw, c, groups int) {
	cpg := c / groups
	for px := 0; px < hw; px++ {
		src := in[px*c : px*c+c]
		dst := out[px*c : px*c+c]
		for g := 0; g < groups; g++ {
			for i, v := range src[g*cpg : g*cpg+cpg] {
				dst[i*groups+g] = v
			}
		}
	}
}

// ConcatShuffleQ is ShuffleNetV2's cat((a, b), channels) followed by
// channel_shuffle with 2 groups, in one pass: a and b are hw×c2, and
// out (hw×2c2) interleaves them, out[2j] = a[j], out[2j+1] = b[j] per pixel.
func ConcatShuffleQ[T Q](a, b []T, hw, c2 int, out []T) {
	a, b = a[:hw*c2], b[:hw*c2]
	out = out[:2*hw*c2]
	for i, v := range a {
		o := out[2*i:][:2]
		o[0], o[1] = v, b[i]
	}
}
