package proctest

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/edged/edged/internal/testdata"
)

// FFmpegPattern returns the exec: source of the tests' camera: Debian's
// ffmpeg writing its 640x480 test pattern as MJPEG at 10 frames a second,
// in real time (-re), to stdout. extra goes before the output options
// (e.g. "-t 1" to exit after ten frames). A missing ffmpeg skips the test,
// or fails it where test data is required (testdata.Tool: CI).
//
// The first call in a process runs ffmpeg once, untimed by the capture
// code: on a freshly installed machine its first start reads a hundred or
// so shared libraries from a cold disk, which under a parallel `go test
// ./...` once took longer than a camera's 10 s silence limit in CI (a
// started command now has 30 s for its first byte, but the tests are
// about the stream, not about how fast a cold disk is).
func FFmpegPattern(t testing.TB, extra string) string {
	t.Helper()
	ffmpeg := testdata.Tool(t, "ffmpeg", "ffmpeg")
	ffmpegWarm.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-loglevel", "error",
			"-f", "lavfi", "-i", "testsrc=size=640x480:rate=10", "-frames:v", "1",
			"-f", "mjpeg", "-q:v", "5", "-y", os.DevNull).CombinedOutput()
		if err != nil {
			ffmpegErr = err.Error() + ": " + string(out)
		}
	})
	if ffmpegErr != "" {
		t.Fatalf("ffmpeg cannot encode its test pattern: %s", ffmpegErr)
	}
	return "exec:" + ffmpeg + " -nostdin -loglevel error -re -f lavfi -i testsrc=size=640x480:rate=10 " + extra + " -f mjpeg -q:v 5 -"
}

var (
	ffmpegWarm sync.Once
	ffmpegErr  string
)
