package config

import (
	"runtime"
	"time"
)

// Defaults of optional values. device_id (hostname) and mqtt.client_id
// (edged-<device_id>) are filled after decoding because they depend on
// other values.
const (
	DefaultTopK            = 5
	DefaultFPS             = 5
	DefaultDecode          = "fast"
	DefaultReconnectInit   = 500 * time.Millisecond
	DefaultReconnectMax    = 30 * time.Second
	DefaultEmbeddedListen  = "127.0.0.1:1883"
	DefaultTopicPrefix     = "edged"
	DefaultQoS             = 1
	DefaultMinInterval     = time.Second
	DefaultScoreDelta      = 0.05
	DefaultQueueSize       = 1000
	DefaultDiscoveryPrefix = "homeassistant"
	DefaultHTTPListen      = "127.0.0.1:9108"
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "text"
)

// defaults is the config before the file is applied on top of it: a key
// that is absent (or null) keeps its default.
func defaults() *Config {
	return &Config{
		Model: Model{Threads: runtime.NumCPU(), TopK: DefaultTopK},
		MQTT: MQTT{
			EmbeddedListen: DefaultEmbeddedListen,
			TopicPrefix:    DefaultTopicPrefix,
			QoS:            DefaultQoS,
			Publish: Publish{
				OnChange:    true,
				MinInterval: DefaultMinInterval,
				ScoreDelta:  DefaultScoreDelta,
			},
			QueueSize:     DefaultQueueSize,
			HomeAssistant: HomeAssistant{DiscoveryPrefix: DefaultDiscoveryPrefix},
		},
		HTTP: HTTP{Listen: DefaultHTTPListen},
		Log:  Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
	}
}

// setDefaults prepares a camera entry before its keys are decoded.
func (c *Camera) setDefaults() {
	*c = Camera{
		FPS:       DefaultFPS,
		Decode:    DefaultDecode,
		Enabled:   true,
		Reconnect: Reconnect{Initial: DefaultReconnectInit, Max: DefaultReconnectMax},
	}
}
