// Package kernels is edged's op API and its dispatch. An engine chooses a
// kernel path when it is built (Lookup: the portable Go kernels of
// kernels/generic, the NEON assembly of kernels/arm64 in its ARMv8.0 or
// SDOT variant, or the x86 assembly of kernels/amd64 in its AVX2 or
// AVX-512 VNNI variant) and binds every op to that path's function once, at plan
// time: the op's parameters are checked then, and an inference only calls
// the bound functions. Every path computes bit-identical results;
// kernels/generic defines them.
//
// There is no package-level kernel selection: two engines in one process
// may run different paths (tests run every model on every path).
//
// Each architecture has one small dispatch file (dispatch_arm64.go,
// dispatch_amd64.go, dispatch_other.go)
// that lists its paths, best first, and binds an op to its kernels or
// returns nil, in which case kernels/generic runs the op — the shape of
// crypto/sha256's sha256block_arm64.go.
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
	AVX2    = "avx2"    // amd64 AVX2 (Haswell and later, Intel N100, AMD Zen)
	VNNI    = "vnni"    // amd64 AVX-512 with VNNI (VPDPBUSD: Ice Lake, Zen 4 and later)
)

// allPaths lists every path name any build knows.
var allPaths = []string{Generic, NEON, DotProd, AVX2, VNNI}

// Paths lists the kernel paths this build and CPU can run, best first.
func Paths() []string { return slices.Clone(archPaths()) }

// Set is one kernel path, ready to bind ops to: what an engine resolves
// once, when it is built.
type Set struct {
	path string
	arch archSet
}

// Lookup returns the kernel path named p, or for "" the default path
// (Default). A path this build or CPU cannot run is refused with the
// reason.
func Lookup(p string) (*Set, error) {
	if p == "" {
		d, err := Default()
		if err != nil {
			return nil, err
		}
		p = d
	}
	if !slices.Contains(allPaths, p) {
		return nil, fmt.Errorf("kernel path %q: want %s", p, strings.Join(allPaths, ", "))
	}
	if !slices.Contains(archPaths(), p) {
		return nil, fmt.Errorf("kernel path %s: %s", p, unavailable(p))
	}
	return &Set{path: p, arch: newArchSet(p)}, nil
}

// Path names s's kernel path: "generic", "neon", "dotprod", "avx2" or
// "vnni".
func (s *Set) Path() string { return s.path }

// Default is the path an engine runs unless told otherwise: the one
// EDGED_KERNELS names (generic, neon, dotprod, avx2 or vnni) if set, else the best for
// this build and CPU. A path this build or CPU cannot run is an error
// saying why and what to do; commands call Default at start-up so that a
// bad EDGED_KERNELS stops them before any work.
func Default() (string, error) {
	want := os.Getenv("EDGED_KERNELS")
	if want == "" {
		return archPaths()[0], nil
	}
	if _, err := Lookup(want); err != nil {
		return "", fmt.Errorf("EDGED_KERNELS=%s: %w; unset it, or choose one of: %s", want, err, strings.Join(archPaths(), ", "))
	}
	return want, nil
}

// Path is Default's path, or the best for this CPU when EDGED_KERNELS is
// invalid (which Default reports): for version strings and metrics.
func Path() string {
	if p, err := Default(); err == nil {
		return p
	}
	return archPaths()[0]
}

// unavailable explains why path p cannot run here.
func unavailable(p string) string {
	arch := "arm64"
	if p == AVX2 || p == VNNI {
		arch = "amd64"
	}
	switch {
	case runtime.GOARCH != arch:
		return fmt.Sprintf("this build (%s/%s) has no %s kernels: they exist for %s only", runtime.GOOS, runtime.GOARCH, p, arch)
	case len(archPaths()) == 1 && (arch == "amd64" && cpu.X86.HasAVX2 || arch == "arm64"):
		return fmt.Sprintf("this %s build has no assembly kernels (built with the purego tag)", arch)
	case p == DotProd:
		return "this CPU lacks the dot-product extension (asimddp, ARMv8.2); it can run neon"
	case p == AVX2:
		return "this CPU lacks AVX2 (or the OS does not save its registers)"
	case p == VNNI:
		return "this CPU lacks AVX-512 VNNI (avx512f, avx512bw, avx512vl, avx512_vnni); it can run " + archPaths()[0]
	}
	return "not available on this CPU"
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
		add(cpu.X86.HasAVX512BW, "avx512bw")
		add(cpu.X86.HasAVX512VNNI, "avx512vnni")
		add(cpu.X86.HasAVXVNNI, "avxvnni")
	}
	return f
}
