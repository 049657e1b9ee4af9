package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/edged/edged/calibrate"
	"github.com/edged/edged/internal/atomicfile"
	"github.com/edged/edged/kernels"
	"github.com/edged/edged/model"
	"github.com/edged/edged/model/pth"
	"github.com/edged/edged/quant"
)

func cmdCalibrate(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	var mf modelFlags
	mf.register(fs)
	images := fs.String("images", "", "directory of calibration images (.jpg, .jpeg, .png)")
	limit := fs.Int("limit", 100, "use at most N images, spread evenly over the directory in name order (0: all)")
	source := fs.String("source", "", "calibrate on frames from this camera source instead of --images (any cameras[].source of the config: exec:..., http://..., /dev/video0, ...)")
	frames := fs.Int("frames", 100, "with --source: the number of frames to capture")
	every := fs.Duration("every", time.Second, "with --source: the time between captured frames, to spread them over the scene's changes")
	method := fs.String("method", calibrate.DefaultMethod, "activation range method: "+joinNames(quant.Methods))
	int16s := fs.Int("int16", calibrate.DefaultInt16, "at most this many tensor groups or conv weights kept in int16 where the sensitivity pass finds int8 costs accuracy; 0 disables")
	noBiasCorr := fs.Bool("no-bias-correction", false, "do not correct the mean error of int8 weights")
	out := fs.String("out", "", "int8 model file to write (.edgeq)")
	table := fs.String("table", "", "also write the quant table (YAML) here")
	if err := parseNoArgs(fs, args, ""); err != nil {
		return err
	}
	switch {
	case mf.weights == "":
		return usageError("--weights: the float checkpoint (.pth) to calibrate is required")
	case *images == "" && *source == "":
		return usageError("--images: a directory of calibration images (or --source: a camera) is required")
	case *images != "" && *source != "":
		return usageError("--images and --source: give one of them")
	case *source != "" && *frames < 1:
		return usageError("--frames: must be at least 1, got %d", *frames)
	case *source != "" && *every <= 0:
		return usageError("--every: must be positive, got %s", *every)
	case *out == "":
		return usageError("--out: the model file to write is required")
	case mf.model != "":
		return usageError("--model: calibrate reads a float checkpoint (--weights), not an int8 model")
	}
	pad, err := model.ParsePadding(mf.padding)
	if err != nil {
		return usageError("--padding: %v", err)
	}
	if _, err := quant.ChooseRange(&quant.Observer{}, *method, 256); err != nil {
		return usageError("--method: %v", err)
	}
	if fi, err := os.Stat(filepath.Dir(*out)); err != nil || !fi.IsDir() {
		return usageError("--out %s: its directory does not exist", *out)
	}
	// The sensitivity pass runs the int8 engine on the selected kernels.
	if _, err := kernels.Default(); err != nil {
		return err
	}
	g, sd, err := pth.LoadGraph(mf.weights, mf.arch, pad)
	if err != nil {
		return err
	}
	prog := newProgress(stderr)
	var inputs [][]float32
	var used []string
	if *source != "" {
		inputs, used, err = sourceInputs(*source, *frames, *every, stderr, prog)
		prog.done()
		if err != nil {
			return err
		}
		if len(inputs) == 0 {
			return fmt.Errorf("none of the %d frames from --source decoded", *frames)
		}
	} else {
		files, err := calibrate.ListImages(*images)
		if err != nil {
			return fmt.Errorf("calibration images: %w", err)
		}
		files = calibrate.Spread(files, *limit)
		var bad []error
		inputs, used, bad = calibrate.LoadInputs(files, func(done int) { prog.update("decode", done, len(files)) })
		prog.done()
		for _, e := range bad {
			fmt.Fprintf(stderr, "edged calibrate: skipped: %v\n", e)
		}
		if len(inputs) == 0 {
			return fmt.Errorf("no usable calibration images in %s", *images)
		}
	}
	start := time.Now()
	m, err := calibrate.Calibrate(g, inputs, calibrate.Options{
		Method: *method, Int16: *int16s, NoBiasCorrection: *noBiasCorr, Progress: prog.update,
		Logger: slog.New(slog.NewTextHandler(stderr, nil)),
	})
	prog.done()
	if err != nil {
		return err
	}
	m.SourceSHA256 = sd.SHA256
	for _, f := range used {
		m.CalibImages = append(m.CalibImages, filepath.Base(f))
	}
	if err := quant.WriteFile(*out, m); err != nil {
		return err
	}
	if *table != "" {
		var b strings.Builder
		if err := m.WriteTable(&b); err != nil {
			return err
		}
		if err := atomicfile.Write(*table, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", *table, err)
		}
	}
	fmt.Fprintf(stdout, "wrote %s: %s, %s padding, method %s, %d images, %d int16 tensors, %d convs with int16 weights (%.1fs)\n",
		*out, m.Arch, m.Padding, m.Method, m.Images, m.Int16Tensors(), m.Int16Weights(), time.Since(start).Seconds())
	return nil
}

// progress shows calibration progress: a bar redrawn in place on a
// terminal, a line every 10 % otherwise (logs, CI).
type progress struct {
	w        io.Writer
	tty      bool
	stage    string
	lastPct  int
	drewLine bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, lastPct: -10, tty: isTerminal(w)}
}

func (p *progress) update(stage string, done, total int) {
	if total <= 0 {
		return
	}
	pct := 100 * done / total
	if stage != p.stage {
		p.done()
		p.stage, p.lastPct = stage, -10
	}
	if p.tty {
		const width = 30
		n := width * done / total
		fmt.Fprintf(p.w, "\r%-12s [%s%s] %3d%% %d/%d", stage, strings.Repeat("#", n), strings.Repeat(".", width-n), pct, done, total)
		p.drewLine = true
		return
	}
	if pct/10 != p.lastPct/10 || done == total {
		if pct/10 != p.lastPct/10 {
			fmt.Fprintf(p.w, "%s: %d/%d (%d%%)\n", stage, done, total, pct)
		}
		p.lastPct = pct
	}
}

func (p *progress) done() {
	if p.tty && p.drewLine {
		fmt.Fprintln(p.w)
		p.drewLine = false
	}
}
