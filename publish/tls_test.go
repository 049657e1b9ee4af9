package publish

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestTLSAndAuth runs against mosquitto with a password file, a TLS
// listener whose certificate comes from a CA made here, and client
// certificates required.
func TestTLSAndAuth(t *testing.T) {
	ca := newTestCA(t)
	pw := passwordFile(t, "edged", "right-password")
	b := startMosquitto(t, fmt.Sprintf("cafile %s\ncertfile %s\nkeyfile %s\nrequire_certificate true\nallow_anonymous false\npassword_file %s\n",
		ca.caFile, ca.serverCert, ca.serverKey, pw))
	url := strings.Replace(b.url(), "tcp://", "ssl://", 1)
	clientTLS := TLSOptions{CAFile: ca.caFile, CertFile: ca.clientCert, KeyFile: ca.clientKey}

	t.Run("right credentials", func(t *testing.T) {
		sub := newSubscriber(t, url, "edged/dev1/#", subOpts{subscribe: true, user: "edged", pass: "right-password", tls: clientTLS})
		o, _ := testOptions(t, url)
		o.Username, o.Password, o.TLS = "edged", "right-password", clientTLS
		p := newPublisher(t, o)
		waitFor(t, "publisher to connect over TLS", p.Connected)
		p.Publish(pred("cam1", 1, 1, 0.9))
		waitFor(t, "prediction over TLS", func() bool { return len(sub.on(p.Topics().Prediction("cam1"))) == 1 })
		if n := count(sub.on(p.Topics().Status()), "online"); n != 1 {
			t.Fatalf("%d online messages", n)
		}
	})

	// Each failure: logged with the broker address and the fix, retried,
	// and the publisher stays alive and disconnected.
	failures := []struct {
		name   string
		change func(*Options)
		log    []string
	}{
		{"wrong password", func(o *Options) { o.Password = "wrong" },
			[]string{"not Authorized", `the broker rejected user \"edged\"`, "mqtt.password"}},
		{"unknown CA", func(o *Options) { o.TLS.CAFile = "" },
			[]string{"certificate signed by unknown authority", "set mqtt.tls.ca_file"}},
		{"no client certificate", func(o *Options) { o.TLS.CertFile, o.TLS.KeyFile = "", "" },
			[]string{"requires a client certificate", "mqtt.tls.cert_file"}},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			o, logs := testOptions(t, url)
			o.Username, o.Password, o.TLS = "edged", "right-password", clientTLS
			f.change(&o)
			p := newPublisher(t, o)
			p.Publish(pred("cam1", 1, 1, 0.9))
			waitFor(t, "3 failed attempts", func() bool { return p.Stats().ConnectFailures >= 3 })
			if p.Connected() {
				t.Fatal("connected despite the bad setting")
			}
			want := append([]string{"cannot connect to MQTT broker", "broker=" + url}, f.log...)
			if !contains(logs.String(), want...) {
				t.Fatalf("log lacks %q:\n%s", want, logs.String())
			}
			if s := p.Stats(); s.Queued != 1 || s.LastError == "" {
				t.Fatalf("stats %+v", s)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			if err := p.Close(ctx); err == nil || !strings.Contains(err.Error(), "1 predictions not delivered") {
				t.Fatalf("Close with an undelivered prediction: %v", err)
			}
		})
	}
}
