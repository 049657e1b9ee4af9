package daemon

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/frame"
	"github.com/edged/edged/imagenet"
	"github.com/edged/edged/model"
	"github.com/edged/edged/preprocess"
	"github.com/edged/edged/quant"
)

// classifier is the one engine of the process, shared by every camera.
// engine.Engine is not safe for concurrent use, so inferences take turns
// under mu; a camera preprocesses its next frame while another's runs.
type classifier struct {
	mu      sync.Mutex
	eng     *engine.Engine
	arch    string
	path    string
	threads int

	// busySince is the UnixNano start of the inference in progress, 0 when
	// idle: the watchdog stops pinging when one hangs.
	busySince atomic.Int64
}

// loadModel reads an int8 model file and plans an engine for it.
func loadModel(path string, threads int) (*engine.Engine, *quant.Model, error) {
	m, err := quant.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("model.path %s: %w", path, err)
	}
	if err := checkModelInput(m); err != nil {
		return nil, nil, fmt.Errorf("model.path %s: %w", path, err)
	}
	e, err := engine.New(m, engine.Options{Threads: threads})
	if err != nil {
		return nil, nil, fmt.Errorf("model.path %s: %w", path, err)
	}
	return e, m, nil
}

// checkModelInput refuses a model whose input is not the frames the
// pipeline feeds it (preprocess.Size square, RGB): it would load, and then
// fail every frame.
func checkModelInput(m *quant.Model) error {
	if len(m.Tensors) == 0 {
		return fmt.Errorf("the model has no tensors")
	}
	want := model.Shape{H: preprocess.Size, W: preprocess.Size, C: 3}
	if got := m.Tensors[0].Shape; got != want {
		return fmt.Errorf("the model's input is %s but edged feeds it %s frames: make the model with `edged calibrate` from a %s checkpoint", got, want, m.Arch)
	}
	return nil
}

func newClassifier(path string, threads int) (*classifier, error) {
	e, m, err := loadModel(path, threads)
	if err != nil {
		return nil, err
	}
	return &classifier{eng: e, arch: m.Arch, path: path, threads: threads}, nil
}

// engine returns the current engine, for frame.Pipeline.Quantize, which
// only reads it and may run beside an inference. If a reload swaps the
// model before classify, Pipeline.Logits quantizes the frame again for the
// new one; the old engine stays usable for that read after swap closes it
// (Close only stops its workers).
func (c *classifier) engine() *engine.Engine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.eng
}

// classify runs the input p has prepared and returns its top k classes (a
// new slice), the model's architecture and the time the engine took,
// excluding the wait for the engine.
func (c *classifier) classify(p *frame.Pipeline, k int) ([]imagenet.Class, string, time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	c.busySince.Store(start.UnixNano())
	logits, err := p.Logits(c.eng)
	c.busySince.Store(0)
	d := time.Since(start)
	if err != nil {
		return nil, c.arch, d, fmt.Errorf("inference: %w", err)
	}
	return append([]imagenet.Class(nil), p.TopK(logits, k)...), c.arch, d, nil
}

// model returns the architecture, path and thread count in use.
func (c *classifier) model() (arch, path string, threads int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.arch, c.path, c.threads
}

// swap replaces the engine with one already loaded and releases the old
// one once no inference uses it.
func (c *classifier) swap(e *engine.Engine, arch, path string, threads int) {
	c.mu.Lock()
	old := c.eng
	c.eng, c.arch, c.path, c.threads = e, arch, path, threads
	c.mu.Unlock()
	old.Close()
}

// stuck reports whether an inference has been running for longer than d.
func (c *classifier) stuck(d time.Duration) bool {
	s := c.busySince.Load()
	return s != 0 && time.Since(time.Unix(0, s)) > d
}

func (c *classifier) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.eng != nil {
		c.eng.Close()
		c.eng = nil
	}
}
