package model

import (
	"fmt"

	"github.com/edged/edged/kernels/generic"
)

// bneck is one row of torchvision's inverted_residual_setting.
type bneck struct {
	in, k, exp, out int
	se              bool
	hs              bool // hardswish (else ReLU)
	stride          int
}

// torchvision 0.14 models/mobilenetv3.py _mobilenet_v3_conf, width 1.0.
var mobilenetV3Small = []bneck{
	{16, 3, 16, 16, true, false, 2},
	{16, 3, 72, 24, false, false, 2},
	{24, 3, 88, 24, false, false, 1},
	{24, 5, 96, 40, true, true, 2},
	{40, 5, 240, 40, true, true, 1},
	{40, 5, 240, 40, true, true, 1},
	{40, 5, 120, 48, true, true, 1},
	{48, 5, 144, 48, true, true, 1},
	{48, 5, 288, 96, true, true, 2},
	{96, 5, 576, 96, true, true, 1},
	{96, 5, 576, 96, true, true, 1},
}

var mobilenetV3Large = []bneck{
	{16, 3, 16, 16, false, false, 1},
	{16, 3, 64, 24, false, false, 2},
	{24, 3, 72, 24, false, false, 1},
	{24, 5, 72, 40, true, false, 2},
	{40, 5, 120, 40, true, false, 1},
	{40, 5, 120, 40, true, false, 1},
	{40, 3, 240, 80, false, true, 2},
	{80, 3, 200, 80, false, true, 1},
	{80, 3, 184, 80, false, true, 1},
	{80, 3, 184, 80, false, true, 1},
	{80, 3, 480, 112, true, true, 1},
	{112, 3, 672, 112, true, true, 1},
	{112, 5, 672, 160, true, true, 2},
	{160, 5, 960, 160, true, true, 1},
	{160, 5, 960, 160, true, true, 1},
}

// makeDivisible is torchvision's _make_divisible(v, 8).
func makeDivisible(v float64, divisor int) int {
	n := max(divisor, int(v+float64(divisor)/2)/divisor*divisor)
	if float64(n) < 0.9*v {
		n += divisor
	}
	return n
}

const mobilenetBNEps = 0.001

func buildMobileNetV3(b *builder, setting []bneck, lastChannel int) (*Graph, error) {
	act := func(hs bool) generic.Act {
		if hs {
			return generic.ActHardswish
		}
		return generic.ActReLU
	}
	nc := numClasses(b.sd, "classifier.3.weight")
	x := b.conv(0, convSpec{name: "features.0", conv: "features.0.0", bn: "features.0.1", bnEps: mobilenetBNEps,
		out: setting[0].in, k: 3, stride: 2, act: generic.ActHardswish})
	for i, c := range setting {
		p := fmt.Sprintf("features.%d", i+1)
		in := x
		j := 0
		sub := func() string { s := fmt.Sprintf("%s.block.%d", p, j); j++; return s }
		if c.exp != c.in {
			s := sub()
			x = b.conv(x, convSpec{name: s, conv: s + ".0", bn: s + ".1", bnEps: mobilenetBNEps,
				out: c.exp, k: 1, stride: 1, act: act(c.hs)})
		}
		s := sub()
		x = b.conv(x, convSpec{name: s, conv: s + ".0", bn: s + ".1", bnEps: mobilenetBNEps,
			out: c.exp, k: c.k, stride: c.stride, depthwis: true, act: act(c.hs)})
		if c.se {
			s := sub()
			sq := makeDivisible(float64(c.exp/4), 8)
			pool := b.globalAvgPool(s+".avgpool", x)
			h := b.conv(pool, convSpec{name: s + ".activation", conv: s + ".fc1", bias: true,
				out: sq, k: 1, stride: 1, act: generic.ActReLU})
			gate := b.conv(h, convSpec{name: s + ".scale_activation", conv: s + ".fc2", bias: true,
				out: c.exp, k: 1, stride: 1, act: generic.ActHardsigmoid})
			x = b.mulChannels(s, x, gate)
		}
		s = sub()
		x = b.conv(x, convSpec{name: s, conv: s + ".0", bn: s + ".1", bnEps: mobilenetBNEps,
			out: c.out, k: 1, stride: 1})
		if c.stride == 1 && c.in == c.out {
			x = b.add(p, x, in)
		}
	}
	last := setting[len(setting)-1].out
	p := fmt.Sprintf("features.%d", len(setting)+1)
	x = b.conv(x, convSpec{name: p, conv: p + ".0", bn: p + ".1", bnEps: mobilenetBNEps,
		out: 6 * last, k: 1, stride: 1, act: generic.ActHardswish})
	x = b.globalAvgPool("avgpool", x)
	x = b.linear(x, "classifier.1", "classifier.0", lastChannel, generic.ActHardswish)
	x = b.linear(x, "classifier.3", "classifier.3", nc, generic.ActNone)
	return b.finish(x)
}
