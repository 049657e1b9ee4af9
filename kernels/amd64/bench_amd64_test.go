//go:build !purego

package amd64

import (
	"fmt"
	"math/rand"
	"testing"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// BenchmarkConv times the convs that dominate ShuffleNetV2 x0.5 on each
// instruction set (the stem (im2col), a 1×1 of stage 2, conv5 and a
// depthwise 3×3) and MobileNetV3-Small's depthwise convs over int16
// activations (features.2 and features.5).
func BenchmarkConv(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	for _, tc := range []struct {
		name string
		c    generic.ConvParams
		in   bool // int16 input
		out  generic.DType
	}{
		{"stem", kerneltest.Geom(224, 224, 3, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1), false, generic.Int16},
		{"1x1_28x28x24", kerneltest.Geom(28, 28, 24, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1), false, generic.Int8},
		{"conv5", kerneltest.Geom(7, 7, 192, 1024, 1, 1, 1, 1, 0, 0, 0, 0, 1), false, generic.Int8},
		{"dw3x3_28x28x24", kerneltest.Geom(28, 28, 24, 24, 3, 3, 1, 1, 1, 1, 1, 1, 24), false, generic.Int8},
		{"dw3x3s2_56x56x72_i16", kerneltest.Geom(56, 56, 72, 72, 3, 3, 2, 2, 0, 1, 0, 1, 72), true, generic.Int8},
		{"dw5x5_14x14x240_i16", kerneltest.Geom(14, 14, 240, 240, 5, 5, 1, 1, 2, 2, 2, 2, 240), true, generic.Int8},
	} {
		for _, isa := range isas(b) {
			b.Run(fmt.Sprintf("%s/%s", tc.name, isa), func(b *testing.B) {
				c := tc.c
				p, in, dt := kerneltest.NewQConv[int8, int8](r, c, generic.EpiClamp), unsafe.Pointer(nil), generic.Int8
				if tc.in {
					p, dt = kerneltest.NewQConv[int16, int8](r, c, generic.EpiClamp), generic.Int16
					in = kerneltest.Ptr(kerneltest.RandQ[int16](r, c.InH*c.InW*c.InC, p.InZP))
				} else {
					in = kerneltest.Ptr(kerneltest.RandQ[int8](r, c.InH*c.InW*c.InC, p.InZP))
				}
				w := kerneltest.RandWeights(r, c.OutC*c.KH*c.KW*c.InC/max(c.Groups, 1))
				pc, ok := PackConv(isa, p, w, nil, dt, tc.out)
				if !ok {
					b.Fatal("refused")
				}
				rn, _ := pc.NewRunner(p)
				out := make([]int16, c.OutH*c.OutW*c.OutC)
				for b.Loop() {
					rn.Run(in, kerneltest.Ptr(out))
				}
			})
		}
	}
}
