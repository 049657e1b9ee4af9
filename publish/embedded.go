package publish

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/edged/edged/internal/limits"
)

// Limits of the embedded broker, so that no client can make edged's memory
// grow without bound (README "Limits and security"): at most
// embeddedMaxPacket bytes per message, embeddedMaxClients connections, and
// embeddedMaxRetained retained messages from clients (edged's own retained
// status, states and discovery configs do not count against it).
const (
	embeddedMaxPacket        = 256 << 10
	embeddedMaxClients       = 64
	embeddedMaxRetained      = 64
	embeddedMaxInflight      = 1024 // QoS 1/2 messages stored per client
	embeddedReceiveMaximum   = 64   // QoS 1/2 messages a client may have unacknowledged
	embeddedMaxWritesPending = 256  // messages queued for one slow subscriber
	embeddedSessionExpiry    = 3600 // seconds a disconnected session is kept
)

// embeddedBroker is the in-process broker of `broker: embedded`, so that a
// single board needs no mosquitto.
type embeddedBroker struct {
	srv     *mochi.Server
	acl     *brokerACL
	addr    string       // the address it listens on (resolved when the port was 0)
	closing *atomic.Bool // set by close: the broker's logs are then silenced
	// user and pass are what edged's own client connects with: a random
	// secret, so that no other client can pass for edged.
	user, pass string
}

// startEmbedded listens on o.EmbeddedListen (plain TCP) with the access
// rules of brokerACL. Listening beyond loopback without credentials is
// refused unless o.AllowAnonymous, which warns.
func startEmbedded(o Options, t Topics, log *slog.Logger) (*embeddedBroker, error) {
	loopback := limits.LoopbackOnly(o.EmbeddedListen)
	if !loopback && o.Username == "" {
		if !o.AllowAnonymous {
			return nil, fmt.Errorf("mqtt.embedded_listen %s accepts connections from the network but mqtt.username is empty: "+
				"set mqtt.username and mqtt.password (every client must then give them), listen on 127.0.0.1, "+
				"or set mqtt.allow_anonymous: true to let anyone on the network read the predictions", o.EmbeddedListen)
		}
		log.Warn("embedded MQTT broker: anyone on the network may connect without credentials (mqtt.allow_anonymous: true); "+
			"they can read every prediction but not send camera commands. Set mqtt.username and mqtt.password to require credentials",
			"addr", o.EmbeddedListen)
	}
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	b := &embeddedBroker{user: "edged-self-" + hex.EncodeToString(secret[:4]), pass: hex.EncodeToString(secret)}

	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = embeddedMaxPacket
	caps.MaximumClients = embeddedMaxClients
	caps.MaximumInflight = embeddedMaxInflight
	caps.ReceiveMaximum = embeddedReceiveMaximum
	caps.MaximumClientWritesPending = embeddedMaxWritesPending
	caps.MaximumSessionExpiryInterval = embeddedSessionExpiry
	// The broker's own info logs (one per client) would drown edged's; what
	// it logs while it closes every connection is expected, not a warning.
	b.closing = new(atomic.Bool)
	srv := mochi.New(&mochi.Options{
		InlineClient: false,
		Capabilities: caps,
		Logger:       slog.New(brokerLog{log.With("component", "mqtt-broker").Handler(), b.closing}),
	})
	acl := &brokerACL{
		srv:      srv,
		selfUser: []byte(b.user), selfPass: []byte(b.pass),
		user: []byte(o.Username), pass: []byte(o.Password),
		anonymousCommands: loopback && o.Username == "",
		commands:          t.setFilter(),
		haStatus:          t.HomeAssistantStatus(),
		retained:          map[string]bool{},
	}
	if err := srv.AddHook(acl, nil); err != nil {
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	tcp := listeners.NewTCP(listeners.Config{Type: "tcp", ID: "edged", Address: o.EmbeddedListen})
	if err := srv.AddListener(tcp); err != nil {
		return nil, fmt.Errorf("embedded MQTT broker: listen on %s (mqtt.embedded_listen): %w; another broker may already use the port: stop it, pick another address, or point mqtt.broker at it", o.EmbeddedListen, err)
	}
	if err := srv.Serve(); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	b.srv, b.acl, b.addr = srv, acl, tcp.Address()
	log.Info("embedded MQTT broker listening", "component", "mqtt-broker", "addr", b.addr, "credentials", o.Username != "")
	return b, nil
}

// close stops the broker. The client clientID (edged's own) has just sent
// DISCONNECT: the broker is given up to 500 ms to process it, so that it
// does not see the connection cut by the shutdown and publish the client's
// will (a second "offline" for subscribers).
func (b *embeddedBroker) close(clientID string) {
	for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cl, ok := b.srv.Clients.Get(clientID); !ok || cl.Closed() {
			break
		}
	}
	b.closing.Store(true)
	_ = b.srv.Close()
}

// brokerACL is the embedded broker's authentication and access control:
//
//   - edged's own client (a random secret user) may do anything;
//   - with mqtt.username set, every other client must give it and
//     mqtt.password; without, any client may connect;
//   - every client may subscribe to anything, but publish only camera
//     commands (<prefix>/<device>/<camera>/set) and Home Assistant's
//     birth message (<discovery_prefix>/status), and only when it gave the
//     credentials, or when the broker listens on loopback only and has none.
//     So no client can spoof predictions, states or the online status;
//   - clients may leave at most embeddedMaxRetained retained messages;
//     beyond, their messages are delivered but not retained.
type brokerACL struct {
	mochi.HookBase
	srv                *mochi.Server
	selfUser, selfPass []byte
	user, pass         []byte // "" user: anonymous clients are accepted
	anonymousCommands  bool
	commands, haStatus string

	mu       sync.Mutex
	retained map[string]bool // topics holding a client's retained message
}

func (h *brokerACL) ID() string { return "edged-acl" }

func (h *brokerACL) Provides(b byte) bool {
	return bytes.Contains([]byte{mochi.OnConnectAuthenticate, mochi.OnACLCheck, mochi.OnPublish}, []byte{b})
}

func (h *brokerACL) self(cl *mochi.Client) bool {
	return bytes.Equal(cl.Properties.Username, h.selfUser)
}

func (h *brokerACL) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	user, pass := pk.Connect.Username, pk.Connect.Password
	switch {
	case bytes.Equal(user, h.selfUser):
		return subtle.ConstantTimeCompare(pass, h.selfPass) == 1
	case len(h.user) > 0:
		return subtle.ConstantTimeCompare(user, h.user) == 1 && subtle.ConstantTimeCompare(pass, h.pass) == 1
	}
	return true
}

func (h *brokerACL) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	if !write || h.self(cl) {
		return true
	}
	if len(h.user) == 0 && !h.anonymousCommands {
		return false
	}
	_, isCommand := auth.MatchTopic(h.commands, topic)
	return isCommand || topic == h.haStatus
}

// OnPublish enforces the retained-message budget of clients (edged's own
// messages are not limited: their number follows the configured cameras).
func (h *brokerACL) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if !pk.FixedHeader.Retain || h.self(cl) || cl.Net.Inline {
		return pk, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(pk.Payload) == 0 { // clears the topic's retained message
		delete(h.retained, pk.TopicName)
		return pk, nil
	}
	if !h.retained[pk.TopicName] && len(h.retained) >= embeddedMaxRetained {
		// Delivered to the subscribers, but not kept: dropping it would
		// leave a QoS 1 publisher waiting for an acknowledgement.
		h.srv.Log.Warn("embedded MQTT broker: retained-message budget of clients full; message delivered but not retained",
			"client", cl.ID, "topic", pk.TopicName, "limit", embeddedMaxRetained)
		pk.FixedHeader.Retain = false
		return pk, nil
	}
	h.retained[pk.TopicName] = true
	return pk, nil
}

// clientRetained is how many retained messages clients have left.
func (h *brokerACL) clientRetained() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.retained)
}

// brokerLog passes on the embedded broker's warnings and errors, named (the
// broker's listener logs a failed connection with an empty message), and
// nothing once the broker is closing.
type brokerLog struct {
	slog.Handler
	closing *atomic.Bool
}

func (h brokerLog) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && !h.closing.Load() && h.Handler.Enabled(ctx, l)
}

func (h brokerLog) Handle(ctx context.Context, r slog.Record) error {
	if h.closing.Load() {
		return nil
	}
	if r.Message == "" {
		r = r.Clone()
		r.Message = "embedded MQTT broker: a client connection ended with an error"
		if benignConnErr(r) {
			// A port check, or a client gone without DISCONNECT: not a
			// warning (a refused login, for one, still is).
			r.Level = slog.LevelDebug
			if !h.Handler.Enabled(ctx, r.Level) {
				return nil
			}
		}
	}
	return h.Handler.Handle(ctx, r)
}

// benignConnErr reports whether r's error is a connection simply closed by
// the client: EOF (e.g. connected and closed without a packet: a port
// check) or a reset.
func benignConnErr(r slog.Record) bool {
	benign := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" {
			e := a.Value.String()
			benign = strings.HasSuffix(e, "EOF") || strings.Contains(e, "connection reset by peer")
			return false
		}
		return true
	})
	return benign
}

func (h brokerLog) WithAttrs(a []slog.Attr) slog.Handler {
	return brokerLog{h.Handler.WithAttrs(a), h.closing}
}

func (h brokerLog) WithGroup(name string) slog.Handler {
	return brokerLog{h.Handler.WithGroup(name), h.closing}
}
