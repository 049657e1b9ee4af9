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
// timeout), so they run on a goroutine of their own: Next waits for it or
// for its context. Close waits up to closeWait for a call in progress, so
// that a daemon exiting after its cameras stopped does not exit under a
// running OpenCV call (C++ exit handlers racing it abort the process); a
// call hung longer is left to release the capture when it returns.
type gocvSource struct {
	sp   spec
	opts Options
	desc string

	mu      sync.Mutex
	vc      *gocv.VideoCapture
	mat     gocv.Mat      // reused by every read
	conv    gocv.Mat      // reused for grey/BGRA to BGR conversion
	busy    bool          // an OpenCV call is in progress
	idle    chan struct{} // closed when the call in progress returns
	closed  bool
	pending chan gocvResult // the call in progress, if any
	frames  uint64          // frames read since the (re)open, for looping files
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
	// A call abandoned by a cancelled Next is still running: wait for its
	// result instead of starting a second one.
	if s.pending == nil {
		s.pending = make(chan gocvResult, 1)
		s.busy = true
		s.idle = make(chan struct{})
		go s.read(s.pending, s.idle)
	}
	ch := s.pending
	s.mu.Unlock()
	select {
	case r := <-ch:
		s.mu.Lock()
		s.pending = nil
		s.mu.Unlock()
		return r.f, r.err
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
}

// read runs one open-if-needed plus read on its own goroutine.
func (s *gocvSource) read(out chan<- gocvResult, idle chan struct{}) {
	f, err := s.readFrame()
	s.mu.Lock()
	s.busy = false
	if s.closed {
		s.release()
	}
	close(idle)
	s.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("%s: %w", s.desc, err)
	}
	out <- gocvResult{f, err}
}

// readFrame touches vc and the Mats without the lock: busy keeps Close
// from releasing them meanwhile.
func (s *gocvSource) readFrame() (Frame, error) {
	if s.vc == nil {
		if err := s.open(); err != nil {
			return Frame{}, err
		}
	}
	if !s.vc.Read(&s.mat) || s.mat.Empty() {
		if s.sp.kind != kindVideoFile || s.frames == 0 {
			return Frame{}, fmt.Errorf("OpenCV read no frame (device unplugged, stream ended or file unreadable)")
		}
		// The end of a video file: start it again, as a directory cycles.
		// Reopening works for every container, seeking does not.
		s.vc.Close()
		s.vc = nil
		if err := s.open(); err != nil {
			return Frame{}, err
		}
		if !s.vc.Read(&s.mat) || s.mat.Empty() {
			return Frame{}, fmt.Errorf("OpenCV read no frame after rewinding the file")
		}
	}
	s.frames++
	img := s.mat
	switch img.Channels() {
	case 3:
	case 1:
		gocv.CvtColor(img, &s.conv, gocv.ColorGrayToBGR)
		img = s.conv
	case 4:
		gocv.CvtColor(img, &s.conv, gocv.ColorBGRAToBGR)
		img = s.conv
	default:
		return Frame{}, fmt.Errorf("OpenCV frame has %d channels, want 1, 3 or 4", img.Channels())
	}
	if img.Type() != gocv.MatTypeCV8UC3 {
		return Frame{}, fmt.Errorf("OpenCV frame type %v, want 8-bit BGR", img.Type())
	}
	if w, h := img.Cols(), img.Rows(); w != s.loggedW || h != s.loggedH {
		s.loggedW, s.loggedH = w, h
		s.opts.Logger.Info("capture: frame size delivered", "source", s.desc, "width", w, "height", h,
			"requested_width", s.opts.Width, "requested_height", s.opts.Height)
	}
	if !img.IsContinuous() {
		img = img.Clone()
		defer img.Close()
	}
	s.seq++
	// ToBytes copies: the Mat is reused by the next read.
	return Frame{Seq: s.seq, Time: time.Now(), W: img.Cols(), H: img.Rows(), BGR: img.ToBytes()}, nil
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
	if s.mat.Ptr() == nil {
		s.mat = gocv.NewMat()
		s.conv = gocv.NewMat()
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
	if !s.busy {
		s.release()
		s.mu.Unlock()
		return nil
	}
	idle := s.idle
	s.mu.Unlock()
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-idle: // the reading goroutine saw closed and released
	case <-t.C:
		s.opts.Logger.Warn("capture: OpenCV call still running after close; leaving it", "source", s.desc)
	}
	return nil
}

// release frees the OpenCV objects; called with mu held and no call busy.
func (s *gocvSource) release() {
	if s.vc != nil {
		s.vc.Close()
		s.vc = nil
	}
	if s.mat.Ptr() != nil {
		s.mat.Close()
		s.conv.Close()
	}
}
