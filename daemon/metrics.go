package daemon

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/edged/edged/capture"
	"github.com/edged/edged/kernels"
)

// metrics is the daemon's Prometheus registry. It is its own registry, not
// the global default, so that two daemons in one test process do not
// collide and nothing imported can add metrics behind our back.
type metrics struct {
	reg        *prometheus.Registry
	inference  prometheus.Histogram
	preprocess prometheus.Histogram
}

// latencyBuckets span a fast x86 core (~5 ms) to a slow ARM board under
// load (seconds).
var latencyBuckets = []float64{.002, .005, .01, .02, .035, .05, .075, .1, .15, .25, .5, 1, 2.5, 5}

func newMetrics(d *Daemon) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		inference: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "edged_inference_seconds",
			Help:    "Time the engine took for one frame, excluding the wait for another camera's inference.",
			Buckets: latencyBuckets,
		}),
		preprocess: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "edged_preprocess_seconds",
			Help:    "Time to decode and preprocess one frame.",
			Buckets: latencyBuckets,
		}),
	}
	m.reg.MustRegister(
		m.inference,
		m.preprocess,
		&daemonCollector{d: d},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Descriptions of the metrics read at scrape time from the cameras and the
// publisher, whose counters live there.
var (
	descCaptured = prometheus.NewDesc("edged_frames_captured_total",
		"Frames captured by the camera's source.", []string{"camera"}, nil)
	descDropped = prometheus.NewDesc("edged_frames_dropped_total",
		"Frames replaced by a newer one before inference took them (inference slower than the camera).", []string{"camera"}, nil)
	descSkipped = prometheus.NewDesc("edged_frames_skipped_total",
		"Frames of a live source read and discarded to keep to the camera's fps.", []string{"camera"}, nil)
	descFailed = prometheus.NewDesc("edged_frames_failed_total",
		"Frames that could not be classified (corrupt or undecodable image, inference error); skipped.", []string{"camera"}, nil)
	descSourceErrors = prometheus.NewDesc("edged_source_errors_total",
		"Errors opening or reading the camera's source.", []string{"camera"}, nil)
	descReconnects = prometheus.NewDesc("edged_source_reconnects_total",
		"Times the camera's source was reopened after an error.", []string{"camera"}, nil)
	descAbandoned = prometheus.NewDesc("edged_camera_abandoned_total",
		"Captures that did not stop within the stop deadline (a source or decode ignoring cancellation) and were left to end on their own.", []string{"camera"}, nil)
	descPredictions = prometheus.NewDesc("edged_predictions_total",
		"Predictions made (before the publisher's on_change filter).", []string{"camera"}, nil)
	descCameraState = prometheus.NewDesc("edged_camera_state",
		"1 for the camera's current state.", []string{"camera", "state"}, nil)
	descLastFrame = prometheus.NewDesc("edged_camera_last_frame_timestamp_seconds",
		"Unix time of the camera's last captured frame.", []string{"camera"}, nil)
	descMQTTConnected = prometheus.NewDesc("edged_mqtt_connected",
		"1 while the publisher holds a confirmed connection to the broker.", nil, nil)
	descMQTTSent = prometheus.NewDesc("edged_mqtt_predictions_sent_total",
		"Predictions confirmed by the broker.", nil, nil)
	descMQTTDropped = prometheus.NewDesc("edged_mqtt_predictions_dropped_total",
		"Predictions dropped because the offline queue was full.", nil, nil)
	descMQTTSuppressed = prometheus.NewDesc("edged_mqtt_predictions_suppressed_total",
		"Predictions not published because of mqtt.publish.on_change.", nil, nil)
	descMQTTQueued = prometheus.NewDesc("edged_mqtt_queue_length",
		"Predictions waiting for the broker.", nil, nil)
	descMQTTConnects = prometheus.NewDesc("edged_mqtt_connects_total",
		"Connections to the broker established.", nil, nil)
	descBuild = prometheus.NewDesc("edged_build_info",
		"Always 1: the version, model and kernel path in use.", []string{"version", "model", "kernel_path", "goarch"}, nil)
)

// daemonCollector reads the counters of the cameras and the publisher at
// scrape time, so cameras added or removed by a reload need no
// registration.
type daemonCollector struct{ d *Daemon }

func (c *daemonCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCaptured, descDropped, descSkipped, descFailed, descSourceErrors,
		descReconnects, descAbandoned, descPredictions, descCameraState, descLastFrame, descMQTTConnected, descMQTTSent,
		descMQTTDropped, descMQTTSuppressed, descMQTTQueued, descMQTTConnects, descBuild} {
		ch <- d
	}
}

func (c *daemonCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, cam := range c.d.cameras() {
		st, _ := cam.stats()
		n := cam.name
		counter(descCaptured, st.Captured, n)
		counter(descDropped, st.Dropped, n)
		counter(descSkipped, st.Skipped, n)
		counter(descFailed, cam.failed.Load(), n)
		counter(descSourceErrors, st.Failed, n)
		counter(descReconnects, st.Reconnects, n)
		counter(descAbandoned, cam.abandoned.Load(), n)
		counter(descPredictions, cam.predictions.Load(), n)
		gauge(descCameraState, 1, n, cam.state(st))
		if !st.LastFrame.IsZero() {
			gauge(descLastFrame, float64(st.LastFrame.UnixNano())/1e9, n)
		}
	}
	ps := c.d.pub.Stats()
	connected := 0.0
	if ps.Connected {
		connected = 1
	}
	gauge(descMQTTConnected, connected)
	counter(descMQTTSent, ps.Sent)
	counter(descMQTTDropped, ps.Dropped)
	counter(descMQTTSuppressed, ps.Suppressed)
	gauge(descMQTTQueued, float64(ps.Queued))
	counter(descMQTTConnects, ps.Connects)
	arch, _, _ := c.d.cls.model()
	gauge(descBuild, 1, c.d.opts.Version, arch, kernels.Path(), runtime.GOARCH)
}

// state is the camera's state as reported in metrics, stats and health:
// the capture's, "disabled" when it is stopped because it is disabled, or
// "failing" while its frames arrive but cannot be classified.
func (c *camera) state(st capture.Stats) string {
	c.mu.Lock()
	disabled := c.disabled
	c.mu.Unlock()
	if disabled {
		return "disabled"
	}
	if failing, _, _, _ := c.health.failure(); failing && st.State == capture.StateStreaming {
		return "failing"
	}
	return string(st.State)
}
