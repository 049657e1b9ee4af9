package config

import (
	"strings"
	"testing"
)

// TestBounds tries every bounded key on both sides of each limit: the last
// valid value is accepted, the first invalid one is refused naming the key.
// Testing only far-off values (−1, 0) lets a removed upper bound or a
// "<=" turned "<" through.
func TestBounds(t *testing.T) {
	camera := func(kv string) string {
		return strings.Replace(minimal, `source: "0"`, "source: \"0\"\n    "+kv, 1)
	}
	model := func(kv string) string {
		return strings.Replace(minimal, "  path: m.edgeq", "  path: m.edgeq\n  "+kv, 1)
	}
	mqtt := func(kv string) string { return minimal + "  " + kv + "\n" }
	for _, tc := range []struct {
		key  string
		yaml func(string) string
		ok   []string
		bad  []string
	}{
		{"cameras[0].fps", camera, []string{"fps: 0.01", "fps: 1000"}, []string{"fps: 0", "fps: -1", "fps: 0.00999", "fps: 1e-300", "fps: 1000.001", "fps: 1e9"}},
		{"cameras[0].min_score", camera, []string{"min_score: 0", "min_score: 1"}, []string{"min_score: -0.001", "min_score: 1.001"}},
		{"cameras[0].reconnect.initial", camera, []string{"reconnect: {initial: 10ms, max: 10ms}"}, []string{"reconnect: {initial: 0s, max: 1s}", "reconnect: {initial: 9ms, max: 1s}", "reconnect: {initial: 1ns, max: 1ns}"}},
		{"cameras[0].reconnect.max", camera, []string{"reconnect: {initial: 2s, max: 2s}"}, []string{"reconnect: {initial: 2s, max: 1999ms}"}},
		{"model.threads", model, []string{"threads: 1", "threads: 1024"}, []string{"threads: 0", "threads: 1025"}},
		{"model.top_k", model, []string{"top_k: 1", "top_k: 1000"}, []string{"top_k: 0", "top_k: 1001"}},
		{"mqtt.qos", mqtt, []string{"qos: 0", "qos: 2"}, []string{"qos: -1", "qos: 3"}},
		{"mqtt.queue_size", mqtt, []string{"queue_size: 1", "queue_size: 1000000"}, []string{"queue_size: 0", "queue_size: 1000001"}},
		{"mqtt.publish.score_delta", mqtt, []string{"publish: {score_delta: 0}", "publish: {score_delta: 1}"}, []string{"publish: {score_delta: -0.001}", "publish: {score_delta: 1.001}"}},
		{"mqtt.publish.min_interval", mqtt, []string{"publish: {min_interval: 0s}"}, []string{"publish: {min_interval: -1ns}"}},
	} {
		for _, v := range tc.ok {
			if _, err := Parse([]byte(tc.yaml(v)), "c.yaml"); err != nil {
				t.Errorf("%s: %q refused: %v", tc.key, v, err)
			}
		}
		for _, v := range tc.bad {
			_, err := Parse([]byte(tc.yaml(v)), "c.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.key+": must be") {
				t.Errorf("%s: %q gave %v, want an error naming %s", tc.key, v, err, tc.key)
			}
		}
	}
}
