package preprocess

import (
	"github.com/edged/edged/internal/testdata"
	"path/filepath"
	"testing"
)

// testdataDir returns the shared test data directory: $EDGED_TESTDATA, or
// ../shared beside the module root. It skips the test when it is absent.
func testdataDir(t testing.TB) string {
	t.Helper()
	return filepath.Dir(filepath.Dir(testdata.Path(t, "imagenet-sample", "images")))
}
