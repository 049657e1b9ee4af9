package publish

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

var errStopped = errors.New("publisher closed")

// stableConnection is how long a connection must last for the retry delay
// to start again from MinReconnectInterval.
const stableConnection = 10 * time.Second

// supervise owns the connection: it connects, retries with a doubling delay
// capped at MaxReconnectInterval, and starts over when the connection is
// lost. Each connection gets a fresh paho client with auto-reconnect off, so
// paho completes in-flight tokens with an error when the link drops and
// never re-sends a message itself: the queue stays the one source of order.
func (p *Publisher) supervise() {
	defer close(p.supervisorDone)
	delay := p.opts.MinReconnectInterval
	attempt := 0
	for {
		attempt++
		lost := make(chan error, 1)
		c := mqtt.NewClient(p.clientOptions(lost))
		err := p.connect(c)
		if err == nil {
			if err = p.afterConnect(c); errors.Is(err, errStopped) {
				// Connected, but Close has begun: hand it the client so
				// that it publishes offline and disconnects.
				p.mu.Lock()
				p.client = c
				p.mu.Unlock()
				return
			} else if err != nil {
				c.Disconnect(0)
			}
		}
		if errors.Is(err, errStopped) {
			return
		}
		if err != nil {
			p.mu.Lock()
			p.st.ConnectFailures++
			p.mu.Unlock()
			p.recordError(err)
			p.log.Warn("cannot connect to MQTT broker; retrying", "broker", p.brokerURL, "err", err,
				"fix", connectHint(p.brokerURL, err, p.opts, p.tls != nil), "attempt", attempt, "retry_in", delay)
			if !p.sleep(delay) {
				return
			}
			delay = min(2*delay, p.opts.MaxReconnectInterval)
			continue
		}

		p.mu.Lock()
		p.client = c
		p.st.Connects++
		p.dropWarn = false
		queued := p.queue.len()
		p.mu.Unlock()
		p.signal(p.wake)
		p.log.Info("connected to MQTT broker", "broker", p.brokerURL, "client_id", p.opts.ClientID, "queued", queued)
		attempt = 0
		connectedAt := time.Now()

		select {
		case err := <-lost:
			p.mu.Lock()
			p.client = nil
			p.st.Disconnects++
			queued := p.queue.len()
			p.mu.Unlock()
			p.recordError(fmt.Errorf("connection lost: %w", err))
			up := time.Since(connectedAt)
			p.log.Warn("lost connection to MQTT broker; reconnecting, predictions are queued meanwhile",
				"broker", p.brokerURL, "err", err, "connected_for", up.Round(time.Millisecond), "queued", queued, "queue_size", p.opts.QueueSize)
			if up >= stableConnection {
				delay = p.opts.MinReconnectInterval
				continue
			}
			// A connection that drops right away (say, another client
			// with our client id keeps kicking us out) must not turn
			// into a busy loop: back off as after a failed attempt.
			if up < 2*time.Second {
				p.log.Warn("the connection was short-lived; if this repeats, check that no other client uses the same client id",
					"client_id", p.opts.ClientID, "fix", "set a unique mqtt.client_id", "retry_in", delay)
			}
			if !p.sleep(delay) {
				return
			}
			delay = min(2*delay, p.opts.MaxReconnectInterval)
		case <-p.stop:
			return // Close publishes offline and disconnects p.client
		}
	}
}

func (p *Publisher) clientOptions(lost chan<- error) *mqtt.ClientOptions {
	o := mqtt.NewClientOptions().
		AddBroker(p.brokerURL).
		SetClientID(p.opts.ClientID).
		SetUsername(p.user).
		SetPassword(p.pass).
		SetProtocolVersion(4). // explicit: no silent second attempt with MQTT 3.1
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(p.opts.ConnectTimeout).
		SetKeepAlive(p.opts.KeepAlive).
		SetPingTimeout(min(p.opts.KeepAlive, 10*time.Second)).
		SetWriteTimeout(p.opts.PublishTimeout).
		SetOrderMatters(true).
		SetWill(p.topics.Status(), "offline", 1, true).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			select {
			case lost <- err:
			default:
			}
		})
	if p.tls != nil {
		o.SetTLSConfig(p.tls)
	}
	return o
}

// connect performs one connection attempt, bounded in time.
func (p *Publisher) connect(c mqtt.Client) error {
	t := c.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.ConnectTimeout+2*time.Second)
	defer cancel()
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		c.Disconnect(0)
		return fmt.Errorf("no CONNACK within %s", p.opts.ConnectTimeout)
	case <-p.stop:
		// Let the attempt finish before Close goes on to stop an embedded
		// broker: mochi v2.7.9 races (sync.WaitGroup Add during Wait) when
		// a connection is accepted while it closes.
		waitOrTimeout(t.Done(), time.Second)
		c.Disconnect(0)
		return errStopped
	}
}

// afterConnect subscribes, then announces "online": a subscriber that sees
// online can rely on commands being received. It queues the retained camera
// states and discovery configs for the sender.
func (p *Publisher) afterConnect(c mqtt.Client) error {
	filters := map[string]byte{p.topics.setFilter(): 1}
	if p.opts.HomeAssistant.Enabled {
		filters[p.topics.HomeAssistantStatus()] = 1
	}
	st := c.SubscribeMultiple(filters, func(c mqtt.Client, m mqtt.Message) {
		if m.Topic() == p.topics.HomeAssistantStatus() {
			p.handleHomeAssistantStatus(c, m)
			return
		}
		p.handleSet(c, m)
	})
	if err := p.await(st); err != nil {
		return fmt.Errorf("subscribe to %s: %w", p.topics.setFilter(), err)
	}
	if sub, ok := st.(*mqtt.SubscribeToken); ok {
		for topic, code := range sub.Result() {
			if code >= 0x80 {
				p.log.Warn("broker refused a subscription; commands on it will not arrive", "broker", p.brokerURL, "topic", topic,
					"fix", "allow this client to read the topic in the broker's ACL")
			}
		}
	}
	if err := p.await(c.Publish(p.topics.Status(), 1, true, "online")); err != nil {
		return fmt.Errorf("publish online on %s: %w", p.topics.Status(), err)
	}
	p.mu.Lock()
	for topic, b := range p.states {
		p.pending[topic] = b
	}
	for topic, b := range p.discovery {
		p.pending[topic] = b
	}
	p.mu.Unlock()
	return nil
}

// await waits for a token up to PublishTimeout, or until Close.
func (p *Publisher) await(t mqtt.Token) error {
	timer := time.NewTimer(p.opts.PublishTimeout)
	defer timer.Stop()
	select {
	case <-t.Done():
		return t.Error()
	case <-timer.C:
		return fmt.Errorf("no acknowledgement from the broker within %s", p.opts.PublishTimeout)
	case <-p.stop:
		return errStopped
	}
}

// sleep waits d, or returns false when the publisher is closed first.
func (p *Publisher) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.stop:
		return false
	}
}

// connectHint turns a connection error into the fix to apply.
func connectHint(broker string, err error, o Options, secure bool) string {
	host := broker
	if u, perr := url.Parse(broker); perr == nil {
		host = u.Host
	}
	var (
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
		recordErr  tls.RecordHeaderError
		dnsErr     *net.DNSError
		netErr     net.Error
	)
	msg := err.Error()
	switch {
	case errors.Is(err, packets.ErrorRefusedNotAuthorised), errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword):
		if o.Username == "" {
			return "the broker requires authentication: set mqtt.username and mqtt.password (e.g. ${MQTT_USER} and ${MQTT_PASSWORD})"
		}
		return fmt.Sprintf("the broker rejected user %q: check mqtt.username and mqtt.password (and the environment variables they name) against the broker's password file and ACL", o.Username)
	case errors.Is(err, packets.ErrorRefusedIDRejected):
		return fmt.Sprintf("the broker rejected client id %q: set mqtt.client_id to a short unique id", o.ClientID)
	case errors.Is(err, packets.ErrorRefusedServerUnavailable):
		return "the broker says it is unavailable: it is up but not accepting clients; check its log"
	case errors.Is(err, packets.ErrorRefusedBadProtocolVersion):
		return "the broker does not accept MQTT 3.1.1: use a broker that does (mosquitto, EMQX, HiveMQ, the embedded one)"
	case errors.As(err, &unknownCA):
		return "the broker's certificate is not signed by a trusted CA: set mqtt.tls.ca_file to the CA certificate that signed it"
	case errors.As(err, &hostErr):
		return fmt.Sprintf("the broker's certificate does not name %q: put a host name the certificate lists in mqtt.broker, or reissue the certificate with this name in its subject alternative names", hostErr.Host)
	case errors.As(err, &invalidErr):
		return "the broker's certificate is invalid (expired or not yet valid?): renew it on the broker, check the board's clock"
	case errors.As(err, &recordErr):
		return fmt.Sprintf("%s does not speak TLS: use tcp:// for a plain listener, or the broker's TLS port (usually 8883)", host)
	case strings.Contains(msg, "certificate required"), strings.Contains(msg, "bad certificate"):
		return "the broker requires a client certificate it trusts: set mqtt.tls.cert_file and mqtt.tls.key_file"
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("nothing accepts connections at %s: start the broker or fix mqtt.broker (or set broker: embedded to run one in-process)", host)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot resolve %q: fix the host name in mqtt.broker or the board's DNS", dnsErr.Name)
	case errors.As(err, &netErr) && netErr.Timeout(), strings.Contains(msg, "no CONNACK"):
		return fmt.Sprintf("no answer from %s within mqtt.connect_timeout: check the host, the port and firewalls", host)
	case strings.Contains(msg, "EOF"), strings.Contains(msg, "connection reset"), strings.Contains(msg, "broken pipe"):
		if secure && o.TLS.CertFile == "" {
			return fmt.Sprintf("%s closed the TLS connection during the handshake: if it requires a client certificate, set mqtt.tls.cert_file and mqtt.tls.key_file; the broker's log tells", host)
		}
		if !secure {
			return fmt.Sprintf("%s closed the connection during the handshake: if it is a TLS listener use ssl://; the broker's log tells", host)
		}
		return fmt.Sprintf("%s closed the connection during the handshake: check that it trusts mqtt.tls.cert_file; the broker's log tells", host)
	}
	return "check mqtt.broker and the broker's log"
}
