//go:build gocv

package capture

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edged/edged/internal/testdata"
	"gocv.io/x/gocv"
)

const vidW, vidH = 64, 48

// testColours are the solid frames of the test video; a horizontal grey
// gradient follows them.
var testColours = []color.RGBA{
	{R: 220, G: 30, B: 30}, // red
	{R: 30, G: 200, B: 40}, // green
	{R: 20, G: 40, B: 210}, // blue
	{R: 128, G: 128, B: 128},
}

// writeTestVideo writes an MJPG .avi with OpenCV's VideoWriter: the solid
// colours, then a gradient frame.
func writeTestVideo(t *testing.T) string {
	t.Helper()
	return writeVideo(t, "clip.avi", vidW, vidH, len(testColours)+1, func(i int, pix []byte) {
		for p := 0; p < len(pix); p += 3 {
			if i < len(testColours) {
				c := testColours[i]
				pix[p], pix[p+1], pix[p+2] = c.B, c.G, c.R
				continue
			}
			v := byte(p / 3 % vidW * 255 / (vidW - 1))
			pix[p], pix[p+1], pix[p+2] = v, v, v
		}
	})
}

// writeVideo writes n frames of w x h packed BGR pixels, frame i filled by
// frame(i, pix), as an MJPG .avi with OpenCV's VideoWriter.
func writeVideo(t testing.TB, name string, w, h, n int, frame func(i int, pix []byte)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	vw, err := gocv.VideoWriterFile(path, "MJPG", 10, w, h, true)
	if err != nil || !vw.IsOpened() {
		t.Fatalf("VideoWriter MJPG: %v (OpenCV without an AVI writer?)", err)
	}
	pix := make([]byte, w*h*3)
	for i := range n {
		frame(i, pix)
		m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, pix)
		if err != nil {
			t.Fatal(err)
		}
		if err := vw.Write(m); err != nil {
			t.Fatal(err)
		}
		m.Close()
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// meanBGR averages a packed BGR image.
func meanBGR(bgr []byte) (b, g, r float64) {
	n := float64(len(bgr) / 3)
	for i := 0; i+2 < len(bgr); i += 3 {
		b += float64(bgr[i])
		g += float64(bgr[i+1])
		r += float64(bgr[i+2])
	}
	return b / n, g / n, r / n
}

func near(a, b float64) bool { return a-b < 12 && b-a < 12 } // JPEG loses a little

func checkColour(t *testing.T, i int, f Frame, want color.RGBA) {
	t.Helper()
	if f.W != vidW || f.H != vidH || len(f.BGR) != vidW*vidH*3 || f.Data != nil {
		t.Fatalf("frame %d: %dx%d, %d BGR bytes, %d Data bytes; want %dx%d BGR only", i, f.W, f.H, len(f.BGR), len(f.Data), vidW, vidH)
	}
	b, g, r := meanBGR(f.BGR)
	if !near(b, float64(want.B)) || !near(g, float64(want.G)) || !near(r, float64(want.R)) {
		t.Fatalf("frame %d: mean B,G,R = %.0f,%.0f,%.0f, want about %d,%d,%d", i, b, g, r, want.B, want.G, want.R)
	}
}

func TestGoCVVideoFile(t *testing.T) {
	path := writeTestVideo(t)
	src, err := Open(path, Options{Name: "clip"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if l, ok := src.(liveSource); !ok || l.live() {
		t.Fatal("a video file must be read at the camera's pace, not as a live source")
	}
	ctx := testCtx(t)
	for i, c := range testColours {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		checkColour(t, i, f, c)
	}
	// The gradient: dark on the left, bright on the right, grey throughout.
	f, err := src.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	row := f.BGR[(vidH/2)*vidW*3:]
	left, right := row[2*3], row[(vidW-3)*3]
	if left > 30 || right < 225 {
		t.Fatalf("gradient frame: left %d, right %d; want dark to bright", left, right)
	}
	// Five frames, then the file starts again.
	f, err = src.Next(ctx)
	if err != nil {
		t.Fatalf("after the last frame: %v", err)
	}
	checkColour(t, 5, f, testColours[0])
}

// The same file through a Camera: frames arrive in the mailbox as BGR.
func TestGoCVCamera(t *testing.T) {
	path := writeTestVideo(t)
	cam := NewCamera("clip", "gocv:"+path, 1000, fastOpts)
	ctx := runCamera(t, cam)
	f, err := cam.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.W != vidW || f.H != vidH || len(f.BGR) != vidW*vidH*3 {
		t.Fatalf("frame %dx%d with %d bytes", f.W, f.H, len(f.BGR))
	}
	if st := cam.Stats(); st.State != StateStreaming || st.Captured < 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestGoCVMissingSources(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "none.mp4"), Options{Name: "x"}); err == nil || !strings.Contains(err.Error(), "none.mp4") {
		t.Errorf("missing video file: %v", err)
	}
	// A device that does not exist opens (Open does not block) but fails on
	// the first read, naming the camera.
	src, err := Open("/dev/video99", Options{Name: "usb"})
	if err == nil {
		_, err = src.Next(context.Background())
		src.Close()
	}
	if err == nil || !strings.Contains(err.Error(), `camera "usb"`) {
		t.Errorf("missing device: %v", err)
	}
}

// Close while OpenCV is busy must not free what it is using: the reading
// goroutine releases it afterwards. Freeing the VideoCapture under a running
// read would crash the test binary.
func TestGoCVCloseDuringRead(t *testing.T) {
	path := writeTestVideo(t)
	for range 20 {
		src, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Next starts the read, then returns at once
		src.Next(ctx)
		src.Close()
	}
}

// A GStreamer pipeline through OpenCV's GStreamer backend: videotestsrc's
// first pattern frame is SMPTE colour bars, white on the left.
func TestGoCVGStreamerPipeline(t *testing.T) {
	spec := "gst:videotestsrc num-buffers=30 ! video/x-raw,format=BGR,width=80,height=60 ! appsink"
	src, err := Open(spec, Options{Name: "gst"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	f, err := src.Next(testCtx(t))
	if err != nil {
		testdata.Skipf(t, "pipeline did not run (OpenCV without GStreamer, or GStreamer plugins base missing? apt-get install gstreamer1.0-plugins-base): %v", err)
	}
	if f.W != 80 || f.H != 60 || len(f.BGR) != 80*60*3 {
		t.Fatalf("frame %dx%d, %d bytes", f.W, f.H, len(f.BGR))
	}
	if l, ok := src.(liveSource); !ok || !l.live() {
		t.Error("a pipeline must be a live source")
	}
	if b, g, r := f.BGR[3*(10*80+2)], f.BGR[3*(10*80+2)+1], f.BGR[3*(10*80+2)+2]; b < 150 || g < 150 || r < 150 {
		t.Errorf("left bar pixel B,G,R = %d,%d,%d, want light grey/white", b, g, r)
	}
}

// Width and height are requested from the source; what it delivers is
// logged once (a video file keeps its own size).
func TestGoCVRequestedSizeLogged(t *testing.T) {
	path := writeTestVideo(t)
	var logs bytes.Buffer
	src, err := Open(path, Options{Name: "clip", Width: 640, Height: 480,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for range 3 {
		f, err := src.Next(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if f.W != vidW || f.H != vidH {
			t.Fatalf("frame %dx%d, want the file's %dx%d", f.W, f.H, vidW, vidH)
		}
	}
	out := logs.String()
	want := fmt.Sprintf("width=%d height=%d requested_width=640 requested_height=480", vidW, vidH)
	if strings.Count(out, "frame size delivered") != 1 || !strings.Contains(out, want) {
		t.Errorf("log:\n%s\nwant one \"frame size delivered\" line with %q", out, want)
	}
}
