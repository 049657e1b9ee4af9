package daemon

import (
	"io"
	"sync"

	"github.com/edged/edged/publish"
)

// sink writes every prediction to a writer as one JSON line in the MQTT
// payload format (publish.EncodePrediction), unfiltered by on_change: what
// tests and `edged run --predictions-out` read without a broker.
type sink struct {
	mu     sync.Mutex
	w      io.Writer
	device string
	failed bool
}

func (s *sink) write(d *Daemon, p publish.Prediction) {
	b, err := publish.EncodePrediction(s.device, p)
	if err != nil {
		d.log.Error("predictions sink: cannot encode prediction", "err", err)
		return
	}
	b = append(b, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	// One Write per line so that a reader of a file never sees half a line
	// followed by another camera's.
	if _, err := s.w.Write(b); err != nil && !s.failed {
		s.failed = true // say it once, not five times a second
		d.log.Error("predictions sink: write failed; further errors are not logged", "err", err)
	}
}
