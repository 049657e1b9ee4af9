package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigYAMLRequiredKeys holds config.yaml's header to the validator:
// the keys it names as required are exactly the ones a config cannot do
// without, and the repository's config.yaml itself is valid.
func TestConfigYAMLRequiredKeys(t *testing.T) {
	header, err := os.ReadFile("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const says = "# Required: model.path, at least one camera with a name and a source, and\n# mqtt.broker. Every other key is optional"
	if !strings.Contains(string(header), says) {
		t.Fatalf("config.yaml's header no longer says %q: update this test with it", says)
	}
	if code, _, stderr := runEdged(t, "config", "check", "../../config.yaml"); code != 0 {
		t.Fatalf("config check config.yaml: exit %d\n%s", code, stderr)
	}

	required := map[string]string{
		"model.path":        "model: {path: m.edgeq}\n",
		"cameras":           "cameras:\n  - name: cam\n    source: images/\n",
		"mqtt.broker":       "mqtt: {broker: embedded}\n",
		"cameras[0].name":   "",
		"cameras[0].source": "",
	}
	write := func(without string) string {
		var b strings.Builder
		for _, k := range []string{"model.path", "cameras", "mqtt.broker"} {
			text := required[k]
			switch {
			case k == without:
				continue
			case k == "cameras" && without == "cameras[0].name":
				text = "cameras:\n  - source: images/\n"
			case k == "cameras" && without == "cameras[0].source":
				text = "cameras:\n  - name: cam\n"
			}
			b.WriteString(text)
		}
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if code, _, stderr := runEdged(t, "config", "check", write("")); code != 0 {
		t.Fatalf("a config of only the required keys: exit %d, want 0\n%s", code, stderr)
	}
	for key := range required {
		code, _, stderr := runEdged(t, "config", "check", write(key))
		if code != 2 || !strings.Contains(stderr, key) {
			t.Errorf("config without %s: exit %d, want 2 naming it:\n%s", key, code, stderr)
		}
	}
}
