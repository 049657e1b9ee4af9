package capture

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// execSource runs a command and reads the MJPEG stream (concatenated JPEG
// images) it writes to stdout: the way to reach cameras only a vendor tool
// can read (rpicam-vid for the Raspberry Pi Camera Module, gst-launch with
// nvarguscamerasrc on a Jetson) and H.264/RTSP cameras through ffmpeg, from
// the pure-Go binary.
//
// One source is one run of the command: when it exits or falls silent the
// source fails and Camera starts it again after its backoff. The command
// runs in its own process group, without a shell, with stdin from
// /dev/null; stopping it signals the whole group (SIGTERM, then SIGKILL
// after execStopGrace), so helpers it started go too. Its stderr lines are
// logged.
type execSource struct {
	args    []string
	desc    string
	log     *slog.Logger
	timeout time.Duration // silence on stdout that counts as a hang
	startup time.Duration // silence allowed before the command's first byte (≥ timeout)
	seq     uint64

	// While the command runs:
	proc   *os.Process
	stdout *os.File
	stream *jpegStream
	dl     *deadlineReader
	exited chan struct{} // closed once the command was reaped
	status error         // Wait's error; read after exited is closed
	stderr *stderrLog
}

// execStopGrace is how long a stopped command may take to exit after
// SIGTERM before it is killed. Some camera stacks (libcamera, Argus) leave
// the camera busy for the next run when their client is killed outright.
const execStopGrace = 2 * time.Second

func openExec(args []string, spec string, opts Options) *execSource {
	log := opts.Logger
	if opts.Name != "" {
		log = log.With("camera", opts.Name)
	}
	return &execSource{args: args, desc: describe(opts.Name, spec), log: log,
		timeout: opts.HTTPTimeout, startup: max(opts.FrameTimeout, opts.HTTPTimeout)}
}

func (s *execSource) live() bool { return true }

func (s *execSource) Next(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	if s.proc == nil {
		if err := s.start(); err != nil {
			return Frame{}, fmt.Errorf("%s: %w", s.desc, err)
		}
	}
	// A cancelled ctx unblocks the read; the command is stopped below.
	stop := context.AfterFunc(ctx, s.dl.interrupt)
	data, err := s.stream.next()
	stop()
	if err != nil {
		why := s.why(err)
		s.stop()
		return readFailed(ctx, s.desc, why)
	}
	s.seq++
	return Frame{Seq: s.seq, Time: time.Now(), Data: data}, nil
}

func (s *execSource) Close() error {
	s.stop()
	return nil
}

// start runs the command with stdout and stderr on pipes of our own: *os.File
// ends, so exec starts no copying goroutines and Wait never closes what we
// read.
func (s *execSource) start() error {
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return err
	}
	cmd := exec.Command(s.args[0], s.args[1:]...)
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.SysProcAttr = procAttr()
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return err
	}
	s.proc, s.stdout = cmd.Process, outR
	s.dl = &deadlineReader{f: outR, timeout: s.timeout, startup: s.startup}
	s.stream = newJPEGStream(s.dl, maxPart)
	s.stderr = newStderrLog(errR, s.log)
	exited := make(chan struct{})
	s.exited = exited
	go func() {
		s.status = cmd.Wait()
		// Helpers the command left behind would hold stdout open.
		killGroup(cmd.Process.Pid, syscall.SIGKILL)
		close(exited)
	}()
	s.log.Debug("capture: command started", "pid", cmd.Process.Pid, "args", s.args)
	return nil
}

// why explains a failed read: the command exited (with its status and last
// stderr line), fell silent, or produced something that is not MJPEG.
func (s *execSource) why(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) && !s.dl.interrupted() {
		if !s.dl.started {
			return fmt.Errorf("no output in the %s after it started; stopping the command", s.startup)
		}
		return fmt.Errorf("no output for %s; stopping the command", s.timeout)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		select {
		case <-s.exited:
		case <-time.After(execStopGrace):
			return fmt.Errorf("the command closed its stdout")
		}
		msg := "the command exited"
		if s.status != nil {
			msg += ": " + s.status.Error()
		} else {
			msg += " with status 0"
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			msg += " in the middle of an image"
		}
		if line := s.stderr.last(time.Second); line != "" {
			msg += fmt.Sprintf(" (its last stderr line: %q)", line)
		}
		return errors.New(msg)
	}
	return err
}

// stop ends the running command, if any, and waits for it: SIGTERM to its
// process group, SIGKILL after execStopGrace.
func (s *execSource) stop() {
	if s.proc == nil {
		return
	}
	pid := s.proc.Pid
	select {
	case <-s.exited:
	default:
		killGroup(pid, syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(execStopGrace):
			s.log.Warn("capture: command ignored SIGTERM; killing it", "pid", pid)
			killGroup(pid, syscall.SIGKILL)
			select {
			case <-s.exited:
			case <-time.After(execStopGrace):
				// Stuck in the kernel (a hung driver): SIGKILL lands when
				// it returns, and the reaper goroutine collects it then.
				s.log.Error("capture: command does not die; leaving it to the kernel", "pid", pid)
			}
		}
	}
	s.stdout.Close()
	s.stderr.close()
	s.proc, s.stdout, s.stream, s.dl, s.stderr = nil, nil, nil, nil, nil
}

// deadlineReader reads the command's stdout with a silence deadline pushed
// back by every read, and can be interrupted from another goroutine (a
// cancelled context). Until the first byte the deadline is the longer
// startup one: a camera command's first frame comes after it loads its
// libraries (from an SD card), opens the sensor or connects to an RTSP
// server and waits for a keyframe, which can take longer than any silence
// a running stream should be allowed.
type deadlineReader struct {
	f       *os.File
	timeout time.Duration
	startup time.Duration
	started bool // a read returned bytes; only Read touches it

	mu   sync.Mutex
	stop bool
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	if r.stop {
		r.mu.Unlock()
		return 0, os.ErrDeadlineExceeded
	}
	d := r.timeout
	if !r.started {
		d = r.startup
	}
	r.f.SetReadDeadline(time.Now().Add(d))
	r.mu.Unlock()
	n, err := r.f.Read(p)
	if n > 0 {
		r.started = true
	}
	return n, err
}

func (r *deadlineReader) interrupt() {
	r.mu.Lock()
	r.stop = true
	r.f.SetReadDeadline(time.Unix(1, 0))
	r.mu.Unlock()
}

func (r *deadlineReader) interrupted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stop
}

// stderrLog logs the command's stderr line by line, keeping the last line
// for the error when it exits. A command that floods stderr is limited to
// stderrBurst lines a second (the rest are counted, not logged), and long
// lines are cut at stderrLineMax bytes.
type stderrLog struct {
	r    *os.File
	log  *slog.Logger
	done chan struct{}

	mu   sync.Mutex
	line string
}

const (
	stderrBurst   = 20
	stderrLineMax = 512
)

func newStderrLog(r *os.File, log *slog.Logger) *stderrLog {
	l := &stderrLog{r: r, log: log, done: make(chan struct{})}
	go l.run()
	return l
}

func (l *stderrLog) run() {
	defer close(l.done)
	br := bufio.NewReaderSize(l.r, 4096)
	var window time.Time
	logged, suppressed := 0, 0
	for {
		line, err := br.ReadSlice('\n')
		full := errors.Is(err, bufio.ErrBufferFull)
		if len(line) > 0 {
			text := string(bytes.TrimRight(line, "\r\n"))
			if len(text) > stderrLineMax {
				text = strings.ToValidUTF8(text[:stderrLineMax], "") + "…"
			}
			if full { // the rest of a very long line is dropped
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = br.ReadSlice('\n')
				}
			}
			if strings.TrimSpace(text) != "" {
				l.mu.Lock()
				l.line = text
				l.mu.Unlock()
				if now := time.Now(); now.Sub(window) >= time.Second {
					if suppressed > 0 {
						l.log.Warn("capture: command stderr lines not logged (more than 20 a second)", "lines", suppressed)
					}
					window, logged, suppressed = now, 0, 0
				}
				if logged < stderrBurst {
					l.log.Info("capture: command stderr", "line", text)
					logged++
				} else {
					suppressed++
				}
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// last returns the last stderr line once stderr is closed (or wait passed).
func (l *stderrLog) last(wait time.Duration) string {
	select {
	case <-l.done:
	case <-time.After(wait):
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.line
}

func (l *stderrLog) close() {
	l.r.Close()
	<-l.done
}
