package capture

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHTTPSnapshot(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		if user, pass, ok := r.BasicAuth(); !ok || user != "admin" || pass != "pw" {
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(testJPEG(t, uint8(n*40)))
	}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://admin:pw@", 1) + "/snap.jpg"
	src, err := Open(url, Options{Name: "door"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := testCtx(t)
	for i := 1; i <= 3; i++ {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Every frame is a new request: the image changes with it.
		if !bytes.Equal(f.Data, testJPEG(t, uint8(i*40))) {
			t.Fatalf("frame %d is not the snapshot of request %d", i, i)
		}
	}
	if n := requests.Load(); n != 3 {
		t.Fatalf("%d requests for 3 frames", n)
	}

	// Wrong password: the error names the camera and status, not the password.
	bad := strings.Replace(srv.URL, "http://", "http://admin:wrong@", 1)
	src2, err := Open(bad, Options{Name: "door"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src2.Next(ctx)
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), `camera "door"`) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("got %v, want a 401 error naming the camera without the password", err)
	}
}

func TestHTTPSnapshotContentChecks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>login</html>")
		case "/untyped":
			// No Content-Type header at all: the bytes decide.
			w.Header()["Content-Type"] = nil
			w.Write(testJPEG(t, 9))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := testCtx(t)
	next := func(path string) ([]byte, error) {
		src, err := Open(srv.URL+path, Options{})
		if err != nil {
			return nil, err
		}
		defer src.Close()
		f, err := src.Next(ctx)
		return f.Data, err
	}
	if _, err := next("/html"); err == nil || !strings.Contains(err.Error(), "neither an image nor an MJPEG stream") {
		t.Errorf("HTML page: got %v", err)
	}
	if data, err := next("/untyped"); err != nil || !bytes.Equal(data, testJPEG(t, 9)) {
		t.Errorf("untyped JPEG: got %d bytes, %v", len(data), err)
	}
	if _, err := next("/missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing: got %v", err)
	}
}

// mjpegPart writes one part the usual way: headers with Content-Length.
func mjpegPart(w *bytes.Buffer, boundary string, data []byte) {
	fmt.Fprintf(w, "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", boundary, len(data))
	w.Write(data)
	w.WriteString("\r\n")
}

func TestMJPEGStream(t *testing.T) {
	frames := [][]byte{testJPEG(t, 10), testJPEG(t, 20), testJPEG(t, 30), testJPEG(t, 40), []byte("\r\n--fram\r\n-- not a boundary\n\r\n")}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=frame")
		var b bytes.Buffer
		b.WriteString("preamble to ignore\r\n")
		mjpegPart(&b, "frame", frames[0])
		b.WriteString("\r\n") // blank lines between parts are ignored
		// No Content-Length: the part ends at the next boundary line.
		fmt.Fprintf(&b, "--frame\r\nContent-Type: image/jpeg\r\nX-Timestamp: 1\r\n\r\n%s\r\n", frames[1])
		// No headers at all, not even the blank line.
		fmt.Fprintf(&b, "--frame\r\n%s\r\n", frames[2])
		// A Content-Length shorter than the data: the rest is skipped.
		fmt.Fprintf(&b, "--frame\r\nContent-Length: %d\r\n\r\n%sTRAILING-GARBAGE\r\n", len(frames[3]), frames[3])
		// Data that contains dashes and line breaks, without length.
		fmt.Fprintf(&b, "--frame\r\n\r\n%s\r\n--frame--\r\n", frames[4])
		// Written in small pieces, so parts straddle reads.
		for data := b.Bytes(); len(data) > 0; {
			n := min(len(data), 97)
			w.Write(data[:n])
			w.(http.Flusher).Flush()
			data = data[n:]
		}
	}))
	defer srv.Close()
	src, err := Open(srv.URL+"/stream", Options{Name: "esp32"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := testCtx(t)
	for i, want := range frames {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(f.Data, want) {
			t.Fatalf("frame %d: got %q..., want %q...", i, head(f.Data), head(want))
		}
		if l, ok := src.(liveSource); !ok || !l.live() {
			t.Fatal("an open MJPEG stream must be a live source")
		}
	}
	_, err = src.Next(ctx)
	if !errors.Is(err, errStreamEnd) {
		t.Fatalf("after the closing boundary: got %v", err)
	}
}

func head(b []byte) []byte { return b[:min(len(b), 24)] }

// Parser cases the stream test does not cover.
func TestMJPEGReaderTolerance(t *testing.T) {
	tests := []struct {
		name, boundary, body string
		want                 []string
	}{
		{"declared with leading dashes", "--myb", "--myb\r\nContent-Length: 3\r\n\r\nabc\r\n--myb\r\n\r\ndef\r\n--myb--\r\n", []string{"abc", "def"}},
		{"declared differs from the body", "other", "--real\r\nContent-Length: 3\r\n\r\nabc\r\n--real\r\n\r\nxyz\r\n--real\r\n\r\n", []string{"abc", "xyz"}},
		{"no declared boundary", "", "\r\n--b\r\n\r\n123\r\n--b\r\nContent-Length: 2\r\n\r\n45\r\n--b--", []string{"123", "45"}},
		{"LF line ends", "b", "--b\nContent-Length: 2\n\nhi\n--b\n\nyo\n--b--\n", []string{"hi", "yo"}},
		{"RFC dashes on a dashed boundary", "--b", "----b\r\n\r\none\r\n----b\r\n\r\ntwo\r\n----b--\r\n", []string{"one", "two"}},
		{"transport padding after boundary", "b", "--b  \r\n\r\nab\r\n--b \r\n\r\ncd\r\n--b--", []string{"ab", "cd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMJPEGReader(strings.NewReader(tt.body), tt.boundary)
			for i, want := range tt.want {
				got, err := m.next()
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				if string(got) != want {
					t.Fatalf("part %d = %q, want %q", i, got, want)
				}
			}
			if _, err := m.next(); err == nil {
				t.Fatal("no error after the last part")
			}
		})
	}
}

func TestMJPEGReaderTruncated(t *testing.T) {
	m := newMJPEGReader(strings.NewReader("--b\r\nContent-Length: 10\r\n\r\nabc"), "b")
	if _, err := m.next(); err == nil {
		t.Fatal("a part cut short must be an error")
	}
	m = newMJPEGReader(strings.NewReader("--b\r\n\r\nabc"), "b")
	if _, err := m.next(); err == nil {
		t.Fatal("a length-less part cut short must be an error")
	}
}

// A stream that goes silent is dropped after HTTPTimeout, so a hung camera
// is reconnected instead of waited on forever.
func TestMJPEGSilentStreamTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=f")
		var b bytes.Buffer
		mjpegPart(&b, "f", []byte("first"))
		w.Write(b.Bytes())
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	src, err := Open(srv.URL, Options{HTTPTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := testCtx(t)
	if f, err := src.Next(ctx); err != nil || string(f.Data) != "first" {
		t.Fatalf("first frame: %q, %v", f.Data, err)
	}
	_, err = src.Next(ctx)
	if !errors.Is(err, errTimeout) {
		t.Fatalf("silent stream: got %v, want a timeout", err)
	}
}
