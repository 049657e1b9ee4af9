package daemon

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/edged/edged/capture"
	"github.com/edged/edged/frame"
	"github.com/edged/edged/imagenet"
	"github.com/edged/edged/preprocess"
	"github.com/edged/edged/publish"
)

// failLogEvery is the shortest interval between two warnings about a
// camera's unclassifiable frames; the ones in between are counted.
const failLogEvery = 10 * time.Second

// pipeline classifies the latest frame of cam until ctx ends. A frame being
// classified when ctx ends is finished and published: stopping waits for it.
// decode is the camera's config.yaml decode mode.
func (c *camera) pipeline(ctx context.Context, cam *capture.Camera, decode string) {
	mode, err := frame.ParseDecode(decode)
	if err == nil {
		var p *frame.Pipeline
		// One frame path per camera, reused for every frame: decoder
		// planes, crop and model input are never garbage.
		if p, err = frame.New(preprocess.ImageNet(), mode); err == nil {
			c.run(ctx, cam, p)
			return
		}
	}
	// config validation rules this out; say so rather than spin.
	c.d.log.Error("camera cannot classify", "camera", c.name, "err", err)
	<-ctx.Done()
}

func (c *camera) run(ctx context.Context, cam *capture.Camera, p *frame.Pipeline) {
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
		pred, err := c.classify(f, p)
		// The pipeline has read the pixels (its crop is its own): a GoCV
		// frame's Mat goes back to the source for the next read.
		f.Release()
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

// classify turns one frame into a prediction through the camera's frame
// path: Quantize here, Logits and TopK under the shared engine's lock. A
// decoder panic on a corrupt frame is returned as an error: bad input must
// not stop the daemon.
func (c *camera) classify(f capture.Frame, p *frame.Pipeline) (pred publish.Prediction, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.d.log.Error("decoder panicked on a frame; skipped", "camera", c.name, "frame", f.Seq,
				"panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("frame %d: panic while decoding: %v", f.Seq, r)
		}
	}()
	taken := time.Now()
	img := frame.Image{Data: f.Data, W: f.W, H: f.H, BGR: f.BGR}
	eng := c.d.cls.engine()
	if eng == nil {
		return pred, fmt.Errorf("frame %d: the model is closed (shutting down)", f.Seq)
	}
	if err := p.Quantize(img, eng); err != nil {
		return pred, fmt.Errorf("frame %d: %w", f.Seq, err)
	}
	prep := time.Since(taken)
	c.d.metrics.preprocess.Observe(prep.Seconds())

	top, arch, inf, err := c.d.cls.classify(p, int(c.d.topK.Load()))
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
