package preprocess

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// This file is the entropy-coded-data side of the JPEG decoder: a bit
// reader over the whole input that unstuffs 0xFF00 and stops at markers the
// way libjpeg's jdhuff.c does, and canonical Huffman tables with a 9-bit
// lookahead. Speed matters here on every architecture: the reader refills
// 8 bytes at a time when none of them is 0xFF (almost always), and AC
// tables carry a second lookahead table that decodes a short code and its
// magnitude bits together (run, value and total length in one entry), so
// the common coefficient costs one table load.

// lookBits is the lookahead width of the fast Huffman path.
const lookBits = 9

type huffTable struct {
	defined bool
	// lookup[b] for the next lookBits bits b: code length<<8 | value, or
	// 0 when the code is longer than lookBits.
	lookup [1 << lookBits]uint16
	// fastAC[b]: for AC tables, when the code and its magnitude bits both
	// fit in lookBits: value<<16 | run<<8 | total bits; else 0.
	fastAC [1 << lookBits]int32
	// maxCode[l] is the largest code of length l (-1: none); valPtr[l]
	// the index in vals of the smallest one minus that code.
	maxCode [18]int32
	valPtr  [17]int32
	vals    [256]uint8
}

// build makes the canonical code from the DHT counts (codes of length
// 1..16) and values, rejecting tables whose codes overflow their length.
func (t *huffTable) build(counts *[16]uint8, vals []uint8) error {
	copy(t.vals[:], vals)
	clear(t.lookup[:])
	clear(t.fastAC[:])
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
	t.maxCode[17] = 1 << 30 // sentinel: the slow path stops at 16 bits
	t.defined = true
	for b := range t.lookup {
		e := t.lookup[b]
		if e == 0 {
			continue
		}
		l, rs := int(e>>8), int(e&255)
		r, s := rs>>4, rs&15
		if s == 0 || l+s > lookBits {
			continue
		}
		v := int32(b>>(lookBits-l-s)) & (1<<s - 1)
		v = extend(v, s)
		t.fastAC[b] = v<<16 | int32(r)<<8 | int32(l+s)
	}
	return nil
}

// extend turns s magnitude bits into the signed value (JPEG F.2.2.1).
func extend(v int32, s int) int32 {
	if v < 1<<(s-1) {
		v += -1<<s + 1
	}
	return v
}

// errBadHuffman is corrupt entropy-coded data.
var errBadHuffman = errors.New("corrupt JPEG data: bad Huffman code")

// bitReader reads entropy-coded data MSB first from the input, which it
// shares with the marker parser through pos. Like libjpeg it feeds zero
// bits once it meets a marker or the end of input and leaves the marker
// for the caller; it counts those zero bits (pad) so that a decoder that
// uses them can be stopped: libjpeg would decode them (a few hundred
// bytes can then declare a gigapixel of zeros); we refuse, see overrun.
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64 // valid bits in the low n bits; higher bits are garbage
	n      uint
	pad    uint  // zero bits at the low end of acc that are not input
	marker uint8 // marker met inside entropy data, 0 if none
	eof    bool
}

// fill tops the accumulator up to at least 57 bits.
func (b *bitReader) fill() {
	for b.n <= 56 {
		if b.pad == 0 && b.pos+8 <= len(b.data) {
			w := binary.BigEndian.Uint64(b.data[b.pos:])
			x := ^w // a zero byte of x is a 0xFF byte of w
			if (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
				k := (64 - b.n) >> 3
				b.acc = b.acc<<(8*k) | w>>(64-8*k)
				b.n += 8 * k
				b.pos += int(k)
				return
			}
		}
		b.fillByte()
	}
}

// fillByte appends one byte of entropy data, unstuffing 0xFF00, or eight
// zero bits at a marker or the end of input.
func (b *bitReader) fillByte() {
	var v uint64
	switch {
	case b.marker != 0 || b.eof:
		b.pad += 8
	case b.pos >= len(b.data):
		b.eof = true
		b.pad += 8
	default:
		c := b.data[b.pos]
		b.pos++
		if c != 0xFF {
			v = uint64(c)
			break
		}
		for b.pos < len(b.data) && b.data[b.pos] == 0xFF { // fill bytes
			b.pos++
		}
		switch {
		case b.pos >= len(b.data):
			b.eof = true
			b.pad += 8
		case b.data[b.pos] == 0:
			b.pos++
			v = 0xFF
		default:
			b.marker = b.data[b.pos]
			b.pos++
			b.pad += 8
		}
	}
	b.acc = b.acc<<8 | v
	b.n += 8
}

// overrun reports whether decoding has used bits that are not input: the
// scan's data ended (at a marker or the end of the file) before the image
// was filled.
func (b *bitReader) overrun() bool { return b.n < b.pad }

// reset drops buffered bits, as at a restart marker or the end of a scan.
func (b *bitReader) reset() { b.acc, b.n, b.pad = 0, 0, 0 }

func (b *bitReader) bits(k int) int32 {
	if k == 0 {
		return 0
	}
	if b.n < uint(k) {
		b.fill()
	}
	b.n -= uint(k)
	return int32(b.acc>>b.n) & (1<<k - 1)
}

func (b *bitReader) bit() bool {
	if b.n == 0 {
		b.fill()
	}
	b.n--
	return b.acc>>b.n&1 != 0
}

// receiveExtend reads an s-bit magnitude category value (JPEG F.2.2.1).
// The caller guarantees s <= 16 buffered bits (decode leaves them).
func (b *bitReader) receiveExtend(s int) int32 {
	if s == 0 {
		return 0
	}
	b.n -= uint(s)
	v := int32(b.acc>>b.n) & (1<<s - 1)
	return extend(v, s)
}

// decode reads one Huffman-coded symbol. It leaves at least 16 more bits
// buffered, so that a following receiveExtend needs no refill.
func (b *bitReader) decode(t *huffTable) (uint8, error) {
	if b.n < 32 {
		b.fill()
	}
	if e := t.lookup[(b.acc>>(b.n-lookBits))&(1<<lookBits-1)]; e != 0 {
		b.n -= uint(e >> 8)
		return uint8(e), nil
	}
	return b.decodeSlow(t)
}

// decodeSlow finds a code longer than lookBits.
func (b *bitReader) decodeSlow(t *huffTable) (uint8, error) {
	for l := lookBits + 1; l <= 16; l++ {
		code := int32(b.acc>>(b.n-uint(l))) & (1<<l - 1)
		if code <= t.maxCode[l] {
			b.n -= uint(l)
			return t.vals[uint8(t.valPtr[l]+code)], nil
		}
	}
	return 0, errBadHuffman
}
