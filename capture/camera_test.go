package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// queueSource hands out queued frames and then blocks; drained is signalled
// each time Next finds the queue empty, which proves every earlier frame
// has been put in the mailbox.
type queueSource struct {
	frames  chan Frame
	drained chan struct{}
	isLive  bool
	closed  atomic.Bool
}

func newQueueSource(live bool) *queueSource {
	return &queueSource{frames: make(chan Frame, 100), drained: make(chan struct{}, 100), isLive: live}
}

func (s *queueSource) Next(ctx context.Context) (Frame, error) {
	select {
	case f := <-s.frames:
		return f, nil
	default:
	}
	s.drained <- struct{}{}
	select {
	case f := <-s.frames:
		return f, nil
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
}

func (s *queueSource) Close() error { s.closed.Store(true); return nil }
func (s *queueSource) live() bool   { return s.isLive }

// runCamera starts cam.Run and stops it when the test ends.
func runCamera(t *testing.T, cam *Camera) context.Context {
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan struct{})
	go func() { cam.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ctx
}

func TestCameraLatestFrameWins(t *testing.T) {
	src := newQueueSource(false)
	cam := NewCamera("slow-consumer", "queue", 1e6, Options{})
	cam.open = func(string, Options) (Source, error) { return src, nil }
	for i := 1; i <= 6; i++ {
		src.frames <- Frame{Data: []byte{byte(i)}}
	}
	ctx := runCamera(t, cam)
	<-src.drained // all six captured, none consumed

	f, err := cam.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Data[0] != 6 || f.Seq != 6 {
		t.Fatalf("Latest = frame %d seq %d, want the newest (6, seq 6)", f.Data[0], f.Seq)
	}
	st := cam.Stats()
	if st.Captured != 6 || st.Dropped != 5 || st.State != StateStreaming {
		t.Fatalf("stats = %+v, want 6 captured, 5 dropped, streaming", st)
	}
	// A consumer that keeps up loses nothing more.
	src.frames <- Frame{Data: []byte{7}}
	<-src.drained
	if f, err := cam.Latest(ctx); err != nil || f.Data[0] != 7 || f.Seq != 7 {
		t.Fatalf("next Latest = %v seq %d (%v), want frame 7", f.Data, f.Seq, err)
	}
	if st := cam.Stats(); st.Dropped != 5 {
		t.Fatalf("dropped = %d after a timely consumer, want still 5", st.Dropped)
	}
}

// A live source is read continuously; frames arriving before the next one
// is due are skipped (not queued), the first one after it is kept.
func TestCameraSkipsLiveFramesBeyondFPS(t *testing.T) {
	src := newQueueSource(true)
	cam := NewCamera("live", "queue", 0.001, Options{}) // one frame per 1000 s
	cam.open = func(string, Options) (Source, error) { return src, nil }
	for i := 1; i <= 5; i++ {
		src.frames <- Frame{Data: []byte{byte(i)}}
	}
	ctx := runCamera(t, cam)
	<-src.drained
	f, err := cam.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := cam.Stats(); f.Data[0] != 1 || st.Captured != 1 || st.Skipped != 4 || st.Dropped != 0 {
		t.Fatalf("kept frame %d, stats %+v; want frame 1 kept, 4 skipped", f.Data[0], st)
	}
}

// stateLog records OnState calls for a test to wait on.
type stateLog struct {
	mu     sync.Mutex
	states []State
	ch     chan State
}

func watchStates(cam *Camera) *stateLog {
	l := &stateLog{ch: make(chan State, 1000)}
	cam.OnState = func(s State, err error) {
		l.mu.Lock()
		l.states = append(l.states, s)
		l.mu.Unlock()
		l.ch <- s
	}
	return l
}

func (l *stateLog) waitFor(t *testing.T, ctx context.Context, want State) {
	t.Helper()
	for {
		select {
		case s := <-l.ch:
			if s == want {
				return
			}
		case <-ctx.Done():
			t.Fatalf("state %s never came; states: %v", want, l.all())
		}
	}
}

func (l *stateLog) all() []State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]State(nil), l.states...)
}

func TestCameraRecoversWhenFileComesBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "still.jpg")
	writeFile(t, path, "before")
	cam := NewCamera("still", path, 1000, fastOpts)
	states := watchStates(cam)
	ctx := runCamera(t, cam)

	states.waitFor(t, ctx, StateStreaming)
	if f, err := cam.Latest(ctx); err != nil || string(f.Data) != "before" {
		t.Fatalf("first frame %q, %v", f.Data, err)
	}
	os.Remove(path)
	states.waitFor(t, ctx, StateReconnecting)
	st := cam.Stats()
	if st.State != StateReconnecting && st.State != StateStreaming || !errors.Is(st.LastError, os.ErrNotExist) {
		t.Fatalf("while the file is gone: stats %+v", st)
	}
	if !strings.Contains(st.LastError.Error(), `camera "still"`) {
		t.Errorf("error %q does not name the camera", st.LastError)
	}
	writeFile(t, path, "after")
	states.waitFor(t, ctx, StateStreaming)
	for {
		f, err := cam.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if string(f.Data) == "after" {
			break
		}
	}
	if st := cam.Stats(); st.Reconnects < 1 || st.Failed < 1 || st.State != StateStreaming || st.Err != nil {
		t.Fatalf("after recovery: %+v", st)
	}
}

func TestCameraMJPEGReconnectsAfterDisconnect(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := conns.Add(1)
		if n == 1 {
			// The first connection dies in the middle of a part, as a
			// camera losing power would leave it.
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=f\r\nConnection: close\r\n\r\n")
			var b bytes.Buffer
			for i := range 3 {
				mjpegPart(&b, "f", []byte(fmt.Sprintf("c1-%d", i)))
			}
			b.WriteString("--f\r\nContent-Length: 1000\r\n\r\npartial")
			buf.Write(b.Bytes())
			buf.Flush()
			return
		}
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=f")
		for i := 0; ; i++ {
			var b bytes.Buffer
			mjpegPart(&b, "f", []byte(fmt.Sprintf("c%d-%d", n, i)))
			if _, err := w.Write(b.Bytes()); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(2 * time.Millisecond): // a 500 fps camera
			}
		}
	}))
	t.Cleanup(srv.Close) // after the camera's cleanup, which closes its connection

	cam := NewCamera("ipcam", srv.URL+"/video", 1000, fastOpts)
	states := watchStates(cam)
	ctx := runCamera(t, cam)
	for {
		f, err := cam.Latest(ctx)
		if err != nil {
			t.Fatalf("Latest: %v (states %v)", err, states.all())
		}
		if strings.HasPrefix(string(f.Data), "c2-") {
			break
		}
	}
	got := states.all()
	want := []State{StateStreaming, StateReconnecting, StateStreaming}
	if len(got) < 3 || fmt.Sprint(got[:3]) != fmt.Sprint(want) {
		t.Fatalf("states = %v, want %v", got, want)
	}
	st := cam.Stats()
	if st.Reconnects < 1 || st.Failed < 1 || !strings.Contains(fmt.Sprint(st.LastError), "unexpected EOF") {
		t.Fatalf("stats after the disconnect: %+v", st)
	}
}

func TestCameraStopsOnCancel(t *testing.T) {
	src := newQueueSource(false)
	cam := NewCamera("c", "queue", 5, Options{})
	cam.open = func(string, Options) (Source, error) { return src, nil }
	states := watchStates(cam)
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan struct{})
	go func() { cam.Run(ctx); close(done) }()
	<-src.drained // blocked in Next
	cancel()
	<-done
	if cam.State() != StateStopped || !src.closed.Load() {
		t.Fatalf("state %s, source closed %v; want stopped and closed", cam.State(), src.closed.Load())
	}
	if _, err := cam.Latest(testCtx(t)); !errors.Is(err, ErrStopped) {
		t.Fatalf("Latest after stop: %v", err)
	}
	if s := states.all(); len(s) != 1 || s[0] != StateStopped {
		t.Fatalf("states = %v", s)
	}
}

// A source that fails on every open is retried with waits that grow to the
// maximum, never in a tight loop; cancelling stops the retries.
func TestCameraBacksOffWhileSourceIsMissing(t *testing.T) {
	// The backoff's own waits: [ceiling/2, ceiling], doubling to the cap.
	bo := newBackoff(time.Millisecond, 4*time.Millisecond)
	for i := range 6 {
		w := bo.next()
		ceiling := min(time.Millisecond<<i, 4*time.Millisecond)
		if w < ceiling/2 || w > ceiling {
			t.Errorf("wait %d = %s, want within [%s, %s]", i, w, ceiling/2, ceiling)
		}
	}

	// The waits the camera actually makes, seen as the times it reopens
	// the source: each gap is at least half the current backoff, which
	// doubles from 20 ms to the 80 ms cap. A camera that retried in a
	// tight loop, or never grew its wait, fails. (Only lower bounds: a
	// loaded machine makes gaps longer, never shorter.)
	const initial, maxWait = 20 * time.Millisecond, 80 * time.Millisecond
	var mu sync.Mutex
	var opens []time.Time
	cam := NewCamera("gone", "nowhere", 5, Options{BackoffInitial: initial, BackoffMax: maxWait})
	cam.open = func(string, Options) (Source, error) {
		mu.Lock()
		opens = append(opens, time.Now())
		mu.Unlock()
		return nil, errors.New("device unplugged")
	}
	nOpens := func() int { mu.Lock(); defer mu.Unlock(); return len(opens) }
	states := watchStates(cam)
	ctx := runCamera(t, cam)
	states.waitFor(t, ctx, StateReconnecting)
	for nOpens() < 6 {
		if _, err := cam.Latest(ctxWithin(ctx, time.Millisecond)); err == nil {
			t.Fatal("a frame from a source that never opened")
		}
	}
	mu.Lock()
	for i := 1; i < 6; i++ {
		floor := min(initial<<(i-1), maxWait) / 2
		if gap := opens[i].Sub(opens[i-1]); gap < floor {
			t.Errorf("reopen %d came %s after the previous one, want at least %s (backoff %s..%s)", i, gap, floor, initial, maxWait)
		}
	}
	mu.Unlock()
	st := cam.Stats()
	if st.State != StateReconnecting || st.Failed < 5 || st.Reconnects < 5 || st.Captured != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func ctxWithin(ctx context.Context, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(ctx, d)
	context.AfterFunc(c, cancel)
	return c
}

// oneFrameSource delivers one frame and then fails, like a camera that
// streams and drops off again.
type oneFrameSource struct{ n int }

func (s *oneFrameSource) Next(ctx context.Context) (Frame, error) {
	if s.n++; s.n == 1 {
		return Frame{W: 1, H: 1, Data: []byte{1}}, nil
	}
	return Frame{}, errors.New("stream dropped")
}
func (s *oneFrameSource) Close() error { return nil }

// retryLog records the retry_in of the camera's reconnect warnings: the
// waits the camera actually chose.
type retryLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (l *retryLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *retryLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *retryLog) WithGroup(string) slog.Handler            { return l }
func (l *retryLog) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "retry_in" {
			l.mu.Lock()
			l.waits = append(l.waits, a.Value.Duration())
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

func (l *retryLog) snapshot() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration(nil), l.waits...)
}

// TestCameraBackoffResetsAfterStreaming: a source that worked for a while
// is retried soon (the backoff starts over), not after a wait that kept
// growing across sessions that each delivered frames.
func TestCameraBackoffResetsAfterStreaming(t *testing.T) {
	const initial = 40 * time.Millisecond
	rl := &retryLog{}
	cam := NewCamera("flaky", "nowhere", 1000, Options{BackoffInitial: initial, BackoffMax: 10 * time.Second, Logger: slog.New(rl)})
	cam.open = func(string, Options) (Source, error) { return &oneFrameSource{}, nil }
	ctx := runCamera(t, cam)
	for len(rl.snapshot()) < 5 {
		if ctx.Err() != nil {
			t.Fatal(ctx.Err())
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i, w := range rl.snapshot() {
		if w > initial {
			t.Errorf("reconnect %d after a session that streamed: retry_in %s, want <= %s (the backoff must reset)", i, w, initial)
		}
	}
}
