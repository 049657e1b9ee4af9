package daemon

import (
	"math"
	"slices"
	"sync"
	"time"
)

// latencyWindow keeps the last n inference durations for the percentiles
// of the stats topic. A fixed ring, so a long run costs no growing memory.
type latencyWindow struct {
	mu   sync.Mutex
	ring []time.Duration
	next int
	full bool
}

func newLatencyWindow(n int) *latencyWindow {
	return &latencyWindow{ring: make([]time.Duration, n)}
}

func (w *latencyWindow) add(d time.Duration) {
	w.mu.Lock()
	w.ring[w.next] = d
	w.next++
	if w.next == len(w.ring) {
		w.next, w.full = 0, true
	}
	w.mu.Unlock()
}

// percentiles returns the nearest-rank p50 and p95 of the window and how
// many samples it holds; zeros when empty.
func (w *latencyWindow) percentiles() (p50, p95 time.Duration, n int) {
	w.mu.Lock()
	n = w.next
	if w.full {
		n = len(w.ring)
	}
	s := slices.Clone(w.ring[:n])
	w.mu.Unlock()
	if n == 0 {
		return 0, 0, 0
	}
	slices.Sort(s)
	return s[rank(n, 0.50)], s[rank(n, 0.95)], n
}

// rank is the 0-based nearest-rank index of quantile q among n samples.
func rank(n int, q float64) int {
	i := int(math.Ceil(q*float64(n))) - 1
	return min(max(i, 0), n-1)
}
