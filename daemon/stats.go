package daemon

import (
	"math"
	"time"

	"github.com/edged/edged/kernels"
	"github.com/edged/edged/publish"
)

// Stats is the JSON the daemon publishes periodically on
// <prefix>/<device>/stats. Counters are totals since start-up.
type Stats struct {
	TS          string                 `json:"ts"`
	Device      string                 `json:"device"`
	Version     string                 `json:"version"`
	UptimeS     float64                `json:"uptime_s"`
	Model       string                 `json:"model"`
	KernelPath  string                 `json:"kernel_path"`
	CPUFeatures []string               `json:"cpu_features"`
	Frames      uint64                 `json:"frames"`      // captured, all cameras
	Drops       uint64                 `json:"drops"`       // dropped for a newer frame, all cameras
	Failed      uint64                 `json:"failed"`      // unclassifiable frames, all cameras
	Predictions uint64                 `json:"predictions"` // all cameras
	InferenceMS InferenceStats         `json:"inference_ms"`
	Cameras     map[string]CameraStats `json:"cameras"`
	MQTT        MQTTStats              `json:"mqtt"`
}

// InferenceStats are nearest-rank percentiles of the last Samples
// inferences, in milliseconds.
type InferenceStats struct {
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	Samples int     `json:"samples"`
}

// CameraStats are one camera's state and counters.
type CameraStats struct {
	State       string  `json:"state"`
	Error       string  `json:"error,omitempty"`
	Enabled     bool    `json:"enabled"`
	FPS         float64 `json:"fps"`
	Frames      uint64  `json:"frames"`
	Drops       uint64  `json:"drops"`
	Failed      uint64  `json:"failed"`
	Reconnects  uint64  `json:"reconnects"`
	Predictions uint64  `json:"predictions"`
}

// MQTTStats are the publisher's counters.
type MQTTStats struct {
	Connected  bool   `json:"connected"`
	Queued     int    `json:"queued"`
	Sent       uint64 `json:"sent"`
	Dropped    uint64 `json:"dropped"`
	Suppressed uint64 `json:"suppressed"`
	Connects   uint64 `json:"connects"`
}

// Stats returns the daemon's statistics now.
func (d *Daemon) Stats() Stats {
	p50, p95, n := d.lat.percentiles()
	arch, _, _ := d.cls.model()
	s := Stats{
		TS:          time.Now().UTC().Format(publish.TimeLayout),
		Device:      d.deviceID,
		Version:     d.opts.Version,
		UptimeS:     math.Round(time.Since(d.started).Seconds()),
		Model:       arch,
		KernelPath:  kernels.Path(),
		CPUFeatures: kernels.CPUFeatures(),
		InferenceMS: InferenceStats{P50: ms(p50), P95: ms(p95), Samples: n},
		Cameras:     map[string]CameraStats{},
	}
	if s.CPUFeatures == nil {
		s.CPUFeatures = []string{}
	}
	for _, cam := range d.cameras() {
		st, _ := cam.stats()
		enabled, fps, _ := cam.settings()
		cs := CameraStats{
			State:       cam.state(st),
			Enabled:     enabled,
			FPS:         fps,
			Frames:      st.Captured,
			Drops:       st.Dropped,
			Failed:      cam.failed.Load(),
			Reconnects:  st.Reconnects,
			Predictions: cam.predictions.Load(),
		}
		if st.Err != nil {
			cs.Error = st.Err.Error()
		}
		s.Cameras[cam.name] = cs
		s.Frames += cs.Frames
		s.Drops += cs.Drops
		s.Failed += cs.Failed
		s.Predictions += cs.Predictions
	}
	ps := d.pub.Stats()
	s.MQTT = MQTTStats{Connected: ps.Connected, Queued: ps.Queued, Sent: ps.Sent, Dropped: ps.Dropped,
		Suppressed: ps.Suppressed, Connects: ps.Connects}
	return s
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
