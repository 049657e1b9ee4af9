package publish

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Publisher publishes to one MQTT broker. Its methods are safe for
// concurrent use and, except Close, never block on the network.
type Publisher struct {
	opts      Options
	log       *slog.Logger
	topics    Topics
	brokerURL string
	tls       *tls.Config
	broker    *embeddedBroker // nil unless Broker is "embedded"
	// user and pass are what the client connects with: Options.Username
	// and Password, or edged's own secret on the embedded broker.
	user, pass string

	mu        sync.Mutex
	filter    changeFilter
	queue     ring
	inflight  bool              // the sender holds a prediction popped from queue
	states    map[string][]byte // topic -> retained camera state
	discovery map[string][]byte // topic -> retained Home Assistant config
	pending   map[string][]byte // retained messages still to send (empty payload: delete)
	stats     []byte            // latest stats not yet sent
	client    mqtt.Client       // the connection, nil while there is none
	closed    bool              // Close was called: Publish ignores new predictions
	dropWarn  bool              // a drop was logged during this outage
	badNames  map[string]bool   // camera names already reported as invalid
	onCommand func(camera string, cmd Command)
	st        Stats

	wake     chan struct{} // cap 1: work for the sender or a new connection
	progress chan struct{} // cap 1: the sender finished a message (Close waits on it)
	commands chan setCommand
	stop     chan struct{} // closed by Close after the flush

	senderDone, supervisorDone, commandsDone chan struct{}
	closeOnce                                sync.Once
	closeErr                                 error
}

// Stats are the publisher's counters, for /metrics and the stats topic.
type Stats struct {
	Connected       bool
	Queued          int    // predictions waiting for the broker (including one being sent)
	Sent            uint64 // predictions confirmed by the broker
	Dropped         uint64 // predictions dropped because the queue was full (oldest first)
	Suppressed      uint64 // predictions not published because of on_change
	Connects        uint64 // connections established
	Disconnects     uint64 // established connections lost
	ConnectFailures uint64 // connection attempts that failed
	LastError       string // the last connection or publish error
	LastErrorTime   time.Time
}

type setCommand struct {
	camera string
	cmd    Command
}

// New validates opts, starts the embedded broker when Broker is "embedded",
// and starts connecting in the background: it returns without waiting for
// the broker, which may come up later.
func New(opts Options) (*Publisher, error) {
	o := opts.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	p := &Publisher{
		opts:           o,
		user:           o.Username,
		pass:           o.Password,
		log:            o.Logger.With("component", "mqtt"),
		topics:         newTopics(o),
		filter:         newChangeFilter(o),
		queue:          newRing(o.QueueSize),
		states:         make(map[string][]byte),
		discovery:      make(map[string][]byte),
		pending:        make(map[string][]byte),
		badNames:       make(map[string]bool),
		wake:           make(chan struct{}, 1),
		progress:       make(chan struct{}, 1),
		commands:       make(chan setCommand, 64),
		stop:           make(chan struct{}),
		senderDone:     make(chan struct{}),
		supervisorDone: make(chan struct{}),
		commandsDone:   make(chan struct{}),
	}
	if o.Broker == EmbeddedBroker {
		if o.TLS.isSet() {
			return nil, errors.New("mqtt.tls is set but mqtt.broker is embedded: the embedded broker listens in plain TCP (keep embedded_listen on 127.0.0.1, or use an external broker for TLS)")
		}
		b, err := startEmbedded(o, p.topics, o.Logger)
		if err != nil {
			return nil, err
		}
		p.broker = b
		p.user, p.pass = b.user, b.pass
		p.brokerURL = "tcp://" + dialable(b.addr)
	} else {
		u, secure, err := brokerURL(o.Broker)
		if err != nil {
			return nil, err
		}
		if secure {
			if p.tls, err = o.TLS.tlsConfig(); err != nil {
				return nil, err
			}
		} else if o.TLS.isSet() {
			return nil, fmt.Errorf("mqtt.tls is set but mqtt.broker %q is not encrypted: use ssl://host:8883 (or wss://), or remove the tls settings", o.Broker)
		}
		p.brokerURL = u.String()
	}
	go p.supervise()
	go p.send()
	go p.dispatchCommands()
	return p, nil
}

// dialable turns a listen address such as 0.0.0.0:1883 or [::]:1883 into
// one a local client can dial.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// BrokerURL is the URL the publisher connects to (for the embedded broker:
// the address it actually listens on).
func (p *Publisher) BrokerURL() string { return p.brokerURL }

// Topics names this publisher's topics.
func (p *Publisher) Topics() Topics { return p.topics }

// Publish queues pred for the broker unless on_change suppresses it, and
// reports whether it did. It never blocks; a prediction with an invalid
// camera name is logged once and dropped.
func (p *Publisher) Publish(pred Prediction) bool {
	if !p.validCamera(pred.Camera) {
		return false
	}
	if pred.Time.IsZero() {
		pred.Time = time.Now()
	}
	payload, err := EncodePrediction(p.opts.DeviceID, pred)
	if err != nil {
		p.log.Error("dropping prediction", "err", err)
		return false
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return false
	}
	if !p.filter.allow(pred, pred.Time) {
		p.st.Suppressed++
		p.mu.Unlock()
		return false
	}
	dropped := p.queue.push(queued{camera: pred.Camera, frame: pred.Frame, topic: p.topics.Prediction(pred.Camera), payload: payload})
	warn := false
	if dropped {
		p.st.Dropped++
		warn, p.dropWarn = !p.dropWarn, true
	}
	p.mu.Unlock()
	if warn {
		p.log.Warn("prediction queue full: dropping the oldest predictions until the broker is back (counted in stats)",
			"queue_size", p.opts.QueueSize, "broker", p.brokerURL, "fix", "raise mqtt.queue_size to keep more while the broker is unreachable")
	}
	p.signal(p.wake)
	return true
}

// SetCameraState publishes the retained state of camera ("streaming",
// "reconnecting", "failed", ...) with err as the last error (nil: none).
// Only the latest state per camera is kept while disconnected.
func (p *Publisher) SetCameraState(camera, state string, err error) {
	if !p.validCamera(camera) {
		return
	}
	sp := statePayload{State: state, TS: formatTime(time.Now())}
	if err != nil {
		sp.Error = err.Error()
	}
	b, _ := json.Marshal(sp) // strings only: cannot fail
	topic := p.topics.State(camera)
	p.mu.Lock()
	p.states[topic] = b
	p.pending[topic] = b
	p.mu.Unlock()
	p.signal(p.wake)
}

// PublishStats publishes v as JSON on <prefix>/<device>/stats. Only the
// latest value is kept while disconnected.
func (p *Publisher) PublishStats(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		p.log.Error("cannot encode stats as JSON; not published", "err", err)
		return
	}
	p.mu.Lock()
	p.stats = b
	p.mu.Unlock()
	p.signal(p.wake)
}

// OnCommand sets the function called, one command at a time in arrival
// order, for each valid message on <prefix>/<device>/<camera>/set. Invalid
// messages are logged and ignored. fn must not block for long: up to 64
// commands wait for it, later ones are dropped with a log line. It is not
// called after Close returns (unless it was stuck for more than a second).
func (p *Publisher) OnCommand(fn func(camera string, cmd Command)) {
	p.mu.Lock()
	p.onCommand = fn
	p.mu.Unlock()
}

// RegisterCameras sets the cameras announced to Home Assistant (when
// enabled): one retained sensor config each; cameras registered before and
// absent now get their config deleted.
func (p *Publisher) RegisterCameras(names []string) {
	if !p.opts.HomeAssistant.Enabled {
		return
	}
	next := make(map[string][]byte, len(names))
	for _, n := range names {
		if !p.validCamera(n) {
			continue
		}
		next[p.topics.Discovery(n)] = p.discoveryConfig(n)
	}
	p.mu.Lock()
	for topic := range p.discovery {
		if _, ok := next[topic]; !ok {
			p.pending[topic] = []byte{}
		}
	}
	p.discovery = next
	for topic, b := range next {
		p.pending[topic] = b
	}
	p.mu.Unlock()
	p.signal(p.wake)
}

// Connected reports whether the publisher holds a confirmed connection.
func (p *Publisher) Connected() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.client != nil
}

// Stats returns a snapshot of the counters.
func (p *Publisher) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.st
	s.Connected = p.client != nil
	s.Queued = p.queue.len()
	if p.inflight {
		s.Queued++
	}
	return s
}

// Close flushes the queue for up to 2 s (less if ctx ends sooner), then
// publishes the retained "offline" status, disconnects and stops the
// embedded broker. It returns an error when predictions were left
// undelivered. Calling it again returns the first result.
func (p *Publisher) Close(ctx context.Context) error {
	p.closeOnce.Do(func() { p.closeErr = p.close(ctx) })
	return p.closeErr
}

func (p *Publisher) close(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()

	flush, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	for !p.flushed() {
		select {
		case <-p.progress:
		case <-flush.Done():
		}
		if flush.Err() != nil {
			break
		}
	}
	close(p.stop)
	// The sender and the supervisor exit promptly once stop is closed; the
	// bound only guards against a publish stuck in paho's write path.
	waitOrTimeout(p.senderDone, time.Second)
	waitOrTimeout(p.supervisorDone, time.Second)
	waitOrTimeout(p.commandsDone, time.Second) // no command callback after Close

	p.mu.Lock()
	c := p.client
	p.client = nil
	left := p.queue.len()
	if p.inflight {
		left++
	}
	p.mu.Unlock()
	if c != nil {
		// Retained offline first: the will only fires on an abnormal close.
		t := c.Publish(p.topics.Status(), 1, true, "offline")
		offlineCtx, cancel := context.WithTimeout(ctx, time.Second)
		if err := waitToken(offlineCtx, t); err != nil {
			p.log.Warn("could not publish offline status before disconnecting", "broker", p.brokerURL, "err", err)
		}
		cancel()
		c.Disconnect(250)
	}
	if p.broker != nil {
		p.broker.close(p.opts.ClientID)
	}
	p.log.Info("MQTT publisher stopped", "broker", p.brokerURL, "undelivered", left)
	if left > 0 {
		return fmt.Errorf("mqtt: %d predictions not delivered to %s at shutdown", left, p.brokerURL)
	}
	return nil
}

func (p *Publisher) flushed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.queue.len() == 0 && !p.inflight && len(p.pending) == 0
}

func waitOrTimeout(done <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// waitToken waits for t with a bound: never an unbounded Wait().
func waitToken(ctx context.Context, t mqtt.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return fmt.Errorf("no acknowledgement from the broker: %w", ctx.Err())
	}
}

// signal does a non-blocking send on a capacity-1 channel.
func (p *Publisher) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// validCamera checks a camera name, logging each bad name once.
func (p *Publisher) validCamera(name string) bool {
	err := ValidateTopicLevel(name)
	if err == nil {
		return true
	}
	p.mu.Lock()
	first := !p.badNames[name]
	p.badNames[name] = true
	p.mu.Unlock()
	if first {
		p.log.Error("camera name cannot be an MQTT topic level; its messages are dropped", "camera", name, "err", err,
			"fix", "rename the camera in config.yaml (cameras[].name)")
	}
	return false
}

func (p *Publisher) recordError(err error) {
	p.mu.Lock()
	p.st.LastError = err.Error()
	p.st.LastErrorTime = time.Now()
	p.mu.Unlock()
}

func (p *Publisher) dispatchCommands() {
	defer close(p.commandsDone)
	for {
		select {
		case c := <-p.commands:
			p.mu.Lock()
			fn := p.onCommand
			p.mu.Unlock()
			if fn == nil {
				p.log.Warn("command received but nothing handles commands; ignored", "camera", c.camera)
				continue
			}
			fn(c.camera, c.cmd)
		case <-p.stop:
			return
		}
	}
}

// handleSet receives <prefix>/<device>/<camera>/set. It runs on paho's
// router goroutine, so it only parses and hands over.
func (p *Publisher) handleSet(_ mqtt.Client, m mqtt.Message) {
	cam, ok := p.topics.setCamera(m.Topic())
	if !ok {
		return
	}
	cmd, err := ParseCommand(m.Payload())
	if err != nil {
		p.log.Warn("ignoring invalid command", "topic", m.Topic(), "err", err)
		return
	}
	select {
	case p.commands <- setCommand{camera: cam, cmd: cmd}:
	default:
		p.log.Warn("ignoring command: the previous ones are still being handled", "topic", m.Topic())
	}
}

// handleHomeAssistantStatus re-sends discovery when Home Assistant
// (re)starts: it forgets entities whose config it did not see retained.
func (p *Publisher) handleHomeAssistantStatus(_ mqtt.Client, m mqtt.Message) {
	if strings.TrimSpace(string(m.Payload())) != "online" {
		return
	}
	p.log.Debug("Home Assistant is online: re-sending discovery")
	p.mu.Lock()
	for topic, b := range p.discovery {
		p.pending[topic] = b
	}
	p.mu.Unlock()
	p.signal(p.wake)
}
