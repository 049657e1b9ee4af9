package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/edged/edged/capture"
	"github.com/edged/edged/config"
)

// cmdConfig is `edged config check FILE`: validate a config file and print
// the effective configuration (defaults filled, ${VARS} substituted, paths
// resolved, secrets masked). Invalid: exit status 2 with every problem,
// each naming the file, line and key.
func cmdConfig(fset *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("give a subcommand: edged config check FILE")
	}
	switch args[0] {
	case "check":
	case "-h", "-help", "--help":
		fset.Usage()
		return nil
	default:
		return usageError("unknown subcommand %q: edged config check FILE", args[0])
	}
	file, err := parseOneArg(fset, args[1:], "give one config file: edged config check FILE")
	if err != nil {
		return err
	}
	cfg, err := config.Load(file)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if err := checkBackends(cfg, file); err != nil {
		return &exitError{code: 2, err: err}
	}
	out, err := cfg.Effective()
	if err != nil {
		return err
	}
	if _, err := stdout.Write(out); err != nil {
		return err
	}
	if _, err := os.Stat(cfg.Model.Path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "warning: model.path %s does not exist yet: `edged run` prints the steps that make it\n", cfg.Model.Path)
	}
	fmt.Fprintf(stderr, "%s: OK\n", file)
	return nil
}

// checkBackends refuses cameras whose source this binary cannot read: on a
// build without GoCV, V4L2 devices, RTSP, video files and GStreamer
// pipelines would only fail once edged runs.
func checkBackends(cfg *config.Config, file string) error {
	if capture.HasGoCV {
		return nil
	}
	var errs []string
	for i, c := range cfg.Cameras {
		if capture.NeedsGoCV(c.Source) {
			errs = append(errs, fmt.Sprintf("%s: cameras[%d] %q: source %q needs GoCV (OpenCV), and this edged was built without it: "+
				"build it on the board with `go build -tags gocv ./cmd/edged` (needs libopencv-dev), "+
				"or use a source the pure-Go build reads (a directory or file of images, an HTTP snapshot or MJPEG URL)",
				file, i, c.Name, c.Source))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}
