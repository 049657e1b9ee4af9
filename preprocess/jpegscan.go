package preprocess

import (
	"fmt"
	"io"
)

// This file decodes one scan: sequential blocks go straight through the
// IDCT into the component's plane; progressive scans refine the stored
// coefficients (JPEG Annex G, in the manner of libjpeg's jdphuff.c), which
// toRGB turns into samples at the end.

func (d *jpegDecoder) decodeScan(scan []*jpegComponent, ss, se, ah, al int) error {
	for _, c := range scan {
		needDC := !d.progressive || (ss == 0 && ah == 0)
		needAC := !d.progressive || ss > 0
		if needDC && !d.dcTab[c.dc].defined || needAC && !d.acTab[c.ac].defined {
			return errJPEG("scan uses an undefined Huffman table")
		}
		c.dcPred = 0
	}
	d.eobrun = 0
	b := &d.bits
	b.reset()

	mcusX, mcusY := d.mcusX, d.mcusY
	if len(scan) == 1 { // non-interleaved: one block per MCU, image blocks only
		mcusX, mcusY = scan[0].cbw, scan[0].cbh
	}
	var blk [64]int32
	restartsLeft := d.restart
	for my := range mcusY {
		if err := d.deadline.check(); err != nil {
			return err
		}
		for mx := range mcusX {
			if d.restart > 0 {
				if restartsLeft == 0 {
					if err := d.processRestart(scan); err != nil {
						return err
					}
					restartsLeft = d.restart
				}
				restartsLeft--
			}
			if b.overrun() {
				return d.scanEndsEarly()
			}
			for _, c := range scan {
				bh, bv := c.h, c.v
				if len(scan) == 1 {
					bh, bv = 1, 1
				}
				for v := range bv {
					for h := range bh {
						bx, by := mx*bh+h, my*bv+v
						var err error
						if d.progressive {
							coef := (*[64]int16)(c.coef[(by*c.bw+bx)*64:])
							err = d.progressiveBlock(c, coef, ss, se, ah, al)
						} else {
							var last int
							if last, err = d.sequentialBlock(c, &blk); err == nil {
								idct(&blk, last, c.bs, c.plane[by*c.bs*c.stride+bx*c.bs:], c.stride)
							}
						}
						if err != nil {
							return err
						}
					}
				}
			}
		}
	}
	if b.overrun() {
		return d.scanEndsEarly()
	}
	b.reset() // leftover bits are padding; a pending marker stays for nextMarker
	return nil
}

// scanEndsEarly is the error for a scan whose data ran out before it
// covered the image. libjpeg decodes the rest as zeros (with a warning),
// so 150 bytes could make a 9459x9459 image; we refuse, and call the end
// of input truncation as Pillow does.
func (d *jpegDecoder) scanEndsEarly() error {
	if d.bits.eof {
		return errTruncatedScan
	}
	return fmt.Errorf("corrupt JPEG data: scan %d ends (marker 0x%02X) before it fills the declared %dx%d image", d.scans, d.bits.marker, d.w, d.h)
}

var errTruncatedScan = fmt.Errorf("entropy-coded data ends early: %w", io.ErrUnexpectedEOF)

// processRestart expects an RSTn marker between restart intervals and
// resets the predictors, as libjpeg's process_restart does.
func (d *jpegDecoder) processRestart(scan []*jpegComponent) error {
	if d.bits.overrun() {
		return d.scanEndsEarly()
	}
	d.bits.reset()
	m, err := d.nextMarker()
	if err != nil {
		return err
	}
	if m < 0xD0 || m > 0xD7 {
		return fmt.Errorf("corrupt JPEG data: found marker 0x%02X where a restart marker belongs", m)
	}
	for _, c := range scan {
		c.dcPred = 0
	}
	d.eobrun = 0
	return nil
}

// sequentialBlock decodes one baseline/extended block into blk, natural
// order and dequantized, and returns the zigzag index of its last
// nonzero coefficient (0 for a DC-only block), which lets the IDCT skip
// the work for all-zero rows and columns.
func (d *jpegDecoder) sequentialBlock(c *jpegComponent, blk *[64]int32) (int, error) {
	b := &d.bits
	s, err := b.decode(&d.dcTab[c.dc])
	if err != nil {
		return 0, err
	}
	if s > 16 {
		return 0, errBadHuffman
	}
	c.dcPred += b.receiveExtend(int(s))
	*blk = [64]int32{}
	qt := &c.qt
	blk[0] = c.dcPred * qt[0]
	t := &d.acTab[c.ac]
	last := 0
	for k := 1; k < 64; k++ {
		if b.n < 32 {
			b.fill()
		}
		if e := t.fastAC[(b.acc>>(b.n-lookBits))&(1<<lookBits-1)]; e != 0 {
			k += int(e>>8) & 15
			b.n -= uint(e & 255)
			z := zigzag[k] & 63
			blk[z] = (e >> 16) * qt[z]
			last = k
			continue
		}
		rs, err := b.decode(t)
		if err != nil {
			return 0, err
		}
		r, s := int(rs>>4), int(rs&15)
		if s == 0 {
			if r != 15 {
				break
			}
			k += 15
			continue
		}
		k += r
		z := zigzag[k] & 63
		blk[z] = b.receiveExtend(s) * qt[z]
		last = k
	}
	return last, nil
}

// progressiveBlock applies one progressive scan's data to a block.
func (d *jpegDecoder) progressiveBlock(c *jpegComponent, coef *[64]int16, ss, se, ah, al int) error {
	b := &d.bits
	if ss == 0 { // DC scans
		if ah == 0 {
			s, err := b.decode(&d.dcTab[c.dc])
			if err != nil {
				return err
			}
			if s > 16 {
				return errBadHuffman
			}
			c.dcPred += b.receiveExtend(int(s))
			coef[0] = int16(c.dcPred << al)
		} else if b.bit() {
			coef[0] |= 1 << al
		}
		return nil
	}
	t := &d.acTab[c.ac]
	if ah == 0 { // AC first pass
		if d.eobrun > 0 {
			d.eobrun--
			return nil
		}
		for k := ss; k <= se; k++ {
			rs, err := b.decode(t)
			if err != nil {
				return err
			}
			r, s := int(rs>>4), int(rs&15)
			if s == 0 {
				if r != 15 {
					d.eobrun = 1<<r - 1
					if r > 0 {
						d.eobrun += b.bits(r)
					}
					break
				}
				k += 15
				continue
			}
			k += r
			coef[zigzag[k]] = int16(b.receiveExtend(s) << al)
		}
		return nil
	}
	// AC refinement: one correction bit for every coefficient already
	// nonzero, new coefficients of magnitude 1<<al.
	p1, m1 := int16(1)<<al, int16(-1)<<al
	refine := func(i uint8) {
		if v := coef[i]; b.bit() && v&p1 == 0 {
			if v >= 0 {
				coef[i] = v + p1
			} else {
				coef[i] = v + m1
			}
		}
	}
	k := ss
	if d.eobrun == 0 {
		for ; k <= se; k++ {
			rs, err := b.decode(t)
			if err != nil {
				return err
			}
			r, s := int(rs>>4), int(rs&15)
			var val int16
			if s != 0 {
				// s must be 1; libjpeg warns and goes on otherwise.
				if b.bit() {
					val = p1
				} else {
					val = m1
				}
			} else if r != 15 {
				d.eobrun = 1 << r
				if r > 0 {
					d.eobrun += b.bits(r)
				}
				break
			}
			// Skip r zero-history coefficients, refining nonzero ones on
			// the way, and land on the one that receives val.
			for ; k <= se; k++ {
				i := zigzag[k]
				if coef[i] != 0 {
					refine(i)
				} else {
					if r == 0 {
						break
					}
					r--
				}
			}
			if val != 0 { // zigzag's tail absorbs k = se+1 as libjpeg's table does
				coef[zigzag[k]] = val
			}
		}
	}
	if d.eobrun > 0 {
		// The rest of the band is in an end-of-band run: only correction
		// bits for the nonzero coefficients.
		for ; k <= se; k++ {
			if i := zigzag[k]; coef[i] != 0 {
				refine(i)
			}
		}
		d.eobrun--
	}
	return nil
}
