package generic

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Benchmarks at MobileNetV3-Small / ShuffleNetV2 shapes (224x224 input).
// GFLOP/s counts a multiply-add as 2 FLOPs, padding taps included for
// depthwise and the stem (the work the kernel actually does is slightly
// less at the borders).

func benchConv(b *testing.B, p ConvParams) {
	r := rand.New(rand.NewPCG(1, 1))
	groups := max(p.Groups, 1)
	in := randSliceF32(r, p.InH*p.InW*p.InC)
	w := randSliceF32(r, p.OutC*p.KH*p.KW*(p.InC/groups))
	bias := randSliceF32(r, p.OutC)
	out := make([]float32, p.OutH*p.OutW*p.OutC)
	flops := 2 * float64(p.OutH*p.OutW*p.OutC*p.KH*p.KW*(p.InC/groups))
	b.ResetTimer()
	for b.Loop() {
		ConvF32(&p, in, w, bias, out)
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkConv1x1F32(b *testing.B) {
	for _, s := range [][3]int{ // hw side, K (in channels), N (out channels)
		{56, 16, 16}, {56, 16, 72}, {28, 72, 24}, {28, 24, 88}, {28, 88, 24},
		{14, 96, 40}, {14, 40, 240}, {14, 240, 40}, {7, 288, 96}, {7, 96, 576},
		{28, 24, 24}, {7, 192, 1024},
	} {
		side, k, n := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("hw%d_k%d_n%d", side*side, k, n), func(b *testing.B) {
			benchConv(b, convCase(side, side, k, n, 1, 1, 1, 1, 0, 0, 0, 0, 1, ActHardswish))
		})
	}
}

func BenchmarkDepthwiseF32(b *testing.B) {
	for _, s := range []struct {
		name                     string
		in, c, k, stride, pt, pb int
	}{
		{"3x3s2_c16_112", 112, 16, 3, 2, 0, 1},
		{"3x3s2_c72_56", 56, 72, 3, 2, 0, 1},
		{"3x3s1_c88_28", 28, 88, 3, 1, 1, 1},
		{"5x5s2_c96_28", 28, 96, 5, 2, 1, 2},
		{"5x5s1_c240_14", 14, 240, 5, 1, 2, 2},
		{"5x5s1_c576_7", 7, 576, 5, 1, 2, 2},
		{"3x3s1_c24_28_shufflenet", 28, 24, 3, 1, 1, 1},
	} {
		b.Run(s.name, func(b *testing.B) {
			benchConv(b, convCase(s.in, s.in, s.c, s.c, s.k, s.k, s.stride, s.stride, s.pt, s.pb, s.pt, s.pb, s.c, ActReLU))
		})
	}
}

func BenchmarkStemF32(b *testing.B) {
	b.Run("3to16_tf_same", func(b *testing.B) {
		benchConv(b, convCase(224, 224, 3, 16, 3, 3, 2, 2, 0, 1, 0, 1, 1, ActHardswish))
	})
	b.Run("3to24_torch", func(b *testing.B) {
		benchConv(b, convCase(224, 224, 3, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, ActReLU))
	})
}

func BenchmarkLinearF32(b *testing.B) {
	for _, s := range [][2]int{{576, 1024}, {1024, 1000}} {
		inF, outF := s[0], s[1]
		b.Run(fmt.Sprintf("%dx%d", inF, outF), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			in, w, bias := randSliceF32(r, inF), randSliceF32(r, inF*outF), randSliceF32(r, outF)
			out := make([]float32, outF)
			b.ResetTimer()
			for b.Loop() {
				LinearF32(in, w, bias, out, inF, outF, ActHardswish)
			}
			b.ReportMetric(2*float64(inF*outF)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
