package generic

import "sync"

// qScratch is a quantized kernel call's working memory (packed weights,
// im2col tiles, padded inputs, accumulator tiles), pooled so that a
// steady-state inference allocates nothing. Concurrent calls each get
// their own.
type qScratch struct {
	panels []qPanel
	col8   any // []In of a 1-byte In, for im2col tiles
	col16  any // []In of a 2-byte In
	blkA   []qBlk
	blkB   []qBlk
	i32    []int32
	idx    []int
	ch     []qChan
	zero   []int8
}

var qScratchPool = sync.Pool{New: func() any { return new(qScratch) }}

func qGetScratch() *qScratch  { return qScratchPool.Get().(*qScratch) }
func qPutScratch(s *qScratch) { qScratchPool.Put(s) }

// zeros returns n zero bytes (never written to).
func (s *qScratch) zeros(n int) []int8 {
	if cap(s.zero) < n {
		s.zero = make([]int8, n)
	}
	return s.zero[:n]
}

func (s *qScratch) panelBuf(n int) []qPanel {
	if cap(s.panels) < n {
		s.panels = make([]qPanel, n)
	}
	return s.panels[:n]
}

// blkBuf returns n elements of the block buffer *b, growing it if needed.
func (s *qScratch) blkBuf(b *[]qBlk, n int) []qBlk {
	if cap(*b) < n {
		*b = make([]qBlk, n)
	}
	return (*b)[:n]
}

func (s *qScratch) int32Buf(n int) []int32 {
	if cap(s.i32) < n {
		s.i32 = make([]int32, n)
	}
	return s.i32[:n]
}

func (s *qScratch) idxBuf(n int) []int {
	if cap(s.idx) < n {
		s.idx = make([]int, n)
	}
	return s.idx[:n]
}

// qColBuf returns an im2col buffer of n elements of type In. One buffer
// is kept per element size; a different type of that size (a named int8)
// replaces it.
func qColBuf[In Q](s *qScratch, n int) []In {
	slot := &s.col16
	if qSize[In]() == 1 {
		slot = &s.col8
	}
	if b, ok := (*slot).([]In); ok && cap(b) >= n {
		return b[:n]
	}
	b := make([]In, n)
	*slot = b
	return b
}
