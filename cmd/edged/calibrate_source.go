package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/edged/edged/capture"
	"github.com/edged/edged/preprocess"
)

// sourceFrameWait bounds the wait for one frame beyond --every: a camera
// that delivers nothing for this long (unplugged, reconnecting) fails the
// calibration with its last error instead of hanging.
const sourceFrameWait = 60 * time.Second

// sourceInputs captures n frames from a camera source (any string a
// config's cameras[].source takes), one every `every`, so the ranges are
// calibrated on the scene the board actually sees, and preprocesses them
// like `edged run` does. Frames that do not decode are skipped and
// reported; they still count towards n, so a broken camera cannot keep
// calibration waiting forever.
func sourceInputs(source string, n int, every time.Duration, stderr io.Writer, prog *progress) (inputs [][]float32, names []string, err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cam := capture.NewCamera("calibrate", source, 1/every.Seconds(), capture.Options{Logger: log})
	done := make(chan struct{})
	go func() { cam.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	t := preprocess.ImageNet()
	for i := 0; i < n; i++ {
		wait, cancelWait := context.WithTimeout(ctx, every+sourceFrameWait)
		f, err := cam.Latest(wait)
		cancelWait()
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("interrupted after %d of %d frames", i, n)
			}
			if st := cam.Stats(); st.LastError != nil && st.State != capture.StateStreaming {
				err = st.LastError
			}
			return nil, nil, fmt.Errorf("--source: frame %d of %d: %w", i+1, n, err)
		}
		x, err := frameInput(f, t)
		f.Release() // frameInput copied what it needs
		if err != nil {
			fmt.Fprintf(stderr, "edged calibrate: skipped frame %d: %v\n", f.Seq, err)
		} else {
			inputs = append(inputs, x)
			names = append(names, fmt.Sprintf("frame-%04d@%s", f.Seq, f.Time.UTC().Format(time.RFC3339)))
		}
		prog.update("capture", i+1, n)
	}
	return inputs, names, nil
}

// frameInput decodes a captured frame (JPEG/PNG bytes, or BGR pixels from
// OpenCV) and applies the eval transform.
func frameInput(f capture.Frame, t preprocess.Transform) ([]float32, error) {
	var img *preprocess.RGB
	var err error
	if f.BGR != nil {
		img, err = preprocess.FromBGR(f.W, f.H, f.BGR)
	} else {
		img, err = preprocess.Decode(bytes.NewReader(f.Data))
	}
	if err != nil {
		return nil, err
	}
	x := make([]float32, preprocess.Size*preprocess.Size*3)
	if err := t.Apply(img, x); err != nil {
		return nil, err
	}
	return x, nil
}
