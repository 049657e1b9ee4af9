package publish

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// embeddedBroker is the in-process broker of `broker: embedded`, so that a
// single board needs no mosquitto.
type embeddedBroker struct {
	srv     *mochi.Server
	addr    string       // the address it listens on (resolved when the port was 0)
	closing *atomic.Bool // set by close: the broker's logs are then silenced
}

// startEmbedded listens on listen (plain TCP). With a username, only that
// user and password are accepted; without, any client is.
func startEmbedded(listen, username, password string, log *slog.Logger) (*embeddedBroker, error) {
	// The broker's own info logs (one per client) would drown edged's; what
	// it logs while it closes every connection is expected, not a warning.
	closing := new(atomic.Bool)
	srv := mochi.New(&mochi.Options{
		InlineClient: false,
		Logger:       slog.New(brokerLog{log.With("component", "mqtt-broker").Handler(), closing}),
	})
	var err error
	if username != "" {
		err = srv.AddHook(new(auth.Hook), &auth.Options{Ledger: &auth.Ledger{
			Auth: auth.AuthRules{{Username: auth.RString(username), Password: auth.RString(password), Allow: true}},
		}})
	} else {
		err = srv.AddHook(new(auth.AllowHook), nil)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	tcp := listeners.NewTCP(listeners.Config{Type: "tcp", ID: "edged", Address: listen})
	if err := srv.AddListener(tcp); err != nil {
		return nil, fmt.Errorf("embedded MQTT broker: listen on %s (mqtt.embedded_listen): %w; another broker may already use the port: stop it, pick another address, or point mqtt.broker at it", listen, err)
	}
	if err := srv.Serve(); err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("embedded MQTT broker: %w", err)
	}
	b := &embeddedBroker{srv: srv, addr: tcp.Address(), closing: closing}
	log.Info("embedded MQTT broker listening", "component", "mqtt-broker", "addr", b.addr)
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
