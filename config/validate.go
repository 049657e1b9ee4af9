package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/edged/edged/internal/limits"
)

// Limits of values that are valid in form but would be mistakes.
const (
	maxThreads   = 1024
	maxTopK      = 1000
	maxQueueSize = 1_000_000
	maxFrameSide = 16384 // requested camera width/height: beyond any sensor
)

// validate checks values that decoded fine. A key whose decoding already
// failed is skipped: it holds its default, and one message per key is enough.
func (d *decoder) validate(c *Config) {
	bad := map[string]bool{}
	for _, e := range d.errs {
		bad[e.Key] = true
	}
	check := func(path string, ok bool, format string, args ...any) {
		if !ok && !bad[path] {
			d.failf(d.lineOf(path), path, format, args...)
		}
	}

	check("device_id", topicLevelErr(c.DeviceID) == "", "%s", topicLevelErr(c.DeviceID))

	check("model.path", c.Model.Path != "", "required: the int8 model file made by `edged calibrate`")
	check("model.threads", c.Model.Threads >= 1 && c.Model.Threads <= maxThreads, "must be 1..%d, got %d", maxThreads, c.Model.Threads)
	check("model.top_k", c.Model.TopK >= 1 && c.Model.TopK <= maxTopK, "must be 1..%d, got %d", maxTopK, c.Model.TopK)

	check("cameras", len(c.Cameras) > 0, "at least one camera is required: a list of {name, source}")
	names := map[string]string{}
	for i, cam := range c.Cameras {
		p := fmt.Sprintf("cameras[%d]", i)
		if cam.Name == "" {
			check(p+".name", false, "required")
		} else if msg := topicLevelErr(cam.Name); msg != "" {
			check(p+".name", false, "%s", msg)
		} else if first, dup := names[cam.Name]; dup {
			check(p+".name", false, "%q is already the name of %s: camera names must be unique", cam.Name, first)
		} else {
			names[cam.Name] = p
		}
		check(p+".source", strings.TrimSpace(cam.Source) != "", "required: a device index like \"0\", a file, a directory, or a URL")
		check(p+".fps", limits.CheckFPS(cam.FPS) == nil, "must be %s..%s (the same bounds as an MQTT fps command), got %s",
			fmtFloat(limits.MinFPS), fmtFloat(limits.MaxFPS), fmtFloat(cam.FPS))
		check(p+".min_score", cam.MinScore >= 0 && cam.MinScore <= 1, "must be 0..1, got %s", fmtFloat(cam.MinScore))
		check(p+".reconnect.initial", cam.Reconnect.Initial >= limits.MinReconnect,
			"must be >= %s (shorter retries flood the log when a camera is down), got %s", limits.MinReconnect, cam.Reconnect.Initial)
		check(p+".reconnect.max", cam.Reconnect.Max >= cam.Reconnect.Initial, "must be >= reconnect.initial (%s), got %s", cam.Reconnect.Initial, cam.Reconnect.Max)
		check(p+".decode", cam.Decode == "fast" || cam.Decode == "exact", "must be fast (DCT-domain downscaling) or exact (full size, Pillow-exact), got %q", cam.Decode)
		check(p+".width", cam.Width >= 0 && cam.Width <= maxFrameSide, "must be 0 (the device's default) or a width in pixels up to %d, got %d", maxFrameSide, cam.Width)
		check(p+".height", cam.Height >= 0 && cam.Height <= maxFrameSide, "must be 0 (the device's default) or a height in pixels up to %d, got %d", maxFrameSide, cam.Height)
	}

	m := c.MQTT
	brokerErr := brokerErr(m.Broker)
	check("mqtt.broker", brokerErr == "", "%s", brokerErr)
	if m.Embedded() {
		check("mqtt.embedded_listen", hostPortErr(m.EmbeddedListen) == "", "%s", hostPortErr(m.EmbeddedListen))
		check("mqtt.embedded_listen", hostPortErr(m.EmbeddedListen) != "" || limits.LoopbackOnly(m.EmbeddedListen) || m.Username != "" || m.AllowAnonymous,
			"%s accepts connections from the network but mqtt.username is empty: set mqtt.username and mqtt.password, listen on 127.0.0.1, or set mqtt.allow_anonymous: true", m.EmbeddedListen)
	}
	check("mqtt.client_id", m.ClientID != "", "must not be empty")
	check("mqtt.topic_prefix", topicPrefixErr(m.TopicPrefix) == "", "%s", topicPrefixErr(m.TopicPrefix))
	check("mqtt.qos", m.QoS >= 0 && m.QoS <= 2, "must be 0, 1 or 2, got %d", m.QoS)
	check("mqtt.password", m.Password == "" || m.Username != "", "set without mqtt.username: MQTT sends a password only with a username")
	check("mqtt.password", m.Username == "" || m.Password != "", "empty while mqtt.username is set: give the password (e.g. ${EDGED_MQTT_PASSWORD}), or remove the username")
	tls := m.TLS
	usesTLS := tls.CAFile != "" || tls.CertFile != "" || tls.KeyFile != "" || tls.InsecureSkipVerify
	secure := strings.HasPrefix(m.Broker, "ssl://") || strings.HasPrefix(m.Broker, "wss://")
	if brokerErr == "" {
		check("mqtt.tls", !usesTLS || secure, "TLS settings need an ssl:// or wss:// broker, got %q", m.Broker)
	}
	check("mqtt.tls.key_file", (tls.CertFile == "") == (tls.KeyFile == ""), "cert_file and key_file go together: set both for a client certificate, or neither")
	check("mqtt.publish.min_interval", m.Publish.MinInterval >= 0, "must be >= 0, got %s", m.Publish.MinInterval)
	check("mqtt.publish.score_delta", m.Publish.ScoreDelta >= 0 && m.Publish.ScoreDelta <= 1, "must be 0..1, got %s", fmtFloat(m.Publish.ScoreDelta))
	check("mqtt.queue_size", m.QueueSize >= 1 && m.QueueSize <= maxQueueSize, "must be 1..%d, got %d", maxQueueSize, m.QueueSize)
	check("mqtt.home_assistant.discovery_prefix", topicPrefixErr(m.HomeAssistant.DiscoveryPrefix) == "", "%s", topicPrefixErr(m.HomeAssistant.DiscoveryPrefix))

	if c.HTTP.Listen != "" {
		check("http.listen", hostPortErr(c.HTTP.Listen) == "", "%s (or \"\" to disable)", hostPortErr(c.HTTP.Listen))
	}
	check("log.level", oneOf(c.Log.Level, "debug", "info", "warn", "error"), "must be debug, info, warn or error, got %q", c.Log.Level)
	check("log.format", oneOf(c.Log.Format, "text", "json"), "must be text or json, got %q", c.Log.Format)
}

// lineOf is the line of path, or of its closest ancestor present in the file.
func (d *decoder) lineOf(path string) int {
	for path != "" {
		if l, ok := d.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// topicLevelErr explains why s cannot be one MQTT topic level ("" if it can).
func topicLevelErr(s string) string {
	if s == "" {
		return "must not be empty"
	}
	for _, r := range s {
		switch {
		case r == '/' || r == '+' || r == '#':
			return fmt.Sprintf("%q contains %q, which MQTT topics reserve: use letters, digits, - or _", s, r)
		case unicode.IsSpace(r) || unicode.IsControl(r):
			return fmt.Sprintf("%q contains a space or control character: use letters, digits, - or _", s)
		}
	}
	return ""
}

// topicPrefixErr allows "/" between levels but no empty level or wildcard.
func topicPrefixErr(s string) string {
	if s == "" {
		return "must not be empty"
	}
	for _, level := range strings.Split(s, "/") {
		if level == "" {
			return fmt.Sprintf("%q has an empty topic level (leading, trailing or double /)", s)
		}
		if msg := topicLevelErr(level); msg != "" {
			return msg
		}
	}
	return ""
}

func brokerErr(b string) string {
	if b == "" {
		return `required: "embedded", or a URL like tcp://127.0.0.1:1883`
	}
	if b == Embedded {
		return ""
	}
	u, err := url.Parse(b)
	if err != nil || u.Host == "" {
		return fmt.Sprintf(`must be "embedded" or a URL like tcp://host:1883, got %q`, b)
	}
	switch u.Scheme {
	case "tcp", "ssl":
		if u.Port() == "" {
			return fmt.Sprintf("%q has no port: write %s://%s:%s", b, u.Scheme, u.Hostname(), map[string]string{"tcp": "1883", "ssl": "8883"}[u.Scheme])
		}
	case "ws", "wss":
	default:
		return fmt.Sprintf(`scheme %q is not supported: use tcp://, ssl://, ws://, wss:// or "embedded"`, u.Scheme+"://")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%q: port must be 1..65535", b)
		}
	}
	return ""
}

func hostPortErr(s string) string {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("must be host:port like 127.0.0.1:9108, got %q", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("port must be 0..65535, got %q", port)
	}
	return ""
}

func oneOf(s string, choices ...string) bool {
	for _, c := range choices {
		if s == c {
			return true
		}
	}
	return false
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
