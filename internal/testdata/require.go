package testdata

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Required reports whether missing test data or tools must fail the test
// rather than skip it: in CI (env CI set and not "false"/"0", as CI
// services set CI=true) or when EDGED_REQUIRE_TESTDATA=1 (.ci/test
// exports it). On a user's machine, which may lack ../shared, mosquitto
// or a cross assembler, the tests that need them skip with the fix.
func Required() bool {
	if v := os.Getenv("EDGED_REQUIRE_TESTDATA"); v != "" {
		return v != "0" && v != "false"
	}
	v := os.Getenv("CI")
	return v != "" && v != "0" && v != "false"
}

// Skipf skips t with the message, or fails it when Required: a missing
// prerequisite that CI has must never turn a test green by skipping it.
func Skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		t.Fatal(msg + " (required here: CI or EDGED_REQUIRE_TESTDATA=1 is set; unset both to skip instead)")
	}
	t.Skip(msg)
}

// Tool finds a program on PATH or in the sbin directories Debian puts
// daemons in (mosquitto lives in /usr/sbin), and skips t (fails it when
// Required) when it is absent, naming the Debian package that provides it.
func Tool(t testing.TB, name, debPackage string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	Skipf(t, "%s not installed: apt-get install -y %s (bash .ci/run installs it)", name, debPackage)
	return ""
}
