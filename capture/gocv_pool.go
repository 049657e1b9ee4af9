//go:build gocv

package capture

import (
	"sync"

	"gocv.io/x/gocv"
)

// gocvPoolSize is how many Mats a GoCV source lends at once: enough for a
// Camera and its consumer, one frame being read, one waiting in the
// mailbox and one being classified. A consumer holding more gets copies.
const gocvPoolSize = 3

// matPool holds the Mats a GoCV source's frames wrap. The reader takes a
// Mat, reads a frame into it and lends it with the frame; Release gives it
// back. After the source is closed, Mats are freed as they come back.
type matPool struct {
	mu     sync.Mutex
	free   []*pooledMat
	made   int
	closed bool
}

// pooledMat is one Mat of a pool and the state of its loan.
type pooledMat struct {
	pool  *matPool
	mat   gocv.Mat
	lent  bool
	loans uint64 // the number of the current (or last) loan
}

// take returns a Mat that no frame wraps, for the reader to read into, or
// nil when all gocvPoolSize Mats are lent.
func (p *matPool) take() *pooledMat {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		m := p.free[n-1]
		p.free = p.free[:n-1]
		return m
	}
	if p.made == gocvPoolSize || p.closed {
		return nil
	}
	p.made++
	if p.free == nil {
		p.free = make([]*pooledMat, 0, gocvPoolSize)
	}
	return &pooledMat{pool: p, mat: gocv.NewMat()}
}

// putBack returns a Mat taken but not lent (the read failed).
func (p *matPool) putBack(m *pooledMat) {
	if m == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keepLocked(m)
}

func (p *matPool) keepLocked(m *pooledMat) {
	if p.closed {
		m.mat.Close()
		return
	}
	p.free = append(p.free, m)
}

// close frees the Mats no frame wraps; the lent ones are freed when their
// frames are released.
func (p *matPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, m := range p.free {
		m.mat.Close()
	}
	p.free = nil
}

// lend starts a loan of m and returns its number.
func (m *pooledMat) lend() uint64 {
	m.pool.mu.Lock()
	defer m.pool.mu.Unlock()
	m.lent = true
	m.loans++
	return m.loans
}

// giveBack ends loan number lease: m may be read into again. A loan
// already ended (a frame released twice) is ignored.
func (m *pooledMat) giveBack(lease uint64) {
	m.pool.mu.Lock()
	defer m.pool.mu.Unlock()
	if !m.lent || lease != m.loans {
		return
	}
	m.lent = false
	m.pool.keepLocked(m)
}
