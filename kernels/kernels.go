// Package kernels is edged's op API and its dispatch: it picks, once at
// start-up, which implementation runs the int8 ops (the portable Go
// kernels of kernels/generic, or the NEON assembly of kernels/arm64 in its
// ARMv8.0 or SDOT variant) and forwards each op to it. Every path computes
// bit-identical results; kernels/generic defines them.
package kernels

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sys/cpu"
)

// The kernel paths.
const (
	Generic = "generic" // pure Go, any architecture
	NEON    = "neon"    // arm64 Advanced SIMD, ARMv8.0 (Cortex-A53/A57/A72)
	DotProd = "dotprod" // arm64 with the ARMv8.2 dot product (SDOT)
)

// Path names the kernel implementation in use: "generic", "neon" or
// "dotprod".
func Path() string { return path }

// path is the best this build and CPU can run until Select or Use says
// otherwise.
var path = archPaths()[0]

// Paths lists the kernel paths this build and CPU can run, best first.
func Paths() []string { return slices.Clone(archPaths()) }

// Use switches to kernel path p. Ops bound to a conv (Conv) keep the path
// they were packed for; element-wise ops follow the current path. It is
// meant for start-up (Select) and tests, not for running engines.
func Use(p string) error {
	switch p {
	case Generic, NEON, DotProd:
	default:
		return fmt.Errorf("kernel path %q: want %s", p, strings.Join([]string{Generic, NEON, DotProd}, ", "))
	}
	if !slices.Contains(archPaths(), p) {
		return fmt.Errorf("kernel path %s: %s", p, unavailable(p))
	}
	path = p
	return nil
}

// unavailable explains why path p cannot run here.
func unavailable(p string) string {
	switch {
	case runtime.GOARCH != "arm64":
		return fmt.Sprintf("this build (%s/%s) has no %s kernels: they exist for arm64 only", runtime.GOOS, runtime.GOARCH, p)
	case len(archPaths()) == 1:
		return "this arm64 build has no NEON kernels (built with the purego tag)"
	case p == DotProd:
		return "this CPU lacks the dot-product extension (asimddp, ARMv8.2); it can run neon"
	}
	return "not available on this CPU"
}

// Select applies EDGED_KERNELS (generic, neon or dotprod), if set, and
// refuses a path this build or CPU cannot run. Commands that run models
// call it once at start-up.
func Select() error {
	want := os.Getenv("EDGED_KERNELS")
	if want == "" {
		return nil
	}
	if err := Use(want); err != nil {
		return fmt.Errorf("EDGED_KERNELS=%s: %w; unset it, or choose one of: %s", want, err, strings.Join(archPaths(), ", "))
	}
	return nil
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
