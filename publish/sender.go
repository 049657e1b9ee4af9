package publish

import (
	"errors"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// job is one message the sender publishes.
type job struct {
	kind    jobKind
	topic   string
	payload []byte
	pred    queued // kindPrediction
}

type jobKind int

const (
	kindRetained   jobKind = iota // camera state, discovery config or its deletion
	kindStats                     // latest stats
	kindPrediction                // head of the queue
)

// send is the single goroutine that publishes everything but the status:
// one message at a time, each confirmed before the next, so the broker sees
// predictions in queue order.
func (p *Publisher) send() {
	defer close(p.senderDone)
	for {
		j, c, ok := p.next()
		if !ok {
			return
		}
		err := p.publishOne(c, j)
		p.finish(j, err)
		p.signal(p.progress)
		if err != nil {
			if errors.Is(err, errStopped) {
				return
			}
			p.recordError(err)
			if p.Connected() {
				// The link looks up but the broker did not acknowledge.
				p.log.Warn("publish not confirmed by the MQTT broker; will retry (the broker may get it twice)",
					"broker", p.brokerURL, "topic", j.topic, "err", err)
			} else {
				p.log.Debug("publish failed while disconnected; will retry", "topic", j.topic, "err", err)
			}
			// Most failures come from a dropped connection: the supervisor
			// notices and next() waits for the new one. Pausing keeps a
			// broker that stops acknowledging from turning this into a
			// busy loop.
			if !p.sleep(p.opts.MinReconnectInterval) {
				return
			}
		}
	}
}

// next waits until there is a connection and something to send. Retained
// states and configs go first (small, and they describe the device), then
// stats, then predictions in order.
func (p *Publisher) next() (job, mqtt.Client, bool) {
	for {
		p.mu.Lock()
		if c := p.client; c != nil {
			for topic, b := range p.pending {
				p.mu.Unlock()
				return job{kind: kindRetained, topic: topic, payload: b}, c, true
			}
			if p.stats != nil {
				b := p.stats
				p.mu.Unlock()
				return job{kind: kindStats, topic: p.topics.Stats(), payload: b}, c, true
			}
			if m, ok := p.queue.pop(); ok {
				p.inflight = true
				p.mu.Unlock()
				return job{kind: kindPrediction, topic: m.topic, payload: m.payload, pred: m}, c, true
			}
		}
		p.mu.Unlock()
		select {
		case <-p.wake:
		case <-p.stop:
			return job{}, nil, false
		}
	}
}

func (p *Publisher) publishOne(c mqtt.Client, j job) error {
	qos, retain := byte(1), true
	switch j.kind {
	case kindStats:
		qos, retain = byte(p.opts.QoS), false
	case kindPrediction:
		qos, retain = byte(p.opts.QoS), p.opts.RetainPredictions
	}
	return p.await(c.Publish(j.topic, qos, retain, j.payload))
}

// finish records the outcome of a job. A retained message or stats value
// replaced while it was in flight stays pending with its new value.
func (p *Publisher) finish(j job, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch j.kind {
	case kindRetained:
		if err == nil && sameBytes(p.pending[j.topic], j.payload) {
			delete(p.pending, j.topic)
		}
	case kindStats:
		// Stats are periodic: a failed one is superseded by the next.
		if sameBytes(p.stats, j.payload) {
			p.stats = nil
		}
	case kindPrediction:
		p.inflight = false
		if err == nil {
			p.st.Sent++
			return
		}
		if p.queue.pushFront(j.pred) {
			p.st.Dropped++
		}
	}
}

// sameBytes reports whether a and b are the same slice (not just equal
// contents): a value set again while in flight must be sent again.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
