package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/frame"
	"github.com/edged/edged/kernels"
	"github.com/edged/edged/model"
	"github.com/edged/edged/model/pth"
	"github.com/edged/edged/preprocess"
	"github.com/edged/edged/quant"
)

// classifier is what classify and eval run: the float reference engine or
// the int8 engine.
type classifier interface {
	Run(input []float32) ([]float32, error)
}

// modelFlags are the flags that select a model.
type modelFlags struct {
	weights, arch, padding, model string
	threads                       int
	decode                        string
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.weights, "weights", "", "torchvision checkpoint (.pth) to run in float32")
	fs.StringVar(&m.arch, "arch", "", "architecture of --weights (default: detected): "+joinNames(model.Archs()))
	fs.StringVar(&m.padding, "padding", "torch", "padding of stride-2 convs: torch, or tf for TensorFlow \"SAME\" weights")
	fs.StringVar(&m.model, "model", "", "int8 model file from 'edged calibrate'")
	fs.IntVar(&m.threads, "threads", runtime.NumCPU(), "threads per inference (int8 model)")
	fs.StringVar(&m.decode, "decode", "exact", "JPEG decoding: exact (full size, Pillow-exact) or fast (DCT-domain downscaling, as the daemon)")
}

// load opens the model the flags name; name describes it for output, and
// qm is the int8 model when there is one.
func (m *modelFlags) load() (c classifier, name string, qm *quant.Model, close func(), err error) {
	switch {
	case m.weights != "" && m.model != "":
		return nil, "", nil, nil, usageError("give --weights or --model, not both")
	case m.weights != "":
		pad, err := model.ParsePadding(m.padding)
		if err != nil {
			return nil, "", nil, nil, usageError("--padding: %v", err)
		}
		g, _, err := pth.LoadGraph(m.weights, m.arch, pad)
		if err != nil {
			return nil, "", nil, nil, err
		}
		return model.NewFloat(g), g.Arch, nil, func() {}, nil
	case m.model != "":
		if _, err := kernels.Default(); err != nil {
			return nil, "", nil, nil, err
		}
		qm, err = quant.ReadFile(m.model)
		if err != nil {
			return nil, "", nil, nil, err
		}
		e, err := engine.New(qm, engine.Options{Threads: m.threads})
		if err != nil {
			return nil, "", nil, nil, fmt.Errorf("%s: %w", m.model, err)
		}
		return e, qm.Arch, qm, e.Close, nil
	}
	return nil, "", nil, nil, usageError("give --weights W.pth (float) or --model M.edgeq (int8)")
}

// fileRunner is what classify and eval do per image, through the same
// frame path as the daemon's frames (package frame): the int8 engine gets
// the crop quantized straight from bytes, the float model its normalized
// float32 input.
type fileRunner struct {
	c classifier
	p *frame.Pipeline
}

func newFileRunner(c classifier, decode string) (*fileRunner, error) {
	mode, err := frame.ParseDecode(decode)
	if err != nil {
		return nil, usageError("--decode: %v", err)
	}
	p, err := frame.New(preprocess.ImageNet(), mode)
	if err != nil {
		return nil, err
	}
	return &fileRunner{c: c, p: p}, nil
}

// run reads, decodes and preprocesses an image file and runs the model on
// it; errors name the file.
func (r *fileRunner) run(path string) ([]float32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *PathError names the path
	}
	img := frame.Image{Data: data}
	if e, ok := r.c.(*engine.Engine); ok {
		if err := r.p.Quantize(img, e); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return r.p.Logits(e)
	}
	x, err := r.p.Float(img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r.c.Run(x)
}

// floatInput is the normalized float32 input of the last image run.
func (r *fileRunner) floatInput() []float32 { return r.p.Normalize() }
