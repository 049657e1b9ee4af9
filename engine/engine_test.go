package engine_test

import (
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/edged/edged/calibrate"
	"github.com/edged/edged/engine"
	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/kernels"
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

var (
	testModelsOnce sync.Once
	testModels     map[string]*quant.Model
	testInputs     [][]float32
	testGraphs     map[string]*model.Graph
)

// models calibrates both real architectures on a few images, with int16
// tensors and int16 weights allowed so those paths run too.
func models(t testing.TB) (map[string]*quant.Model, map[string]*model.Graph, [][]float32) {
	t.Helper()
	dir := testdata.Path(t, "imagenet-sample", "images")
	testModelsOnce.Do(func() {
		files, err := calibrate.ListImages(dir)
		if err != nil {
			return
		}
		inputs, _, _ := calibrate.LoadInputs(calibrate.Spread(files, 6), nil)
		testInputs = inputs
		testModels, testGraphs = map[string]*quant.Model{}, map[string]*model.Graph{}
		for _, c := range []struct {
			ckpt string
			pad  model.Padding
		}{{"shufflenet_v2_x0_5.pth", model.PadTorch}, {"mobilenet_v3_small_tf.pth", model.PadTF}} {
			g, _, err := model.Load(testdata.Path(t, "models", c.ckpt), "", c.pad)
			if err != nil {
				return
			}
			m, err := calibrate.Calibrate(g, inputs[:4], calibrate.Options{Int16: 3, SensitivityImages: 2})
			if err != nil {
				return
			}
			testModels[g.Arch], testGraphs[g.Arch] = m, g
		}
	})
	if len(testModels) != 2 {
		t.Fatal("could not calibrate the test models")
	}
	return testModels, testGraphs, testInputs
}

// TestThreadsBitIdentical: every thread count gives the same logits, bit
// for bit (threads split rows and channels, never a reduction).
func TestThreadsBitIdentical(t *testing.T) {
	ms, _, inputs := models(t)
	for arch, m := range ms {
		if m.Int16Tensors()+m.Int16Weights() == 0 {
			t.Errorf("%s: the test model has no int16 tensor or weights; those paths go untested", arch)
		}
		var want [][]float32
		for _, threads := range []int{1, 2, 3, 4, 7} {
			e, err := engine.New(m, engine.Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range inputs {
				got, err := e.Run(x)
				if err != nil {
					t.Fatal(err)
				}
				if threads == 1 {
					want = append(want, append([]float32(nil), got...))
					continue
				}
				for k := range got {
					if math.Float32bits(got[k]) != math.Float32bits(want[i][k]) {
						t.Fatalf("%s: %d threads, image %d, logit %d = %v, 1 thread gives %v", arch, threads, i, k, got[k], want[i][k])
					}
				}
			}
			e.Close()
		}
	}
}

// TestInt8TracksFloat: the int8 engine's logits follow the float model's
// on images it was not calibrated on.
func TestInt8TracksFloat(t *testing.T) {
	ms, gs, inputs := models(t)
	for arch, m := range ms {
		e, err := engine.New(m, engine.Options{Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		f := model.NewFloat(gs[arch])
		var sig, noise float64
		for _, x := range inputs[4:] {
			got, _ := e.Run(x)
			want, _ := f.Run(x)
			for k := range got {
				d := float64(got[k] - want[k])
				sig += float64(want[k]) * float64(want[k])
				noise += d * d
			}
		}
		db := 10 * math.Log10(sig/noise)
		t.Logf("%s: logits SQNR %.1f dB (4 calibration images)", arch, db)
		if db < 8 {
			t.Errorf("%s: logits SQNR %.1f dB: the int8 engine does not track the float model", arch, db)
		}
		e.Close()
	}
}

func TestInputLength(t *testing.T) {
	ms, _, _ := models(t)
	for _, m := range ms {
		e, err := engine.New(m, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Run(make([]float32, 10)); err == nil {
			t.Error("a 10-value input was accepted")
		}
		e.Close()
	}
}

// BenchmarkEngine reports one inference's time and allocations (0 after
// warm-up) per model and thread count.
func BenchmarkEngine(b *testing.B) {
	ms, _, inputs := models(b)
	for arch, m := range ms {
		for _, threads := range []int{1, 2} {
			b.Run(arch+"/threads="+string(rune('0'+threads)), func(b *testing.B) {
				e, err := engine.New(m, engine.Options{Threads: threads})
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				e.Run(inputs[0])
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					e.Run(inputs[0])
				}
			})
		}
	}
}

// TestNoAllocs: an inference allocates nothing once the engine is built.
func TestNoAllocs(t *testing.T) {
	ms, _, inputs := models(t)
	for arch, m := range ms {
		for _, threads := range []int{1, 3} {
			e, err := engine.New(m, engine.Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			// Warm-up: the kernels' pooled scratch grows to each
			// layer's size once.
			for i := 0; i < 5; i++ {
				e.Run(inputs[0])
			}
			if a := testing.AllocsPerRun(5, func() { e.Run(inputs[0]) }); a != 0 {
				t.Errorf("%s, %d threads: %.1f allocations per inference", arch, threads, a)
			}
			e.Close()
		}
	}
}

// TestKernelsOption: the kernel path is the engine's, chosen when it is
// built; an unknown or unavailable one is refused there, naming it, and
// EDGED_KERNELS is the default.
func TestKernelsOption(t *testing.T) {
	ms, _, _ := models(t)
	m := ms["shufflenet_v2_x0_5"]
	for _, p := range kernels.Paths() {
		e, err := engine.New(m, engine.Options{Kernels: p})
		if err != nil {
			t.Fatalf("Kernels %s: %v", p, err)
		}
		if e.Kernels() != p {
			t.Errorf("Kernels %s: engine runs %s", p, e.Kernels())
		}
		e.Close()
	}
	if _, err := engine.New(m, engine.Options{Kernels: "avx9000"}); err == nil || !strings.Contains(err.Error(), `"avx9000"`) {
		t.Errorf("Kernels avx9000: err = %v, want it refused by name", err)
	}
	t.Setenv("EDGED_KERNELS", kernels.Generic)
	e, err := engine.New(m, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Kernels() != kernels.Generic {
		t.Errorf("EDGED_KERNELS=generic: the default engine runs %s", e.Kernels())
	}
	t.Setenv("EDGED_KERNELS", "avx9000")
	if _, err := engine.New(m, engine.Options{}); err == nil || !strings.Contains(err.Error(), "EDGED_KERNELS=avx9000") {
		t.Errorf("EDGED_KERNELS=avx9000: err = %v, want it refused by name", err)
	}
}
