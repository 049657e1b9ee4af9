package publish

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/edged/edged/imagenet"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

// pred makes the prediction of frame f: class c with score s first.
func pred(camera string, f uint64, c int, s float64) Prediction {
	return Prediction{
		Time:   t0.Add(time.Duration(f) * 100 * time.Millisecond),
		Camera: camera,
		Frame:  f,
		Model:  "shufflenet_v2_x0_5",
		Top: []imagenet.Class{
			{Class: c, Label: imagenet.Label(c), Score: s},
			{Class: 999, Label: imagenet.Label(999), Score: 1 - s},
		},
		Latency: Latency{Capture: 1234567 * time.Nanosecond, Preprocess: 5 * time.Millisecond, Inference: 20500 * time.Microsecond},
	}
}

// frames decodes the predictions received on topic and returns their frame
// numbers in arrival order.
func frames(t *testing.T, s *subscriber, topic string) []uint64 {
	t.Helper()
	var fs []uint64
	for _, m := range s.on(topic) {
		var pl PredictionPayload
		if err := json.Unmarshal([]byte(m.payload), &pl); err != nil {
			t.Fatalf("prediction on %s is not the documented JSON: %v\n%s", topic, err, m.payload)
		}
		fs = append(fs, pl.Frame)
	}
	return fs
}

func seq(from, to uint64) []uint64 {
	var r []uint64
	for f := from; f <= to; f++ {
		r = append(r, f)
	}
	return r
}

func count(ms []message, payload string) int {
	n := 0
	for _, m := range ms {
		if m.payload == payload {
			n++
		}
	}
	return n
}

type commandLog struct {
	mu   sync.Mutex
	cmds []string
}

func (c *commandLog) record(camera string, cmd Command) {
	b, _ := json.Marshal(cmd)
	c.mu.Lock()
	c.cmds = append(c.cmds, camera+" "+string(b))
	c.mu.Unlock()
}

func (c *commandLog) get() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.cmds)
}

func TestPredictionsStatusAndCommands(t *testing.T) {
	b := startMosquitto(t, "")
	sub := newSubscriber(t, b.url(), "edged/dev1/#", subOpts{subscribe: true})
	o, logs := testOptions(t, b.url())
	p := newPublisher(t, o)
	var cmds commandLog
	p.OnCommand(cmds.record)
	topics := p.Topics()
	waitFor(t, "publisher to connect", p.Connected)

	for f := uint64(1); f <= 3; f++ {
		p.Publish(pred("cam1", f, 1, 0.9934))
	}
	predTopic := "edged/dev1/cam1/prediction"
	if topics.Prediction("cam1") != predTopic {
		t.Fatalf("prediction topic %q, documented %q", topics.Prediction("cam1"), predTopic)
	}
	waitFor(t, "3 predictions", func() bool { return len(sub.on(predTopic)) == 3 })
	if got := frames(t, sub, predTopic); !reflect.DeepEqual(got, seq(1, 3)) {
		t.Fatalf("frames %v, want 1..3", got)
	}

	// The payload, field by field, exactly as documented.
	raw := sub.on(predTopic)[0].payload
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &fields); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"camera", "device", "frame", "latency_ms", "model", "top", "ts"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("payload keys %v, want %v\n%s", keys, want, raw)
	}
	var pl PredictionPayload
	if err := json.Unmarshal([]byte(raw), &pl); err != nil {
		t.Fatal(err)
	}
	score := 0.9934
	want := PredictionPayload{
		TS: "2025-01-02T03:04:05.778Z", Device: "dev1", Camera: "cam1", Frame: 1, Model: "shufflenet_v2_x0_5",
		Top:       []imagenet.Class{{Class: 1, Label: "goldfish", Score: 0.9934}, {Class: 999, Label: "toilet tissue", Score: imagenet.RoundScore(1 - score)}},
		LatencyMS: LatencyMS{Capture: 1.235, Preprocess: 5, Inference: 20.5},
	}
	if !reflect.DeepEqual(pl, want) {
		t.Fatalf("payload\n%+v\nwant\n%+v\nraw %s", pl, want, raw)
	}

	// Status: online, and retained.
	if n := count(sub.on(topics.Status()), "online"); n != 1 {
		t.Fatalf("%d online messages on %s, want 1", n, topics.Status())
	}
	if got := retainedOn(t, b.url(), topics.Status(), subOpts{}); got != "online" {
		t.Fatalf("retained status %q, want online", got)
	}

	// Camera state: retained, with the error.
	p.SetCameraState("cam1", "reconnecting", context.DeadlineExceeded)
	waitFor(t, "camera state", func() bool { return len(sub.on(topics.State("cam1"))) == 1 })
	var st map[string]string
	if err := json.Unmarshal([]byte(retainedOn(t, b.url(), topics.State("cam1"), subOpts{})), &st); err != nil {
		t.Fatal(err)
	}
	if st["state"] != "reconnecting" || st["error"] != "context deadline exceeded" || st["ts"] == "" {
		t.Fatalf("retained state %v", st)
	}

	// Stats.
	p.PublishStats(map[string]int{"frames": 7})
	waitFor(t, "stats", func() bool { return len(sub.on(topics.Stats())) == 1 })
	if got := sub.on(topics.Stats())[0].payload; got != `{"frames":7}` {
		t.Fatalf("stats payload %s", got)
	}

	// Commands: invalid ones are logged and ignored, valid ones arrive in order.
	sub.publish(t, topics.Set("cam1"), false, `{"enabled":`)
	sub.publish(t, topics.Set("cam1"), false, `{"brightness":3}`)
	sub.publish(t, topics.Set("cam1"), false, `{"fps":2.5}`)
	sub.publish(t, topics.Set("cam2"), false, `{"enabled":false}`)
	waitFor(t, "2 commands", func() bool { return len(cmds.get()) == 2 })
	if got, want := cmds.get(), []string{`cam1 {"fps":2.5}`, `cam2 {"enabled":false}`}; !reflect.DeepEqual(got, want) {
		t.Fatalf("commands %v, want %v", got, want)
	}
	if !contains(logs.String(), "ignoring invalid command", `unknown field \"brightness\"`) {
		t.Fatalf("invalid commands not logged:\n%s", logs.String())
	}

	if s := p.Stats(); s.Sent != 3 || s.Dropped != 0 || s.Queued != 0 || !s.Connected {
		t.Fatalf("stats %+v", s)
	}

	// Close: offline is retained afterwards.
	if err := p.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := retainedOn(t, b.url(), topics.Status(), subOpts{}); got != "offline" {
		t.Fatalf("retained status after Close %q, want offline", got)
	}
}

// TestBrokerRestart kills the broker mid-run: predictions made during the
// outage must all arrive, in order, once it is back, and commands must
// work again.
func TestBrokerRestart(t *testing.T) {
	b := startMosquitto(t, "")
	// A persistent session so the subscriber misses nothing the publisher
	// delivers before the subscriber itself has reconnected. It is saved to
	// disk before the kill. QoS 0 on the broker-to-subscriber leg: with QoS 1
	// the saved session could hold messages the subscriber had received but
	// whose PUBACK the broker had not yet processed, which the restarted
	// broker would deliver again: duplicates that are not the publisher's.
	sub := newSubscriber(t, b.url(), "edged/dev1/#", subOpts{clientID: "restart-sub", persistent: true, subscribe: true, qos0: true})
	o, _ := testOptions(t, b.url())
	o.QueueSize = 100
	p := newPublisher(t, o)
	var cmds commandLog
	p.OnCommand(cmds.record)
	topics := p.Topics()
	predTopic := topics.Prediction("cam1")
	waitFor(t, "publisher to connect", p.Connected)

	for f := uint64(1); f <= 5; f++ {
		p.Publish(pred("cam1", f, 1, 0.9))
	}
	waitFor(t, "5 predictions", func() bool { return len(sub.on(predTopic)) == 5 })
	b.save()
	b.kill()
	waitFor(t, "publisher to notice the broker is gone", func() bool { return !p.Connected() })

	const down = 40 // predictions made while the broker is down (< queue_size)
	for f := uint64(6); f < 6+down; f++ {
		p.Publish(pred("cam1", f, 1, 0.9))
	}
	if s := p.Stats(); s.Queued != down || s.Dropped != 0 {
		t.Fatalf("while down: %+v, want %d queued and none dropped", s, down)
	}
	time.Sleep(2 * time.Second) // an outage of a few seconds, with retries
	b.start()

	waitFor(t, "publisher to reconnect", p.Connected)
	// A last prediction marks the end: the broker keeps one publisher's
	// order, so once it arrives everything before it has.
	p.Publish(pred("cam1", 6+down, 1, 0.9))
	waitFor(t, "the last prediction", func() bool {
		fs := frames(t, sub, predTopic)
		return len(fs) > 0 && fs[len(fs)-1] == 6+down
	})
	if got := frames(t, sub, predTopic); !reflect.DeepEqual(got, seq(1, 6+down)) {
		t.Fatalf("frames received %v\nwant 1..%d in order, each once", got, 6+down)
	}
	if n := count(sub.on(topics.Status()), "online"); n < 2 {
		t.Fatalf("%d online messages: online was not re-published after the restart", n)
	}
	s := p.Stats()
	if s.Sent != 6+down || s.Dropped != 0 || s.Queued != 0 || s.Disconnects < 1 || s.Connects < 2 {
		t.Fatalf("stats after restart %+v", s)
	}

	// The set subscription is back: online is published only after it.
	sub.publish(t, topics.Set("cam1"), false, `{"enabled":false,"fps":2}`)
	waitFor(t, "command after restart", func() bool { return len(cmds.get()) == 1 })
	if got := cmds.get()[0]; got != `cam1 {"enabled":false,"fps":2}` {
		t.Fatalf("command %q", got)
	}
}

// TestBrokerDownAtStartup starts the publisher before the broker, with more
// predictions than the queue holds.
func TestBrokerDownAtStartup(t *testing.T) {
	b := startMosquitto(t, "")
	// Leave a persistent subscriber session behind, saved by a clean stop.
	first := newSubscriber(t, b.url(), "edged/dev1/#", subOpts{clientID: "startup-sub", persistent: true, subscribe: true})
	first.c.Disconnect(250)
	b.stop()

	o, logs := testOptions(t, b.url())
	o.QueueSize = 10
	p := newPublisher(t, o) // must not need the broker
	const made = 25
	for f := uint64(1); f <= made; f++ {
		p.Publish(pred("cam1", f, 1, 0.9))
	}
	if s := p.Stats(); s.Connected || s.Queued != 10 || s.Dropped != made-10 {
		t.Fatalf("before the broker is up: %+v, want 10 queued and %d dropped", s, made-10)
	}
	waitFor(t, "connection retries", func() bool { return p.Stats().ConnectFailures >= 2 })
	if !contains(logs.String(), "cannot connect to MQTT broker", b.url(), "nothing accepts connections at 127.0.0.1:") {
		t.Fatalf("connection failure not logged clearly:\n%s", logs.String())
	}

	b.start()
	waitFor(t, "publisher to connect", p.Connected)
	sub := newSubscriber(t, b.url(), "", subOpts{clientID: "startup-sub", persistent: true})
	p.Publish(pred("cam1", made+1, 1, 0.9))
	predTopic := p.Topics().Prediction("cam1")
	waitFor(t, "the last prediction", func() bool {
		fs := frames(t, sub, predTopic)
		return len(fs) > 0 && fs[len(fs)-1] == made+1
	})
	if got := frames(t, sub, predTopic); !reflect.DeepEqual(got, seq(made-10+1, made+1)) {
		t.Fatalf("frames %v, want the newest 10 (%d..%d) then %d", got, made-10+1, made, made+1)
	}
	if s := p.Stats(); s.Dropped != made-10 || s.Sent != 11 {
		t.Fatalf("stats %+v, want %d dropped and 11 sent", s, made-10)
	}
}

func TestOnChangeOverMQTT(t *testing.T) {
	b := startMosquitto(t, "")
	sub := newSubscriber(t, b.url(), "edged/dev1/#", subOpts{subscribe: true})
	o, _ := testOptions(t, b.url())
	o.OnChange, o.MinInterval, o.ScoreDelta = true, time.Second, 0.05
	p := newPublisher(t, o)
	waitFor(t, "publisher to connect", p.Connected)
	// Frames are 100 ms apart (see pred).
	in := []Prediction{
		pred("cam1", 1, 1, 0.90),  // first: published
		pred("cam1", 2, 1, 0.93),  // same class, +0.03: suppressed
		pred("cam1", 3, 1, 0.96),  // +0.06 from the last published: published
		pred("cam1", 4, 2, 0.96),  // class changed: published
		pred("cam1", 5, 2, 0.95),  // suppressed
		pred("cam1", 14, 2, 0.95), // 1 s after frame 4: heartbeat
		pred("cam1", 15, 2, 0.95), // suppressed
		pred("cam2", 15, 2, 0.95), // other camera, first: published
	}
	for _, x := range in {
		p.Publish(x)
	}
	waitFor(t, "the cam2 prediction", func() bool { return len(sub.on(p.Topics().Prediction("cam2"))) == 1 })
	waitFor(t, "cam1 predictions", func() bool { return len(sub.on(p.Topics().Prediction("cam1"))) >= 4 })
	if got, want := frames(t, sub, p.Topics().Prediction("cam1")), []uint64{1, 3, 4, 14}; !reflect.DeepEqual(got, want) {
		t.Fatalf("cam1 frames published %v, want %v", got, want)
	}
	if s := p.Stats(); s.Suppressed != 3 || s.Sent != 5 {
		t.Fatalf("stats %+v, want 3 suppressed, 5 sent", s)
	}
}

func TestEmbeddedBroker(t *testing.T) {
	o, _ := testOptions(t, EmbeddedBroker)
	o.EmbeddedListen = "127.0.0.1:0"
	o.Username, o.Password = "edged", "pw"
	p := newPublisher(t, o)
	url := p.BrokerURL()
	waitFor(t, "publisher to connect to the embedded broker", p.Connected)
	sub := newSubscriber(t, url, "edged/dev1/#", subOpts{subscribe: true, user: "edged", pass: "pw"})
	p.Publish(pred("cam1", 7, 1, 0.9))
	waitFor(t, "prediction through the embedded broker", func() bool { return len(sub.on(p.Topics().Prediction("cam1"))) == 1 })
	if got := frames(t, sub, p.Topics().Prediction("cam1")); !reflect.DeepEqual(got, []uint64{7}) {
		t.Fatalf("frames %v", got)
	}
	// Not retainedOn: its marker message is a publish the embedded broker's
	// ACL refuses to clients (see embedded_test.go).
	status := newSubscriber(t, url, p.Topics().Status(), subOpts{subscribe: true, user: "edged", pass: "pw"})
	waitFor(t, "retained online status", func() bool {
		m := status.on(p.Topics().Status())
		return len(m) > 0 && m[0].retained && m[0].payload == "online"
	})
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestEmbeddedBrokerPortInUse: a clear error from New, no crash.
func TestEmbeddedBrokerPortInUse(t *testing.T) {
	o, _ := testOptions(t, EmbeddedBroker)
	o.EmbeddedListen = "127.0.0.1:0"
	p := newPublisher(t, o)
	o.EmbeddedListen = p.broker.addr
	_, err := New(o)
	if err == nil || !contains(err.Error(), "mqtt.embedded_listen", p.broker.addr) {
		t.Fatalf("New on a busy port: %v", err)
	}
}

func TestWebSocket(t *testing.T) {
	wsPort := freePort(t)
	b := startMosquitto(t, "allow_anonymous true\nlistener "+itoa(wsPort)+" 127.0.0.1\nprotocol websockets\n")
	o, _ := testOptions(t, "ws://127.0.0.1:"+itoa(wsPort)+"/mqtt")
	p := newPublisher(t, o)
	sub := newSubscriber(t, b.url(), "edged/dev1/#", subOpts{subscribe: true})
	waitFor(t, "publisher to connect over websockets", p.Connected)
	p.Publish(pred("cam1", 3, 1, 0.9))
	waitFor(t, "prediction over websockets", func() bool { return len(sub.on(p.Topics().Prediction("cam1"))) == 1 })
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
