package publish

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
)

// cutFirstPrediction is a broker hook that drops the publisher's
// connection when its first prediction arrives, before the PUBACK: the
// prediction is in flight when the connection dies.
type cutFirstPrediction struct {
	mochi.HookBase
	cut atomic.Bool
}

func (h *cutFirstPrediction) ID() string { return "cut-first-prediction" }
func (h *cutFirstPrediction) Provides(b byte) bool {
	return b == mochi.OnPublish
}

func (h *cutFirstPrediction) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	if strings.HasSuffix(pk.TopicName, "/prediction") && strings.HasPrefix(string(cl.ID), "edged") && h.cut.CompareAndSwap(false, true) {
		cl.Stop(errors.New("test: connection cut with a prediction in flight"))
		return pk, packets.ErrRejectPacket
	}
	return pk, nil
}

// TestInFlightPredictionSurvivesReconnect: a prediction whose send fails
// because the connection died under it goes back to the head of the queue
// and is delivered after the reconnect, before the ones made later.
func TestInFlightPredictionSurvivesReconnect(t *testing.T) {
	srv := mochi.New(&mochi.Options{InlineClient: false, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	hook := new(cutFirstPrediction)
	if err := srv.AddHook(hook, nil); err != nil {
		t.Fatal(err)
	}
	tcp := listeners.NewTCP(listeners.Config{Type: "tcp", ID: "t", Address: "127.0.0.1:0"})
	if err := srv.AddListener(tcp); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	url := "tcp://" + tcp.Address()

	sub := newSubscriber(t, url, "edged/dev1/#", subOpts{subscribe: true})
	o, _ := testOptions(t, url)
	o.ClientID = "edged-inflight"
	p := newPublisher(t, o)
	waitFor(t, "publisher to connect", p.Connected)
	p.Publish(pred("cam1", 1, 1, 0.9))
	waitFor(t, "the connection cut", hook.cut.Load)
	p.Publish(pred("cam1", 2, 1, 0.9))
	p.Publish(pred("cam1", 3, 1, 0.9))
	topic := p.Topics().Prediction("cam1")
	waitFor(t, "three predictions after the reconnect", func() bool { return len(frames(t, sub, topic)) >= 3 })
	if got := frames(t, sub, topic); !slices.Equal(got, []uint64{1, 2, 3}) {
		t.Fatalf("frames %v, want [1 2 3]: the prediction in flight when the connection died was lost or reordered", got)
	}
	if s := p.Stats(); s.Dropped != 0 {
		t.Errorf("stats %+v: nothing may be dropped", s)
	}
}
