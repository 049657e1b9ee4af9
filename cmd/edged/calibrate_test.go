package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edged/edged/internal/testdata"
)

// TestCalibrateDeterministic: the same checkpoint and images give a
// byte-identical model file, and inspect prints its quant table.
func TestCalibrateDeterministic(t *testing.T) {
	weights := testdata.Path(t, "models", "shufflenet_v2_x0_5.pth")
	images := testdata.Path(t, "imagenet-sample", "images")
	dir := t.TempDir()
	var files [2][]byte
	for i := range files {
		out := filepath.Join(dir, "m"+string(rune('a'+i))+".edgeq")
		table := out + ".yaml"
		// The table replaces an old one atomically (issue 12): a reader
		// holding the old file (here a hard link to it) keeps it whole
		// instead of seeing it truncated and rewritten.
		link := table + ".old"
		if err := os.WriteFile(table, []byte("old table\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(table, link); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runEdged(t, "calibrate", "--weights", weights, "--images", images, "--limit", "8",
			"--int16", "2", "--out", out, "--table", table)
		if code != 0 {
			t.Fatalf("calibrate: exit %d\n%s", code, stderr)
		}
		var err error
		if files[i], err = os.ReadFile(out); err != nil {
			t.Fatal(err)
		}
		code, stdout, _ := runEdged(t, "inspect", out)
		tab, _ := os.ReadFile(table)
		if old, _ := os.ReadFile(link); string(old) != "old table\n" {
			t.Fatalf("--table rewrote the old file in place (a reader sees %d new bytes): want a rename", len(old))
		}
		if code != 0 || stdout != string(tab) || !strings.Contains(stdout, "calibration_images: 8") {
			t.Fatalf("inspect (exit %d) differs from --table or lacks the image count:\n%s", code, stdout)
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two calibrations of the same inputs wrote different model files")
	}
}

func TestCalibrateErrors(t *testing.T) {
	weights := testdata.Path(t, "models", "shufflenet_v2_x0_5.pth")
	empty := t.TempDir()
	out := filepath.Join(t.TempDir(), "m.edgeq")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"calibrate", "--images", empty, "--out", out}, 2, "--weights"},
		{[]string{"calibrate", "--weights", weights, "--out", out}, 2, "--images"},
		{[]string{"calibrate", "--weights", weights, "--images", empty}, 2, "--out"},
		{[]string{"calibrate", "--weights", weights, "--images", empty, "--out", out}, 1, "no .jpg, .jpeg or .png files"},
		{[]string{"calibrate", "--weights", weights, "--images", filepath.Join(empty, "missing"), "--out", out}, 1, "missing"},
		{[]string{"calibrate", "--weights", weights, "--images", empty, "--out", filepath.Join(empty, "no", "such", "m.edgeq")}, 2, "directory does not exist"},
		{[]string{"calibrate", "--weights", weights, "--images", testdata.Path(t, "imagenet-sample", "images"), "--limit", "2", "--method", "magic", "--out", out}, 2, "unknown calibration method"},
	} {
		code, _, stderr := runEdged(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed calibration left a model file behind")
	}
	// A model file that is not one.
	bad := filepath.Join(empty, "bad.edgeq")
	os.WriteFile(bad, []byte("not a model"), 0o644)
	code, _, stderr := runEdged(t, "inspect", bad)
	if code != 1 || !strings.Contains(stderr, "edged calibrate") {
		t.Errorf("inspect bad file: exit %d, stderr %q", code, stderr)
	}
}
