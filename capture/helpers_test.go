package capture

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"testing"
	"time"
)

// testJPEG encodes a small solid image, distinct per shade.
func testJPEG(t testing.TB, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 8))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(0, 0, color.RGBA{255 - shade, 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testCtx ends with the test, and fails it if the test hangs past the go
// test deadline minus a margin, so a hang is reported with its place.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	if d, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(context.Background(), d.Add(-5*time.Second))
	}
	t.Cleanup(cancel)
	return ctx
}

// fastOpts makes reconnects quick so failure tests run in milliseconds.
// Their warnings are expected, so they are not logged.
var fastOpts = Options{
	BackoffInitial: time.Millisecond,
	BackoffMax:     5 * time.Millisecond,
	Logger:         slog.New(slog.DiscardHandler),
}

// newTextLogger logs everything as text into w.
func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
