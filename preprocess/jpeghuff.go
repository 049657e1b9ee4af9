package preprocess

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// This file is the entropy-coded-data side of the JPEG decoder: a bit
// reader that unstuffs 0xFF00 and stops at markers the way libjpeg's
// jdhuff.c does, and canonical Huffman tables with a 9-bit lookahead.

// lookBits is the lookahead width of the fast Huffman path.
const lookBits = 9

type huffTable struct {
	defined bool
	// lookup[b] for the next lookBits bits b: code length<<8 | value, or
	// 0 when the code is longer than lookBits.
	lookup [1 << lookBits]uint16
	// maxCode[l] is the largest code of length l (-1: none); valPtr[l]
	// the index in vals of the smallest one minus that code.
	maxCode [17]int32
	valPtr  [17]int32
	vals    []uint8
}

// build makes the canonical code from the DHT counts (codes of length
// 1..16) and values, rejecting tables whose codes overflow their length.
func (t *huffTable) build(counts *[16]uint8, vals []uint8) error {
	t.vals = append(t.vals[:0], vals...)
	clear(t.lookup[:])
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		t.valPtr[l] = k - code
		if n == 0 {
			t.maxCode[l] = -1
		} else {
			t.maxCode[l] = code + n - 1
		}
		for range n {
			if code >= 1<<l {
				return fmt.Errorf("bad Huffman table: too many codes of length %d", l)
			}
			if l <= lookBits {
				shift := lookBits - l
				for fill := int32(0); fill < 1<<shift; fill++ {
					t.lookup[code<<shift|fill] = uint16(l)<<8 | uint16(vals[k])
				}
			}
			code++
			k++
		}
		code <<= 1
	}
	t.defined = true
	return nil
}

// errBadHuffman is corrupt entropy-coded data.
var errBadHuffman = errors.New("corrupt JPEG data: bad Huffman code")

// bitReader reads entropy-coded data MSB first. Like libjpeg it feeds
// zero bits once it meets a marker (corrupt or short data) and leaves the
// marker for the caller; at end of input it feeds zeros too but counts
// them, so that using them can be reported as truncation.
type bitReader struct {
	r      *bufio.Reader
	acc    uint64
	n      int   // valid bits in the low end of acc
	real   int   // bits of acc that came from the input (may go < 0)
	marker uint8 // marker met inside entropy data, 0 if none
	eof    bool
}

// fill tops the accumulator up to more than 56 bits.
func (b *bitReader) fill() {
	for b.n <= 56 {
		var v uint8
		switch {
		case b.marker != 0:
			b.real += 8 // libjpeg's zero padding before a marker is data
		case b.eof:
		default:
			c, err := b.r.ReadByte()
			if err != nil {
				b.eof = true
				break
			}
			if c == 0xFF {
				for {
					c2, err := b.r.ReadByte()
					if err != nil {
						b.eof = true
						break
					}
					if c2 == 0xFF { // fill bytes before a marker
						continue
					}
					if c2 == 0 {
						v = 0xFF
					} else {
						b.marker = c2
					}
					break
				}
			} else {
				v = c
			}
			if !b.eof {
				b.real += 8
			}
		}
		b.acc = b.acc<<8 | uint64(v)
		b.n += 8
	}
}

// truncated reports whether decoding has used bits past the end of input.
func (b *bitReader) truncated() bool { return b.eof && b.real < 0 }

// reset drops buffered bits, as at a restart marker or the end of a scan.
func (b *bitReader) reset() { b.acc, b.n, b.real = 0, 0, 0 }

func (b *bitReader) bits(k int) int32 {
	if k == 0 {
		return 0
	}
	if b.n < k {
		b.fill()
	}
	b.n -= k
	b.real -= k
	return int32(b.acc>>uint(b.n)) & (1<<k - 1)
}

func (b *bitReader) bit() bool { return b.bits(1) != 0 }

// receiveExtend reads an s-bit magnitude category value (JPEG F.2.2.1).
func (b *bitReader) receiveExtend(s int) int32 {
	if s == 0 {
		return 0
	}
	if b.n < s {
		b.fill()
	}
	b.n -= s
	b.real -= s
	v := int32(b.acc>>uint(b.n)) & (1<<s - 1)
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// decode reads one Huffman-coded symbol. It leaves at least 16 more bits
// buffered, so that a following receiveExtend needs no refill.
func (b *bitReader) decode(t *huffTable) (uint8, error) {
	if b.n < 32 {
		b.fill()
	}
	if e := t.lookup[(b.acc>>uint(b.n-lookBits))&(1<<lookBits-1)]; e != 0 {
		l := int(e >> 8)
		b.n -= l
		b.real -= l
		return uint8(e), nil
	}
	for l := lookBits + 1; l <= 16; l++ {
		code := int32(b.acc>>uint(b.n-l)) & (1<<l - 1)
		if code <= t.maxCode[l] {
			b.n -= l
			b.real -= l
			return t.vals[t.valPtr[l]+code], nil
		}
	}
	return 0, errBadHuffman
}

// readFull reads a marker segment's payload; short input is truncation.
func readFull(r *bufio.Reader, p []byte) error {
	_, err := io.ReadFull(r, p)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
