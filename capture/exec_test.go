package capture

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edged/edged/internal/proctest"
)

// ffmpegSource is the test pattern (proctest.FFmpegPattern).
func ffmpegSource(t *testing.T, extra string) string {
	t.Helper()
	return proctest.FFmpegPattern(t, extra)
}

// execOpts are the exec: tests' options: a silence limit of 30 s rather
// than 10, since ffmpeg shares two loaded cores with the rest of `go test
// ./...` in CI and these tests are not about the limit (TestExecFailures
// sets its own).
func execOpts(logs *proctest.Buffer) Options {
	o := fastOpts
	o.HTTPTimeout = 30 * time.Second
	if logs != nil {
		o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	return o
}

// TestExecFFmpegFrames: every frame of the stream is one whole JPEG of the
// size ffmpeg was asked for, numbered in order.
func TestExecFFmpegFrames(t *testing.T) {
	src, err := Open(ffmpegSource(t, ""), execOpts(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := testCtx(t)
	for i := 1; i <= 12; i++ {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if f.Seq != uint64(i) || f.BGR != nil {
			t.Fatalf("frame %d: seq %d, BGR set %v", i, f.Seq, f.BGR != nil)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(f.Data))
		if err != nil || cfg.Width != 640 || cfg.Height != 480 {
			t.Fatalf("frame %d (%d bytes): %v, %dx%d", i, len(f.Data), err, cfg.Width, cfg.Height)
		}
		if _, err := jpeg.Decode(bytes.NewReader(f.Data)); err != nil {
			t.Fatalf("frame %d does not decode: %v", i, err)
		}
		if !bytes.HasSuffix(f.Data, []byte{0xFF, 0xD9}) {
			t.Fatalf("frame %d does not end with EOI", i)
		}
	}
}

// TestExecRestartsAfterExit: ffmpeg -t 1 exits after ten frames; the camera
// reports why, starts it again after its backoff, and frames resume.
func TestExecRestartsAfterExit(t *testing.T) {
	cam := NewCamera("pattern", ffmpegSource(t, "-t 1"), 50, execOpts(nil))
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan struct{})
	go func() { cam.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	var last uint64
	deadline := time.Now().Add(60 * time.Second)
	for {
		f, err := cam.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Seq <= last {
			t.Fatalf("frame seq %d after %d", f.Seq, last)
		}
		last = f.Seq
		st := cam.Stats()
		if st.Reconnects >= 2 && st.State == StateStreaming {
			// Frames came from a third run of the command.
			if st.LastError == nil || !strings.Contains(st.LastError.Error(), "exited with status 0") {
				t.Fatalf("last error %v, want the command's exit", st.LastError)
			}
			if st.Captured < 15 {
				t.Fatalf("only %d frames over three runs of a 10-frame command", st.Captured)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no restart within 60s: %+v", st)
		}
	}
}

// TestExecStopKillsProcessGroup: closing the source ends the command and
// the processes it started, so a restarted command finds the camera free.
func TestExecStopKillsProcessGroup(t *testing.T) {
	var logs proctest.Buffer
	// sh starts a helper (sleep), prints its pid on stderr, then becomes
	// ffmpeg: the helper is in the command's process group, not its child.
	inner := strings.TrimPrefix(ffmpegSource(t, ""), "exec:")
	src, err := Open(`exec:sh -c 'sleep 1000 & echo helper=$! >&2; exec `+inner+`'`, execOpts(&logs))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if _, err := src.Next(ctx); err != nil {
		t.Fatal(err)
	}
	leader := src.(*execSource).proc.Pid
	var helper int
	for deadline := time.Now().Add(10 * time.Second); helper == 0; time.Sleep(10 * time.Millisecond) {
		if m := regexp.MustCompile(`helper=(\d+)`).FindStringSubmatch(logs.String()); m != nil {
			helper, _ = strconv.Atoi(m[1])
		} else if time.Now().After(deadline) {
			t.Fatalf("the helper's pid was not logged from stderr:\n%s", logs.String())
		}
	}
	if !alive(helper) {
		t.Fatal("the helper is not running before Close")
	}
	src.Close()
	if alive(leader) {
		t.Errorf("command %d still running after Close", leader)
	}
	// The helper is reaped by init, which may take a moment.
	for deadline := time.Now().Add(10 * time.Second); alive(helper); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(helper, syscall.SIGKILL)
			t.Fatalf("helper %d still running after Close", helper)
		}
	}
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] != 'Z'
}

// TestExecCancelStopsCommand: a cancelled Next returns at once and stops
// the command, even one that never writes.
func TestExecCancelStopsCommand(t *testing.T) {
	src, err := Open("exec:sleep 1000", execOpts(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(testCtx(t), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = src.Next(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Next took %s to return after its context ended", d)
	}
	if src.(*execSource).proc != nil {
		t.Fatal("the command was left running")
	}
}

// TestExecFailures: each way a command fails is reported with its cause.
func TestExecFailures(t *testing.T) {
	for _, tc := range []struct {
		source string
		opts   func(*Options)
		want   string
	}{
		{"exec:no-such-edged-command -o -", nil, `"no-such-edged-command": executable file not found`},
		{`exec:sh -c 'echo the camera is busy >&2; exit 3'`, nil, `exit status 3 (its last stderr line: "the camera is busy")`},
		{"exec:sleep 1000", func(o *Options) { o.HTTPTimeout, o.FrameTimeout = 300*time.Millisecond, 300*time.Millisecond },
			"no output in the 300ms after it started"},
		{"exec:cat /dev/zero", nil, "no JPEG start marker in 33554433 bytes: is the command writing MJPEG"},
		{`exec:printf 'not a jpeg\n'`, nil, "the stream ended after 11 bytes without a JPEG image"},
	} {
		opts := execOpts(nil)
		if tc.opts != nil {
			tc.opts(&opts)
		}
		opts.Name = "cam1"
		src, err := Open(tc.source, opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = src.Next(testCtx(t))
		src.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `camera "cam1"`) {
			t.Errorf("%s: got %v, want an error naming the camera and containing %q", tc.source, err, tc.want)
		}
	}
}

// TestExecSlowStart: a command may take longer than the stream's silence
// limit to write its first byte (a cold start: ffmpeg on an SD card, an RTSP
// connection waiting for a keyframe); FrameTimeout bounds that wait. Once
// it has written, the silence limit holds again.
func TestExecSlowStart(t *testing.T) {
	frame := filepath.Join(t.TempDir(), "frame.jpg")
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(frame, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := execOpts(nil)
	opts.HTTPTimeout, opts.FrameTimeout = 300*time.Millisecond, 20*time.Second
	src, err := Open(`exec:sh -c "sleep 1; cat `+frame+` `+frame+`; exec sleep 1000"`, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for i := 1; i <= 2; i++ {
		f, err := src.Next(testCtx(t))
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(f.Data, b.Bytes()) {
			t.Fatalf("frame %d: %d bytes, want the %d written", i, len(f.Data), b.Len())
		}
	}
	if _, err := src.Next(testCtx(t)); err == nil || !strings.Contains(err.Error(), "no output for 300ms") {
		t.Fatalf("after the frames: got %v, want the silence limit", err)
	}
}

// TestExecStderrLogged: the command's stderr lines reach the log, one
// record each, attributed to the camera.
func TestExecStderrLogged(t *testing.T) {
	var logs proctest.Buffer
	opts := execOpts(&logs)
	opts.Name = "cam2"
	src, _ := Open(`exec:sh -c 'echo first line >&2; echo second >&2; exit 0'`, opts)
	_, err := src.Next(testCtx(t))
	src.Close()
	if err == nil {
		t.Fatal("no error from a command that wrote no image")
	}
	out := logs.String()
	for _, want := range []string{`camera=cam2 line="first line"`, `camera=cam2 line=second`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	for in, want := range map[string][]string{
		"rpicam-vid -t 0 --codec mjpeg -o -":   {"rpicam-vid", "-t", "0", "--codec", "mjpeg", "-o", "-"},
		"  a\tb\n c  ":                         {"a", "b", "c"},
		`ffmpeg -i 'rtsp://u:p@cam/x?a=1&b=2'`: {"ffmpeg", "-i", "rtsp://u:p@cam/x?a=1&b=2"},
		`sh -c "echo \"hi\" \$HOME \x"`:        {"sh", "-c", `echo "hi" $HOME \x`},
		`a\ b 'c d'"e f" ''`:                   {"a b", "c de f", ""},
		`x 'it\'s'`:                            nil, // no escapes in single quotes: 'it\' s and an unterminated '
		"gst-launch-1.0 -q nvarguscamerasrc '!' nvjpegenc '!' fdsink": {"gst-launch-1.0", "-q", "nvarguscamerasrc", "!", "nvjpegenc", "!", "fdsink"},
		"a \\\n b":       {"a", "b"},
		`a"$(rm -rf /)"`: {"a$(rm -rf /)"},
	} {
		got, err := splitArgs(in)
		if want == nil {
			if err == nil {
				t.Errorf("%q: no error, got %q", in, got)
			}
			continue
		}
		if err != nil || strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
			t.Errorf("%q: got %q (%v), want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", `a "b`, `a\`, "rpicam-vid -o - | cat", "ffmpeg > out", "a; b", "a & b"} {
		if _, err := splitArgs(bad); !errors.Is(err, ErrBadSource) {
			t.Errorf("%q: got %v, want ErrBadSource", bad, err)
		}
	}
	// The spec keeps the argument list; a bad one is a permanent error.
	sp, err := parseSpec("exec:ffmpeg -i x -f mjpeg -")
	if err != nil || sp.kind != kindExec || len(sp.args) != 6 {
		t.Errorf("parseSpec: %+v %v", sp, err)
	}
	if _, err := Open("exec:", execOpts(nil)); !permanent(err) {
		t.Errorf("exec: with no command: %v, want a permanent error", err)
	}
	if got := redact("exec:ffmpeg -i rtsp://admin:secret@cam/live -f mjpeg -"); got != "exec:ffmpeg -i rtsp://admin:xxxxx@cam/live -f mjpeg -" {
		t.Errorf("redact: %q", got)
	}
}

// TestJPEGStream: images are split by their marker structure: junk between
// them is skipped, an EXIF thumbnail (a JPEG inside APP1, with its own EOI)
// does not end its image, a truncated image is dropped, and the size limit
// holds.
func TestJPEGStream(t *testing.T) {
	a, b := testJPEG(t, 40), testJPEG(t, 200)
	thumb := testJPEG(t, 90)
	// a with an APP1 segment holding a whole JPEG right after SOI.
	app1 := append([]byte{0xFF, 0xE1, byte((len(thumb) + 8) >> 8), byte(len(thumb) + 8)}, "Exif\x00\x00"...)
	withThumb := append(append(append([]byte{0xFF, 0xD8}, app1...), thumb...), a[2:]...)
	var s bytes.Buffer
	s.WriteString("ffmpeg says hello\n")
	s.Write(a)
	s.Write(withThumb)
	s.Write([]byte{0xFF, 0xFF}) // fill bytes between images
	s.Write(b[:len(b)-10])      // truncated in its scan: the next SOI starts over
	s.Write(b)
	s.Write(a[:len(a)-1]) // cut off mid-image: unexpected EOF
	js := newJPEGStream(&s, maxPart)
	for i, want := range [][]byte{a, withThumb, b} {
		got, err := js.next()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("image %d: %d bytes (%v), want %d bytes", i, len(got), err, len(want))
		}
	}
	if _, err := js.next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated last image: %v", err)
	}
	// A clean end between images is io.EOF.
	one := newJPEGStream(bytes.NewReader(a), maxPart)
	if _, err := one.next(); err != nil {
		t.Fatal(err)
	}
	if _, err := one.next(); err != io.EOF {
		t.Fatalf("after the last image: %v, want io.EOF", err)
	}
	small := newJPEGStream(bytes.NewReader(append(append([]byte{}, a...), a...)), len(a)-1)
	if _, err := small.next(); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("image over the limit: %v", err)
	}
}
