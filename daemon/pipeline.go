package daemon

import (
	"bytes"
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/edged/edged/capture"
	"github.com/edged/edged/imagenet"
	"github.com/edged/edged/preprocess"
	"github.com/edged/edged/publish"
)

// failLogEvery is the shortest interval between two warnings about a
// camera's unclassifiable frames; the ones in between are counted.
const failLogEvery = 10 * time.Second

// pipeline classifies the latest frame of cam until ctx ends. A frame being
// classified when ctx ends is finished and published: stopping waits for it.
func (c *camera) pipeline(ctx context.Context, cam *capture.Camera) {
	// One input buffer per camera, reused for every frame: 600 KB that
	// would otherwise be garbage 5 times a second.
	input := make([]float32, preprocess.Size*preprocess.Size*3)
	t := preprocess.ImageNet()
	for {
		f, err := cam.Latest(ctx)
		if err != nil {
			// ctx ended, or the capture failed for good (Run has reported
			// it): either way no frame will come. Waiting for ctx rather
			// than returning keeps stop's bookkeeping in one place and
			// never spins on a failed camera.
			<-ctx.Done()
			return
		}
		pred, err := c.classify(f, t, input)
		if err != nil {
			c.frameFailed(err)
			if ok, n := c.failLog.allow(time.Now(), failLogEvery); ok {
				c.d.log.Warn("skipping a frame that cannot be classified", "camera", c.name, "frame", f.Seq,
					"err", err, "similar_suppressed", n)
			}
			continue
		}
		c.predicted()
		c.d.emit(pred)
	}
}

// classify turns one frame into a prediction. A decoder panic on a corrupt
// frame is returned as an error: bad input must not stop the daemon.
func (c *camera) classify(f capture.Frame, t preprocess.Transform, input []float32) (pred publish.Prediction, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.d.log.Error("decoder panicked on a frame; skipped", "camera", c.name, "frame", f.Seq,
				"panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("frame %d: panic while decoding: %v", f.Seq, r)
		}
	}()
	taken := time.Now()
	img, err := decodeFrame(f)
	if err != nil {
		return pred, fmt.Errorf("frame %d: %w", f.Seq, err)
	}
	if err := t.Apply(img, input); err != nil {
		return pred, fmt.Errorf("frame %d: preprocess: %w", f.Seq, err)
	}
	prep := time.Since(taken)
	c.d.metrics.preprocess.Observe(prep.Seconds())

	top, arch, inf, err := c.d.cls.classify(input, int(c.d.topK.Load()))
	if err != nil {
		return pred, fmt.Errorf("frame %d: %w", f.Seq, err)
	}
	c.d.metrics.inference.Observe(inf.Seconds())
	c.d.lat.add(inf)

	if _, _, minScore := c.settings(); len(top) > 0 && top[0].Score < minScore {
		top = []imagenet.Class{} // no confident class: see the package comment
	}
	return publish.Prediction{
		Time:   f.Time,
		Camera: c.name,
		Frame:  f.Seq,
		Model:  arch,
		Top:    top,
		Latency: publish.Latency{
			Capture:    max(taken.Sub(f.Time), 0),
			Preprocess: prep,
			Inference:  inf,
		},
	}, nil
}

// decodeFrame returns the frame's pixels: encoded frames (pure-Go sources)
// are decoded, BGR frames (GoCV) converted.
func decodeFrame(f capture.Frame) (*preprocess.RGB, error) {
	if f.BGR != nil {
		img, err := preprocess.FromBGR(f.W, f.H, f.BGR)
		if err != nil {
			return nil, fmt.Errorf("BGR frame: %w", err)
		}
		return img, nil
	}
	if len(f.Data) == 0 {
		return nil, fmt.Errorf("empty frame")
	}
	img, err := preprocess.Decode(bytes.NewReader(f.Data))
	if err != nil {
		return nil, fmt.Errorf("decode %d-byte image: %w", len(f.Data), err)
	}
	return img, nil
}
