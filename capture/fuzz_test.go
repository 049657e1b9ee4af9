package capture

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzMJPEGReader feeds arbitrary bodies (and boundaries) to the MJPEG part
// reader, as a hostile camera would: it must return parts or an error,
// never panic, never return a part over the frame limit, and always end
// (every call consumes input or fails).
func FuzzMJPEGReader(f *testing.F) {
	var stream bytes.Buffer
	mjpegPart(&stream, "f", []byte("\xff\xd8first\xff\xd9"))
	mjpegPart(&stream, "f", []byte("second"))
	for _, seed := range []struct{ body, boundary string }{
		{stream.String(), "f"},
		{"--b\r\nContent-Length: 3\r\n\r\nabc\r\n--b\r\n\r\ndef\r\n--b--\r\n", "--b"},
		{"--real\r\nContent-Length: 3\r\n\r\nabc\r\n--real\r\n\r\nxyz\r\n", "other"},
		{"\r\n--b\r\n\r\n123\r\n--b\r\nContent-Length: 2\r\n\r\n45\r\n--b--", ""},
		{"--b\nContent-Length: 2\n\nhi\n--b\n\nyo\n--b--\n", "b"},
		{"--b\r\n\xff\xd8raw jpeg\r\n--b--", "b"},
		{"--b\r\nX-Junk: 1\r\nX-Junk: 2\r\n folded\r\n\r\nab\r\n--b--", "b"},
		{"--b\r\nContent-Length: 99999999999\r\n\r\n", "b"},
		{"--b\r\nno colon here\r\n\r\n", "b"},
	} {
		f.Add([]byte(seed.body), seed.boundary)
	}
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		m := newMJPEGReader(bytes.NewReader(body), boundary)
		for i := 0; ; i++ {
			part, err := m.next()
			if err != nil {
				if errors.Is(err, errStreamEnd) && i == 0 && !bytes.Contains(body, []byte("--")) {
					t.Fatalf("closing boundary reported in a body without dashes")
				}
				return
			}
			if len(part) > maxPart {
				t.Fatalf("part of %d bytes over the %d limit", len(part), maxPart)
			}
			if i > len(body) {
				t.Fatalf("%d parts from %d bytes: the reader does not advance", i, len(body))
			}
		}
	})
}
