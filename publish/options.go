package publish

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// EmbeddedBroker is the Options.Broker value that runs a broker in-process.
const EmbeddedBroker = "embedded"

// Options configure a Publisher. The fields mirror the mqtt: section of
// config.yaml (names in the comments); the ones after ConnectTimeout have no
// config key and are meant for the daemon and for tests.
type Options struct {
	Broker         string // broker: tcp://, ssl:// (tls://, mqtts://), ws://, wss:// URL, or "embedded"
	EmbeddedListen string // embedded_listen: address of the embedded broker (default 127.0.0.1:1883; port 0 picks one)
	ClientID       string // client_id (default edged-<device_id>)
	TopicPrefix    string // topic_prefix (default edged)
	DeviceID       string // device_id (top-level key of config.yaml); required
	QoS            int    // qos: 0, 1 or 2 for predictions and stats
	// RetainPredictions (retain_predictions) retains prediction messages.
	RetainPredictions bool
	Username          string // username
	Password          string // password
	// AllowAnonymous (allow_anonymous) lets the embedded broker listen
	// beyond loopback without Username; it warns. Otherwise New refuses.
	AllowAnonymous bool
	TLS            TLSOptions

	OnChange    bool          // publish.on_change
	MinInterval time.Duration // publish.min_interval: heartbeat under on_change (0: none)
	ScoreDelta  float64       // publish.score_delta

	QueueSize     int // queue_size: predictions kept while the broker is unreachable (default 1000)
	HomeAssistant HomeAssistantOptions

	ConnectTimeout time.Duration // connect_timeout (default 10s): dial + CONNACK

	PublishTimeout       time.Duration // wait for a PUBACK (default 10s)
	KeepAlive            time.Duration // MQTT keep-alive (default 30s)
	MinReconnectInterval time.Duration // first retry delay after a failed connect (default 1s)
	MaxReconnectInterval time.Duration // cap of the doubling retry delay (default 30s)

	Model   string // classification model name: Home Assistant device model
	Version string // edged version: Home Assistant sw_version (default "dev")

	Logger *slog.Logger // default slog.Default()
}

// TLSOptions is the tls: section. Files are PEM.
type TLSOptions struct {
	CAFile             string // ca_file: CA that signed the broker's certificate (default: system roots)
	CertFile           string // cert_file: client certificate, with KeyFile
	KeyFile            string // key_file
	InsecureSkipVerify bool   // insecure_skip_verify: do not check the broker's certificate (testing only)
}

// HomeAssistantOptions is the home_assistant: section.
type HomeAssistantOptions struct {
	Enabled         bool   // enabled
	DiscoveryPrefix string // discovery_prefix (default homeassistant)
}

// DefaultOptions returns the documented defaults of the mqtt: section.
// DeviceID is left empty: the config supplies it (default: host name).
func DefaultOptions() Options {
	return Options{
		Broker:               "tcp://127.0.0.1:1883",
		EmbeddedListen:       "127.0.0.1:1883",
		TopicPrefix:          "edged",
		QoS:                  1,
		OnChange:             true,
		MinInterval:          time.Second,
		ScoreDelta:           0.05,
		QueueSize:            1000,
		HomeAssistant:        HomeAssistantOptions{DiscoveryPrefix: "homeassistant"},
		ConnectTimeout:       10 * time.Second,
		PublishTimeout:       10 * time.Second,
		KeepAlive:            30 * time.Second,
		MinReconnectInterval: time.Second,
		MaxReconnectInterval: 30 * time.Second,
		Version:              "dev",
	}
}

// withDefaults fills the fields whose zero value means "unset". QoS, the
// booleans, MinInterval and ScoreDelta are taken as given: zero is a valid
// choice for them.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.EmbeddedListen == "" {
		o.EmbeddedListen = d.EmbeddedListen
	}
	if o.TopicPrefix == "" {
		o.TopicPrefix = d.TopicPrefix
	}
	if o.ClientID == "" {
		o.ClientID = "edged-" + o.DeviceID
	}
	if o.QueueSize == 0 {
		o.QueueSize = d.QueueSize
	}
	if o.HomeAssistant.DiscoveryPrefix == "" {
		o.HomeAssistant.DiscoveryPrefix = d.HomeAssistant.DiscoveryPrefix
	}
	for _, f := range []struct{ v, def *time.Duration }{
		{&o.ConnectTimeout, &d.ConnectTimeout},
		{&o.PublishTimeout, &d.PublishTimeout},
		{&o.KeepAlive, &d.KeepAlive},
		{&o.MinReconnectInterval, &d.MinReconnectInterval},
		{&o.MaxReconnectInterval, &d.MaxReconnectInterval},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if o.MaxReconnectInterval < o.MinReconnectInterval {
		o.MaxReconnectInterval = o.MinReconnectInterval
	}
	if o.Version == "" {
		o.Version = d.Version
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// validate checks everything that can be checked without a network and
// names the config key and the fix in its errors.
func (o Options) validate() error {
	if o.Broker == "" {
		return errors.New(`mqtt.broker is empty: set it to tcp://host:1883 (or ssl://, ws://), or to "embedded" to run a broker in-process`)
	}
	if err := ValidateTopicLevel(o.DeviceID); err != nil {
		return fmt.Errorf("device_id %q: %w", o.DeviceID, err)
	}
	if err := validateTopicPath(o.TopicPrefix); err != nil {
		return fmt.Errorf("mqtt.topic_prefix %q: %w", o.TopicPrefix, err)
	}
	if o.HomeAssistant.Enabled {
		if err := validateTopicPath(o.HomeAssistant.DiscoveryPrefix); err != nil {
			return fmt.Errorf("mqtt.home_assistant.discovery_prefix %q: %w", o.HomeAssistant.DiscoveryPrefix, err)
		}
	}
	if o.ClientID == "" || !utf8.ValidString(o.ClientID) || len(o.ClientID) > 65535 {
		return fmt.Errorf("mqtt.client_id %q: must be non-empty UTF-8", o.ClientID)
	}
	if o.QoS < 0 || o.QoS > 2 {
		return fmt.Errorf("mqtt.qos %d: must be 0, 1 or 2", o.QoS)
	}
	if o.QueueSize < 0 {
		return fmt.Errorf("mqtt.queue_size %d: must be positive (0 selects the default 1000)", o.QueueSize)
	}
	if o.MinInterval < 0 {
		return fmt.Errorf("mqtt.publish.min_interval %s: must not be negative", o.MinInterval)
	}
	if o.ScoreDelta < 0 || math.IsNaN(o.ScoreDelta) || math.IsInf(o.ScoreDelta, 0) {
		return fmt.Errorf("mqtt.publish.score_delta %v: must be a number >= 0", o.ScoreDelta)
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"mqtt.connect_timeout", o.ConnectTimeout},
		{"publish timeout", o.PublishTimeout},
		{"keep-alive", o.KeepAlive},
		{"reconnect interval", o.MinReconnectInterval},
	} {
		if d.v < 0 {
			return fmt.Errorf("%s %s: must be positive", d.key, d.v)
		}
	}
	if (o.TLS.CertFile == "") != (o.TLS.KeyFile == "") {
		return fmt.Errorf("mqtt.tls: cert_file %q and key_file %q go together: set both for a client certificate, or neither", o.TLS.CertFile, o.TLS.KeyFile)
	}
	return nil
}

// brokerURL resolves Options.Broker (not "embedded") into the URL paho dials
// and tells whether it uses TLS. A missing port gets the scheme's default.
func brokerURL(broker string) (u *url.URL, secure bool, err error) {
	u, err = url.Parse(broker)
	if err != nil || u.Host == "" {
		return nil, false, fmt.Errorf("mqtt.broker %q: not a URL like tcp://host:1883, ssl://host:8883, ws://host:9001/mqtt or \"embedded\"", broker)
	}
	defPort := ""
	switch u.Scheme {
	case "tcp", "mqtt":
		defPort = "1883"
	case "ssl", "tls", "mqtts":
		defPort, secure = "8883", true
	case "ws":
	case "wss":
		secure = true
	default:
		return nil, false, fmt.Errorf("mqtt.broker %q: unsupported scheme %q: use tcp://, ssl://, ws:// or wss://", broker, u.Scheme)
	}
	if defPort != "" && u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), defPort)
	}
	return u, secure, nil
}

// tlsConfig builds the client TLS configuration for a secure broker URL.
// It reads the files now so that a wrong path fails New, not every connect.
func (t TLSOptions) tlsConfig() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mqtt.tls.ca_file %s: no PEM certificate in it: give the CA certificate (-----BEGIN CERTIFICATE-----)", t.CAFile)
		}
		c.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt.tls.cert_file %s / key_file %s: %w", t.CertFile, t.KeyFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

func (t TLSOptions) isSet() bool {
	return t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.InsecureSkipVerify
}

// ValidateTopicLevel checks that s can be one level of an MQTT topic: the
// device id and camera names are. Config validation can call it to reject a
// bad camera name up front.
func ValidateTopicLevel(s string) error {
	switch {
	case s == "":
		return errors.New("empty: an MQTT topic level needs a name")
	case !utf8.ValidString(s):
		return errors.New("not valid UTF-8")
	case strings.ContainsAny(s, "/+#\x00"):
		return errors.New(`contains one of / + # or NUL, which MQTT topics reserve: use letters, digits, - and _`)
	case strings.HasPrefix(s, "$"):
		return errors.New("starts with $, which MQTT reserves for broker topics")
	}
	return nil
}

// validateTopicPath checks a multi-level topic prefix such as "home/edged".
func validateTopicPath(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") {
		return errors.New("must not start or end with /")
	}
	for _, l := range strings.Split(s, "/") {
		if err := ValidateTopicLevel(l); err != nil {
			return fmt.Errorf("level %q: %w", l, err)
		}
	}
	return nil
}
