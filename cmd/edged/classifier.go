package main

import (
	"flag"
	"fmt"
	"runtime"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/kernels"
	"github.com/edged/edged/model"
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
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.weights, "weights", "", "torchvision checkpoint (.pth) to run in float32")
	fs.StringVar(&m.arch, "arch", "", "architecture of --weights (default: detected): "+joinNames(model.Archs()))
	fs.StringVar(&m.padding, "padding", "torch", "padding of stride-2 convs: torch, or tf for TensorFlow \"SAME\" weights")
	fs.StringVar(&m.model, "model", "", "int8 model file from 'edged calibrate'")
	fs.IntVar(&m.threads, "threads", runtime.NumCPU(), "threads per inference (int8 model)")
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
		g, _, err := model.Load(m.weights, m.arch, pad)
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

// runFile decodes an image file, applies the ImageNet eval transform into
// input (reused across calls) and runs c: what classify and eval do per
// image, exactly as the daemon does per frame.
func runFile(c classifier, path string, input []float32) ([]float32, error) {
	img, err := preprocess.DecodeFile(path)
	if err != nil {
		return nil, err
	}
	if err := preprocess.ImageNet().Apply(img, input); err != nil {
		return nil, err
	}
	return c.Run(input)
}
