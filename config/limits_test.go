package config

import (
	"strings"
	"testing"
)

// Issue 12 defect 7: fps and reconnect delays have the same bounds in
// config.yaml as in MQTT commands, inclusive at both ends.
func TestFPSAndReconnectBounds(t *testing.T) {
	camera := func(extra string) string {
		return strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    "+extra, 1)
	}
	for _, tt := range []struct {
		extra string
		ok    bool
	}{
		{"fps: 0.01", true},
		{"fps: 1000", true},
		{"fps: 0.00999", false},
		{"fps: 1000.001", false},
		{"fps: 1e-300", false},
		{"fps: 1e300", false},
		{"fps: .nan", false},
		{"reconnect: {initial: 10ms, max: 10ms}", true},
		{"reconnect: {initial: 9ms}", false},
		{"reconnect: {initial: 1ns}", false},
	} {
		_, err := Parse([]byte(camera(tt.extra)), "c.yaml")
		if tt.ok && err != nil {
			t.Errorf("%s: rejected: %v", tt.extra, err)
		}
		if !tt.ok && err == nil {
			t.Errorf("%s: accepted, want an error", tt.extra)
		}
	}
}

// Smaller items of issue 12: a nested default is an error, not a literal;
// a username with an empty password is an error.
func TestNestedDefaultAndEmptyPassword(t *testing.T) {
	t.Setenv("EDGED_TEST_B", "b")
	src := strings.Replace(minimal, `source: "0"`, `source: "${EDGED_TEST_UNSET_A:-${EDGED_TEST_B}}"`, 1)
	_, err := Parse([]byte(src), "c.yaml")
	if err == nil || !strings.Contains(err.Error(), "nested ${...}") {
		t.Errorf("${A:-${B}}: got %v, want a nested-default error", err)
	}
	for _, tt := range []struct{ creds, want string }{
		{"  username: edged\n", "mqtt.password: empty while mqtt.username is set"},
		{"  username: edged\n  password: \"\"\n", "mqtt.password: empty while mqtt.username is set"},
		{"  password: secret\n", "mqtt.password: set without mqtt.username"},
	} {
		_, err := Parse([]byte(minimal+tt.creds), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.creds, err, tt.want)
		}
	}
	if _, err := Parse([]byte(minimal+"  username: edged\n  password: pw\n"), "c.yaml"); err != nil {
		t.Errorf("username and password: %v", err)
	}
}
