//go:build gocv

package daemon

import (
	"image"
	"path/filepath"
	"slices"
	"testing"

	"gocv.io/x/gocv"

	"github.com/edged/edged/imagenet"
	"github.com/edged/edged/preprocess"
)

// TestGoCVVideoClassifiedLikeImages writes real images into an MJPG .avi
// with OpenCV's VideoWriter and runs the daemon on it (the GoCV backend,
// BGR frames). Its predictions must be exactly the engine's on the frames
// as OpenCV decodes them from the file, and agree with the original images
// (written losslessly as PNG): the same top-1 where the model is confident,
// despite MJPG's compression.
func TestGoCVVideoClassifiedLikeImages(t *testing.T) {
	m := testModel(t)
	files := sampleImages(t, 30, 6)
	dir := t.TempDir()
	video := filepath.Join(dir, "clip.avi")
	const w, h = 640, 480
	vw, err := gocv.VideoWriterFile(video, "MJPG", 10, w, h, true)
	if err != nil || !vw.IsOpened() {
		t.Fatalf("VideoWriter MJPG: %v (OpenCV without an AVI writer?)", err)
	}
	var pngs []string
	for _, f := range files {
		img := gocv.IMRead(f, gocv.IMReadColor)
		if img.Empty() {
			t.Fatalf("OpenCV cannot read %s", f)
		}
		small := gocv.NewMat()
		gocv.Resize(img, &small, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
		if err := vw.Write(small); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Base(f)+".png")
		if !gocv.IMWrite(p, small) {
			t.Fatalf("IMWrite %s", p)
		}
		pngs = append(pngs, p)
		img.Close()
		small.Close()
	}
	vw.Close()

	imageTop := classifyFiles(t, m, pngs, 3)
	const confident = 0.3
	sure := 0
	for _, top := range imageTop {
		if top[0].Score >= confident {
			sure++
		}
	}
	if sure < len(imageTop)/2 {
		t.Fatalf("only %d of %d images are classified with confidence >= %v: pick others", sure, len(imageTop), confident)
	}
	frameTop := classifyVideoFrames(t, m, video, len(files), 3)

	cfg := cameraConfig(t, m, "{name: video, source: "+video+", fps: 20}")
	var out lines
	startDaemon(t, cfg, Options{Predictions: &out})
	seen := func() int {
		s := map[uint64]bool{}
		for _, p := range out.predictions(t) {
			s[(p.Frame-1)%uint64(len(files))] = true
		}
		return len(s)
	}
	eventually(t, "a prediction of every video frame", func() bool { return seen() == len(files) })

	for _, p := range out.predictions(t) {
		i := (p.Frame - 1) % uint64(len(files)) // the file is looped
		want := frameTop[i]
		for k := range want {
			if p.Top[k].Class != want[k].Class || p.Top[k].Score != imagenet.RoundScore(want[k].Score) {
				t.Errorf("frame %d: top[%d] %+v, the engine on OpenCV's decoded frame gives %+v", p.Frame, k, p.Top[k], want[k])
			}
		}
		// MJPG is lossy: where the model is sure of the image, the frame
		// must get the same top-1; where it hesitates (the top-1 under
		// confident), compression may reorder close classes, but the
		// frame's top-1 must be among the image's top 3.
		img := imageTop[i]
		if img[0].Score >= confident {
			if p.Top[0].Class != img[0].Class {
				t.Errorf("frame %d (%s): top-1 %q, the image gives %q (%.2f)", p.Frame, filepath.Base(files[i]), p.Top[0].Label, img[0].Label, img[0].Score)
			}
		} else if !slices.ContainsFunc(img, func(c imagenet.Class) bool { return c.Class == p.Top[0].Class }) {
			t.Errorf("frame %d (%s): top-1 %q is not in the image's top 3 %+v", p.Frame, filepath.Base(files[i]), p.Top[0].Label, img)
		}
	}
}

// classifyVideoFrames decodes the first n frames of a video with OpenCV and
// classifies them directly with the engine.
func classifyVideoFrames(t *testing.T, model, video string, n, k int) [][]imagenet.Class {
	t.Helper()
	vc, err := gocv.VideoCaptureFile(video)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	classify := referenceClassifier(t, model, k)
	mat := gocv.NewMat()
	defer mat.Close()
	var out [][]imagenet.Class
	for i := 0; i < n; i++ {
		if !vc.Read(&mat) || mat.Empty() {
			t.Fatalf("%s: frame %d unreadable", video, i)
		}
		img, err := preprocess.FromBGR(mat.Cols(), mat.Rows(), mat.ToBytes())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, classify(img))
	}
	return out
}
