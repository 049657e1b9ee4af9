package kernels

import (
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestPaths checks the paths this build and CPU offer: the best first,
// generic always, NEON exactly on arm64 builds without purego, dotprod
// exactly where the CPU has the dot product, avx2 and vnni exactly on
// amd64 builds without purego whose CPU has them.
//
// EDGED_EXPECT_KERNELS names the best path the run must have (.ci/arm64.sh
// sets neon for qemu's cortex-a72 and dotprod for "max"), so a feature
// test that stops seeing the dot product fails too.
func TestPaths(t *testing.T) {
	p := Paths()
	if p[len(p)-1] != Generic {
		t.Errorf("Paths() = %v: generic must always be available, last", p)
	}
	neon := slices.Contains(p, NEON)
	if want := ArchKernelsBuilt && runtime.GOARCH == "arm64"; neon != want {
		t.Errorf("Paths() = %v on %s: NEON offered = %v, want %v (arm64 build without purego)", p, runtime.GOARCH, neon, want)
	}
	x86 := ArchKernelsBuilt && runtime.GOARCH == "amd64"
	if want := x86 && cpu.X86.HasAVX2; slices.Contains(p, AVX2) != want {
		t.Errorf("Paths() = %v on %s: avx2 offered = %v, want %v (amd64 build without purego, AVX2 CPU)", p, runtime.GOARCH, !want, want)
	}
	if want := x86 && cpu.X86.HasAVX512VNNI && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL; slices.Contains(p, VNNI) != want || want && p[0] != VNNI {
		t.Errorf("Paths() = %v: vnni offered = %v (first: %v), want %v and first (AVX-512 VNNI CPU)", p, slices.Contains(p, VNNI), p[0] == VNNI, want)
	}
	if want := os.Getenv("EDGED_EXPECT_KERNELS"); want != "" && p[0] != want {
		t.Errorf("Paths() = %v: EDGED_EXPECT_KERNELS=%s wants %s first (the CPU offers it)", p, want, want)
	}
	if ArchKernelsBuilt && cpu.ARM64.HasASIMDDP && p[0] != DotProd {
		t.Errorf("Paths() = %v: the CPU has the dot product but dotprod is not offered first", p)
	}
	if slices.Contains(p, DotProd) && !(neon && cpu.ARM64.HasASIMDDP) {
		t.Errorf("Paths() = %v offers dotprod without the dot-product extension", p)
	}
	t.Setenv("EDGED_KERNELS", "")
	if d, err := Default(); err != nil || d != p[0] {
		t.Errorf("Default() = %s, %v without EDGED_KERNELS, want the best path %s", d, err, p[0])
	}
}

// TestLookupIsPerEngine: every available path can be looked up side by
// side; nothing package-level changes.
func TestLookupIsPerEngine(t *testing.T) {
	t.Setenv("EDGED_KERNELS", "")
	var sets []*Set
	for _, p := range Paths() {
		s, err := Lookup(p)
		if err != nil {
			t.Fatalf("Lookup(%s): %v", p, err)
		}
		sets = append(sets, s)
	}
	for i, s := range sets {
		if s.Path() != Paths()[i] {
			t.Errorf("set %d runs %s, want %s", i, s.Path(), Paths()[i])
		}
	}
	if Path() != Paths()[0] {
		t.Errorf("Path() = %s after looking up every path, want the default %s", Path(), Paths()[0])
	}
}

func TestDefault(t *testing.T) {
	for _, tc := range []struct {
		env, want, wantErr string
	}{
		{"", Paths()[0], ""},
		{"generic", Generic, ""},
		{"avx9000", "", "want generic, neon, dotprod, avx2, vnni"},
	} {
		t.Setenv("EDGED_KERNELS", tc.env)
		got, err := Default()
		if got != tc.want || (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("EDGED_KERNELS=%q: Default() = %q, %v, want %q and an error containing %q", tc.env, got, err, tc.want, tc.wantErr)
		}
		s, err := Lookup("")
		if (err == nil) != (tc.wantErr == "") || err == nil && s.Path() != tc.want {
			t.Errorf("EDGED_KERNELS=%q: Lookup(\"\") = %v, %v, want path %q", tc.env, s, err, tc.want)
		}
	}
	// every path this build lacks is refused with the reason and the way out
	for _, p := range []string{NEON, DotProd, AVX2, VNNI} {
		t.Setenv("EDGED_KERNELS", p)
		got, err := Default()
		if slices.Contains(Paths(), p) {
			if err != nil || got != p {
				t.Errorf("EDGED_KERNELS=%s: Default() = %s, %v", p, got, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("EDGED_KERNELS=%s accepted on %s (paths %v)", p, runtime.GOARCH, Paths())
			continue
		}
		msg := err.Error()
		for _, want := range []string{"EDGED_KERNELS=" + p, "unset it", strings.Join(Paths(), ", ")} {
			if !strings.Contains(msg, want) {
				t.Errorf("EDGED_KERNELS=%s: error %q does not mention %q", p, msg, want)
			}
		}
		arch := "arm64"
		if p == AVX2 || p == VNNI {
			arch = "amd64"
		}
		if runtime.GOARCH != arch && !strings.Contains(msg, arch+" only") {
			t.Errorf("EDGED_KERNELS=%s: error %q does not say the kernels are %s only", p, msg, arch)
		}
		if Path() != Paths()[0] {
			t.Errorf("with a refused EDGED_KERNELS, Path() = %s, want the best path %s", Path(), Paths()[0])
		}
	}
}
