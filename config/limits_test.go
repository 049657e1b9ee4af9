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

// Issue 12 defect 2 at `edged config check`: the embedded broker on the
// network needs credentials or an explicit allow_anonymous.
func TestEmbeddedBrokerOnNetworkNeedsCredentials(t *testing.T) {
	broker := strings.Replace(minimal, "broker: tcp://127.0.0.1:1883", "broker: embedded", 1)
	for _, tt := range []struct {
		extra string
		ok    bool
	}{
		{"  embedded_listen: 127.0.0.1:1883\n", true},
		{"  embedded_listen: localhost:1883\n", true},
		{"  embedded_listen: 0.0.0.0:1883\n", false},
		{"  embedded_listen: \":1883\"\n", false},
		{"  embedded_listen: 192.168.1.2:1883\n", false},
		{"  embedded_listen: 0.0.0.0:1883\n  allow_anonymous: true\n", true},
		{"  embedded_listen: 0.0.0.0:1883\n  username: u\n  password: p\n", true},
	} {
		_, err := Parse([]byte(broker+tt.extra), "c.yaml")
		if tt.ok != (err == nil) {
			t.Errorf("%q: error %v, want ok=%v", tt.extra, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "mqtt.embedded_listen") {
			t.Errorf("%q: error %v does not name mqtt.embedded_listen", tt.extra, err)
		}
	}
}
