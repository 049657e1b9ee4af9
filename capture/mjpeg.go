package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/edged/edged/internal/limits"
)

// maxPart bounds one MJPEG part (and one snapshot), so a server sending
// garbage cannot make edged allocate without limit.
const maxPart = limits.MaxFrameBytes

// Bounds of one part's headers. Cameras send two to five short lines
// (Content-Type, Content-Length, a timestamp); a server sending endless
// header lines, or one endless line, is cut off here instead of growing
// memory until the board runs out.
const (
	maxHeaderBytes = 16 << 10
	maxHeaderLines = 64
)

// errHeaders is wrapped by the errors of part headers over the bounds.
var errHeaders = errors.New("MJPEG part headers over the limit")

// mjpegReader splits a multipart/x-mixed-replace body into its parts.
// Cameras in the wild deviate from RFC 2046 in every way, so it tolerates:
// a declared boundary with or without the leading "--" (and one that does
// not match the body, in which case the body's own wins), parts with or
// without Content-Length, a wrong Content-Length, missing part headers,
// preamble and blank lines between parts.
type mjpegReader struct {
	r    *bufio.Reader
	core string // the boundary without leading dashes; "" until known
	// declared is true while core is only what the Content-Type said, so
	// the first "--" line of the body may still correct it.
	declared   bool
	atBoundary bool // the previous part ended by consuming a boundary line
	done       bool // the closing boundary was seen
}

func newMJPEGReader(r io.Reader, boundary string) *mjpegReader {
	core := strings.TrimLeft(boundary, "-")
	return &mjpegReader{r: bufio.NewReaderSize(r, 64<<10), core: core, declared: core != ""}
}

// errStreamEnd is the closing boundary: the server ended the stream.
var errStreamEnd = errors.New("the server ended the MJPEG stream")

// next returns the body of the next part.
func (m *mjpegReader) next() ([]byte, error) {
	if m.done {
		return nil, errStreamEnd
	}
	if !m.atBoundary {
		if err := m.skipToBoundary(); err != nil {
			return nil, err
		}
	}
	m.atBoundary = false
	hdr, err := m.headers()
	if err != nil {
		return nil, fmt.Errorf("MJPEG part headers: %w", err)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(hdr.Get("Content-Length"))); err == nil && n >= 0 {
		if n > maxPart {
			return nil, fmt.Errorf("MJPEG part of %d bytes exceeds the %d limit", n, maxPart)
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(m.r, data); err != nil {
			return nil, fmt.Errorf("MJPEG part body: %w", err)
		}
		return data, nil
	}
	return m.readToBoundary()
}

// headers reads the part's MIME headers, at most maxHeaderLines lines and
// maxHeaderBytes bytes. A part that starts right away with JPEG data (no
// headers, no blank line) has none. Continuation lines (obsolete folding)
// are skipped: no header edged reads uses them.
func (m *mjpegReader) headers() (textproto.MIMEHeader, error) {
	h := textproto.MIMEHeader{}
	if b, err := m.r.Peek(2); err == nil && b[0] == 0xFF && b[1] == 0xD8 {
		return h, nil
	}
	size := 0
	for lines := 0; ; lines++ {
		if lines == maxHeaderLines {
			return nil, fmt.Errorf("%w: more than %d lines", errHeaders, maxHeaderLines)
		}
		line, err := m.r.ReadSlice('\n')
		size += len(line)
		if size > maxHeaderBytes || errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: more than %d bytes", errHeaders, maxHeaderBytes)
		}
		if err != nil {
			return nil, eofIsUnexpected(err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return h, nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return nil, fmt.Errorf("malformed MIME header line: %q", truncate(line, 80))
		}
		key := textproto.CanonicalMIMEHeaderKey(string(bytes.TrimSpace(k)))
		h[key] = append(h[key], string(bytes.TrimSpace(v)))
	}
}

// truncate shortens b for an error message.
func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// boundaryLine classifies a line: a part boundary, the closing boundary, or
// neither. The line has no trailing newline.
func (m *mjpegReader) boundaryLine(line []byte) (isBoundary, isClose bool) {
	line = bytes.TrimRight(line, " \t\r")
	if len(line) < 3 || line[0] != '-' || line[1] != '-' {
		return false, false
	}
	rest := string(bytes.TrimLeft(line, "-"))
	if m.core == "" || m.declared && rest != m.core && rest != m.core+"--" {
		// Learn the boundary from the body: some cameras declare one
		// boundary and send another.
		m.core = strings.TrimSuffix(rest, "--")
		m.declared = false
		if m.core == "" {
			return false, false
		}
	}
	switch rest {
	case m.core:
		m.declared = false
		return true, false
	case m.core + "--":
		return true, true
	}
	return false, false
}

// skipToBoundary consumes everything up to and including the next boundary
// line: preamble, the CRLF after a part, the tail of a part whose
// Content-Length was short.
func (m *mjpegReader) skipToBoundary() error {
	skipped := 0
	for atStart := true; ; {
		line, err := m.r.ReadSlice('\n')
		if atStart {
			if ok, closing := m.boundaryLine(bytes.TrimSuffix(line, []byte("\n"))); ok {
				if closing {
					m.done = true
					return errStreamEnd
				}
				return nil
			}
		}
		skipped += len(line)
		if skipped > maxPart {
			return fmt.Errorf("no MJPEG boundary in %d bytes", skipped)
		}
		if atStart, err = lineRead(err); err != nil {
			return err
		}
	}
}

// readToBoundary reads a part without Content-Length: everything up to the
// line break before the next boundary line.
func (m *mjpegReader) readToBoundary() ([]byte, error) {
	var buf bytes.Buffer
	for atStart := true; ; {
		line, err := m.r.ReadSlice('\n')
		// The closing boundary may be the last bytes, without a newline.
		if atStart && (err == nil || err == io.EOF && len(line) > 0) {
			if ok, closing := m.boundaryLine(bytes.TrimSuffix(line, []byte("\n"))); ok {
				m.atBoundary = true
				m.done = closing
				data := buf.Bytes()
				// The line break before the boundary belongs to it.
				data = bytes.TrimSuffix(data, []byte("\n"))
				data = bytes.TrimSuffix(data, []byte("\r"))
				return data, nil
			}
		}
		buf.Write(line)
		if buf.Len() > maxPart {
			return nil, fmt.Errorf("MJPEG part exceeds the %d byte limit", maxPart)
		}
		if atStart, err = lineRead(err); err != nil {
			return nil, fmt.Errorf("MJPEG part body: %w", err)
		}
	}
}

// lineRead sorts the error of a ReadSlice('\n'): nil, a whole line was
// read and the next read starts a line; bufio.ErrBufferFull, a long line
// continues. Any other error ends the stream (see eofIsUnexpected).
func lineRead(err error) (atStart bool, fatal error) {
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bufio.ErrBufferFull):
		return false, nil
	}
	return false, eofIsUnexpected(err)
}

// eofIsUnexpected: the stream should never end between parts without the
// closing boundary, so a bare EOF there means the connection dropped.
func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
