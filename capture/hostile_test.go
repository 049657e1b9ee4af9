package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edged/edged/internal/imagefiles"
	"github.com/edged/edged/internal/proctest"
)

// Tests of sources that attack edged or are stuck (issue 12): every one
// must end in a clear error within bounded memory and time.

// allocatedBy returns the bytes allocated while f ran (all goroutines: the
// test server's too, so the bounds below are generous).
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// short prints an error that may quote a flood of bytes.
func short(err error) string {
	if err == nil {
		return "<nil>"
	}
	s := err.Error()
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// hostileServer answers with an MJPEG stream whose first part starts with
// head and then repeats chunk up to total bytes (then closes).
func hostileServer(t *testing.T, head, chunk string, total int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=f")
		fmt.Fprint(w, head)
		c := []byte(chunk)
		for n := 0; n < total; n += len(c) {
			if _, err := w.Write(c); err != nil {
				return // the client gave up: what the test wants
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Defect 1: endless part headers (many lines, or one endless line) used to
// be read without limit by textproto.ReadMIMEHeader. 64 MiB of them must be
// refused after the header bounds, allocating far less than the 64 MiB.
func TestMJPEGEndlessHeadersBounded(t *testing.T) {
	const flood = 64 << 20
	for _, tt := range []struct{ name, chunk string }{
		{"endless lines", "X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"},
		{"one endless line", strings.Repeat("X", 4096)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostileServer(t, "--f\r\nContent-Type: image/jpeg\r\n", tt.chunk, flood)
			src, err := Open(srv.URL, Options{Name: "h"})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var nextErr error
			alloc := allocatedBy(func() { _, nextErr = src.Next(testCtx(t)) })
			if !errors.Is(nextErr, errHeaders) || !strings.Contains(nextErr.Error(), `camera "h"`) {
				t.Fatalf("got %s, want a header limit error naming the camera", short(nextErr))
			}
			if alloc > 8<<20 {
				t.Fatalf("allocated %d bytes reading a header flood, want < 8 MiB", alloc)
			}
		})
	}
}

// Defect 1, the camera's side: the header error is logged, counted and
// followed by a reconnect.
func TestCameraReconnectsAfterHeaderFlood(t *testing.T) {
	srv := hostileServer(t, "--f\r\n", "X-Junk: 1\r\n", 1<<20)
	var logBuf proctest.Buffer
	opts := fastOpts
	opts.Logger = newTextLogger(&logBuf)
	cam := NewCamera("h", srv.URL, 100, opts)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	go cam.Run(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for cam.Stats().Reconnects < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no reconnect within 10 s: %+v", cam.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := cam.Stats(); !errors.Is(st.LastError, errHeaders) {
		t.Fatalf("last error %s, want the header limit", short(st.LastError))
	}
	if !strings.Contains(logBuf.String(), "MJPEG part headers over the limit") {
		t.Fatalf("the header flood was not logged:\n%s", logBuf.String())
	}
}

// Defect 9: a server trickling one byte at a time keeps resetting the
// silence timer; the per-frame deadline must end the snapshot and the
// MJPEG part anyway.
func TestHTTPTrickleHitsFrameDeadline(t *testing.T) {
	trickle := func(w http.ResponseWriter, r *http.Request, head string) {
		w.Write([]byte(head))
		w.(http.Flusher).Flush()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				if _, err := w.Write([]byte{0}); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}
	}
	snapshot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		trickle(w, r, "\xff\xd8")
	}))
	defer snapshot.Close()
	stream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=f")
		var b bytes.Buffer
		mjpegPart(&b, "f", []byte("first"))
		trickle(w, r, b.String()+"--f\r\n\r\n")
	}))
	defer stream.Close()

	opts := Options{Name: "slow", HTTPTimeout: 500 * time.Millisecond, FrameTimeout: time.Second}
	for _, tt := range []struct {
		name, url string
		frames    int // good frames before the trickle
		want      string
	}{
		{"snapshot", snapshot.URL, 0, "the response took longer than 1s"},
		{"MJPEG part", stream.URL, 1, "an MJPEG part took longer than 1s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, err := Open(tt.url, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			ctx := testCtx(t)
			for range tt.frames {
				if _, err := src.Next(ctx); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			_, err = src.Next(ctx)
			took := time.Since(start)
			if !errors.Is(err, errTimeout) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if took > 10*time.Second {
				t.Fatalf("took %s to give up, want about 1 s (10 s allowed)", took)
			}
		})
	}
}

// mkfifo makes a named pipe nobody writes to.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

// Defect 6: a file source that is a FIFO must fail at once with a named
// error (it used to block the camera forever); one that links to /dev/zero
// must fail without reading it (it used to grow to gigabytes).
func TestFileSourceRefusesFIFOAndDevices(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "cam.jpg")
	mkfifo(t, fifo)
	zero := filepath.Join(dir, "zero.jpg")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, kind string }{
		{fifo, "a named pipe"},
		{zero, "a character device"},
	} {
		src, err := Open(tt.path, Options{Name: "f"})
		if err != nil {
			t.Fatal(err)
		}
		var nextErr error
		done := make(chan struct{})
		var alloc uint64
		go func() {
			defer close(done)
			alloc = allocatedBy(func() { _, nextErr = src.Next(testCtx(t)) })
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Next still blocked after 10 s", tt.path)
		}
		if !errors.Is(nextErr, imagefiles.ErrNotRegular) || !strings.Contains(nextErr.Error(), tt.kind) ||
			!strings.Contains(nextErr.Error(), `camera "f"`) {
			t.Fatalf("%s: got %v, want a not-a-regular-file error naming %s and the camera", tt.path, nextErr, tt.kind)
		}
		if alloc > 1<<20 {
			t.Fatalf("%s: allocated %d bytes, want < 1 MiB", tt.path, alloc)
		}
	}
}

// Defect 6: a file over the frame limit is refused without reading it.
func TestFileSourceRefusesHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.jpg")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxPart + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	src, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var nextErr error
	alloc := allocatedBy(func() { _, nextErr = src.Next(testCtx(t)) })
	if !errors.Is(nextErr, imagefiles.ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", nextErr)
	}
	if alloc > 1<<20 {
		t.Fatalf("allocated %d bytes, want < 1 MiB", alloc)
	}
}

// Defect 6 in a directory: a FIFO and a /dev/zero link among the images are
// skipped with a warning; the real images keep coming.
func TestDirSourceSkipsFIFOAndDevices(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.jpg"), "a")
	writeFile(t, filepath.Join(dir, "d.jpg"), "d")
	mkfifo(t, filepath.Join(dir, "b.jpg"))
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "c.jpg")); err != nil {
		t.Fatal(err)
	}
	var logBuf proctest.Buffer
	src, err := Open(dir, Options{Name: "d", Logger: newTextLogger(&logBuf)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []string)
	go func() {
		var got []string
		for range 4 {
			f, err := src.Next(testCtx(t))
			if err != nil {
				got = append(got, err.Error())
				break
			}
			got = append(got, string(f.Data))
		}
		done <- got
	}()
	select {
	case got := <-done:
		if strings.Join(got, ",") != "a,d,a,d" {
			t.Fatalf("frames %v, want a,d,a,d", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the directory source blocked for 10 s")
	}
	for _, name := range []string{"b.jpg", "c.jpg"} {
		if !strings.Contains(logBuf.String(), "file="+name) {
			t.Errorf("no warning about %s:\n%s", name, logBuf.String())
		}
	}
}

// Defect 7 at the capture end: an fps that config and commands would
// reject is clamped, so the interval neither overflows (1e-300 made it
// negative and capture spun) nor drops below a millisecond.
func TestNewCameraClampsFPS(t *testing.T) {
	for _, tt := range []struct {
		fps  float64
		want time.Duration
	}{
		{1e-300, 100 * time.Second},
		{1e-9, 100 * time.Second},
		{0.01, 100 * time.Second},
		{1000, time.Millisecond},
		{1e300, time.Millisecond},
		{0, time.Second / DefaultFPS},
	} {
		if got := NewCamera("c", "x", tt.fps, Options{}).interval; got != tt.want {
			t.Errorf("fps %v: interval %s, want %s", tt.fps, got, tt.want)
		}
	}
}
