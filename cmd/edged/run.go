package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
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

func cmdRun(fset *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	cfgPath := fset.String("config", "config.yaml", "config file (see the documented config.yaml at the repository root)")
	out := fset.String("predictions-out", "", "also write every prediction (before on_change filtering) as a JSON line in the MQTT payload format to this file, truncated at start; - for stdout")
	if err := parseNoArgs(fset, args, " (the config file goes after --config)"); err != nil {
		return err
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

	// Signals first: until Notify, SIGHUP would kill the process.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)

	level := new(slog.LevelVar)
	level.Set(cfg.Log.SlogLevel())
	log := newLogger(stderr, cfg.Log.Format, level)
	slog.SetDefault(log)

	opts := daemon.Options{Logger: log, LogLevel: level, Version: versionString()}
	if isTerminal(stderr) {
		// A person is watching: one line per published prediction, so the
		// first run shows what edged sees without an MQTT client.
		opts.Human = stderr
	}
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
// steps a user on a fresh machine follows, with the exact commands, as
// README's "Another model" shows them.
func missingModel(cfg *config.Config, cfgPath string) error {
	path := relToWD(cfg.Model.Path)
	// The calibrate command names the checkpoint that matches the model's
	// file name; either works with any model.path.
	ckpt := filepath.Base(shufflenetURL)
	if strings.Contains(strings.ToLower(filepath.Base(path)), "mobilenet") {
		ckpt = filepath.Base(mobilenetV3URL)
	}
	edged := selfCommand()
	var b strings.Builder
	fmt.Fprintf(&b, "model file %s (model.path in %s) does not exist. Make it once:\n\n", path, cfgPath)
	fmt.Fprintf(&b, "  1. Download a torchvision ImageNet checkpoint, one of:\n")
	fmt.Fprintf(&b, "       curl -LO %s\n", shufflenetURL)
	fmt.Fprintf(&b, "       curl -LO %s\n", mobilenetV3URL)
	fmt.Fprintf(&b, "  2. Calibrate it into the int8 model, on ~100 photos like the ones your cameras see\n")
	fmt.Fprintf(&b, "     (DIR: a directory of .jpg/.png files):\n")
	fmt.Fprintf(&b, "       mkdir -p %s\n", filepath.Dir(path))
	fmt.Fprintf(&b, "       %s calibrate --weights %s --images DIR --out %s\n", edged, ckpt, path)
	fmt.Fprintf(&b, "  3. Start again:\n")
	fmt.Fprintf(&b, "       %s run --config %s", edged, cfgPath)
	return errors.New(b.String())
}

// relToWD shortens path to one relative to the working directory when it
// is inside it, so the printed commands are the ones README shows.
func relToWD(path string) string {
	wd, err := os.Getwd()
	if err != nil || wd == "/" { // a service's: absolute paths read better
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return path
}

// selfCommand is how the user started edged, for commands to type next:
// "go run ./cmd/edged" under `go run` in the repository (its binary is
// temporary), else the program name as typed ("edged", "./edged").
func selfCommand() string {
	if exe, err := os.Executable(); err == nil && strings.Contains(exe, string(filepath.Separator)+"go-build") {
		if _, err := os.Stat(filepath.Join("cmd", "edged", "main.go")); err == nil {
			return "go run ./cmd/edged"
		}
	}
	if len(os.Args) > 0 && os.Args[0] != "" {
		return os.Args[0]
	}
	return "edged"
}
