package testdata

import (
	"testing"
)

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		ci, req string
		want    bool
	}{
		{"", "", false},
		{"true", "", true},
		{"1", "", true},
		{"false", "", false},
		{"", "1", true},
		{"true", "0", false}, // an explicit opt-out wins
		{"", "0", false},
	} {
		t.Setenv("CI", tc.ci)
		t.Setenv("EDGED_REQUIRE_TESTDATA", tc.req)
		if got := Required(); got != tc.want {
			t.Errorf("CI=%q EDGED_REQUIRE_TESTDATA=%q: Required() = %v, want %v", tc.ci, tc.req, got, tc.want)
		}
	}
}

// fakeTB records whether Skip or Fatal was called; both stop the helper
// with a panic we recover, like testing's runtime.Goexit.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

type stop struct{}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.skipped = true; panic(stop{}) }
func (f *fakeTB) Fatal(args ...any) { f.failed = true; panic(stop{}) }

func run(f *fakeTB, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stop); !ok {
				panic(r)
			}
		}
	}()
	fn()
}

// TestMissingFailsWhenRequired: the same missing file or tool skips on a
// user's machine and fails in CI.
func TestMissingFailsWhenRequired(t *testing.T) {
	for _, required := range []bool{false, true} {
		t.Setenv("CI", "")
		t.Setenv("EDGED_REQUIRE_TESTDATA", map[bool]string{false: "0", true: "1"}[required])
		t.Setenv("EDGED_TESTDATA", t.TempDir())
		for name, fn := range map[string]func(tb testing.TB){
			"Path":  func(tb testing.TB) { Path(tb, "no-such-file") },
			"Tool":  func(tb testing.TB) { Tool(tb, "edged-no-such-tool", "nothing") },
			"Skipf": func(tb testing.TB) { Skipf(tb, "gone") },
		} {
			f := &fakeTB{}
			run(f, func() { fn(f) })
			if f.failed != required || f.skipped == required {
				t.Errorf("%s, required=%v: failed=%v skipped=%v", name, required, f.failed, f.skipped)
			}
		}
	}
	t.Setenv("EDGED_TESTDATA", "/nonexistent/edged-shared")
	t.Setenv("EDGED_REQUIRE_TESTDATA", "1")
	f := &fakeTB{}
	run(f, func() { Path(f, "models") })
	if !f.failed {
		t.Error("a missing EDGED_TESTDATA directory did not fail when required")
	}
}
