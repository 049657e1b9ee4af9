package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edged/edged/calibrate"
	"github.com/edged/edged/config"
	"github.com/edged/edged/internal/proctest"
	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/model"
	"github.com/edged/edged/model/pth"
	"github.com/edged/edged/publish"
	"github.com/edged/edged/quant"
)

// modelDir holds the int8 model made once for the package's tests.
var (
	modelDir  string
	modelOnce sync.Once
	modelPath string
	modelErr  error
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "edged-daemon-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	modelDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// sampleImages returns n image paths of the shared ImageNet sample in name
// order, starting at the first'th; it skips t without test data.
func sampleImages(t testing.TB, first, n int) []string {
	t.Helper()
	dir := testdata.Path(t, "imagenet-sample", "images")
	files, err := calibrate.ListImages(dir)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) < first+n {
		testdata.Skipf(t, "%s has %d images, need %d", dir, len(files), first+n)
	}
	return files[first : first+n]
}

// testModel returns an int8 ShuffleNetV2 model calibrated on the sample's
// first 8 images (the evaluation images are taken from later ones), made
// once per test binary.
func testModel(t testing.TB) string {
	t.Helper()
	weights := testdata.Path(t, "models", "shufflenet_v2_x0_5.pth")
	cal := sampleImages(t, 0, 8)
	modelOnce.Do(func() {
		modelErr = func() error {
			g, _, err := pth.LoadGraph(weights, "", model.PadTorch)
			if err != nil {
				return err
			}
			inputs, _, bad := calibrate.LoadInputs(cal, nil)
			if len(bad) > 0 {
				return bad[0]
			}
			m, err := calibrate.Calibrate(g, inputs, calibrate.Options{Method: calibrate.DefaultMethod,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				return err
			}
			p := filepath.Join(modelDir, "shufflenet_v2_x0_5.edgeq")
			if err := quant.WriteFile(p, m); err != nil {
				return err
			}
			modelPath = p
			return nil
		}()
	})
	if modelErr != nil {
		t.Fatalf("making the test model: %v", modelErr)
	}
	return modelPath
}

// parseConfig parses a config.yaml text; %MODEL% is replaced by the test
// model's path.
func parseConfig(t testing.TB, text, modelPath string) *config.Config {
	t.Helper()
	text = strings.ReplaceAll(text, "%MODEL%", modelPath)
	name := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(name)
	if err != nil {
		t.Fatalf("test config: %v", err)
	}
	return cfg
}

// cameraConfig parses baseConfig with these camera entries (YAML flow
// mappings, one a camera) for the model at modelPath.
func cameraConfig(t testing.TB, modelPath string, cameras ...string) *config.Config {
	t.Helper()
	text := baseConfig + "cameras:\n"
	for _, c := range cameras {
		text += "  - " + c + "\n"
	}
	return parseConfig(t, text, modelPath)
}

// lines collects the JSON lines of the predictions sink.
type lines struct{ proctest.Buffer }

// predictions parses every complete line written so far.
func (l *lines) predictions(t testing.TB) []publish.PredictionPayload {
	t.Helper()
	data := l.Bytes()
	var out []publish.PredictionPayload
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var p publish.PredictionPayload
		if err := json.Unmarshal(line, &p); err != nil {
			t.Fatalf("predictions sink: bad line %q: %v", line, err)
		}
		out = append(out, p)
	}
	return out
}

// eventually polls cond until it holds, failing t after a generous bound
// (a hang, not a speed requirement).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	proctest.Eventually(t, what, 30*time.Second, cond)
}

// startDaemon runs a daemon for cfg until the test ends, and checks that
// Run returned nil.
func startDaemon(t testing.TB, cfg *config.Config, opts Options) *Daemon {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	d, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return d
}

// testLogger sends logs to t.Log, so they show with a failing test only,
// until the test's cleanups are done: a goroutine that logs later (t.Log
// would panic) is silenced.
func testLogger(t testing.TB) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(func() { w.done.Store(true) }) // registered first: runs last
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	t    testing.TB
	done atomic.Bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
