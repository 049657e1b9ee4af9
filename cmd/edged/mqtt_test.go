package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edged/edged/internal/mosquittotest"
	"github.com/edged/edged/internal/proctest"
	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/publish"
)

// startMosquitto runs a real broker on a loopback port for the end-to-end
// test (internal/mosquittotest: skipped without mosquitto, failed in CI).
func startMosquitto(t *testing.T) *mosquittotest.Broker { return mosquittotest.Start(t, "") }

// subscriber records every message on edged/#.
type subscriber struct {
	mu   sync.Mutex
	msgs []mqtt.Message
	c    mqtt.Client
}

func subscribe(t *testing.T, addr string) *subscriber {
	t.Helper()
	s := &subscriber{}
	o := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(fmt.Sprintf("test-%d", time.Now().UnixNano()))
	s.c = mqtt.NewClient(o)
	if tok := s.c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	tok := s.c.Subscribe("edged/#", 1, func(_ mqtt.Client, m mqtt.Message) {
		s.mu.Lock()
		s.msgs = append(s.msgs, m)
		s.mu.Unlock()
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	t.Cleanup(func() { s.c.Disconnect(100) })
	return s
}

func (s *subscriber) on(topic string) []mqtt.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []mqtt.Message
	for _, m := range s.msgs {
		if m.Topic() == topic {
			out = append(out, m)
		}
	}
	return out
}

func (s *subscriber) frames(t *testing.T) []uint64 {
	var f []uint64
	for _, m := range s.on("edged/test/cam/prediction") {
		var p publish.PredictionPayload
		if err := json.Unmarshal(m.Payload(), &p); err != nil {
			t.Fatalf("prediction payload %q: %v", m.Payload(), err)
		}
		f = append(f, p.Frame)
	}
	return f
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	proctest.Eventually(t, what, 40*time.Second, cond)
}

// TestEdgedRunMosquitto runs the real binary against a real mosquitto:
// the documented payloads arrive; the broker is killed and restarted and
// edged reconnects, says online again and delivers what it queued in the
// meantime, in order, none lost; SIGTERM leaves a retained offline, and
// SIGKILL makes the broker publish the will.
func TestEdgedRunMosquitto(t *testing.T) {
	broker := startMosquitto(t) // first: a missing broker is reported before missing data
	bin := buildEdged(t)
	sample := testdata.Path(t, "imagenet-sample", "images")
	images := sampleFiles(t, sample)
	model := calibrateModel(t, bin, testdata.Path(t, "models", "shufflenet_v2_x0_5.pth"), images[:4])
	sub := subscribe(t, broker.Addr())

	cfg := filepath.Join(t.TempDir(), "config.yaml")
	text := fmt.Sprintf(`device_id: test
model: {path: %s, threads: 1, top_k: 5}
cameras:
  - {name: cam, source: %s, fps: 10}
mqtt:
  broker: tcp://%s
  publish: {on_change: false}
  queue_size: 1000
http: {listen: ""}
`, model, testdata.CopyFiles(t, images[20:23]), broker.Addr())
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startEdged(t, bin, cfg)

	waitFor(t, "online and 3 predictions", func() bool {
		return len(sub.on("edged/test/status")) > 0 && len(sub.frames(t)) >= 3
	})
	st := sub.on("edged/test/status")
	if string(st[len(st)-1].Payload()) != "online" {
		t.Fatalf("status %q, want online", st[len(st)-1].Payload())
	}
	var pred map[string]any
	if err := json.Unmarshal(sub.on("edged/test/cam/prediction")[0].Payload(), &pred); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ts", "device", "camera", "frame", "model", "top", "latency_ms"} {
		if _, ok := pred[k]; !ok {
			t.Errorf("prediction lacks %q: %v", k, pred)
		}
	}
	if pred["device"] != "test" || pred["camera"] != "cam" || pred["model"] != "shufflenet_v2_x0_5" || len(pred["top"].([]any)) != 5 {
		t.Errorf("prediction %v", pred)
	}
	if _, err := time.Parse(time.RFC3339, pred["ts"].(string)); err != nil {
		t.Errorf("ts: %v", err)
	}

	// The broker dies; edged keeps classifying into its queue.
	before := sub.frames(t)
	broker.Kill()
	time.Sleep(3 * time.Second)
	broker.Start()
	sub = subscribe(t, broker.Addr())
	onlines := func() int {
		n := 0
		for _, m := range sub.on("edged/test/status") {
			if string(m.Payload()) == "online" {
				n++
			}
		}
		return n
	}
	waitFor(t, "online again after the broker restarted", func() bool { return onlines() > 0 })
	waitFor(t, "predictions after the restart", func() bool { return len(sub.frames(t)) >= 40 })
	after := sub.frames(t)
	last := before[len(before)-1]
	// Every prediction edged made (its --predictions-out sink) after the
	// last one seen before the outage, up to the newest delivered, arrives
	// over MQTT, in order, none lost. Delivery is at least once: the first
	// after the restart may repeat the last one seen. (Frame numbers count
	// captured frames; a loaded machine drops stale frames before
	// classification, so a gap in the numbers is not a lost prediction.)
	var made []uint64
	for _, pp := range p.predictions() {
		if pp.Frame > last && pp.Frame <= after[len(after)-1] {
			made = append(made, pp.Frame)
		}
	}
	got := after
	if got[0] == last {
		got = got[1:]
	}
	if len(made) == 0 || !slices.Equal(got, made) {
		t.Fatalf("after the restart MQTT delivered frames %v; edged classified %v after frame %d", after, made, last)
	}
	t.Logf("before the outage up to frame %d; after the restart frames %d..%d arrived in order", last, after[0], after[len(after)-1])

	// SIGTERM: a clean exit leaves offline retained.
	p.signal(syscall.SIGTERM)
	if code := p.waitExit(); code != 0 {
		t.Fatalf("exit status %d after SIGTERM", code)
	}
	late := subscribe(t, broker.Addr()) // sees only retained messages
	waitFor(t, "retained status", func() bool { return len(late.on("edged/test/status")) > 0 })
	if m := late.on("edged/test/status")[0]; string(m.Payload()) != "offline" || !m.Retained() {
		t.Errorf("after SIGTERM: status %q (retained %v), want retained offline", m.Payload(), m.Retained())
	}

	// SIGKILL: the broker publishes the Last Will.
	p2 := startEdged(t, bin, cfg)
	waitFor(t, "online from the second edged", func() bool {
		m := late.on("edged/test/status")
		return string(m[len(m)-1].Payload()) == "online"
	})
	p2.signal(syscall.SIGKILL)
	p2.waitExit()
	waitFor(t, "the will", func() bool {
		m := late.on("edged/test/status")
		return string(m[len(m)-1].Payload()) == "offline"
	})
	if !strings.Contains(p.logText(), "msg=stopped") {
		t.Errorf("first edged log has no clean stop")
	}
}
