package publish

import (
	"context"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEmbeddedBrokerCleanShutdown: closing a publisher with the embedded
// broker and a subscriber connected gives that subscriber "offline" once
// (the explicit publish, not also the will of a connection cut by the
// shutdown) and logs no warning: no empty message, no repeated key.
func TestEmbeddedBrokerCleanShutdown(t *testing.T) {
	for i := range 3 { // the race it guards against was lost most of the time; try a few
		o, lb := testOptions(t, EmbeddedBroker)
		o.EmbeddedListen = "127.0.0.1:0"
		p := newPublisher(t, o)
		waitFor(t, "publisher to connect to the embedded broker", p.Connected)
		sub := newSubscriber(t, p.BrokerURL(), "edged/dev1/#", subOpts{subscribe: true})
		p.Publish(pred("cam1", 1, 1, 0.9))
		waitFor(t, "the prediction", func() bool { return len(sub.on(p.Topics().Prediction("cam1"))) == 1 })
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "offline", func() bool { return count(sub.on(p.Topics().Status()), "offline") > 0 })
		time.Sleep(100 * time.Millisecond) // a second one would have come by now
		if n := count(sub.on(p.Topics().Status()), "offline"); n != 1 {
			t.Fatalf("run %d: subscriber got offline %d times, want once", i, n)
		}
		log := lb.String()
		if strings.Contains(log, "level=WARN") || strings.Contains(log, "level=ERROR") || strings.Contains(log, `msg=""`) {
			t.Fatalf("run %d: a clean shutdown logged a warning or an empty message:\n%s", i, log)
		}
		for _, line := range strings.Split(log, "\n") {
			keys := map[string]bool{}
			for _, m := range regexp.MustCompile(`(?:^| )([a-z_]+)=`).FindAllStringSubmatch(line, -1) {
				if keys[m[1]] {
					t.Fatalf("run %d: key %s repeated in %q", i, m[1], line)
				}
				keys[m[1]] = true
			}
		}
	}
}

// TestEmbeddedBrokerPortCheck: a TCP connection opened and closed without
// a packet (a port check, a health probe) is not a warning.
func TestEmbeddedBrokerPortCheck(t *testing.T) {
	o, lb := testOptions(t, EmbeddedBroker)
	o.EmbeddedListen = "127.0.0.1:0"
	o.Logger = slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelInfo}))
	p := newPublisher(t, o)
	waitFor(t, "publisher to connect to the embedded broker", p.Connected)
	c, err := net.Dial("tcp", p.broker.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	time.Sleep(200 * time.Millisecond)
	if log := lb.String(); strings.Contains(log, "level=WARN") {
		t.Fatalf("a port check logged a warning:\n%s", log)
	}
}
