package config

import (
	"strings"
	"testing"
)

func TestEnvSubstitution(t *testing.T) {
	t.Setenv("EDGED_TEST_USER", "alice")
	t.Setenv("EDGED_TEST_PASSWORD", "s3cr$t")
	t.Setenv("EDGED_TEST_FPS", "2.5")
	t.Setenv("EDGED_TEST_EMPTY", "")
	src := strings.Replace(minimal, `source: "0"`, `source: "${EDGED_TEST_CAM:-0}"
    fps: ${EDGED_TEST_FPS}`, 1) + `  username: ${EDGED_TEST_USER}
  password: ${EDGED_TEST_PASSWORD}
  client_id: pre-${EDGED_TEST_EMPTY:-dflt}-$${NOT_A_VAR}
`
	cfg, err := Parse([]byte(src), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MQTT.Username != "alice" || cfg.MQTT.Password != "s3cr$t" {
		t.Errorf("credentials = %q/%q, want alice/s3cr$t", cfg.MQTT.Username, cfg.MQTT.Password)
	}
	if cfg.Cameras[0].FPS != 2.5 {
		t.Errorf("fps = %v, want 2.5: a substituted value is typed like a plain one", cfg.Cameras[0].FPS)
	}
	if cfg.Cameras[0].Source != "0" {
		t.Errorf("source = %q, want the default 0 of an unset variable", cfg.Cameras[0].Source)
	}
	if want := "pre-dflt-${NOT_A_VAR}"; cfg.MQTT.ClientID != want {
		t.Errorf("client_id = %q, want %q (:- also covers empty; $${ is a literal)", cfg.MQTT.ClientID, want)
	}
}

// A substituted value goes through the same type checks as a literal one.
func TestEnvSubstitutionTypeChecked(t *testing.T) {
	t.Setenv("EDGED_TEST_FPS", "fast")
	src := strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    fps: ${EDGED_TEST_FPS}", 1)
	_, err := Parse([]byte(src), "c.yaml")
	want := `c.yaml:6: cameras[0].fps: expected a number, got "fast"`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// A secret whose value looks like YAML (null, true, 12) stays the string.
func TestEnvSubstitutionKeepsStrings(t *testing.T) {
	for _, v := range []string{"null", "true", "12", "~", "a: b"} {
		t.Setenv("EDGED_TEST_PASSWORD", v)
		cfg, err := Parse([]byte(minimal+"  username: u\n  password: ${EDGED_TEST_PASSWORD}\n"), "c.yaml")
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if cfg.MQTT.Password != v {
			t.Errorf("password = %q, want %q", cfg.MQTT.Password, v)
		}
	}
}

func TestEnvSyntaxErrors(t *testing.T) {
	for src, want := range map[string]string{
		"  client_id: ${UNCLOSED\n": `c.yaml:8: mqtt.client_id: unterminated "${UNCLOSED": write ${NAME} or ${NAME:-default}`,
		"  client_id: ${1BAD}\n":    `c.yaml:8: mqtt.client_id: invalid environment variable name "1BAD" in ${1BAD}: use letters, digits and _`,
	} {
		_, err := Parse([]byte(minimal+src), "c.yaml")
		if err == nil || err.Error() != want {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
}
