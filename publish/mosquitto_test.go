package publish

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/edged/edged/internal/mosquittotest"
	"github.com/edged/edged/internal/proctest"
)

// This file is the test harness: a real mosquitto per test
// (internal/mosquittotest), plus subscribers and certificates.

func findTool(t *testing.T, name string) string { return mosquittotest.Tool(t, name) }

// mosquitto is the shared broker harness under the names these tests use.
type mosquitto struct{ *mosquittotest.Broker }

// startMosquitto runs a broker with persistence in a temp dir. extra is
// appended after the listener line (TLS, auth, more listeners); "" means
// plain and anonymous.
func startMosquitto(t *testing.T, extra string) *mosquitto {
	t.Helper()
	return &mosquitto{mosquittotest.Start(t, extra)}
}

func (m *mosquitto) url() string    { return m.URL() }
func (m *mosquitto) start()         { m.Start() }
func (m *mosquitto) output() string { return m.Output() }
func (m *mosquitto) kill()          { m.Kill() }
func (m *mosquitto) stop()          { m.Stop() }
func (m *mosquitto) save()          { m.Save() }

func freePort(t *testing.T) int { return mosquittotest.FreePort(t) }

// waitFor polls cond until it holds; the deadline only keeps a broken
// build from hanging, it asserts nothing about speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	proctest.Eventually(t, what, 20*time.Second, cond)
}

// message is one message a subscriber received.
type message struct {
	topic    string
	payload  string
	retained bool
}

// subscriber is a paho client that records what it receives, in order.
type subscriber struct {
	c    mqtt.Client
	mu   sync.Mutex
	msgs []message
}

type subOpts struct {
	clientID   string // default: random
	persistent bool   // clean session false: the broker queues for it while away
	qos0       bool   // subscribe with QoS 0 (default 1)
	subscribe  bool   // subscribe to filter (false: rely on the stored session)
	user, pass string
	tls        TLSOptions
}

func newSubscriber(t *testing.T, broker, filter string, so subOpts) *subscriber {
	t.Helper()
	s := &subscriber{}
	if so.clientID == "" {
		so.clientID = fmt.Sprintf("test-sub-%d", time.Now().UnixNano())
	}
	o := mqtt.NewClientOptions().AddBroker(broker).SetClientID(so.clientID).
		SetCleanSession(!so.persistent).SetProtocolVersion(4).
		SetAutoReconnect(true).SetMaxReconnectInterval(100 * time.Millisecond).
		SetConnectRetry(true).SetConnectRetryInterval(100 * time.Millisecond).
		SetUsername(so.user).SetPassword(so.pass).
		SetOrderMatters(true).
		SetDefaultPublishHandler(s.record)
	if so.tls.CAFile != "" {
		cfg, err := so.tls.tlsConfig()
		if err != nil {
			t.Fatal(err)
		}
		o.SetTLSConfig(cfg)
	}
	s.c = mqtt.NewClient(o)
	if err := tokenErr(s.c.Connect()); err != nil {
		t.Fatalf("test subscriber connect to %s: %v", broker, err)
	}
	if so.subscribe {
		qos := byte(1)
		if so.qos0 {
			qos = 0
		}
		if err := tokenErr(s.c.Subscribe(filter, qos, s.record)); err != nil {
			t.Fatalf("test subscriber subscribe %s: %v", filter, err)
		}
	}
	t.Cleanup(func() { s.c.Disconnect(0) })
	return s
}

func (s *subscriber) record(_ mqtt.Client, m mqtt.Message) {
	s.mu.Lock()
	s.msgs = append(s.msgs, message{topic: m.Topic(), payload: string(m.Payload()), retained: m.Retained()})
	s.mu.Unlock()
}

// on returns the messages received so far on topic.
func (s *subscriber) on(topic string) []message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var r []message
	for _, m := range s.msgs {
		if m.topic == topic {
			r = append(r, m)
		}
	}
	return r
}

func (s *subscriber) publish(t *testing.T, topic string, retained bool, payload string) {
	t.Helper()
	if err := tokenErr(s.c.Publish(topic, 1, retained, payload)); err != nil {
		t.Fatalf("test publish on %s: %v", topic, err)
	}
}

func tokenErr(tok mqtt.Token) error {
	if !tok.WaitTimeout(20 * time.Second) {
		return fmt.Errorf("timed out")
	}
	return tok.Error()
}

// retainedOn connects a fresh client and returns the retained payload of
// topic ("" if none).
func retainedOn(t *testing.T, broker, topic string, so subOpts) string {
	t.Helper()
	so.subscribe = true
	s := newSubscriber(t, broker, topic, so)
	defer s.c.Disconnect(0)
	// A retained message, if any, is sent right after SUBACK; a marker
	// published after subscribing arrives after it on the same connection.
	marker := topic + "/__marker"
	if err := tokenErr(s.c.Subscribe(marker, 1, s.record)); err != nil {
		t.Fatal(err)
	}
	s.publish(t, marker, false, "x")
	waitFor(t, "marker on "+marker, func() bool { return len(s.on(marker)) > 0 })
	for _, m := range s.on(topic) {
		if m.retained {
			return m.payload
		}
	}
	return ""
}

// testLogger returns a logger writing into a buffer the test can search
// (and logs the buffer when the test fails).
func testLogger(t *testing.T) (*slog.Logger, *proctest.Buffer) {
	lb := &proctest.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("publisher log:\n%s", lb.String())
		}
	})
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})), lb
}

// testOptions are the defaults with short timings for tests.
func testOptions(t *testing.T, broker string) (Options, *proctest.Buffer) {
	o := DefaultOptions()
	o.Broker = broker
	o.DeviceID = "dev1"
	o.OnChange = false
	o.MinReconnectInterval = 50 * time.Millisecond
	o.MaxReconnectInterval = 250 * time.Millisecond
	o.ConnectTimeout = 3 * time.Second
	o.PublishTimeout = 3 * time.Second
	var lb *proctest.Buffer
	o.Logger, lb = testLogger(t)
	return o, lb
}

func newPublisher(t *testing.T, o Options) *Publisher {
	t.Helper()
	p, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	return p
}

// testCA is a CA with a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files.
type testCA struct {
	caFile, serverCert, serverKey, clientCert, clientKey string
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	dir := t.TempDir()
	caKey := genKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "edged test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
		k := genKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	srvDER, srvKey := leaf(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, []net.IP{net.ParseIP("127.0.0.1")})
	cliDER, cliKey := leaf(3, "edged-client", x509.ExtKeyUsageClientAuth, nil)
	c := testCA{
		caFile:     filepath.Join(dir, "ca.pem"),
		serverCert: filepath.Join(dir, "server.pem"),
		serverKey:  filepath.Join(dir, "server.key"),
		clientCert: filepath.Join(dir, "client.pem"),
		clientKey:  filepath.Join(dir, "client.key"),
	}
	writePEM(t, c.caFile, "CERTIFICATE", caDER)
	writePEM(t, c.serverCert, "CERTIFICATE", srvDER)
	writeKey(t, c.serverKey, srvKey)
	writePEM(t, c.clientCert, "CERTIFICATE", cliDER)
	writeKey(t, c.clientKey, cliKey)
	return c
}

func genKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeKey(t *testing.T, path string, k *ecdsa.PrivateKey) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, path, "EC PRIVATE KEY", der)
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// passwordFile writes a mosquitto password file with one user.
func passwordFile(t *testing.T, user, pass string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "passwd")
	out, err := exec.Command(findTool(t, "mosquitto_passwd"), "-b", "-c", f, user, pass).CombinedOutput()
	if err != nil {
		t.Fatalf("mosquitto_passwd: %v\n%s", err, out)
	}
	return f
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
