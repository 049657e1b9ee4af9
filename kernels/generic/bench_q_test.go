package generic_test

import (
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/kernels/internal/kerneltest"
)

// tqBenchConv times ConvQ on c with realistic int8 data and reports
// multiply-accumulates per second.
func tqBenchConv[In, Out generic.Q](b *testing.B, c generic.ConvParams, epi generic.Epilogue) {
	r := rand.New(rand.NewSource(1))
	p := kerneltest.NewQConv[In, Out](r, c, epi)
	in := tqRandQ[In](r, c.InH*c.InW*c.InC)
	w := tqWeights(r, c.OutC*c.KH*c.KW*c.InC/max(c.Groups, 1))
	out := make([]Out, c.OutH*c.OutW*c.OutC)
	macs := float64(c.OutH * c.OutW * c.OutC * c.KH * c.KW * c.InC / max(c.Groups, 1))
	generic.ConvQ(p, in, w, out)
	cpu := tqStartCPU(b) // before ResetTimer: locking the thread allocates
	b.ReportAllocs()
	b.ResetTimer()
	cpu.restart()
	for i := 0; i < b.N; i++ {
		generic.ConvQ(p, in, w, out)
	}
	tqReportMACs(b, cpu, macs)
}

// tqReportMACs reports GMAC/s over wall time and, where measured, over the
// thread's CPU time (the figure to trust on a loaded machine).
func tqReportMACs(b *testing.B, cpu *tqCPUTimer, macs float64) {
	total := macs * float64(b.N) / 1e9
	b.ReportMetric(total/b.Elapsed().Seconds(), "GMAC/s")
	if d := cpu.elapsed(); d > 0 {
		b.ReportMetric(total/d.Seconds(), "GMAC/cpu-s")
	}
}

func BenchmarkConvQ1x1(b *testing.B) {
	for _, s := range []struct {
		name       string
		hw, k, n   int
		h, w       int
		epi        generic.Epilogue
		int16Input bool
	}{
		{name: "HW3136_K16_N72", h: 56, w: 56, k: 16, n: 72},
		{name: "HW784_K88_N24", h: 28, w: 28, k: 88, n: 24},
		{name: "HW784_K144_N144", h: 28, w: 28, k: 144, n: 144},
		{name: "HW196_K96_N576", h: 14, w: 14, k: 96, n: 576, epi: generic.EpiHardswish},
		{name: "HW49_K576_N1024", h: 7, w: 7, k: 576, n: 1024},
		{name: "HW1_K576_N1024", h: 1, w: 1, k: 576, n: 1024},
		{name: "HW196_K96_N576_int16in", h: 14, w: 14, k: 96, n: 576, int16Input: true},
	} {
		c := kerneltest.Geom(s.h, s.w, s.k, s.n, 1, 1, 1, 1, 0, 0, 0, 0, 1)
		b.Run(s.name, func(b *testing.B) {
			if s.int16Input {
				tqBenchConv[int16, int8](b, c, s.epi)
			} else {
				tqBenchConv[int8, int8](b, c, s.epi)
			}
		})
	}
}

func BenchmarkConvQDepthwise(b *testing.B) {
	b.Run("5x5_s1_14x14x576", func(b *testing.B) {
		tqBenchConv[int8, int8](b, kerneltest.Geom(14, 14, 576, 576, 5, 5, 1, 1, 2, 2, 2, 2, 576), generic.EpiHardswish)
	})
	b.Run("3x3_s2_112x112x16", func(b *testing.B) {
		tqBenchConv[int8, int8](b, kerneltest.SameGeom(112, 112, 16, 16, 3, 2, 16), generic.EpiClamp)
	})
	b.Run("3x3_s1_56x56x72", func(b *testing.B) {
		tqBenchConv[int8, int8](b, kerneltest.Geom(56, 56, 72, 72, 3, 3, 1, 1, 1, 1, 1, 1, 72), generic.EpiClamp)
	})
	b.Run("5x5_s2_28x28x96", func(b *testing.B) {
		tqBenchConv[int8, int8](b, kerneltest.SameGeom(28, 28, 96, 96, 5, 2, 96), generic.EpiHardswish)
	})
}

func BenchmarkConvQStem(b *testing.B) {
	b.Run("3x3_s2_224x224x3_16", func(b *testing.B) {
		tqBenchConv[int8, int8](b, kerneltest.SameGeom(224, 224, 3, 16, 3, 2, 1), generic.EpiHardswish)
	})
	b.Run("3x3_s2_224x224x3_16_int16", func(b *testing.B) {
		tqBenchConv[int16, int16](b, kerneltest.SameGeom(224, 224, 3, 16, 3, 2, 1), generic.EpiHardswish)
	})
}

func BenchmarkAddQ(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	n := 28 * 28 * 40
	p := &generic.QAdd{AZP: 3, BZP: -7, OutZP: 1, LeftShift: 20, OutMin: -128, OutMax: 127}
	p.AMult, p.AShift = generic.QuantizeMultiplier(0.5)
	p.BMult, p.BShift = generic.QuantizeMultiplier(0.3)
	p.OutMult, p.OutShift = generic.QuantizeMultiplier(1.0 / (1 << 20))
	a, c := tqRandQ[int8](r, n), tqRandQ[int8](r, n)
	out := make([]int8, n)
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for i := 0; i < b.N; i++ {
		generic.AddQ(p, a, c, out)
	}
}
