package publish

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/edged/edged/internal/proctest"
)

// Issue 12 defect 2: the embedded broker is not open. These tests attack it
// with real paho clients over TCP, as a machine on the network would.

// dial connects a paho client once (no retry) and returns the error of the
// attempt.
func dial(t *testing.T, broker, user, pass string) (mqtt.Client, error) {
	t.Helper()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).
		SetClientID(fmt.Sprintf("attacker-%d", time.Now().UnixNano())).
		SetUsername(user).SetPassword(pass).SetProtocolVersion(4).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(5 * time.Second))
	err := tokenErr(c.Connect())
	if err == nil {
		t.Cleanup(func() { c.Disconnect(0) })
	}
	return c, err
}

// embeddedPublisher starts a publisher with an embedded broker on listen
// and records the commands it receives.
func embeddedPublisher(t *testing.T, listen, user, pass string, anonymous bool) (*Publisher, *commandLog, *proctest.Buffer) {
	t.Helper()
	o, lb := testOptions(t, EmbeddedBroker)
	o.EmbeddedListen = listen
	o.Username, o.Password, o.AllowAnonymous = user, pass, anonymous
	p := newPublisher(t, o)
	cmds := &commandLog{}
	p.OnCommand(cmds.record)
	p.RegisterCameras([]string{"cam1"})
	waitFor(t, "publisher connected to its embedded broker", p.Connected)
	return p, cmds, lb
}

// With credentials set, an anonymous client cannot connect (so cannot send
// a camera command), the right credentials can, and even an authenticated
// client cannot spoof edged's own topics.
func TestEmbeddedBrokerCredentialsAndACL(t *testing.T) {
	p, cmds, _ := embeddedPublisher(t, "127.0.0.1:0", "edged", "pw", false)
	url := p.BrokerURL()
	set := p.Topics().Set("cam1")

	if _, err := dial(t, url, "", ""); err == nil {
		t.Fatal("an anonymous client connected to a broker with credentials")
	}
	if _, err := dial(t, url, "edged", "wrong"); err == nil {
		t.Fatal("a wrong password was accepted")
	}
	watcher := newSubscriber(t, url, p.Topics().Status(), subOpts{subscribe: true, user: "edged", pass: "pw"})
	waitFor(t, "online status", func() bool { return len(watcher.on(p.Topics().Status())) > 0 })

	c, err := dial(t, url, "edged", "pw")
	if err != nil {
		t.Fatalf("the configured credentials: %v", err)
	}
	// Spoofing edged's topics: QoS 0 so the broker drops it rather than
	// disconnecting, and the command after it proves it was processed.
	c.Publish(p.Topics().Status(), 0, true, "offline").Wait()
	c.Publish(p.Topics().Prediction("cam1"), 0, false, `{"top":[]}`).Wait()
	if err := tokenErr(c.Publish(set, 1, false, `{"fps":2}`)); err != nil {
		t.Fatalf("authenticated command: %v", err)
	}
	waitFor(t, "the authenticated command", func() bool { return strings.Join(cmds.get(), ";") == `cam1 {"fps":2}` })
	for _, m := range watcher.on(p.Topics().Status()) {
		if m.payload != "online" {
			t.Fatalf("a client spoofed edged's status: %q", m.payload)
		}
	}
	if got := retainedStatus(t, url, p, "edged", "pw"); got != "online" {
		t.Fatalf("retained status %q after a spoofing attempt, want online", got)
	}
}

// retainedStatus subscribes afresh and returns the retained status.
func retainedStatus(t *testing.T, url string, p *Publisher, user, pass string) string {
	t.Helper()
	s := newSubscriber(t, url, p.Topics().Status(), subOpts{subscribe: true, user: user, pass: pass})
	waitFor(t, "retained status", func() bool { return len(s.on(p.Topics().Status())) > 0 })
	return s.on(p.Topics().Status())[0].payload
}

// 0.0.0.0 without credentials refuses to start, naming the fix.
func TestEmbeddedBrokerOnNetworkNeedsCredentials(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		o, _ := testOptions(t, EmbeddedBroker)
		o.EmbeddedListen = listen
		p, err := New(o)
		if err == nil {
			p.Close(context.Background())
			t.Fatalf("%s without credentials started", listen)
		}
		for _, want := range []string{"mqtt.embedded_listen", "mqtt.username", "allow_anonymous"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not mention %s", listen, err, want)
			}
		}
	}
}

// allow_anonymous: true starts with a warning; anonymous clients read but
// cannot send camera commands.
func TestEmbeddedBrokerAllowAnonymousWarns(t *testing.T) {
	p, cmds, lb := embeddedPublisher(t, "0.0.0.0:0", "", "", true)
	if !strings.Contains(lb.String(), "level=WARN") || !strings.Contains(lb.String(), "allow_anonymous") {
		t.Fatalf("no start-up warning:\n%s", lb.String())
	}
	url := p.BrokerURL()
	if got := retainedStatus(t, url, p, "", ""); got != "online" {
		t.Fatalf("anonymous read of the status: %q", got)
	}
	c, err := dial(t, url, "", "")
	if err != nil {
		t.Fatal(err)
	}
	c.Publish(p.Topics().Set("cam1"), 0, false, `{"fps":3}`).Wait()
	// No event marks "the broker dropped it": give it time to arrive if it
	// were going to, then check.
	time.Sleep(300 * time.Millisecond)
	if got := cmds.get(); len(got) != 0 {
		t.Fatalf("an anonymous network client sent a command: %s", got)
	}
}

// On loopback without credentials (the default), local clients may still
// send commands, as before.
func TestEmbeddedBrokerLoopbackAnonymousCommands(t *testing.T) {
	p, cmds, _ := embeddedPublisher(t, "127.0.0.1:0", "", "", false)
	c, err := dial(t, p.BrokerURL(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := tokenErr(c.Publish(p.Topics().Set("cam1"), 1, false, `{"fps":4}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the local command", func() bool { return strings.Join(cmds.get(), ";") == `cam1 {"fps":4}` })
}

// A message over the packet limit is refused (the client is dropped) and
// clients' retained messages stop at the budget.
func TestEmbeddedBrokerPacketAndRetainedLimits(t *testing.T) {
	p, _, _ := embeddedPublisher(t, "127.0.0.1:0", "edged", "pw", false)
	url := p.BrokerURL()
	c, err := dial(t, url, "edged", "pw")
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", embeddedMaxPacket+1)
	tok := c.Publish(p.Topics().Set("cam1"), 1, true, big)
	if tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
		t.Fatalf("a %d-byte message was accepted", len(big))
	}
	if _, ok := p.broker.srv.Topics.Retained.Get(p.Topics().Set("cam1")); ok {
		t.Fatal("the oversized message was retained")
	}

	c, err = dial(t, url, "edged", "pw")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * embeddedMaxRetained {
		topic := p.Topics().Set(fmt.Sprintf("fake%d", i))
		if err := tokenErr(c.Publish(topic, 1, true, `{"fps":1}`)); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Fatalf("retained %d: %v", i, err)
		}
	}
	if n := p.broker.acl.clientRetained(); n != embeddedMaxRetained {
		t.Fatalf("clients left %d retained messages, want the budget %d", n, embeddedMaxRetained)
	}
	if n := p.broker.srv.Topics.Retained.Len(); n > embeddedMaxRetained+40 {
		t.Fatalf("the broker holds %d retained messages, want at most the budget %d plus edged's own and $SYS", n, embeddedMaxRetained)
	}
}
