//go:build gocv

package capture

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"gocv.io/x/gocv"
)

// gocvSource reads frames through OpenCV's VideoCapture. OpenCV calls block
// and cannot be interrupted (an RTSP open or read can hang for its own
// timeout), so they all run on one goroutine of the source's own, the
// reader, which reads a frame each time Next asks; Next waits for it or for
// its context. Close waits up to closeWait for a call in progress, so
// that a daemon exiting after its cameras stopped does not exit under a
// running OpenCV call (C++ exit handlers racing it abort the process); a
// call hung longer is left to release the capture when it returns.
//
// Frames wrap, not copy, the pixels of a Mat from the source's pool (see
// Frame): OpenCV reads straight into a Mat no frame in use wraps.
type gocvSource struct {
	sp   spec
	opts Options
	desc string

	mu      sync.Mutex
	closed  bool
	started bool            // the reader runs
	pending bool            // a frame was asked for and not yet taken by Next
	req     chan struct{}   // asks the reader for a frame; closed by Close
	res     chan gocvResult // the reader's answers
	done    chan struct{}   // closed when the reader has released everything

	// The reader's alone (Close's if it never started): no lock.
	vc      *gocv.VideoCapture
	pool    matPool
	raw     gocv.Mat // read into, then converted, while frames need it
	spare   gocv.Mat // the frame when every pooled Mat is lent (then copied)
	convert bool     // the last frame was not packed BGR: read into raw
	frames  uint64   // frames read since the (re)open, for looping files
	seq     uint64
	// the frame size last logged: the size delivered is logged once, and
	// again only if a reopen brings another.
	loggedW, loggedH int
}

type gocvResult struct {
	f   Frame
	err error
}

func openGoCV(sp spec, opts Options) (Source, error) {
	switch sp.kind {
	case kindVideoFile:
		if _, err := os.Stat(sp.target); err != nil {
			return nil, err
		}
	case kindDevice:
		if sp.device < 0 {
			if _, err := os.Stat(sp.target); err != nil {
				return nil, err
			}
		}
	}
	return &gocvSource{sp: sp, opts: opts, desc: describe(opts.Name, sp.target)}, nil
}

// live: devices, streams and pipelines run at their own rate; a file is read
// only as fast as frames are wanted.
func (s *gocvSource) live() bool { return s.sp.kind != kindVideoFile }

func (s *gocvSource) Next(ctx context.Context) (Frame, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Frame{}, fmt.Errorf("%s: closed", s.desc)
	}
	if !s.started {
		s.started = true
		s.req, s.res, s.done = make(chan struct{}, 1), make(chan gocvResult, 1), make(chan struct{})
		go s.reader(s.req, s.res, s.done)
	}
	// A read abandoned by a cancelled Next is still running, or its frame
	// waiting: take that one instead of asking for another. So at most
	// one request is ever outstanding and neither channel send blocks.
	if !s.pending {
		s.pending = true
		s.req <- struct{}{}
	}
	res, done := s.res, s.done
	s.mu.Unlock()
	select {
	case r := <-res:
		s.mu.Lock()
		s.pending = false
		s.mu.Unlock()
		return r.f, r.err
	case <-done: // closed meanwhile by another goroutine
		return Frame{}, fmt.Errorf("%s: closed", s.desc)
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
}

// reader makes every OpenCV call of the source: one frame per request,
// until Close closes req; then it frees the capture and the Mats.
func (s *gocvSource) reader(req <-chan struct{}, res chan gocvResult, done chan<- struct{}) {
	defer close(done)
	for range req {
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			break
		}
		f, err := s.readFrame()
		if err != nil {
			err = fmt.Errorf("%s: %w", s.desc, err)
		}
		res <- gocvResult{f, err}
	}
	// A frame no Next took is nobody's: give its Mat back before freeing.
	select {
	case r := <-res:
		r.f.Release()
	default:
	}
	s.release()
}

// readFrame reads the next frame into a pooled Mat and lends it. When
// every pooled Mat is lent (a consumer not releasing frames) it reads into
// spare and copies: OpenCV reuses spare for the next read.
func (s *gocvSource) readFrame() (Frame, error) {
	if s.vc == nil {
		if err := s.open(); err != nil {
			return Frame{}, err
		}
	}
	m := s.pool.take()
	out := &s.spare
	if m != nil {
		out = &m.mat
	}
	in := out
	if s.convert {
		in = &s.raw
	}
	if err := s.readInto(in); err != nil {
		s.pool.putBack(m)
		return Frame{}, err
	}
	s.frames++
	if err := s.toBGR(in, out); err != nil {
		s.pool.putBack(m)
		return Frame{}, err
	}
	w, h := out.Cols(), out.Rows()
	if w != s.loggedW || h != s.loggedH {
		s.loggedW, s.loggedH = w, h
		s.opts.Logger.Info("capture: frame size delivered", "source", s.desc, "width", w, "height", h,
			"requested_width", s.opts.Width, "requested_height", s.opts.Height)
	}
	s.seq++
	f := Frame{Seq: s.seq, Time: time.Now(), W: w, H: h}
	if m == nil {
		f.BGR = out.ToBytes()
		return f, nil
	}
	bgr, err := out.DataPtrUint8()
	if err != nil || len(bgr) != w*h*3 { // toBGR checked: cannot happen
		s.pool.putBack(m)
		return Frame{}, fmt.Errorf("OpenCV frame %dx%d is not packed BGR (%v)", w, h, err)
	}
	f.BGR = bgr
	f.lender, f.lease = m, m.lend()
	return f, nil
}

// readInto reads the next frame into m, starting a video file again at its
// end.
func (s *gocvSource) readInto(m *gocv.Mat) error {
	if s.vc.Read(m) && !m.Empty() {
		return nil
	}
	if s.sp.kind != kindVideoFile || s.frames == 0 {
		return fmt.Errorf("OpenCV read no frame (device unplugged, stream ended or file unreadable)")
	}
	// The end of a video file: start it again, as a directory cycles.
	// Reopening works for every container, seeking does not.
	s.vc.Close()
	s.vc = nil
	if err := s.open(); err != nil {
		return err
	}
	if !s.vc.Read(m) || m.Empty() {
		return fmt.Errorf("OpenCV read no frame after rewinding the file")
	}
	return nil
}

// toBGR leaves the frame read into in as packed BGR in out. A source that
// delivers packed BGR (the usual case: OpenCV's capture backends convert
// to it) is read straight into out and nothing is copied. Any other frame
// (grey, BGRA, or rows with padding) is converted into out, and the next
// frames are read into raw and converted, so that neither Mat changes
// type, and is reallocated, on every frame; should packed BGR come again,
// the Mat it was read into is swapped into out instead of copied.
func (s *gocvSource) toBGR(in, out *gocv.Mat) error {
	if packedBGR(*in) {
		if in != out {
			*in, *out = *out, *in
			s.convert = false
		}
		return nil
	}
	if in == out {
		s.raw, *out = *out, s.raw
		in = &s.raw
		s.convert = true
	}
	return convertBGR(*in, out)
}

// packedBGR reports whether m can be wrapped as a Frame's BGR: 8 bits per
// channel, 3 channels, rows without padding.
func packedBGR(m gocv.Mat) bool {
	return m.Type() == gocv.MatTypeCV8UC3 && m.IsContinuous()
}

// convertBGR converts src, 8-bit grey, BGR or BGRA, with or without row
// padding, into dst as packed BGR.
func convertBGR(src gocv.Mat, dst *gocv.Mat) error {
	switch t := src.Type(); t {
	case gocv.MatTypeCV8UC3:
		src.CopyTo(dst)
	case gocv.MatTypeCV8UC1:
		gocv.CvtColor(src, dst, gocv.ColorGrayToBGR)
	case gocv.MatTypeCV8UC4:
		gocv.CvtColor(src, dst, gocv.ColorBGRAToBGR)
	default:
		return fmt.Errorf("OpenCV frame type %v (%d channels), want 8-bit grey, BGR or BGRA", t, src.Channels())
	}
	if !packedBGR(*dst) { // never wrap a view with padded rows
		return fmt.Errorf("OpenCV converted the frame to type %v, want packed 8-bit BGR", dst.Type())
	}
	return nil
}

// requestSize asks the device for the configured frame size
// (CAP_PROP_FRAME_WIDTH/HEIGHT): a request, the driver picks the nearest
// size it supports. A frame no larger than the model needs (its shorter
// side just over 256 pixels) costs the least to decode and resize.
func (s *gocvSource) requestSize(vc *gocv.VideoCapture) {
	if s.opts.Width > 0 {
		vc.Set(gocv.VideoCaptureFrameWidth, float64(s.opts.Width))
	}
	if s.opts.Height > 0 {
		vc.Set(gocv.VideoCaptureFrameHeight, float64(s.opts.Height))
	}
}

var videoN = regexp.MustCompile(`^/dev/video(\d+)$`)

func (s *gocvSource) open() error {
	var (
		vc  *gocv.VideoCapture
		err error
	)
	switch s.sp.kind {
	case kindDevice:
		idx := s.sp.device
		if idx < 0 {
			// /dev/v4l/by-id/... links are stable across replugging; the
			// index they point at is what OpenCV opens best.
			path := s.sp.target
			if real, err := filepath.EvalSymlinks(path); err == nil {
				path = real
			}
			if m := videoN.FindStringSubmatch(path); m != nil {
				idx, _ = strconv.Atoi(m[1])
			}
		}
		if idx >= 0 {
			vc, err = gocv.VideoCaptureDevice(idx)
		} else {
			vc, err = gocv.VideoCaptureFileWithAPI(s.sp.target, gocv.VideoCaptureV4L2)
		}
		if err == nil && s.opts.FPS > 0 {
			// A request: the driver picks the nearest rate it supports.
			vc.Set(gocv.VideoCaptureFPS, s.opts.FPS)
		}
		if err == nil {
			s.requestSize(vc)
		}
	case kindPipeline:
		// The pipeline string says its own caps (video/x-raw,width=...).
		vc, err = gocv.VideoCaptureFileWithAPI(s.sp.target, gocv.VideoCaptureGstreamer)
	default: // video files and stream URLs
		vc, err = gocv.VideoCaptureFile(s.sp.target)
		if err == nil {
			s.requestSize(vc) // files ignore it; some stream backends honour it
		}
	}
	if err != nil || !vc.IsOpened() {
		if vc != nil {
			vc.Close()
		}
		return fmt.Errorf("OpenCV could not open it (%v); check the path or URL, and that OpenCV was built with the backend it needs (FFmpeg, GStreamer, V4L2)", err)
	}
	s.vc = vc
	if s.raw.Ptr() == nil {
		s.raw = gocv.NewMat()
		s.spare = gocv.NewMat()
	}
	s.frames = 0
	return nil
}

// closeWait bounds how long Close waits for an OpenCV call; SIGTERM must
// still end the daemon within 5 s.
const closeWait = 2 * time.Second

func (s *gocvSource) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if !s.started {
		s.mu.Unlock()
		s.release() // nothing was opened: no reader, no capture
		return nil
	}
	close(s.req) // the reader frees everything once its call returns
	done := s.done
	s.mu.Unlock()
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.opts.Logger.Warn("capture: OpenCV call still running after close; leaving it", "source", s.desc)
	}
	return nil
}

// release frees the capture and the Mats no frame wraps; the pool frees
// the others as their frames are released. Called by the reader as it
// exits, or by Close if no reader ever ran.
func (s *gocvSource) release() {
	if s.vc != nil {
		s.vc.Close()
		s.vc = nil
	}
	if s.raw.Ptr() != nil {
		s.raw.Close()
		s.spare.Close()
	}
	s.pool.close()
}
