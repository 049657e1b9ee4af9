package systemd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServiceConfig installs edged.yaml and the default model the way
// README.md's steps do (config.yaml and models/ under an /etc/edged stand-in)
// and checks them with the real binary: the config is valid, its model
// exists, and it has no samples/ camera.
func TestServiceConfig(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "edged")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/edged").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	etc := filepath.Join(dir, "etc", "edged")
	if err := os.MkdirAll(filepath.Join(etc, "models"), 0o755); err != nil {
		t.Fatal(err)
	}
	for src, dst := range map[string]string{
		"edged.yaml":                         "config.yaml",
		"../models/shufflenet_v2_x0_5.edgeq": "models/shufflenet_v2_x0_5.edgeq",
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(etc, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "config", "check", filepath.Join(etc, "config.yaml"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || strings.Contains(stderr.String(), "does not exist") {
		t.Fatalf("edged config check of the installed edged.yaml: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "path: "+filepath.Join(etc, "models", "shufflenet_v2_x0_5.edgeq")) {
		t.Errorf("model.path does not resolve to the installed model:\n%s", stdout.String())
	}
	if strings.Contains(stdout.String(), "samples") {
		t.Errorf("the service config has a samples/ camera:\n%s", stdout.String())
	}

	// README's steps install what `make dist` and the repository provide.
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"linux-arm64", "linux-armv7"} {
		if !bytes.Contains(mk, []byte(arch+":")) || !bytes.Contains(readme, []byte("dist/edged-"+arch)) {
			t.Errorf("README.md and the Makefile disagree on make dist's edged-%s", arch)
		}
	}
	for _, f := range []string{"models/shufflenet_v2_x0_5.edgeq", "systemd/edged.service", "systemd/edged.yaml"} {
		if _, err := os.Stat(filepath.Join("..", f)); err != nil || !bytes.Contains(readme, []byte(f)) {
			t.Errorf("README.md's install steps should copy %s from the repository (%v)", f, err)
		}
	}
}
