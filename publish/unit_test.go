package publish

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eclipse/paho.mqtt.golang/packets"
	"github.com/edged/edged/imagenet"
)

func TestChangeFilter(t *testing.T) {
	f := newChangeFilter(Options{OnChange: true, MinInterval: time.Second, ScoreDelta: 0.05})
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	none := Prediction{Camera: "a"}
	steps := []struct {
		p    Prediction
		at   int
		want bool
		why  string
	}{
		{pred("a", 1, 1, 0.50), 0, true, "first of camera a"},
		{pred("a", 2, 1, 0.54), 100, false, "score +0.04 <= delta"},
		{pred("a", 3, 1, 0.56), 200, true, "score +0.06 > delta, against the last published 0.50"},
		{pred("a", 4, 1, 0.52), 300, false, "-0.04"},
		{pred("a", 5, 1, 0.50), 400, true, "-0.06 from the last published 0.56"},
		{pred("b", 1, 1, 0.50), 400, true, "first of camera b"},
		{pred("a", 6, 7, 0.50), 500, true, "class changed"},
		{none, 600, true, "top went empty: a class change"},
		{none, 700, false, "still empty"},
		{pred("a", 7, 7, 0.50), 1599, true, "class back"},
		{pred("a", 8, 7, 0.50), 2598, false, "999 ms later"},
		{pred("a", 9, 7, 0.50), 2599, true, "1 s later: heartbeat"},
		{pred("a", 10, 7, 0.50), 1000, true, "clock went back"},
	}
	for i, s := range steps {
		if got := f.allow(s.p, at(s.at)); got != s.want {
			t.Fatalf("step %d (%s): allow=%v, want %v", i, s.why, got, s.want)
		}
	}

	// The boundary itself, in binary-exact numbers: a change of exactly
	// score_delta is not "more than" it (package documentation).
	edge := newChangeFilter(Options{OnChange: true, ScoreDelta: 0.125})
	for i, s := range []struct {
		score float64
		want  bool
	}{{0.5, true}, {0.625, false}, {0.375, false}, {0.625 + 1.0/1024, true}, {0.5, true}, {0.5 + 1.0/1024, false}} {
		if got := edge.allow(pred("a", uint64(i), 1, s.score), t0); got != s.want {
			t.Fatalf("score_delta 0.125, step %d (score %v): allow=%v, want %v", i, s.score, got, s.want)
		}
	}

	all := newChangeFilter(Options{OnChange: false})
	for i := 0; i < 3; i++ {
		if !all.allow(pred("a", 1, 1, 0.5), t0) {
			t.Fatal("without on_change every prediction is published")
		}
	}
	noBeat := newChangeFilter(Options{OnChange: true, ScoreDelta: 0.05})
	noBeat.allow(pred("a", 1, 1, 0.5), t0)
	if noBeat.allow(pred("a", 2, 1, 0.5), t0.Add(time.Hour)) {
		t.Fatal("min_interval 0 must mean no heartbeat")
	}
}

func TestRing(t *testing.T) {
	r := newRing(3)
	var dropped int
	for i := 1; i <= 5; i++ {
		if r.push(queued{frame: uint64(i)}) {
			dropped++
		}
	}
	if dropped != 2 || r.len() != 3 {
		t.Fatalf("dropped %d len %d", dropped, r.len())
	}
	m, _ := r.pop()
	if m.frame != 3 {
		t.Fatalf("oldest kept is %d, want 3", m.frame)
	}
	if r.pushFront(m) {
		t.Fatal("pushFront into a queue with room dropped")
	}
	m, _ = r.pop()
	r.push(queued{frame: 6}) // full again while 3 is out
	if !r.pushFront(m) {
		t.Fatal("pushFront into a full queue must drop the returned (oldest) entry")
	}
	var got []uint64
	for {
		m, ok := r.pop()
		if !ok {
			break
		}
		got = append(got, m.frame)
	}
	if fmt.Sprint(got) != "[4 5 6]" {
		t.Fatalf("order %v", got)
	}
}

func TestEncodePrediction(t *testing.T) {
	p := pred("c", 1, 1, math.NaN())
	p.Top = p.Top[:1]
	b, err := EncodePrediction("d", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"top":[{"class":1,"label":"goldfish","score":0}]`) {
		t.Fatalf("NaN score: %s", b)
	}
	if !math.IsNaN(p.Top[0].Score) {
		t.Fatal("EncodePrediction modified the caller's top list")
	}
	b, _ = EncodePrediction("d", Prediction{Camera: "c", Time: t0})
	want := `{"ts":"2025-01-02T03:04:05.678Z","device":"d","camera":"c","frame":0,"model":"","top":[],"latency_ms":{"capture":0,"preprocess":0,"inference":0}}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	local := time.FixedZone("X", 3600)
	b, _ = EncodePrediction("d", Prediction{Camera: "c", Time: t0.In(local), Top: []imagenet.Class{}})
	if !strings.Contains(string(b), `"ts":"2025-01-02T03:04:05.678Z"`) {
		t.Fatalf("ts not in UTC: %s", b)
	}
}

func TestParseCommand(t *testing.T) {
	ok := map[string]string{
		`{"enabled":false}`:           `enabled=false`,
		`{"fps":2}`:                   `fps=2`,
		` {"enabled":true,"fps":0.5}`: `enabled=true fps=0.5`,
	}
	for in, want := range ok {
		c, err := ParseCommand([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var got []string
		if c.Enabled != nil {
			got = append(got, fmt.Sprintf("enabled=%v", *c.Enabled))
		}
		if c.FPS != nil {
			got = append(got, fmt.Sprintf("fps=%v", *c.FPS))
		}
		if strings.Join(got, " ") != want {
			t.Fatalf("%s: %v, want %s", in, got, want)
		}
	}
	for _, in := range []string{``, `{`, `{}`, `{"fps":0}`, `{"fps":-1}`, `{"fps":"2"}`, `{"enabled":1}`, `{"x":1}`, `{"fps":2} {}`, `null`, `[1]`} {
		if _, err := ParseCommand([]byte(in)); err == nil {
			t.Fatalf("%q accepted", in)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	base := func() Options {
		o := DefaultOptions()
		o.DeviceID = "dev"
		return o
	}
	bad := []struct {
		change func(*Options)
		want   string
	}{
		{func(o *Options) { o.Broker = "" }, "mqtt.broker is empty"},
		{func(o *Options) { o.Broker = "http://x:1" }, `unsupported scheme "http"`},
		{func(o *Options) { o.Broker = "127.0.0.1:1883" }, "not a URL"},
		{func(o *Options) { o.DeviceID = "" }, "device_id"},
		{func(o *Options) { o.DeviceID = "a/b" }, "device_id"},
		{func(o *Options) { o.TopicPrefix = "edged/#" }, "mqtt.topic_prefix"},
		{func(o *Options) { o.TopicPrefix = "/edged" }, "mqtt.topic_prefix"},
		{func(o *Options) { o.QoS = 3 }, "mqtt.qos 3"},
		{func(o *Options) { o.QueueSize = -1 }, "mqtt.queue_size"},
		{func(o *Options) { o.ScoreDelta = -0.1 }, "score_delta"},
		{func(o *Options) { o.MinInterval = -time.Second }, "min_interval"},
		{func(o *Options) { o.TLS.CertFile = "c.pem" }, "key_file"},
		{func(o *Options) { o.TLS.CAFile = "ca.pem" }, "is not encrypted: use ssl://"},
		{func(o *Options) { o.Broker = "ssl://h:8883"; o.TLS.CAFile = "/nonexistent/ca.pem" }, "mqtt.tls.ca_file"},
		{func(o *Options) { o.Broker = EmbeddedBroker; o.TLS.InsecureSkipVerify = true }, "embedded"},
		{func(o *Options) { o.HomeAssistant.Enabled = true; o.HomeAssistant.DiscoveryPrefix = "ha/+" }, "discovery_prefix"},
	}
	for _, b := range bad {
		o := base()
		b.change(&o)
		_, err := New(o)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Fatalf("want an error containing %q, got %v", b.want, err)
		}
	}

	u, secure, err := brokerURL("ssl://broker.lan")
	if err != nil || u.Host != "broker.lan:8883" || !secure {
		t.Fatalf("default TLS port: %v %v %v", u, secure, err)
	}
	u, _, _ = brokerURL("tcp://[::1]")
	if u.Host != "[::1]:1883" {
		t.Fatalf("default port: %v", u)
	}
	if d := dialable("0.0.0.0:1883"); d != "127.0.0.1:1883" {
		t.Fatalf("dialable: %s", d)
	}
	o := base().withDefaults()
	if o.ClientID != "edged-dev" {
		t.Fatalf("default client id %q", o.ClientID)
	}
}

func TestConnectHint(t *testing.T) {
	o := DefaultOptions()
	o.Username = "u"
	cases := []struct {
		err  error
		want string
	}{
		{packets.ErrorRefusedNotAuthorised, "mqtt.password"},
		{fmt.Errorf("%w : %w", packets.ErrorRefusedBadUsernameOrPassword, errors.New("x")), "mqtt.password"},
		{fmt.Errorf("network Error : %w", &netOpError{syscall.ECONNREFUSED}), "nothing accepts connections at b:1883"},
		{errors.New("no CONNACK within 10s"), "mqtt.connect_timeout"},
	}
	for _, c := range cases {
		if got := connectHint("tcp://b:1883", c.err, o, false); !strings.Contains(got, c.want) {
			t.Fatalf("%v: hint %q lacks %q", c.err, got, c.want)
		}
	}
}

type netOpError struct{ err error }

func (e *netOpError) Error() string { return "dial tcp: " + e.err.Error() }
func (e *netOpError) Unwrap() error { return e.err }
