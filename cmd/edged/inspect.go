package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/edged/edged/kernels"
	"github.com/edged/edged/quant"
)

func cmdInspect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("inspect", stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("give one model file")
	}
	m, err := quant.ReadFile(pos[0])
	if err != nil {
		return err
	}
	return m.WriteTable(stdout)
}

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "devel-" + s.Value[:12]
			}
		}
	}
	return "devel"
}

func cmdVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := kernels.Default(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "edged %s %s/%s %s\nkernels: %s\ncpu features: %s\n", versionString(), runtime.GOOS, runtime.GOARCH,
		runtime.Version(), kernels.Path(), strings.Join(kernels.CPUFeatures(), " "))
	return nil
}
