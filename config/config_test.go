package config

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest valid config: everything else is defaulted.
const minimal = `model:
  path: m.edgeq
cameras:
  - name: front
    source: "0"
mqtt:
  broker: tcp://127.0.0.1:1883
`

func TestDefaultConfigFileParses(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "config.yaml"))
	if err != nil {
		t.Fatalf("the documented default config.yaml must be valid: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "models", "shufflenet_v2_x0_5.edgeq"); cfg.Model.Path != want {
		t.Errorf("model.path = %q, want %q", cfg.Model.Path, want)
	}
	if len(cfg.Cameras) != 1 {
		t.Fatalf("cameras = %d, want 1", len(cfg.Cameras))
	}
	cam := cfg.Cameras[0]
	if cam.Name != "sample" || cam.Source != filepath.Join(root, "samples") || !cam.Enabled {
		t.Errorf("camera = %+v, want enabled camera sample on %s", cam, filepath.Join(root, "samples"))
	}
	if !cfg.MQTT.Embedded() || cfg.MQTT.BrokerURL() != "tcp://127.0.0.1:1883" {
		t.Errorf("broker = %q (url %q), want embedded on 127.0.0.1:1883", cfg.MQTT.Broker, cfg.MQTT.BrokerURL())
	}
	if cfg.HTTP.Listen != "127.0.0.1:9108" {
		t.Errorf("http.listen = %q", cfg.HTTP.Listen)
	}
}

// The default config.yaml documents every key: each field of Config must be
// mentioned in it, so a new key cannot be added without documenting it.
func TestDefaultConfigFileMentionsEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, path string) {
		for i := 0; i < typ.NumField(); i++ {
			name := yamlName(typ.Field(i))
			if name == "" {
				continue
			}
			if !strings.Contains(string(data), name+":") {
				t.Errorf("config.yaml does not document %s", join(path, name))
			}
			ft := typ.Field(i).Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				walk(ft, join(path, name))
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
}

func TestDefaultsApplied(t *testing.T) {
	cfg, err := Parse([]byte(minimal), "/etc/edged/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	want := &Config{
		DeviceID: host,
		Model:    Model{Path: "/etc/edged/m.edgeq", Threads: runtime.NumCPU(), TopK: 5},
		Cameras: []Camera{{
			Name: "front", Source: "0", FPS: 5, MinScore: 0, Enabled: true,
			Reconnect: Reconnect{Initial: 500 * time.Millisecond, Max: 30 * time.Second},
			Decode:    "fast",
		}},
		MQTT: MQTT{
			Broker:         "tcp://127.0.0.1:1883",
			EmbeddedListen: "127.0.0.1:1883",
			ClientID:       "edged-" + host,
			TopicPrefix:    "edged",
			QoS:            1,
			Publish:        Publish{OnChange: true, MinInterval: time.Second, ScoreDelta: 0.05},
			QueueSize:      1000,
			HomeAssistant:  HomeAssistant{Enabled: false, DiscoveryPrefix: "homeassistant"},
		},
		HTTP: HTTP{Listen: "127.0.0.1:9108"},
		Log:  Log{Level: "info", Format: "text"},
		File: "/etc/edged/config.yaml",
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", cfg, want)
	}
}

// "key:" with no value (null) keeps the default, and anchors work.
func TestNullKeepsDefaultAndAliases(t *testing.T) {
	src := `model:
  path: m.edgeq
  threads:
defaults: &cam {fps: 2, min_score: 0.5}
`
	_, err := Parse([]byte(src), "c.yaml")
	if err == nil || !strings.Contains(err.Error(), "c.yaml:4: defaults: unknown key") {
		t.Fatalf("an unknown top-level key must be reported even when it holds an anchor: %v", err)
	}
	src = `model:
  path: m.edgeq
  threads:
cameras:
  - &front {name: front, source: "0", fps: 2}
mqtt: {broker: embedded, qos: ~}
http: {listen: *lst}
`
	if _, err := Parse([]byte(src), "c.yaml"); err == nil {
		t.Fatal("an undefined alias must be an error")
	}
	src = `model:
  path: m.edgeq
  threads:
cameras:
  - {name: front, source: &src "0", fps: 2}
  - {name: back, source: *src}
mqtt: {broker: embedded, qos: ~}
`
	cfg, err := Parse([]byte(src), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Model.Threads != runtime.NumCPU() || cfg.MQTT.QoS != 1 {
		t.Errorf("threads %d, qos %d: null must keep the defaults", cfg.Model.Threads, cfg.MQTT.QoS)
	}
	if cfg.Cameras[1].Source != "0" || cfg.Cameras[1].FPS != 5 || !cfg.Cameras[1].Enabled {
		t.Errorf("second camera = %+v", cfg.Cameras[1])
	}
}

func TestRootMustBeAMapping(t *testing.T) {
	_, err := Parse([]byte("- a\n- b\n"), "c.yaml")
	if err == nil || err.Error() != "c.yaml:1: expected a mapping (key: value lines), got a list" {
		t.Errorf("got %v", err)
	}
}
