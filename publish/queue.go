package publish

// queued is one prediction waiting for the broker.
type queued struct {
	camera  string
	frame   uint64
	topic   string
	payload []byte
}

// ring is the bounded FIFO of predictions. Full, it drops the oldest entry:
// for a live camera feed the newest predictions are the valuable ones. Not
// safe for concurrent use.
type ring struct {
	buf  []queued
	head int // index of the oldest entry
	n    int
}

func newRing(size int) ring { return ring{buf: make([]queued, size)} }

func (r *ring) len() int { return r.n }

// push appends m, dropping the oldest entry when full; it reports the drop.
func (r *ring) push(m queued) (dropped bool) {
	if r.n == len(r.buf) {
		r.buf[r.head] = queued{}
		r.head = (r.head + 1) % len(r.buf)
		r.n--
		dropped = true
	}
	r.buf[(r.head+r.n)%len(r.buf)] = m
	r.n++
	return dropped
}

// pop removes and returns the oldest entry.
func (r *ring) pop() (queued, bool) {
	if r.n == 0 {
		return queued{}, false
	}
	m := r.buf[r.head]
	r.buf[r.head] = queued{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return m, true
}

// pushFront puts back an entry taken with pop whose send failed. When newer
// entries filled the queue meanwhile, m is the oldest and is the one
// dropped, as push would have done had it stayed in the queue.
func (r *ring) pushFront(m queued) (dropped bool) {
	if r.n == len(r.buf) {
		return true
	}
	r.head = (r.head - 1 + len(r.buf)) % len(r.buf)
	r.buf[r.head] = m
	r.n++
	return false
}
