// Package capture delivers camera frames: it opens sources of every kind
// behind one interface (still image, image directory, HTTP snapshot, MJPEG
// stream, a command writing MJPEG to stdout, and with the gocv build tag
// V4L2 devices, video files, RTSP and GStreamer), reconnects failing sources with backoff, and hands the
// consumer only the latest frame.
//
// Frames leave capture undecoded (Data) or as raw BGR pixels (GoCV), so a
// frame dropped because inference is slower than the camera costs no decode.
// GoCV frames wrap the pixels of a pooled OpenCV Mat, not a copy: whoever
// takes a frame releases it when done (see Frame).
package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// Frame is one captured image. Exactly one of Data and BGR is set.
//
// Ownership: whoever holds a frame (the caller of Source.Next or
// Camera.Latest) owns it and calls Release once done with it. A frame's
// memory may be lent by its source: GoCV frames wrap the pixels of an
// OpenCV Mat from a small pool instead of copying them, and the source
// writes into that Mat again only after Release. So Data and BGR must not
// be used after Release, through any copy of the Frame value (copies share
// the memory; release one of them, once). A source whose frames are never
// released keeps working, but copies each frame once its pool is lent out.
type Frame struct {
	// Seq numbers the frames of a Camera from 1, across reconnects; a gap
	// means frames were dropped. Sources used directly number their own.
	Seq  uint64
	Time time.Time // when the frame was captured
	// Data is an encoded JPEG or PNG, as read from a file or the network
	// (pure-Go sources). It may be corrupt: decoding is the consumer's job.
	Data []byte
	// W, H and BGR are a decoded image, packed 3 bytes per pixel in B, G, R
	// order, row by row (GoCV sources). W and H are 0 for Data frames.
	W, H int
	BGR  []byte

	// lender, if set, lent BGR's memory; lease names the loan.
	lender lender
	lease  uint64
}

// lender is a piece of frame memory a source lends out.
type lender interface {
	// giveBack ends the loan named lease; an ended loan is ignored, so a
	// second Release of a frame cannot hand its memory out twice.
	giveBack(lease uint64)
}

// Release gives the frame's memory back to its source, if it was lent, and
// clears f.Data and f.BGR. Releasing a frame twice, or a zero Frame, does
// nothing.
func (f *Frame) Release() {
	if f.lender != nil {
		f.lender.giveBack(f.lease)
	}
	f.lender, f.Data, f.BGR = nil, nil, nil
}

// Source produces frames. It is used by one goroutine at a time.
type Source interface {
	// Next blocks until the next frame, an error, or ctx is done. After an
	// error other than ctx's, the source is broken: close it and open a new
	// one.
	Next(ctx context.Context) (Frame, error)
	// Close releases the source. An OpenCV source waits up to 2 s for a
	// read in progress; one hung longer is released when it returns.
	Close() error
}

// liveSource is implemented by sources that produce frames at their own
// rate (devices, streams). Camera reads them continuously and discards
// frames beyond its fps, so the frames it keeps are fresh; the other
// sources are only asked for a frame when one is due.
type liveSource interface {
	live() bool
}

// Options tune how sources are opened.
type Options struct {
	// Name is the camera's name, used in errors and logs.
	Name string
	// FPS is the frame rate the camera wants; GoCV devices are asked for it.
	FPS float64
	// Width and Height, when positive, are the frame size GoCV devices
	// and streams are asked for; the size delivered is logged once.
	Width, Height int
	// BackoffInitial is the wait before the first reconnect; each further
	// one waits twice as long (with jitter) up to BackoffMax. Defaults:
	// 500ms and 30s.
	BackoffInitial, BackoffMax time.Duration
	// HTTPClient fetches HTTP sources; default: a client of its own.
	HTTPClient *http.Client
	// HTTPTimeout bounds a snapshot request and the silence of an MJPEG
	// stream (HTTP, or an exec: command's stdout) before it counts as
	// dropped; default 10s.
	HTTPTimeout time.Duration
	// FrameTimeout bounds the whole of one snapshot request, or of one MJPEG
	// part from the end of the previous one, however steadily the bytes
	// trickle in (a server sending one byte a second never trips
	// HTTPTimeout); it is also the silence an exec: command is allowed
	// before its first byte (a cold start). Default 30s, and never less than
	// HTTPTimeout.
	FrameTimeout time.Duration
	// Logger receives warnings; default slog.Default().
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultBackoffInitial = 500 * time.Millisecond
	DefaultBackoffMax     = 30 * time.Second
	DefaultHTTPTimeout    = 10 * time.Second
	DefaultFrameTimeout   = 30 * time.Second
)

func (o Options) withDefaults() Options {
	if o.BackoffInitial <= 0 {
		o.BackoffInitial = DefaultBackoffInitial
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = DefaultBackoffMax
	}
	if o.BackoffMax < o.BackoffInitial {
		o.BackoffMax = o.BackoffInitial
	}
	if o.HTTPTimeout <= 0 {
		o.HTTPTimeout = DefaultHTTPTimeout
	}
	if o.FrameTimeout <= 0 {
		o.FrameTimeout = DefaultFrameTimeout
	}
	o.FrameTimeout = max(o.FrameTimeout, o.HTTPTimeout)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ErrNoGoCV is returned by Open for a source only the OpenCV backend reads
// when the binary was built without the gocv tag.
var ErrNoGoCV = errors.New("needs GoCV: this binary was built without it; rebuild with -tags gocv")

// ErrBadSource is returned by Open for a source spec that cannot be read in
// any build, such as "gst:" without a pipeline.
var ErrBadSource = errors.New("bad source")

// permanent reports whether retrying cannot fix err.
func permanent(err error) bool {
	return errors.Is(err, ErrNoGoCV) || errors.Is(err, ErrBadSource)
}

// readFailed is what a streaming source's Next returns when reading a
// frame failed with cause (the source already torn down): the context's
// error when it was cancelled, since the cancellation is what broke the
// read, else the cause named by the source.
func readFailed(ctx context.Context, desc string, cause error) (Frame, error) {
	if ctx.Err() != nil {
		return Frame{}, ctx.Err()
	}
	return Frame{}, fmt.Errorf("%s: %w", desc, cause)
}

// Open opens the source named by spec:
//
//   - a directory: its *.jpg, *.jpeg and *.png files (any case, dotfiles
//     skipped), cycled in name order and re-listed on every pass;
//   - an image file: re-read for every frame, so it may be replaced;
//   - http:// or https://: a JPEG/PNG snapshot fetched for every frame, or an
//     MJPEG stream if the server answers multipart/x-mixed-replace;
//   - with the gocv build tag: a device index ("0") or /dev/videoN, rtsp://
//     and other stream URLs, a video file (.avi, .mp4, .mkv, .mov, ...,
//     looped), "gst:<pipeline>" (GStreamer ending in appsink), or
//     "gocv:<any of these>" to force OpenCV (e.g. gocv:http://cam/video);
//   - "exec:<command>": a command writing MJPEG (concatenated JPEGs) to
//     stdout, run without a shell (arguments split as splitArgs documents)
//     and restarted when it exits, e.g.
//     "exec:rpicam-vid -t 0 --codec mjpeg -o -".
//
// Open only checks what it can without blocking; network and device
// connections are made by the first Next, which honours its context.
func Open(spec string, opts Options) (Source, error) {
	opts = opts.withDefaults()
	sp, err := parseSpec(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", describe(opts.Name, spec), err)
	}
	switch sp.kind {
	case kindHTTP:
		return openHTTP(sp.target, opts)
	case kindExec:
		return openExec(sp.args, spec, opts), nil
	case kindPath:
		st, err := os.Stat(sp.target)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", describe(opts.Name, spec), err)
		}
		if st.IsDir() {
			return openDir(sp.target, opts), nil
		}
		return openFile(sp.target, opts), nil
	default:
		src, err := openGoCV(sp, opts)
		if err != nil {
			if errors.Is(err, ErrNoGoCV) {
				return nil, fmt.Errorf("%s %w", describe(opts.Name, spec), err)
			}
			return nil, fmt.Errorf("%s: %w", describe(opts.Name, spec), err)
		}
		return src, nil
	}
}

// describe names a source in errors, without URL credentials.
func describe(camera, spec string) string {
	if camera == "" {
		return fmt.Sprintf("source %q", redact(spec))
	}
	return fmt.Sprintf("camera %q: source %q", camera, redact(spec))
}
