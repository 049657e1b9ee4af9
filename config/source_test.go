package config

import (
	"os"
	"path/filepath"
	"testing"
)

// TestExecSourceIsNotAPath: an exec: camera is valid and its command is
// passed on untouched, not resolved against the config file's directory
// like a file source.
func TestExecSourceIsNotAPath(t *testing.T) {
	const src = `exec:rpicam-vid -t 0 --codec mjpeg -o -`
	path := filepath.Join(t.TempDir(), "c.yaml")
	data := "model: {path: m.edgeq}\ncameras:\n  - name: pi\n    source: '" + src + "'\nmqtt: {broker: embedded}\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Cameras[0].Source; got != src {
		t.Errorf("source = %q, want %q unchanged", got, src)
	}
}
