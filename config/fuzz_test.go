package config

import (
	"strings"
	"testing"

	"github.com/edged/edged/internal/limits"
)

// FuzzParse feeds arbitrary config.yaml text to Parse: it must return a
// config or an error (each line "file:line: key: message"), never panic,
// and a config it accepts must hold the documented bounds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		minimal,
		minimal + "  username: u\n  password: p\n",
		strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    fps: 1e-300", 1),
		strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    reconnect: {initial: 1ns, max: 1ns}", 1),
		strings.Replace(minimal, `source: "0"`, `source: "${A:-${B}}"`, 1),
		"model: {path: m}\ncameras: [{name: a, source: b}]\nmqtt: {broker: embedded, embedded_listen: 0.0.0.0:1883, allow_anonymous: true}\n",
		"defaults: &d {fps: 2}\ncameras:\n  - <<: *d\n",
		"{{{", "- - -", "model: [", "\t", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "c.yaml")
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "c.yaml") {
					t.Fatalf("error line %q does not name the file", line)
				}
			}
			return
		}
		for _, c := range cfg.Cameras {
			if limits.CheckFPS(c.FPS) != nil || c.Reconnect.Initial < limits.MinReconnect || c.Reconnect.Max < c.Reconnect.Initial {
				t.Fatalf("accepted camera %+v outside the bounds", c)
			}
		}
		if cfg.MQTT.Username != "" && cfg.MQTT.Password == "" {
			t.Fatal("accepted a username without a password")
		}
	})
}
