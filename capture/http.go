package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// httpSource reads an HTTP camera. What it is depends on the answer: a
// multipart/x-mixed-replace response is an MJPEG stream kept open and read
// part by part; anything else is one snapshot, fetched again for every frame.
// Credentials in the URL (http://user:pass@cam/) are sent as basic auth.
type httpSource struct {
	url     string
	desc    string
	client  *http.Client
	timeout time.Duration // silence (Options.HTTPTimeout)
	total   time.Duration // one snapshot or part (Options.FrameTimeout)
	seq     uint64

	// While a stream is open:
	stream *mjpegReader
	body   io.ReadCloser
	reqCtx context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
}

func openHTTP(url string, opts Options) (*httpSource, error) {
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{}
	}
	return &httpSource{url: url, desc: describe(opts.Name, url), client: client,
		timeout: opts.HTTPTimeout, total: opts.FrameTimeout}, nil
}

// errTimeout is the cause of a request cancelled for silence.
var errTimeout = errors.New("timed out")

func (s *httpSource) live() bool { return s.stream != nil }

func (s *httpSource) Next(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	if s.stream == nil {
		data, err := s.get(ctx)
		if err != nil {
			return Frame{}, err
		}
		if data != nil { // a snapshot
			return s.frame(data), nil
		}
	}
	// A cancelled ctx tears the stream down: there is no other way to
	// interrupt a blocked read, and the caller is leaving anyway.
	stop := context.AfterFunc(ctx, func() { s.cancel(context.Cause(ctx)) })
	cancel := s.cancel
	total := time.AfterFunc(s.total, func() {
		cancel(fmt.Errorf("%w: an MJPEG part took longer than %s", errTimeout, s.total))
	})
	data, err := s.stream.next()
	total.Stop()
	stop()
	if err != nil {
		cause := s.cause(err)
		s.closeStream()
		return readFailed(ctx, s.desc, cause)
	}
	return s.frame(data), nil
}

func (s *httpSource) frame(data []byte) Frame {
	s.seq++
	return Frame{Seq: s.seq, Time: time.Now(), Data: data}
}

// get requests the URL. For a snapshot it returns the image; for a stream it
// returns nil and leaves s.stream ready.
func (s *httpSource) get(ctx context.Context) ([]byte, error) {
	reqCtx, cancel := context.WithCancelCause(context.Background())
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	defer stop()
	// One timer bounds the wait for headers, then (reset by every read) the
	// silence of the body.
	timer := time.AfterFunc(s.timeout, func() { cancel(fmt.Errorf("%w: no data for %s", errTimeout, s.timeout)) })
	// A second bounds the whole snapshot (or, for a stream, the response
	// headers and the first part, after which Next sets its own per part).
	total := time.AfterFunc(s.total, func() { cancel(fmt.Errorf("%w: the response took longer than %s", errTimeout, s.total)) })
	defer total.Stop()
	fail := func(err error) ([]byte, error) {
		timer.Stop()
		cancel(nil)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if c := context.Cause(reqCtx); c != nil && !errors.Is(c, context.Canceled) {
			err = c
		}
		return nil, fmt.Errorf("%s: %w", s.desc, err)
	}
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, s.url, nil)
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Accept", "image/jpeg, image/png, multipart/x-mixed-replace, */*;q=0.1")
	resp, err := s.client.Do(req)
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // drop the *url.Error prefix: s.desc names the URL
		}
		return fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return fail(fmt.Errorf("HTTP %s", resp.Status))
	}
	body := &idleReader{r: resp.Body, timer: timer, timeout: s.timeout}
	mediaType, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if strings.HasPrefix(mediaType, "multipart/") {
		s.stream = newMJPEGReader(body, params["boundary"])
		s.body, s.reqCtx, s.cancel, s.timer = resp.Body, reqCtx, cancel, timer
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(body, maxPart+1))
	resp.Body.Close()
	if err != nil {
		return fail(err)
	}
	timer.Stop()
	cancel(nil)
	if len(data) > maxPart {
		return nil, fmt.Errorf("%s: image exceeds the %d byte limit", s.desc, maxPart)
	}
	if !strings.HasPrefix(mediaType, "image/") {
		// Some cameras send no or a wrong Content-Type; trust the bytes.
		if sniffed := http.DetectContentType(data); !strings.HasPrefix(sniffed, "image/") {
			return nil, fmt.Errorf("%s: the response (Content-Type %q) is neither an image nor an MJPEG stream", s.desc, resp.Header.Get("Content-Type"))
		}
	}
	return data, nil
}

// cause prefers the reason the stream was cancelled (silence) over the
// read error it produced.
func (s *httpSource) cause(err error) error {
	if c := context.Cause(s.reqCtx); c != nil && !errors.Is(c, context.Canceled) {
		return c
	}
	return err
}

func (s *httpSource) closeStream() {
	if s.stream == nil {
		return
	}
	s.timer.Stop()
	s.cancel(nil)
	s.body.Close()
	s.stream, s.body, s.reqCtx, s.cancel, s.timer = nil, nil, nil, nil, nil
}

func (s *httpSource) Close() error {
	s.closeStream()
	return nil
}

// idleReader pushes back its timer on every read that returns data, so the
// timer measures silence rather than the length of the stream.
type idleReader struct {
	r       io.Reader
	timer   *time.Timer
	timeout time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.timer.Reset(r.timeout)
	}
	return n, err
}
