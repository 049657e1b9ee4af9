package model

import (
	"fmt"

	"github.com/edged/edged/kernels/generic"
)

// ShuffleNetV2 widths: torchvision's stages_out_channels per model.
var shufflenetWidths = map[string][5]int{
	"shufflenet_v2_x0_5": {24, 48, 96, 192, 1024},
	"shufflenet_v2_x1_0": {24, 116, 232, 464, 1024},
	"shufflenet_v2_x1_5": {24, 176, 352, 704, 1024},
	"shufflenet_v2_x2_0": {24, 244, 488, 976, 2048},
}

var shufflenetRepeats = [3]int{4, 8, 4}

const shufflenetBNEps = 1e-5

func buildShuffleNetV2(b *builder, ch [5]int) (*Graph, error) {
	nc := numClasses(b.sd, "fc.weight")
	conv := func(x int, name, prefix string, convIdx, out, k, stride int, dw bool, act generic.Act) int {
		return b.conv(x, convSpec{name: name, conv: fmt.Sprintf("%s.%d", prefix, convIdx),
			bn: fmt.Sprintf("%s.%d", prefix, convIdx+1), bnEps: shufflenetBNEps,
			out: out, k: k, stride: stride, depthwis: dw, act: act})
	}
	x := conv(0, "conv1", "conv1", 0, ch[0], 3, 2, false, generic.ActReLU)
	x = b.maxPool("maxpool", x, 3, 2)
	for si, reps := range shufflenetRepeats {
		out := ch[si+1]
		bf := out / 2
		for r := 0; r < reps; r++ {
			p := fmt.Sprintf("stage%d.%d", si+2, r)
			var left, right int
			if r == 0 {
				b1 := p + ".branch1"
				inC := b.shape(x).C
				left = conv(x, b1+".1", b1, 0, inC, 3, 2, true, generic.ActNone)
				left = conv(left, b1, b1, 2, bf, 1, 1, false, generic.ActReLU)
				right = x
			} else {
				left = b.slice(x, 0, bf)
				right = b.slice(x, bf, 2*bf)
			}
			b2 := p + ".branch2"
			stride := 1
			if r == 0 {
				stride = 2
			}
			right = conv(right, b2+".2", b2, 0, bf, 1, 1, false, generic.ActReLU)
			right = conv(right, b2+".4", b2, 3, bf, 3, stride, true, generic.ActNone)
			right = conv(right, b2, b2, 5, bf, 1, 1, false, generic.ActReLU)
			x = b.concat("", left, right)
			x = b.shuffle(p, x, 2)
		}
	}
	x = conv(x, "conv5", "conv5", 0, ch[4], 1, 1, false, generic.ActReLU)
	x = b.globalAvgPool("mean", x)
	x = b.linear(x, "fc", "fc", nc, generic.ActNone)
	return b.finish(x)
}
