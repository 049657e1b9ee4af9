// Package testdata finds edged's shared test data (checkpoints, ImageNet
// sample images, golden tensors): $EDGED_TESTDATA, else ../shared beside
// the module root. Tests skip with a clear message when it is absent, as it
// is on a user's machine, and fail instead in CI (see Required): a renamed
// or missing file must not turn CI green by skipping.
package testdata

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the test data directory, or "" when there is none.
func Dir() string {
	if d := os.Getenv("EDGED_TESTDATA"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		return ""
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(d), "shared")
			if fi, err := os.Stat(s); err == nil && fi.IsDir() {
				return s
			}
			return ""
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Path joins elem under the test data directory, skipping t (failing it
// when Required) when the directory or the file is absent.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	d := Dir()
	if d == "" {
		Skipf(t, "shared test data not found (EDGED_TESTDATA=%q): set EDGED_TESTDATA or put it at ../shared beside the repository", os.Getenv("EDGED_TESTDATA"))
	}
	p := filepath.Join(append([]string{d}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		Skipf(t, "test data %s absent: %v", p, err)
	}
	return p
}

// ReadCHW reads a golden input tensor (float32 little-endian, CHW, as
// golden/inputs/*.f32 hold them) of c×h×w values into NHWC order.
func ReadCHW(t testing.TB, path string, h, w, c int) []float32 {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := h * w * c
	if len(raw) != 4*n {
		t.Fatalf("%s: %d bytes, want %d (%dx%dx%d float32)", path, len(raw), 4*n, c, h, w)
	}
	out := make([]float32, n)
	for ch := 0; ch < c; ch++ {
		for i := 0; i < h*w; i++ {
			out[i*c+ch] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(ch*h*w+i):]))
		}
	}
	return out
}

// CopyFiles copies files into a new directory under t.TempDir (keeping
// their base names) and returns it: a camera or calibration directory a
// test may change.
func CopyFiles(t testing.TB, files []string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "images")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
