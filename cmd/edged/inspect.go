package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/edged/edged/capture"
	"github.com/edged/edged/kernels"
	"github.com/edged/edged/quant"
)

func cmdInspect(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	file, err := parseOneArg(fs, args, "give one model file")
	if err != nil {
		return err
	}
	m, err := quant.ReadFile(file)
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

func cmdVersion(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := kernels.Default(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "edged %s %s/%s %s\nkernels: %s\ncpu features: %s\ncapture: %s\n", versionString(), runtime.GOOS, runtime.GOARCH,
		runtime.Version(), kernels.Path(), cpuFeatures(), captureBackends())
	return nil
}

// cpuFeatures lists the CPU features the kernels look for and found, or
// says that there are none (32-bit ARM, where only the generic kernels
// run), rather than printing nothing.
func cpuFeatures() string {
	if f := kernels.CPUFeatures(); len(f) > 0 {
		return strings.Join(f, " ")
	}
	return "none used on " + runtime.GOARCH
}

// captureBackends says which camera sources this binary reads: whether
// GoCV (OpenCV) is compiled in.
func captureBackends() string {
	if capture.HasGoCV {
		return "pure Go + GoCV (OpenCV " + capture.OpenCVVersion() + "): images, HTTP snapshots, MJPEG, V4L2, RTSP, video files, GStreamer"
	}
	return "pure Go: images, HTTP snapshots, MJPEG (no GoCV: V4L2, RTSP, video files and GStreamer need a build with -tags gocv)"
}
