package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/edged/edged/config"
	"github.com/edged/edged/daemon"
	"github.com/edged/edged/kernels"
)

// The official torchvision checkpoints `edged calibrate` turns into models.
const (
	shufflenetURL  = "https://download.pytorch.org/models/shufflenetv2_x0.5-f707e7126e.pth"
	mobilenetV3URL = "https://download.pytorch.org/models/mobilenet_v3_small-047dcff4.pth"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("run", stderr)
	cfgPath := fset.String("config", "config.yaml", "config file (see the documented config.yaml at the repository root)")
	out := fset.String("predictions-out", "", "also write every prediction (before on_change filtering) as a JSON line in the MQTT payload format to this file, truncated at start; - for stdout")
	if pos, err := parseFlags(fset, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError("unexpected argument %q (the config file goes after --config)", pos[0])
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w\n(give the config file with --config FILE; the repository's config.yaml is a documented default to copy)", err)
		}
		return &exitError{code: 2, err: err}
	}
	if _, err := kernels.Default(); err != nil {
		return &exitError{code: 2, err: err}
	}
	if _, err := os.Stat(cfg.Model.Path); errors.Is(err, fs.ErrNotExist) {
		return &exitError{code: 1, err: missingModel(cfg, *cfgPath)}
	}

	if os.Getenv("GOGC") == "" {
		// Boards have little RAM. The daemon's live heap is ~8 MB and each
		// frame allocates its decoded image, so the heap is collected at
		// 1.5x rather than 2x the live size: ~5 MB less resident memory for
		// a ~1 ms collection a few times a second. GOGC overrides it.
		debug.SetGCPercent(50)
	}

	// Signals first: until Notify, SIGHUP would kill the process.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	level := new(slog.LevelVar)
	level.Set(cfg.Log.SlogLevel())
	log := newLogger(stderr, cfg.Log.Format, level)
	slog.SetDefault(log)

	opts := daemon.Options{Logger: log, LogLevel: level, Version: versionString()}
	switch *out {
	case "":
	case "-":
		opts.Predictions = stdout
	default:
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return usageError("--predictions-out: %v", err)
		}
		defer f.Close()
		opts.Predictions = f
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reload := make(chan struct{}, 1)
	opts.Reload = reload
	go func() {
		for s := range sigs {
			if s == syscall.SIGHUP {
				select {
				case reload <- struct{}{}:
				default: // a reload is already pending: it will read the newest file
				}
				continue
			}
			log.Info("signal received; shutting down (send it again to force)", "signal", s.String())
			// A second SIGTERM/SIGINT kills the process at once.
			signal.Reset(syscall.SIGTERM, syscall.SIGINT)
			cancel()
		}
	}()
	return daemon.Run(ctx, cfg, opts)
}

// newLogger makes the log/slog logger of log.format, writing to w.
func newLogger(w io.Writer, format string, level *slog.LevelVar) *slog.Logger {
	o := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}

// missingModel explains how to make the model file config.yaml names: the
// steps a user on a fresh machine follows, with the exact commands.
func missingModel(cfg *config.Config, cfgPath string) error {
	path := cfg.Model.Path
	// The calibrate command names the checkpoint that matches the model's
	// file name; either works with any model.path.
	ckpt := filepath.Base(shufflenetURL)
	if strings.Contains(strings.ToLower(filepath.Base(path)), "mobilenet") {
		ckpt = filepath.Base(mobilenetV3URL)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "model file %s (model.path in %s) does not exist. Make it once:\n\n", path, cfgPath)
	fmt.Fprintf(&b, "  1. Download a torchvision ImageNet checkpoint, one of:\n")
	fmt.Fprintf(&b, "       curl -LO %s\n", shufflenetURL)
	fmt.Fprintf(&b, "       curl -LO %s\n", mobilenetV3URL)
	fmt.Fprintf(&b, "  2. Calibrate it into the int8 model, on ~100 photos like the ones your cameras see\n")
	fmt.Fprintf(&b, "     (a directory of .jpg/.png files):\n")
	fmt.Fprintf(&b, "       mkdir -p %s\n", filepath.Dir(path))
	fmt.Fprintf(&b, "       edged calibrate --weights %s --images DIR --out %s\n", ckpt, path)
	fmt.Fprintf(&b, "  3. Start again:\n")
	fmt.Fprintf(&b, "       edged run --config %s", cfgPath)
	return errors.New(b.String())
}
