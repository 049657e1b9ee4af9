package daemon

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The MQTT payloads are a public interface (README, "MQTT topics"):
// subscribers read raw JSON keys, not our structs. These checks decode
// into plain maps, so a renamed json tag, a dropped field or a changed
// type fails here even though our own struct would round-trip it.

// shape is a JSON object's contract: key -> kind ("string", "number",
// "bool", "array", "object"); a key ending in "?" is optional. Keys not in
// the shape are refused too: a subscriber's parser may be strict.
type shape map[string]string

var (
	predictionShape = shape{"ts": "string", "device": "string", "camera": "string", "frame": "number",
		"model": "string", "top": "array", "latency_ms": "object"}
	topShape     = shape{"class": "number", "label": "string", "score": "number"}
	latencyShape = shape{"capture": "number", "preprocess": "number", "inference": "number"}
	stateShape   = shape{"state": "string", "error?": "string", "ts": "string"}
	// stats: uptime, frames, drops, inference p50/p95, kernel path, CPU
	// features (README), plus what the stats topic has always carried.
	statsShape = shape{"ts": "string", "device": "string", "version": "string", "uptime_s": "number",
		"model": "string", "kernel_path": "string", "cpu_features": "array", "frames": "number",
		"drops": "number", "failed": "number", "predictions": "number", "inference_ms": "object",
		"cameras": "object", "mqtt": "object"}
	inferenceShape = shape{"p50": "number", "p95": "number", "samples": "number"}

	// ts is UTC with milliseconds, as README's example.
	tsRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// checkShape checks obj against s and returns obj for deeper checks.
func checkShape(t testing.TB, what string, v any, s shape) map[string]any {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: %v is not a JSON object", what, v)
		return nil
	}
	for key, kind := range s {
		k, optional := strings.CutSuffix(key, "?")
		got, present := obj[k]
		if !present {
			if !optional {
				t.Errorf("%s: key %q missing (payload keys: %v)", what, k, keys(obj))
			}
			continue
		}
		if kindOf(got) != kind {
			t.Errorf("%s: key %q is a %s (%v), want a %s", what, k, kindOf(got), got, kind)
		}
	}
	for k := range obj {
		if _, ok := s[k]; !ok {
			if _, ok := s[k+"?"]; !ok {
				t.Errorf("%s: key %q is not in the documented payload", what, k)
			}
		}
	}
	return obj
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func decodeRaw(t testing.TB, what string, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %q is not JSON: %v", what, raw, err)
	}
	return v
}

// checkPrediction checks one prediction payload (topic P/D/C/prediction
// and the predictions sink's lines).
func checkPrediction(t testing.TB, raw []byte, device, camera, model string) {
	t.Helper()
	p := checkShape(t, "prediction", decodeRaw(t, "prediction", raw), predictionShape)
	if p == nil {
		return
	}
	if p["device"] != device || p["camera"] != camera || p["model"] != model {
		t.Errorf("prediction device/camera/model = %v/%v/%v, want %s/%s/%s", p["device"], p["camera"], p["model"], device, camera, model)
	}
	if ts, _ := p["ts"].(string); !tsRE.MatchString(ts) {
		t.Errorf("prediction ts %q: want UTC with milliseconds like 2026-11-27T17:04:05.678Z", ts)
	}
	top, _ := p["top"].([]any)
	if len(top) == 0 {
		t.Errorf("prediction top is empty: %s", raw)
	}
	for i, c := range top {
		e := checkShape(t, fmt.Sprintf("prediction top[%d]", i), c, topShape)
		if s, ok := e["score"].(float64); ok && (s < 0 || s > 1) {
			t.Errorf("prediction top score %v outside 0..1", s)
		}
	}
	checkShape(t, "prediction latency_ms", p["latency_ms"], latencyShape)
}

func checkState(t testing.TB, raw []byte) {
	t.Helper()
	s := checkShape(t, "state", decodeRaw(t, "state", raw), stateShape)
	if st, _ := s["state"].(string); !slices.Contains([]string{"streaming", "reconnecting", "failed", "disabled", "stopped"}, st) {
		t.Errorf("state %q is not a documented state", st)
	}
	if ts, _ := s["ts"].(string); !tsRE.MatchString(ts) {
		t.Errorf("state ts %q: want UTC with milliseconds", ts)
	}
}

func checkStats(t testing.TB, raw []byte) {
	t.Helper()
	s := checkShape(t, "stats", decodeRaw(t, "stats", raw), statsShape)
	if s != nil {
		checkShape(t, "stats inference_ms", s["inference_ms"], inferenceShape)
	}
}

// TestPayloadContractCatchesRenames keeps the checker honest: it refuses a
// renamed key, a missing key, an extra key and a wrong type.
func TestPayloadContractCatchesRenames(t *testing.T) {
	good := `{"ts":"2026-11-27T17:04:05.678Z","device":"d","camera":"c","frame":42,"model":"m",` +
		`"top":[{"class":1,"label":"goldfish","score":0.9934}],"latency_ms":{"capture":1.2,"preprocess":5.6,"inference":20.5}}`
	checkPrediction(t, []byte(good), "d", "c", "m")
	for _, bad := range []string{
		strings.Replace(good, `"frame"`, `"Frame"`, 1),
		strings.Replace(good, `"latency_ms"`, `"latency"`, 1),
		strings.Replace(good, `"frame":42`, `"frame":"42"`, 1),
		strings.Replace(good, `"score"`, `"prob"`, 1),
		strings.Replace(good, `.678Z`, `Z`, 1),
		strings.Replace(good, `"model":"m",`, `"model":"m","extra":1,`, 1),
	} {
		ft := &testing.T{}
		rec := &recorder{T: ft}
		checkPrediction(rec, []byte(bad), "d", "c", "m")
		if !rec.failed {
			t.Errorf("the contract check accepted %s", bad)
		}
	}
}

// recorder notes failures instead of reporting them.
type recorder struct {
	*testing.T
	failed bool
}

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.failed = true }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = true }
