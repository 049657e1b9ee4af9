// Package config reads, validates and prints edged's config.yaml: strict
// decoding (every unknown key, wrong type or invalid value is an error naming
// the file, line and key), ${ENV_VAR} substitution, and defaults for
// everything optional.
package config

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is the whole of config.yaml after defaults, substitution and
// validation. Relative paths are already resolved against the directory of
// the config file.
type Config struct {
	// DeviceID names this board in MQTT topics; default: the hostname.
	DeviceID string   `yaml:"device_id"`
	Model    Model    `yaml:"model"`
	Cameras  []Camera `yaml:"cameras"`
	MQTT     MQTT     `yaml:"mqtt"`
	HTTP     HTTP     `yaml:"http"`
	Log      Log      `yaml:"log"`

	// File is the path the config was read from, as given to Load or Parse.
	File string `yaml:"-"`
}

// Model selects the int8 model and how it runs.
type Model struct {
	Path    string `yaml:"path"`    // int8 model file from `edged calibrate`; required
	Threads int    `yaml:"threads"` // default: runtime.NumCPU()
	TopK    int    `yaml:"top_k"`   // classes per prediction; default 5
}

// Camera is one frame source and how often it is classified.
type Camera struct {
	Name string `yaml:"name"` // unique; one MQTT topic level
	// Source is a spec of package capture: a device index, a file, a
	// directory, a URL, or a gocv:/gst: form. A relative file or directory
	// path is resolved against the config file's directory.
	Source    string    `yaml:"source"`
	FPS       float64   `yaml:"fps"`       // max classifications per second; default 5
	MinScore  float64   `yaml:"min_score"` // below: no confident class; default 0
	Enabled   bool      `yaml:"enabled"`   // default true
	Reconnect Reconnect `yaml:"reconnect"` // backoff after a source fails
	// Decode is how JPEG frames are decoded: "fast" (default) lets the
	// decoder downscale in the DCT domain toward the model's resize size,
	// "exact" decodes at full size (Pillow-exact, as classify does).
	Decode string `yaml:"decode"`
	// Width and Height are the frame size requested from the device
	// (GoCV sources; 0 keeps the device's default). The device may
	// deliver another size: the one delivered is logged once.
	Width  int `yaml:"width"`
	Height int `yaml:"height"`
}

// Reconnect is the exponential backoff of a failing source: the first retry
// waits about Initial, each further one twice as long, capped at Max.
type Reconnect struct {
	Initial time.Duration `yaml:"initial"` // default 500ms
	Max     time.Duration `yaml:"max"`     // default 30s
}

// MQTT is the publisher's section (issue 6).
type MQTT struct {
	// Broker is tcp://host:port, ssl://host:port, ws://host[:port]/path,
	// wss://host[:port]/path, or "embedded" for the in-process broker.
	Broker            string `yaml:"broker"`
	EmbeddedListen    string `yaml:"embedded_listen"` // default 127.0.0.1:1883
	ClientID          string `yaml:"client_id"`       // default edged-<device_id>
	TopicPrefix       string `yaml:"topic_prefix"`    // default edged
	QoS               int    `yaml:"qos"`             // 0..2; default 1
	RetainPredictions bool   `yaml:"retain_predictions"`
	Username          string `yaml:"username"`
	Password          string `yaml:"password" secret:"true"`
	// AllowAnonymous lets the embedded broker listen beyond loopback
	// without username/password (it warns at start-up); without it that
	// refuses to start.
	AllowAnonymous bool          `yaml:"allow_anonymous"`
	TLS            TLS           `yaml:"tls"`
	Publish        Publish       `yaml:"publish"`
	QueueSize      int           `yaml:"queue_size"` // predictions kept while disconnected; default 1000
	HomeAssistant  HomeAssistant `yaml:"home_assistant"`
}

// TLS configures ssl:// and wss:// brokers.
type TLS struct {
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// Publish decides which predictions are sent.
type Publish struct {
	OnChange    bool          `yaml:"on_change"`    // default true
	MinInterval time.Duration `yaml:"min_interval"` // default 1s
	ScoreDelta  float64       `yaml:"score_delta"`  // default 0.05
}

// HomeAssistant configures MQTT discovery.
type HomeAssistant struct {
	Enabled         bool   `yaml:"enabled"`
	DiscoveryPrefix string `yaml:"discovery_prefix"` // default homeassistant
}

// HTTP serves /healthz and /metrics.
type HTTP struct {
	Listen string `yaml:"listen"` // default 127.0.0.1:9108; "" disables
}

// Log configures log/slog.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error; default info
	Format string `yaml:"format"` // text or json; default text
}

// Embedded is the Broker value that starts the in-process broker.
const Embedded = "embedded"

// Embedded reports whether the in-process broker is configured.
func (m MQTT) Embedded() bool { return m.Broker == Embedded }

// BrokerURL is the URL a client connects to: the configured broker, or
// tcp://<embedded_listen> for the embedded one.
func (m MQTT) BrokerURL() string {
	if m.Embedded() {
		return "tcp://" + m.EmbeddedListen
	}
	return m.Broker
}

// SlogLevel is Level as a slog.Level.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// EnabledCameras returns the cameras with enabled: true, in config order.
func (c *Config) EnabledCameras() []Camera {
	var out []Camera
	for _, cam := range c.Cameras {
		if cam.Enabled {
			out = append(out, cam)
		}
	}
	return out
}

// Load reads and validates the config file at path. Relative paths in it are
// resolved against the file's absolute directory, so they do not depend on
// the daemon's working directory.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	cfg, err := parse(data, path, filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// Parse decodes and validates config data. name is used in error messages
// ("name:line: key: problem") and its directory is the base of relative
// paths. The error, if any, lists every problem found, one per line, in line
// order; each is an *Error.
func Parse(data []byte, name string) (*Config, error) {
	return parse(data, name, filepath.Dir(name))
}

func parse(data []byte, name, baseDir string) (*Config, error) {
	cfg := defaults()
	cfg.File = name
	d := newDecoder(name)
	if d.document(data, cfg) {
		d.finish(cfg, baseDir)
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// finish fills the defaults that depend on other values, resolves relative
// paths and validates.
func (d *decoder) finish(cfg *Config, baseDir string) {
	if cfg.DeviceID == "" {
		cfg.DeviceID = hostname()
	}
	if cfg.MQTT.ClientID == "" {
		cfg.MQTT.ClientID = "edged-" + cfg.DeviceID
	}
	cfg.Model.Path = resolvePath(baseDir, cfg.Model.Path)
	cfg.MQTT.TLS.CAFile = resolvePath(baseDir, cfg.MQTT.TLS.CAFile)
	cfg.MQTT.TLS.CertFile = resolvePath(baseDir, cfg.MQTT.TLS.CertFile)
	cfg.MQTT.TLS.KeyFile = resolvePath(baseDir, cfg.MQTT.TLS.KeyFile)
	for i := range cfg.Cameras {
		cfg.Cameras[i].Source = resolveSource(baseDir, cfg.Cameras[i].Source)
	}
	d.validate(cfg)
}

func resolvePath(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// resolveSource resolves the file or directory path in a camera source and
// leaves the other forms (device index, URL, GStreamer pipeline, exec:
// command) alone.
func resolveSource(base, src string) string {
	if rest, ok := strings.CutPrefix(src, "gocv:"); ok {
		return "gocv:" + resolveSource(base, rest)
	}
	if src == "" || strings.Contains(src, "://") || strings.HasPrefix(src, "gst:") || strings.HasPrefix(src, "exec:") || isDigits(src) {
		return src
	}
	return resolvePath(base, src)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// hostname is the default device_id.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "edged"
	}
	return h
}
