package daemon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

// blockingWriter is a predictions sink whose reader has stalled (a full
// pipe to a stuck consumer): every Write blocks until release.
type blockingWriter struct {
	once    sync.Once
	blocked chan struct{} // closed at the first Write
	release chan struct{}
}

func newBlockingWriter(t *testing.T) *blockingWriter {
	w := &blockingWriter{blocked: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { close(w.release) })
	return w
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.blocked) })
	<-w.release
	return len(p), nil
}

// within runs f and fails t if it has not returned after d (a hang).
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() { defer close(done); f() }()
	select {
	case <-done:
		t.Logf("%s took %s", what, time.Since(start).Round(time.Millisecond))
	case <-time.After(d):
		t.Fatalf("%s did not return within %s: control is wedged", what, d)
	}
}

// Issue 12 defect 3: a camera whose pipeline is stuck (here in the
// predictions sink; equally a source read or a decode that ignores
// cancellation) must not wedge control: an MQTT command that restarts it,
// a reload, and shutdown all return within a bound, and the stuck capture
// is abandoned and counted.
func TestStuckCameraDoesNotWedgeControl(t *testing.T) {
	m := testModel(t)
	dir := testdata.CopyFiles(t, sampleImages(t, 10, 2))
	text := baseConfig + `
cameras:
  - {name: cam, source: ` + dir + `, fps: 20}
`
	cfg := parseConfig(t, text, m)
	sinkW := newBlockingWriter(t)
	d, err := New(cfg, Options{Logger: testLogger(t), Predictions: sinkW})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan error, 1)
	go func() { runDone <- d.Run(ctx) }()

	select {
	case <-sinkW.blocked:
	case <-time.After(30 * time.Second):
		t.Fatal("no prediction reached the sink")
	}

	// An MQTT command that changes fps restarts the capture: it used to
	// wait forever for the stuck pipeline while holding the control lock.
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(d.pub.BrokerURL()).SetClientID("test-cmd"))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	// The publisher subscribes to commands after it connects: repeat the
	// command until it takes effect (a repeat changes nothing).
	abandoned := func() bool {
		return metricValue(t, scrape(t, d), `edged_camera_abandoned_total{camera="cam"}`) >= 1
	}
	deadline := time.Now().Add(30 * time.Second)
	for !abandoned() {
		if time.Now().After(deadline) {
			t.Fatal("the fps command did not abandon the stuck capture within 30 s: control is wedged")
		}
		c.Publish("edged/test/cam/set", 1, false, `{"fps":2}`).WaitTimeout(time.Second)
		time.Sleep(500 * time.Millisecond)
	}

	// A reload (SIGHUP) takes the same lock.
	cfg2 := parseConfig(t, strings.Replace(text, "fps: 20", "fps: 3", 1), m)
	within(t, 10*time.Second, "Reload", func() {
		if err := d.Reload(cfg2); err != nil {
			t.Errorf("Reload: %v", err)
		}
	})
	// And shutdown (SIGTERM) finishes within the 5 s systemd allows.
	cancel()
	within(t, 5*time.Second, "shutdown", func() {
		if err := <-runDone; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// Issue 12 defect 10: a camera whose frames all fail is unhealthy and its
// MQTT state says why, though frames keep arriving.
func TestFailingFramesAreUnhealthy(t *testing.T) {
	m := testModel(t)
	dir := t.TempDir()
	for _, name := range []string{"a.jpg", "b.jpg"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("not a JPEG at all"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := cameraConfig(t, m, "{name: cam, source: "+dir+", fps: 20}")
	d := startDaemon(t, cfg, Options{})
	srv := httptest.NewServer(d.handler())
	defer srv.Close()

	var mu sync.Mutex
	var state string
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(d.pub.BrokerURL()).SetClientID("test-state"))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	c.Subscribe("edged/test/cam/state", 1, func(_ mqtt.Client, msg mqtt.Message) {
		mu.Lock()
		state = string(msg.Payload())
		mu.Unlock()
	}).WaitTimeout(10 * time.Second)

	eventually(t, "/healthz to report the failing camera", func() bool {
		code, body := get(t, srv.URL+"/healthz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "camera cam: its last") &&
			strings.Contains(body, "could not be classified") && strings.Contains(body, "state failing")
	})
	eventually(t, "the MQTT state to say failing and why", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(state, `"state":"failing"`) && strings.Contains(state, "every frame fails")
	})
	if st := d.Stats().Cameras["cam"]; st.State != "failing" || st.Predictions != 0 {
		t.Fatalf("stats %+v, want state failing and no prediction", st)
	}
}

// Issue 12 defect 10: a model whose input is not the frames edged feeds is
// refused at load with the reason, instead of failing every frame.
func TestModelInputShapeChecked(t *testing.T) {
	good, err := quant.ReadFile(testModel(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkModelInput(good); err != nil {
		t.Fatalf("the real model: %v", err)
	}
	for _, s := range []model.Shape{{H: 112, W: 112, C: 3}, {H: 224, W: 224, C: 1}, {H: 224, W: 160, C: 3}} {
		bad := &quant.Model{Arch: "shufflenet_v2_x0_5", Tensors: []quant.Tensor{{Shape: s}}}
		err := checkModelInput(bad)
		if err == nil || !strings.Contains(err.Error(), "input is "+s.String()) || !strings.Contains(err.Error(), "224x224x3") {
			t.Errorf("input %s: got %v, want an error naming both shapes", s, err)
		}
	}
}
