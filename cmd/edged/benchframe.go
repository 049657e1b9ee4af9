package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/frame"
	"github.com/edged/edged/kernels"
	"github.com/edged/edged/preprocess"
)

// benchFrame is `bench --frame`: exactly iters runs of the daemon's frame
// function (frame.Pipeline.Run) on one encoded image, nothing else heavy
// besides, so that instructions per frame can be taken by difference of
// two iteration counts. The first run sizes the pipeline's buffers; it is
// counted like the others.
func benchFrame(e *engine.Engine, path, decode string, iters int, stdout io.Writer) error {
	mode, err := frame.ParseDecode(decode)
	if err != nil {
		return usageError("--decode: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	p, err := frame.New(preprocess.ImageNet(), mode)
	if err != nil {
		return err
	}
	img := frame.Image{Data: data}
	lat := make([]time.Duration, iters)
	var top string
	for i := range lat {
		t0 := time.Now()
		cls, err := p.Run(img, e, 5)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		lat[i] = time.Since(t0)
		if i == 0 && len(cls) > 0 {
			top = fmt.Sprintf("%d %s (%.4f)", cls[0].Class, cls[0].Label, cls[0].Score)
		}
	}
	m := e.Model()
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	fmt.Fprintf(stdout, "model: %s (%d int16 tensors)\nframe: %s (%d bytes, decode %s)  top-1: %s\nkernels: %s (cpu: %s, %s/%s)\niterations: %d\nper frame: median %s  min %s\n",
		m.Arch, m.Int16Tensors(), path, len(data), mode, top, kernels.Path(), strings.Join(kernels.CPUFeatures(), " "),
		runtime.GOOS, runtime.GOARCH, iters, sorted[len(sorted)/2].Round(time.Microsecond), sorted[0].Round(time.Microsecond))
	return nil
}
