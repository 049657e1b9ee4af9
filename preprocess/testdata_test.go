package preprocess

import (
	"os"
	"path/filepath"
	"testing"
)

// testdataDir returns the shared test data directory: $EDGED_TESTDATA, or
// ../shared beside the module root. It skips the test when it is absent.
func testdataDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("EDGED_TESTDATA")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "..", "shared")
				break
			}
			if filepath.Dir(d) == d {
				t.Skip("no go.mod above the package directory; set EDGED_TESTDATA to the shared test data")
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "imagenet-sample", "images")); err != nil {
		t.Skipf("shared test data not found at %s (set EDGED_TESTDATA): %v", dir, err)
	}
	return dir
}
