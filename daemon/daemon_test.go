package daemon

import (
	"encoding/json"
	"github.com/edged/edged/internal/testdata"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/imagenet"
	"github.com/edged/edged/preprocess"
	"github.com/edged/edged/publish"
	"github.com/edged/edged/quant"
)

const baseConfig = `
device_id: test
model: {path: %MODEL%, threads: 1, top_k: 3}
mqtt:
  broker: embedded
  embedded_listen: 127.0.0.1:0
  publish: {on_change: false}
http: {listen: ""}
`

// TestPredictionsMatchEngine checks the whole pipeline: a directory camera's
// predictions carry the same top-K, bit for bit, as the engine run by hand
// on the same files with the same preprocessing.
func TestPredictionsMatchEngine(t *testing.T) {
	m := testModel(t)
	files := sampleImages(t, 10, 3)
	dir := testdata.CopyFiles(t, files)
	cfg := cameraConfig(t, m, "{name: cam, source: "+dir+", fps: 20}")
	var out lines
	startDaemon(t, cfg, Options{Predictions: &out})
	eventually(t, "a prediction of each image", func() bool { return len(out.predictions(t)) >= 3 })

	want := classifyFiles(t, m, files, 3)
	for _, p := range out.predictions(t)[:3] {
		if p.Camera != "cam" || p.Device != "test" || p.Model != "shufflenet_v2_x0_5" {
			t.Errorf("prediction %+v: wrong camera, device or model", p)
		}
		// The directory is cycled in name order: frame n is file (n-1)%3.
		w := want[(p.Frame-1)%3]
		if len(p.Top) != 3 {
			t.Fatalf("frame %d: %d classes, want top_k 3", p.Frame, len(p.Top))
		}
		for i := range w {
			if p.Top[i].Class != w[i].Class || p.Top[i].Score != imagenet.RoundScore(w[i].Score) {
				t.Errorf("frame %d (%s) top[%d] = %+v, engine gives %+v", p.Frame, filepath.Base(files[(p.Frame-1)%3]), i, p.Top[i], w[i])
			}
		}
		if _, err := time.Parse(publish.TimeLayout, p.TS); err != nil {
			t.Errorf("ts %q: %v", p.TS, err)
		}
		if p.LatencyMS.Inference <= 0 || p.LatencyMS.Preprocess <= 0 {
			t.Errorf("frame %d: latencies %+v, want inference and preprocess > 0", p.Frame, p.LatencyMS)
		}
	}
}

// classifyFiles runs the model on files the way `edged classify` does.
func classifyFiles(t *testing.T, path string, files []string, k int) [][]imagenet.Class {
	t.Helper()
	classify := referenceClassifier(t, path, k)
	var out [][]imagenet.Class
	for _, f := range files {
		img, err := preprocess.DecodeFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, classify(img))
	}
	return out
}

// referenceClassifier loads the model at path into an engine of its own
// and returns a function giving an image's top k directly (ImageNet
// transform, float input): what the daemon's predictions are held to.
func referenceClassifier(t *testing.T, path string, k int) func(*preprocess.RGB) []imagenet.Class {
	t.Helper()
	qm, err := quant.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(qm, engine.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	in := make([]float32, preprocess.Size*preprocess.Size*3)
	return func(img *preprocess.RGB) []imagenet.Class {
		t.Helper()
		if err := preprocess.ImageNet().Apply(img, in); err != nil {
			t.Fatal(err)
		}
		logits, err := e.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		return imagenet.TopK(logits, k)
	}
}

// TestCorruptFramesSkippedAndCounted puts undecodable files between good
// images: they are counted in edged_frames_failed_total and the good ones
// are still classified.
func TestCorruptFramesSkippedAndCounted(t *testing.T) {
	m := testModel(t)
	files := sampleImages(t, 10, 2)
	dir := testdata.CopyFiles(t, files)
	good, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The directory cycles a-f: corrupt, good, corrupt, corrupt, good,
	// corrupt, so that no more than two frames in a row fail (three make
	// the camera "failing", which TestFailingFramesAreUnhealthy covers).
	for i, f := range files {
		name := []string{"b-good.jpg", "e-good.jpg"}[i]
		if err := os.Rename(filepath.Join(dir, filepath.Base(f)), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string][]byte{
		"a-truncated.jpg": good[:len(good)/3],
		"c-garbage.jpg":   []byte(strings.Repeat("not a jpeg ", 100)),
		"d-header.png":    []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\xff\xff\xff\xff"),
		"f-empty.jpeg":    nil,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := cameraConfig(t, m, "{name: cam, source: "+dir+", fps: 50}")
	var out lines
	d := startDaemon(t, cfg, Options{Predictions: &out})
	eventually(t, "two passes over the directory", func() bool {
		return d.Stats().Cameras["cam"].Failed >= 8 && len(out.predictions(t)) >= 4
	})

	metrics := scrape(t, d)
	if v := metricValue(t, metrics, `edged_frames_failed_total{camera="cam"}`); v < 8 {
		t.Errorf("edged_frames_failed_total = %v, want >= 8 (4 corrupt files, 2 passes)", v)
	}
	if v := metricValue(t, metrics, `edged_predictions_total{camera="cam"}`); v < 4 {
		t.Errorf("edged_predictions_total = %v, want >= 4", v)
	}
	if v := metricValue(t, metrics, `edged_inference_seconds_count`); v < 4 {
		t.Errorf("edged_inference_seconds_count = %v, want >= 4", v)
	}
	if v := metricValue(t, metrics, `edged_camera_state{camera="cam",state="streaming"}`); v != 1 {
		t.Errorf("edged_camera_state streaming = %v, want 1", v)
	}
	for _, p := range out.predictions(t) {
		if len(p.Top) == 0 {
			t.Errorf("frame %d: empty top with min_score 0", p.Frame)
		}
	}
	// Frames 2 and 5 of every six are the images (b-good, e-good), the
	// others the corrupt files: a prediction never carries a corrupt
	// frame's number.
	for _, p := range out.predictions(t) {
		if r := (p.Frame - 1) % 6; r != 1 && r != 4 {
			t.Errorf("prediction for frame %d, which is a corrupt file", p.Frame)
		}
	}
}

// scrape fetches /metrics from the daemon's handler.
func scrape(t *testing.T, d *Daemon) string {
	t.Helper()
	srv := httptest.NewServer(d.handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %s\n%s", resp.Status, b)
	}
	return string(b)
}

func metricValue(t *testing.T, text, series string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("metric %s not in /metrics:\n%s", series, text)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHealth: a camera whose source does not exist yet makes /healthz 503
// naming it; once the directory appears the camera recovers and /healthz
// is 200; when it goes away again /healthz turns 503 once the camera's
// last frame is older than the health window.
func TestHealth(t *testing.T) {
	m := testModel(t)
	files := sampleImages(t, 10, 2)
	src := testdata.CopyFiles(t, files)
	missing := src + ".later"
	cfg := cameraConfig(t, m, "{name: cam, source: "+missing+", fps: 20, reconnect: {initial: 20ms, max: 100ms}}")
	var out lines
	d := startDaemon(t, cfg, Options{Predictions: &out, HealthMaxAge: time.Second})
	srv := httptest.NewServer(d.handler())
	defer srv.Close()

	code, body := get(t, srv.URL+"/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "camera cam: no frame yet") {
		t.Fatalf("/healthz before any frame = %d %q, want 503 naming camera cam", code, body)
	}
	eventually(t, "the camera to report reconnecting", func() bool {
		_, body := get(t, srv.URL+"/healthz")
		return strings.Contains(body, "state reconnecting")
	})
	if err := os.Rename(src, missing); err != nil {
		t.Fatal(err)
	}
	eventually(t, "predictions after the source appeared", func() bool { return len(out.predictions(t)) > 0 })
	eventually(t, "/healthz 200", func() bool {
		code, _ := get(t, srv.URL+"/healthz")
		return code == 200
	})
	if r := d.Stats().Cameras["cam"].Reconnects; r == 0 {
		t.Errorf("reconnects = 0, want > 0")
	}
	if err := os.Rename(missing, src); err != nil {
		t.Fatal(err)
	}
	eventually(t, "/healthz 503 for a camera whose frames stopped", func() bool {
		code, body := get(t, srv.URL+"/healthz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "camera cam: no frame for")
	})
}

// TestBrokerDown: with the broker unreachable the daemon still classifies
// (the sink sees every prediction) and /healthz names the broker.
func TestBrokerDown(t *testing.T) {
	m := testModel(t)
	dir := testdata.CopyFiles(t, sampleImages(t, 10, 2))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing listens there now
	cfg := parseConfig(t, `
device_id: test
model: {path: %MODEL%, threads: 1}
cameras:
  - {name: cam, source: `+dir+`, fps: 20}
mqtt: {broker: "tcp://`+closed+`"}
http: {listen: ""}
`, m)
	var out lines
	d := startDaemon(t, cfg, Options{Predictions: &out})
	eventually(t, "predictions without a broker", func() bool { return len(out.predictions(t)) >= 2 })
	ok, reasons := d.Health()
	if ok || len(reasons) != 1 || !strings.Contains(reasons[0], "mqtt: not connected to tcp://"+closed) {
		t.Fatalf("health = %v %q, want only the broker named", ok, reasons)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestReload adds and removes cameras, applies min_score, and rejects a
// config whose model does not load, keeping the running one.
func TestReload(t *testing.T) {
	m := testModel(t)
	dir := testdata.CopyFiles(t, sampleImages(t, 10, 2))
	cfg := cameraConfig(t, m, "{name: a, source: "+dir+", fps: 20}")
	var out lines
	d := startDaemon(t, cfg, Options{Predictions: &out})
	count := func(cam string, emptyTop bool) int {
		n := 0
		for _, p := range out.predictions(t) {
			if p.Camera == cam && (len(p.Top) == 0) == emptyTop {
				n++
			}
		}
		return n
	}
	eventually(t, "predictions of camera a", func() bool { return count("a", false) > 0 })

	// b added with min_score 1: every prediction has no confident class.
	next := cameraConfig(t, m, "{name: a, source: "+dir+", fps: 20}", "{name: b, source: "+dir+", fps: 20, min_score: 1.0}")
	if err := d.Reload(next); err != nil {
		t.Fatal(err)
	}
	eventually(t, "empty predictions of camera b", func() bool { return count("b", true) >= 2 })
	if n := count("b", false); n != 0 {
		t.Errorf("camera b (min_score 1): %d predictions with a class", n)
	}

	bad := cameraConfig(t, m, "{name: c, source: "+dir+"}")
	bad.Model.Path = filepath.Join(t.TempDir(), "missing.edgeq")
	if err := d.Reload(bad); err == nil || !strings.Contains(err.Error(), "missing.edgeq") {
		t.Fatalf("reload with a missing model: err = %v, want one naming the file", err)
	}
	if names := cameraNames(d.Config()); strings.Join(names, ",") != "a,b" {
		t.Fatalf("after a rejected reload cameras are %v, want the old a,b", names)
	}

	// a removed: it leaves the stats; b keeps running.
	last := cameraConfig(t, m, "{name: b, source: "+dir+", fps: 20, min_score: 1.0}")
	if err := d.Reload(last); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Stats().Cameras["a"]; ok {
		t.Errorf("camera a still in stats after it was removed")
	}
	before := count("b", true)
	eventually(t, "camera b to keep classifying", func() bool { return count("b", true) > before })
}

// TestMQTTCommandsAndStats drives a camera through its set topic and reads
// its state and the stats topic from the embedded broker.
func TestMQTTCommandsAndStats(t *testing.T) {
	m := testModel(t)
	dir := testdata.CopyFiles(t, sampleImages(t, 10, 2))
	cfg := cameraConfig(t, m, "{name: cam, source: "+dir+", fps: 20}")
	d := startDaemon(t, cfg, Options{StatsInterval: 50 * time.Millisecond, Version: "v-test"})

	var mu sync.Mutex
	last := map[string][]byte{}
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(d.pub.BrokerURL()).SetClientID("test-sub"))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect to the embedded broker: %v", tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Subscribe("edged/test/#", 1, func(_ mqtt.Client, msg mqtt.Message) {
		mu.Lock()
		last[msg.Topic()] = append([]byte(nil), msg.Payload()...)
		mu.Unlock()
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	msg := func(topic string) []byte {
		mu.Lock()
		defer mu.Unlock()
		return last[topic]
	}
	state := func() string {
		var s struct{ State string }
		json.Unmarshal(msg("edged/test/cam/state"), &s)
		return s.State
	}

	eventually(t, "a prediction on MQTT", func() bool { return msg("edged/test/cam/prediction") != nil })
	eventually(t, "stats on MQTT", func() bool { return msg("edged/test/stats") != nil })
	// The public payloads, by their raw JSON keys (README, MQTT topics).
	checkPrediction(t, msg("edged/test/cam/prediction"), "test", "cam", "shufflenet_v2_x0_5")
	eventually(t, "the camera state", func() bool { return msg("edged/test/cam/state") != nil })
	checkState(t, msg("edged/test/cam/state"))
	checkStats(t, msg("edged/test/stats"))
	var st Stats
	if err := json.Unmarshal(msg("edged/test/stats"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Device != "test" || st.Version != "v-test" || st.Model != "shufflenet_v2_x0_5" || st.KernelPath == "" ||
		st.Cameras["cam"].State != "streaming" || !st.MQTT.Connected {
		t.Errorf("stats %+v: wrong device, version, model, kernel path, camera state or mqtt", st)
	}
	eventually(t, "inference percentiles in stats", func() bool {
		var st Stats
		json.Unmarshal(msg("edged/test/stats"), &st)
		return st.InferenceMS.Samples > 0 && st.InferenceMS.P50 > 0 && st.InferenceMS.P95 >= st.InferenceMS.P50
	})

	c.Publish("edged/test/cam/set", 1, false, `{"enabled":false}`)
	eventually(t, "state disabled", func() bool { return state() == "disabled" })
	if ok, reasons := d.Health(); !ok {
		t.Errorf("health with the only camera disabled: %v, want ok", reasons)
	}
	stopped := d.Stats().Cameras["cam"].Predictions
	c.Publish("edged/test/cam/set", 1, false, `{"enabled":true,"fps":2}`)
	eventually(t, "state streaming", func() bool { return state() == "streaming" })
	eventually(t, "predictions again", func() bool { return d.Stats().Cameras["cam"].Predictions > stopped })
	if cs := d.Stats().Cameras["cam"]; cs.FPS != 2 || !cs.Enabled {
		t.Errorf("after {\"fps\":2}: camera stats %+v, want enabled at fps 2", cs)
	}
}

func TestLatencyPercentiles(t *testing.T) {
	w := newLatencyWindow(100)
	if p50, p95, n := w.percentiles(); p50 != 0 || p95 != 0 || n != 0 {
		t.Fatalf("empty window: %v %v %d", p50, p95, n)
	}
	for i := 200; i >= 1; i-- { // the ring keeps the last 100: 100ms..1ms
		w.add(time.Duration(i) * time.Millisecond)
	}
	p50, p95, n := w.percentiles()
	if p50 != 50*time.Millisecond || p95 != 95*time.Millisecond || n != 100 {
		t.Fatalf("p50 %v p95 %v n %d, want 50ms 95ms 100", p50, p95, n)
	}
}
