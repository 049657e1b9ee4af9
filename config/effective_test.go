package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestEffectiveMasksSecretsAndRoundTrips(t *testing.T) {
	t.Setenv("EDGED_TEST_PASSWORD", "hunter2")
	src := strings.Replace(minimal, "tcp://127.0.0.1:1883", "ssl://broker:8883", 1) + `  username: bob
  password: ${EDGED_TEST_PASSWORD}
  tls: {ca_file: certs/ca.pem}
  publish: {min_interval: 1m30s}
`
	cfg, err := Parse([]byte(src), "/etc/edged/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := cfg.Effective()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if strings.Contains(text, "hunter2") {
		t.Fatalf("effective config leaks the password:\n%s", text)
	}
	for _, want := range []string{
		"password: '********'", "username: bob", "ca_file: /etc/edged/certs/ca.pem",
		"min_interval: 1m30s", `source: "0"`, "threads: ", "client_id: edged-",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("effective config lacks %q:\n%s", want, text)
		}
	}
	// Printed and read back, it is the same config (the password masked).
	again, err := Parse(out, "/etc/edged/config.yaml")
	if err != nil {
		t.Fatalf("effective config does not parse: %v\n%s", err, text)
	}
	cfg.MQTT.Password = masked
	if !reflect.DeepEqual(again, cfg) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", again, cfg)
	}
}

func TestRelativePathsResolveAgainstConfigDir(t *testing.T) {
	src := `model: {path: models/m.edgeq}
cameras:
  - {name: a, source: "0"}
  - {name: b, source: samples/}
  - {name: c, source: /abs/still.jpg}
  - {name: d, source: "rtsp://cam/stream"}
  - {name: e, source: "gocv:clip.mp4"}
  - {name: f, source: "gst:videotestsrc ! appsink"}
  - {name: g, source: "http://cam/snap.jpg"}
mqtt:
  broker: ssl://b:8883
  tls: {ca_file: ca.pem, cert_file: /abs/c.pem, key_file: k.pem}
`
	cfg, err := Parse([]byte(src), "/etc/edged/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Model.Path != "/etc/edged/models/m.edgeq" {
		t.Errorf("model.path = %q", cfg.Model.Path)
	}
	want := []string{"0", "/etc/edged/samples", "/abs/still.jpg", "rtsp://cam/stream",
		"gocv:/etc/edged/clip.mp4", "gst:videotestsrc ! appsink", "http://cam/snap.jpg"}
	for i, w := range want {
		if cfg.Cameras[i].Source != w {
			t.Errorf("cameras[%d].source = %q, want %q", i, cfg.Cameras[i].Source, w)
		}
	}
	tls := cfg.MQTT.TLS
	if tls.CAFile != "/etc/edged/ca.pem" || tls.CertFile != "/abs/c.pem" || tls.KeyFile != "/etc/edged/k.pem" {
		t.Errorf("tls = %+v", tls)
	}
}

func TestDisabledCameraAndEmptyListen(t *testing.T) {
	src := strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    enabled: false\n  - {name: back, source: \"1\"}", 1) +
		"http: {listen: \"\"}\n"
	cfg, err := Parse([]byte(src), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if en := cfg.EnabledCameras(); len(en) != 1 || en[0].Name != "back" {
		t.Errorf("enabled cameras = %+v, want only back", en)
	}
	if cfg.HTTP.Listen != "" {
		t.Errorf(`listen "" must disable HTTP, got %q`, cfg.HTTP.Listen)
	}
}
