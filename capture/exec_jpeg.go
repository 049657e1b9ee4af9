package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// jpegStream splits a byte stream of concatenated JPEG images (what
// `ffmpeg -f mjpeg -`, `rpicam-vid --codec mjpeg -o -` and GStreamer's
// jpegenc ! fdsink write) into images. It follows the JPEG marker
// structure rather than searching for the EOI bytes, so an embedded EXIF
// thumbnail (a whole JPEG inside APP1) does not end the frame early, and
// bytes between images (a log line on stdout) are skipped up to the next
// SOI.
type jpegStream struct {
	r     *bufio.Reader
	limit int // bound on one image and on the junk skipped before it
	// Skipped counts bytes that were not part of any image (junk and
	// truncated images), for the error that explains a stream of no JPEGs.
	skipped int
	lastLen int // size of the previous image, the next one's initial capacity
}

func newJPEGStream(r io.Reader, limit int) *jpegStream {
	return &jpegStream{r: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

// errNotJPEG: a stream without SOI markers is most likely the wrong format
// (raw H.264, YUV) rather than a camera fault.
var errNotJPEG = errors.New("is the command writing MJPEG (concatenated JPEG images) to stdout? e.g. ffmpeg -f mjpeg -, rpicam-vid --codec mjpeg -o -")

// next returns the next complete image, SOI to EOI. io.EOF means the
// stream ended cleanly between images.
func (j *jpegStream) next() ([]byte, error) {
	j.skipped = 0
	for {
		img, err := j.image()
		if err != errCorrupt {
			return img, err
		}
		if j.skipped > j.limit {
			return nil, fmt.Errorf("no complete JPEG image in %d bytes: %w", j.skipped, errNotJPEG)
		}
	}
}

// errCorrupt: the image being read broke the marker structure; the reader
// resynchronises at the next SOI.
var errCorrupt = errors.New("corrupt JPEG")

// image reads one image, or fails with errCorrupt having counted its bytes
// as skipped.
func (j *jpegStream) image() ([]byte, error) {
	if err := j.toSOI(); err != nil {
		return nil, err
	}
	buf := make([]byte, 0, max(j.lastLen+j.lastLen/4, 64<<10))
	buf = append(buf, 0xFF, 0xD8)
	haveFF := false // the 0xFF of the next marker was already read
	for {
		if !haveFF {
			b, err := j.r.ReadByte()
			if err != nil {
				return nil, eofIsUnexpected(err)
			}
			if b != 0xFF {
				// Not a marker where one must be: the image is corrupt.
				// Resynchronise at the next SOI.
				j.skipped += len(buf) + 1
				return nil, errCorrupt
			}
		}
		haveFF = false
		m, err := j.marker()
		if err != nil {
			return nil, err
		}
		buf = append(buf, 0xFF, m)
		switch {
		case m == 0xD9: // EOI
			if len(buf) > j.limit {
				return nil, fmt.Errorf("a JPEG image exceeds the %d byte limit", j.limit)
			}
			j.lastLen = len(buf)
			return buf, nil
		case m == 0xD8: // SOI: the previous image was truncated
			j.skipped += len(buf) - 2
			buf = buf[:2]
			continue
		case m == 0x01 || m >= 0xD0 && m <= 0xD7: // TEM, RSTn: no payload
			continue
		}
		if buf, err = j.segment(buf); err != nil {
			return nil, err
		}
		if m == 0xDA { // SOS: entropy-coded data follows, up to a marker
			if buf, err = j.scan(buf); err != nil {
				return nil, err
			}
			haveFF = true
		}
		if len(buf) > j.limit {
			return nil, fmt.Errorf("a JPEG image exceeds the %d byte limit", j.limit)
		}
	}
}

// toSOI consumes bytes up to and including the next SOI marker (FF D8).
func (j *jpegStream) toSOI() error {
	prevFF := false
	for {
		b, err := j.r.ReadByte()
		if err != nil {
			if err == io.EOF && j.skipped > 0 {
				return fmt.Errorf("the stream ended after %d bytes without a JPEG image: %w", j.skipped, errNotJPEG)
			}
			return err
		}
		if prevFF && b == 0xD8 {
			j.skipped-- // the 0xFF was counted
			return nil
		}
		prevFF = b == 0xFF
		j.skipped++
		if j.skipped > j.limit {
			return fmt.Errorf("no JPEG start marker in %d bytes: %w", j.skipped, errNotJPEG)
		}
	}
}

// marker reads the marker code after a 0xFF, skipping fill bytes.
func (j *jpegStream) marker() (byte, error) {
	for {
		m, err := j.r.ReadByte()
		if err != nil {
			return 0, eofIsUnexpected(err)
		}
		if m != 0xFF {
			return m, nil
		}
	}
}

// segment appends a marker segment's length and payload.
func (j *jpegStream) segment(buf []byte) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(j.r, l[:]); err != nil {
		return nil, eofIsUnexpected(err)
	}
	n := int(l[0])<<8 | int(l[1])
	if n < 2 {
		j.skipped += len(buf) + 2
		return nil, errCorrupt
	}
	if len(buf)+n > j.limit {
		return nil, fmt.Errorf("a JPEG image exceeds the %d byte limit", j.limit)
	}
	buf = append(buf, l[0], l[1])
	start := len(buf)
	buf = append(buf, make([]byte, n-2)...)
	if _, err := io.ReadFull(j.r, buf[start:]); err != nil {
		return nil, eofIsUnexpected(err)
	}
	return buf, nil
}

// scan appends entropy-coded data up to the next marker other than a
// stuffed byte (FF 00) or a restart marker. It consumes that marker's 0xFF
// but not its code.
func (j *jpegStream) scan(buf []byte) ([]byte, error) {
	for {
		chunk, err := j.r.ReadSlice(0xFF)
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, eofIsUnexpected(err)
		}
		if len(buf)+len(chunk) > j.limit {
			return nil, fmt.Errorf("a JPEG image exceeds the %d byte limit", j.limit)
		}
		if err != nil { // a full buffer without 0xFF
			buf = append(buf, chunk...)
			continue
		}
		buf = append(buf, chunk[:len(chunk)-1]...)
		next, err := j.r.Peek(1)
		if err != nil {
			return nil, eofIsUnexpected(err)
		}
		if c := next[0]; c == 0x00 || c >= 0xD0 && c <= 0xD7 {
			buf = append(buf, 0xFF, c)
			j.r.Discard(1)
			continue
		}
		return buf, nil
	}
}
