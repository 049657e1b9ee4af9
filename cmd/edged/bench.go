package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"time"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/kernels"
	"github.com/edged/edged/quant"
)

func cmdBench(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	modelPath := fs.String("model", "", "int8 model file")
	threads := fs.Int("threads", runtime.NumCPU(), "threads per inference (like classify, eval and model.threads; --threads 1 for instruction counts)")
	iters := fs.Int("iterations", 20, "run exactly this many inferences (no warm-up runs: instruction counts can be taken by difference)")
	layers := fs.Bool("layers", false, "also print each layer's share of the time")
	framePath := fs.String("frame", "", "run the whole frame path (decode, resize, crop, quantize, inference, top-5) on this encoded image instead of a synthetic input")
	decode := fs.String("decode", "fast", "with --frame: JPEG decoding, fast (DCT-domain downscaling, the daemon's default) or exact")
	if err := parseNoArgs(fs, args, ""); err != nil {
		return err
	}
	if *modelPath == "" {
		return usageError("--model is required")
	}
	if *iters < 1 || *threads < 1 {
		return usageError("--iterations and --threads must be at least 1")
	}
	if _, err := kernels.Default(); err != nil {
		return err
	}
	m, err := quant.ReadFile(*modelPath)
	if err != nil {
		return err
	}
	e, err := engine.New(m, engine.Options{Threads: *threads})
	if err != nil {
		return err
	}
	defer e.Close()
	if *framePath != "" {
		return benchFrame(e, *framePath, *decode, *iters, stdout)
	}
	// A fixed, image-like input: no decoding, nothing heavy besides the
	// inferences themselves.
	input := make([]float32, m.Tensors[0].Shape.Len())
	for i := range input {
		input[i] = float32(i%251)/125 - 1
	}
	names := e.Layers()
	times := make([]time.Duration, len(names))
	lat := make([]time.Duration, *iters)
	for i := range lat {
		t0 := time.Now()
		if *layers {
			_, err = e.RunTimed(input, times)
		} else {
			_, err = e.Run(input)
		}
		if err != nil {
			return err
		}
		lat[i] = time.Since(t0)
	}
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	fmt.Fprintf(stdout, "model: %s (%s, %d int16 tensors)\nkernels: %s (cpu: %s, %s/%s)\nthreads: %d  iterations: %d\nlatency: median %s  min %s\n",
		*modelPath, m.Arch, m.Int16Tensors(), kernels.Path(), cpuFeatures(), runtime.GOOS, runtime.GOARCH,
		*threads, *iters, sorted[len(sorted)/2].Round(time.Microsecond), sorted[0].Round(time.Microsecond))
	if *layers {
		var total time.Duration
		for _, t := range times {
			total += t
		}
		idx := make([]int, len(names))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return times[idx[a]] > times[idx[b]] })
		// Columns as wide as their longest entry, so that they align.
		nameW, kindW := len("layer"), len("kind")
		for i, n := range names {
			nameW, kindW = max(nameW, len(n)), max(kindW, len(e.LayerKind(i)))
		}
		fmt.Fprintf(stdout, "\n%-*s  %-*s  %10s  %6s\n", nameW, "layer", kindW, "kind", "per run", "share")
		for _, i := range idx {
			fmt.Fprintf(stdout, "%-*s  %-*s  %10s  %5.1f%%\n", nameW, names[i], kindW, e.LayerKind(i),
				(times[i] / time.Duration(*iters)).Round(time.Microsecond).String(), 100*float64(times[i])/float64(total))
		}
	}
	return nil
}
