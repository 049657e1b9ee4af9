package publish

import (
	"context"
	"fmt"
	"log/slog"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// embeddedBroker is the in-process broker of `broker: embedded`, so that a
// single board needs no mosquitto.
type embeddedBroker struct {
	srv  *mochi.Server
	addr string // the address it listens on (resolved when the port was 0)
}

// startEmbedded listens on listen (plain TCP). With a username, only that
// user and password are accepted; without, any client is.
func startEmbedded(listen, username, password string, log *slog.Logger) (*embeddedBroker, error) {
	// The broker's own info logs (one per client) would drown edged's.
	srv := mochi.New(&mochi.Options{
		InlineClient: false,
		Logger:       slog.New(minLevel{log.With("component", "mqtt-broker").Handler(), slog.LevelWarn}),
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
	b := &embeddedBroker{srv: srv, addr: tcp.Address()}
	log.Info("embedded MQTT broker listening", "addr", b.addr)
	return b, nil
}

func (b *embeddedBroker) close() { _ = b.srv.Close() }

// minLevel drops records below level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(a), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}
