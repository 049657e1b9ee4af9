package publish

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/edged/edged/imagenet"
	"github.com/edged/edged/internal/limits"
)

// Prediction is one classification of one camera frame.
type Prediction struct {
	Time    time.Time // when the frame was captured; zero means now
	Camera  string
	Frame   uint64 // the camera's frame sequence number
	Model   string
	Top     []imagenet.Class // best first
	Latency Latency
}

// Latency is the time spent in each stage for one prediction.
type Latency struct {
	Capture, Preprocess, Inference time.Duration
}

// PredictionPayload is the JSON on <prefix>/<device>/<camera>/prediction.
// Subscribers (and tests) can decode into it.
type PredictionPayload struct {
	TS        string           `json:"ts"`
	Device    string           `json:"device"`
	Camera    string           `json:"camera"`
	Frame     uint64           `json:"frame"`
	Model     string           `json:"model"`
	Top       []imagenet.Class `json:"top"`
	LatencyMS LatencyMS        `json:"latency_ms"`
}

// LatencyMS holds stage latencies in milliseconds (3 decimals).
type LatencyMS struct {
	Capture    float64 `json:"capture"`
	Preprocess float64 `json:"preprocess"`
	Inference  float64 `json:"inference"`
}

// TimeLayout is the layout of every "ts" field: RFC 3339, UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// EncodePrediction returns the documented JSON payload of pred as published
// by device. It is exported for other sinks that must emit the same bytes.
// Non-finite scores are encoded as 0 (JSON has no NaN).
func EncodePrediction(device string, pred Prediction) ([]byte, error) {
	top := pred.Top
	if top == nil {
		top = []imagenet.Class{} // "top":[] rather than null: consumers index it
	}
	pl := PredictionPayload{
		TS:     formatTime(pred.Time),
		Device: device,
		Camera: pred.Camera,
		Frame:  pred.Frame,
		Model:  pred.Model,
		Top:    top,
		LatencyMS: LatencyMS{
			Capture:    millis(pred.Latency.Capture),
			Preprocess: millis(pred.Latency.Preprocess),
			Inference:  millis(pred.Latency.Inference),
		},
	}
	for i, c := range pl.Top {
		if math.IsNaN(c.Score) || math.IsInf(c.Score, 0) {
			// encoding/json rejects NaN; a broken score must not lose the frame.
			if i == 0 {
				pl.Top = append([]imagenet.Class(nil), pl.Top...)
			}
			pl.Top[i].Score = 0
		}
	}
	b, err := json.Marshal(pl)
	if err != nil {
		return nil, fmt.Errorf("encode prediction of camera %q frame %d: %w", pred.Camera, pred.Frame, err)
	}
	return b, nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UTC().Format(TimeLayout)
}

func millis(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}

// statePayload is the retained JSON on <prefix>/<device>/<camera>/state.
type statePayload struct {
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	TS    string `json:"ts"`
}

// Command is a request received on <prefix>/<device>/<camera>/set. A nil
// field was absent from the message.
type Command struct {
	Enabled *bool    `json:"enabled,omitempty"`
	FPS     *float64 `json:"fps,omitempty"`
}

// ParseCommand decodes a set message strictly: unknown keys, trailing data,
// an empty command and an fps outside limits.MinFPS..MaxFPS (the bounds of
// config.yaml) are errors.
func ParseCommand(payload []byte) (Command, error) {
	var c Command
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Command{}, fmt.Errorf(`command %q: %w (expected JSON like {"enabled":false} or {"fps":2})`, truncate(payload, 200), err)
	}
	if dec.More() {
		return Command{}, fmt.Errorf("command %q: trailing data after the JSON object", truncate(payload, 200))
	}
	if c.Enabled == nil && c.FPS == nil {
		return Command{}, fmt.Errorf(`command %q: no "enabled" or "fps" key`, truncate(payload, 200))
	}
	if c.FPS != nil {
		if err := limits.CheckFPS(*c.FPS); err != nil {
			return Command{}, fmt.Errorf("command %q: %w (the bounds of cameras[].fps)", truncate(payload, 200), err)
		}
	}
	return c, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
