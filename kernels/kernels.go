// Package kernels is edged's op API and its dispatch: it reports which
// kernel implementation runs on this CPU (the portable Go kernels of
// kernels/generic, or the NEON assembly of kernels/arm64 where present) and
// the CPU features it saw.
package kernels

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/cpu"
)

// Path names the kernel implementation in use: "generic", "neon" or
// "dotprod".
func Path() string { return path }

var path = "generic"

// Select validates EDGED_KERNELS against what this binary and CPU can run.
// It is called once at start-up by the commands that run models.
func Select() error {
	want := os.Getenv("EDGED_KERNELS")
	switch want {
	case "", "generic":
		return nil
	case "neon", "dotprod":
		return fmt.Errorf("EDGED_KERNELS=%s: this build has no %s kernels for %s/%s; unset it or use generic", want, want, runtime.GOOS, runtime.GOARCH)
	}
	return fmt.Errorf("EDGED_KERNELS=%q: want generic, neon or dotprod", want)
}

// CPUFeatures lists the SIMD features x/sys/cpu reports that matter to
// edged's kernels.
func CPUFeatures() []string {
	var f []string
	add := func(ok bool, name string) {
		if ok {
			f = append(f, name)
		}
	}
	switch runtime.GOARCH {
	case "arm64":
		add(cpu.ARM64.HasASIMD, "asimd")
		add(cpu.ARM64.HasASIMDDP, "asimddp")
		add(cpu.ARM64.HasI8MM, "i8mm")
	case "amd64":
		add(cpu.X86.HasSSE41, "sse4.1")
		add(cpu.X86.HasAVX2, "avx2")
		add(cpu.X86.HasAVX512F, "avx512f")
		add(cpu.X86.HasAVX512VNNI, "avx512vnni")
	}
	return f
}
