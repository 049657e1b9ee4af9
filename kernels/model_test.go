package kernels_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/edged/edged/calibrate"
	"github.com/edged/edged/engine"
	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/kernels"
	"github.com/edged/edged/model"
	"github.com/edged/edged/model/pth"
	"github.com/edged/edged/quant"
)

// The whole-model test: both real models, calibrated with the default
// int16 choices (so int8 and int16 tensors are both exercised), must give
// bit-identical logits — and bit-identical intermediate tensors — on the
// golden inputs whichever kernel path runs them, for one thread and for
// several (row bands).
//
// Calibrating under emulation is slow: EDGED_KERNEL_MODELS may name a
// directory holding shufflenet_v2_x0_5.edgeq and mobilenet_v3_small_tf.edgeq
// made by `edged calibrate` (.ci/arm64.sh makes them natively first).
// Without it the test calibrates on a few images itself.

// realModel returns the int8 model of checkpoint ckpt: from
// EDGED_KERNEL_MODELS, or calibrated here on a few images.
func realModel(t testing.TB, data, ckpt string, pad model.Padding) *quant.Model {
	t.Helper()
	realModelsMu.Lock()
	defer realModelsMu.Unlock()
	if m := realModels[ckpt]; m != nil {
		return m
	}
	m := loadRealModel(t, data, ckpt, pad)
	realModels[ckpt] = m
	return m
}

// realModels keeps each calibrated model for the other tests of the run:
// calibrating is the slow part, twice so under qemu.
var (
	realModelsMu sync.Mutex
	realModels   = map[string]*quant.Model{}
)

func loadRealModel(t testing.TB, data, ckpt string, pad model.Padding) *quant.Model {
	t.Helper()
	name := ckpt[:len(ckpt)-len(filepath.Ext(ckpt))] + ".edgeq"
	if dir := os.Getenv("EDGED_KERNEL_MODELS"); dir != "" {
		m, err := quant.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("EDGED_KERNEL_MODELS: %v", err)
		}
		return m
	}
	g, _, err := pth.LoadGraph(filepath.Join(data, "models", ckpt), "", pad)
	if err != nil {
		t.Fatal(err)
	}
	files, err := calibrate.ListImages(filepath.Join(data, "imagenet-sample", "images"))
	if err != nil {
		t.Fatal(err)
	}
	inputs, _, bad := calibrate.LoadInputs(calibrate.Spread(files, 6), nil)
	if len(bad) > 0 {
		t.Fatal(bad[0])
	}
	m, err := calibrate.Calibrate(g, inputs, calibrate.Options{SensitivityImages: 4})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// runPath runs every input on path with the given threads and returns the
// logits and, with keep (engine.Options.KeepTensors), every tensor's raw
// storage after the first input.
func runPath(t *testing.T, m *quant.Model, path string, threads int, keep bool, inputs [][]float32) (logits [][]float32, tensors [][]byte) {
	t.Helper()
	e, err := engine.New(m, engine.Options{Threads: threads, Kernels: path, KeepTensors: keep})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.Kernels() != path {
		t.Fatalf("engine built for %s runs %s", path, e.Kernels())
	}
	for i, in := range inputs {
		out, err := e.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		logits = append(logits, slices.Clone(out))
		if i == 0 && keep {
			for ti := range m.Tensors {
				i8, i16, f32 := e.Tensor(ti)
				b := make([]byte, 0, len(i8)+2*len(i16)+4*len(f32))
				for _, v := range i8 {
					b = append(b, byte(v))
				}
				for _, v := range i16 {
					b = binary.LittleEndian.AppendUint16(b, uint16(v))
				}
				for _, v := range f32 {
					b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
				}
				tensors = append(tensors, b)
			}
		}
	}
	return logits, tensors
}

// TestAllImplementations runs both models on every kernel path this build
// and CPU offer (as crypto/sha256's test of the same name does), each path
// bound by its own engines in one process, and compares every path with
// generic bit for bit, for one thread and several (row bands). With only
// the generic kernels (other architectures, purego) it still compares
// generic on several threads with one; on an arm64 build the NEON path
// must be there (TestPaths), never silently absent.
func TestAllImplementations(t *testing.T) {
	paths := kernels.Paths()
	if kernels.ArchKernelsBuilt && len(paths) == 1 {
		t.Fatalf("a %s build offers only %v: the assembly kernels are gone", runtime.GOARCH, paths)
	}
	data := filepath.Dir(testdata.Path(t, "golden"))
	golden, err := filepath.Glob(filepath.Join(data, "golden", "inputs", "*.f32"))
	if err != nil || len(golden) == 0 {
		t.Fatalf("no golden inputs in %s: %v", data, err)
	}
	for _, tc := range []struct {
		ckpt string
		pad  model.Padding
	}{
		{"shufflenet_v2_x0_5.pth", model.PadTorch},
		{"mobilenet_v3_small_tf.pth", model.PadTF},
	} {
		t.Run(tc.ckpt, func(t *testing.T) {
			comparePaths(t, realModel(t, data, tc.ckpt, tc.pad), golden, paths)
		})
	}
	// the committed model keeps int16 tensors (the few images calibrated
	// here may pick none), so every int16 kernel runs on real data too
	t.Run("models/shufflenet_v2_x0_5.edgeq", func(t *testing.T) {
		m, err := quant.ReadFile(filepath.Join("..", "models", "shufflenet_v2_x0_5.edgeq"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Int16Tensors() == 0 {
			t.Fatalf("the committed model has no int16 tensors")
		}
		comparePaths(t, m, golden, paths)
	})
}

// comparePaths runs m on every path of paths, for one thread and several,
// and compares the logits with generic's bit for bit, and at one thread
// every tensor too. On several threads the engines share memory between
// tensors as they do in use (planBufs), so a kernel writing past its
// output, or a plan reusing memory still live, shows in the logits.
func comparePaths(t *testing.T, m *quant.Model, golden, paths []string) {
	var inputs [][]float32
	for _, g := range golden {
		inputs = append(inputs, testdata.ReadCHW(t, g, m.Tensors[0].Shape.H, m.Tensors[0].Shape.W, m.Tensors[0].Shape.C))
	}
	t.Logf("%s: %d int16 tensors, %d int16-weight convs", m.Arch, m.Int16Tensors(), m.Int16Weights())
	want, wantT := runPath(t, m, kernels.Generic, 1, true, inputs)
	for _, p := range paths {
		for _, threads := range []int{1, 3} {
			if p == kernels.Generic && threads == 1 {
				continue // the reference itself
			}
			got, gotT := runPath(t, m, p, threads, threads == 1, inputs)
			for ti := range gotT {
				if !slices.Equal(gotT[ti], wantT[ti]) {
					t.Errorf("%s, %d threads: tensor %d (%s, %v) differs from generic on %s",
						p, threads, ti, m.Tensors[ti].Name, m.Tensors[ti].DType, filepath.Base(golden[0]))
					break
				}
			}
			for i := range inputs {
				if err := sameBits(got[i], want[i]); err != nil {
					t.Errorf("%s, %d threads, %s: %v", p, threads, filepath.Base(golden[i]), err)
				}
			}
		}
	}
}

func sameBits(got, want []float32) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d logits, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return fmt.Errorf("logit %d: %v, generic %v", i, got[i], want[i])
		}
	}
	return nil
}

// TestModelsNoAllocs checks that an inference allocates nothing on the
// assembly paths (weights are packed and scratch allocated at load). The
// generic path's pooled scratch may allocate after a GC; it is only
// logged.
func TestModelsNoAllocs(t *testing.T) {
	if !kernels.ArchKernelsBuilt {
		t.Skipf("no assembly kernels in this build (%s): generic allocations are only logged; .ci/arm64.sh runs this under qemu", runtime.GOARCH)
	}
	if len(kernels.Paths()) == 1 {
		t.Fatalf("a %s build offers only %v: the assembly kernels are gone", runtime.GOARCH, kernels.Paths())
	}
	data := filepath.Dir(testdata.Path(t, "models"))
	m := realModel(t, data, "mobilenet_v3_small_tf.pth", model.PadTF)
	s := realModel(t, data, "shufflenet_v2_x0_5.pth", model.PadTorch)
	for _, p := range kernels.Paths() {
		for _, qm := range []*quant.Model{m, s} {
			for _, threads := range []int{1, 2} {
				e, err := engine.New(qm, engine.Options{Threads: threads, Kernels: p})
				if err != nil {
					t.Fatal(err)
				}
				in := make([]float32, qm.Tensors[0].Shape.Len())
				for i := range in {
					in[i] = float32(i%251)/125 - 1
				}
				if _, err := e.Run(in); err != nil { // warm the kernels' pools
					t.Fatal(err)
				}
				// 20 runs: AllocsPerRun truncates the mean, so the
				// runtime's own occasional allocations (the sudogs that
				// waking the worker goroutines takes from pools a GC
				// emptied) do not count, while one allocation per
				// inference does
				allocs := testing.AllocsPerRun(20, func() { e.Run(in) })
				e.Close()
				if p == kernels.Generic {
					t.Logf("%s, generic, %d threads: %v allocations per inference", qm.Arch, threads, allocs)
				} else if allocs != 0 {
					t.Errorf("%s, %s, %d threads: %v allocations per inference", qm.Arch, p, threads, allocs)
				}
			}
		}
	}
}

// BenchmarkModel times one inference of each model on each kernel path
// (one thread) and reports its allocations.
func BenchmarkModel(b *testing.B) {
	data := filepath.Dir(testdata.Path(b, "models"))
	for _, tc := range []struct {
		ckpt string
		pad  model.Padding
	}{
		{"shufflenet_v2_x0_5.pth", model.PadTorch},
		{"mobilenet_v3_small_tf.pth", model.PadTF},
	} {
		m := realModel(b, data, tc.ckpt, tc.pad)
		for _, p := range kernels.Paths() {
			b.Run(m.Arch+"/"+p, func(b *testing.B) {
				e, err := engine.New(m, engine.Options{Threads: 1, Kernels: p})
				if err != nil {
					b.Fatal(err)
				}
				defer e.Close()
				in := make([]float32, m.Tensors[0].Shape.Len())
				b.ReportAllocs()
				for b.Loop() {
					e.Run(in)
				}
			})
		}
	}
}
