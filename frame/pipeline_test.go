package frame_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/edged/edged/calibrate"
	"github.com/edged/edged/engine"
	"github.com/edged/edged/frame"
	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
	"github.com/edged/edged/model/pth"
	"github.com/edged/edged/preprocess"
	"github.com/edged/edged/quant"
)

var (
	modelOnce sync.Once
	testModel *quant.Model
	testGraph *model.Graph
)

// shuffleNet calibrates ShuffleNetV2 x0.5 on a few images, allowing int16
// tensors so that the int16 input path can be exercised too.
func shuffleNet(t testing.TB) (*quant.Model, *model.Graph) {
	t.Helper()
	dir := testdata.Path(t, "imagenet-sample", "images")
	ckpt := testdata.Path(t, "models", "shufflenet_v2_x0_5.pth")
	modelOnce.Do(func() {
		files, err := calibrate.ListImages(dir)
		if err != nil {
			return
		}
		inputs, _, _ := calibrate.LoadInputs(calibrate.Spread(files, 4), nil)
		g, _, err := pth.LoadGraph(ckpt, "", model.PadTorch)
		if err != nil {
			return
		}
		testModel, _ = calibrate.Calibrate(g, inputs, calibrate.Options{Int16: 2, SensitivityImages: 2})
		testGraph = g
	})
	if testModel == nil {
		t.Fatal("could not calibrate the test model")
	}
	return testModel, testGraph
}

// testImages: the shared camera frames and a spread of the ImageNet
// sample (JPEGs of many sizes, greyscale and CMYK among them).
func testImages(t testing.TB, n int) []string {
	frames, _ := filepath.Glob(filepath.Join(testdata.Path(t, "frames"), "*.jpg"))
	files, err := calibrate.ListImages(testdata.Path(t, "imagenet-sample", "images"))
	if err != nil || len(frames) == 0 {
		t.Fatalf("frames %v, images: %v", frames, err)
	}
	return append(frames, calibrate.Spread(files, n)...)
}

// int16Input is m with its input tensor stored in int16.
func int16Input(m *quant.Model) *quant.Model {
	mm := *m
	mm.Tensors = append([]quant.Tensor(nil), m.Tensors...)
	if mm.Tensors[0].DType != generic.Int16 {
		mm.Tensors[0].DType, mm.Tensors[0].Scale, mm.Tensors[0].ZP = generic.Int16, mm.Tensors[0].Scale/256, 0
	}
	return &mm
}

// The byte path (crop -> table -> RunQuantized) gives the logits of the
// float path (Decode -> Transform.Apply -> engine.Run) bit for bit, for
// int8 and int16 model inputs, on real images; Float gives Apply's tensor.
func TestPipelineEqualsFloatPath(t *testing.T) {
	m, _ := shuffleNet(t)
	tr := preprocess.ImageNet()
	want := make([]float32, preprocess.Size*preprocess.Size*3)
	for _, qm := range []*quant.Model{m, int16Input(m)} {
		e, err := engine.New(qm, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := frame.New(tr, frame.Exact)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range testImages(t, 25) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			img, err := preprocess.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Apply(img, want); err != nil {
				t.Fatal(err)
			}
			x, err := p.Float(frame.Image{Data: data})
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Float32bits(x[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s: Float value %d = %v, Apply's %v", f, i, x[i], want[i])
				}
			}
			wl, err := e.Run(want)
			if err != nil {
				t.Fatal(err)
			}
			wl = append([]float32(nil), wl...)
			if err := p.Quantize(frame.Image{Data: data}, e); err != nil {
				t.Fatal(err)
			}
			gl, err := p.Logits(e)
			if err != nil {
				t.Fatal(err)
			}
			for i := range wl {
				if math.Float32bits(gl[i]) != math.Float32bits(wl[i]) {
					t.Fatalf("%s (%v input): logit %d = %v, float path %v", f, e.Input().DType, i, gl[i], wl[i])
				}
			}
		}
		e.Close()
	}
}

// A BGR frame (GoCV) classifies exactly as the same pixels in RGB would,
// and the frame buffer is left untouched (wrapped, not swapped in place).
func TestPipelineBGR(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testdata.Path(t, "frames"), "rocket-640x480.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := preprocess.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bgr := make([]byte, len(img.Pix))
	for i := 0; i < len(bgr); i += 3 {
		bgr[i], bgr[i+1], bgr[i+2] = img.Pix[i+2], img.Pix[i+1], img.Pix[i]
	}
	orig := bytes.Clone(bgr)
	p, _ := frame.New(preprocess.ImageNet(), frame.Exact)
	want := make([]uint8, preprocess.Size*preprocess.Size*3)
	if err := preprocess.ImageNet().ApplyUint8(img, want); err != nil {
		t.Fatal(err)
	}
	got, err := p.Crop(frame.Image{W: img.W, H: img.H, BGR: bgr})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("BGR frame's crop differs from the RGB image's")
	}
	if !bytes.Equal(bgr, orig) {
		t.Error("the BGR frame was modified")
	}
	for _, bad := range []frame.Image{{W: 10, H: 10, BGR: bgr[:299]}, {}, {W: -1, H: 1, BGR: []byte{}}} {
		if _, err := p.Crop(bad); err == nil {
			t.Errorf("Crop(%dx%d, %d bytes) accepted", bad.W, bad.H, len(bad.BGR))
		}
	}
}

// Steady state: a whole frame (decode, resize, crop, quantize, inference,
// top-K) allocates nothing, for a JPEG and for a BGR frame.
func TestPipelineAllocationFree(t *testing.T) {
	m, _ := shuffleNet(t)
	e, err := engine.New(m, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	data, err := os.ReadFile(filepath.Join(testdata.Path(t, "frames"), "rocket-1280x720.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	bgr := frame.Image{W: 320, H: 240, BGR: make([]byte, 320*240*3)}
	for _, mode := range []frame.Decode{frame.Exact, frame.Fast} {
		p, err := frame.New(preprocess.ImageNet(), mode)
		if err != nil {
			t.Fatal(err)
		}
		for _, img := range []frame.Image{{Data: data}, bgr} {
			if _, err := p.Run(img, e, 5); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(3, func() {
				if _, err := p.Run(img, e, 5); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v, %d-byte frame: %.1f allocations per frame; want 0", mode, len(img.Data)+len(img.BGR), allocs)
			}
		}
	}
}

func TestPipelineRejects(t *testing.T) {
	if _, err := frame.New(preprocess.Transform{}, frame.Exact); err == nil {
		t.Error("New accepted a zero transform")
	}
	if _, err := frame.New(preprocess.ImageNet(), frame.Decode(7)); err == nil {
		t.Error("New accepted decode mode 7")
	}
	if _, err := frame.ParseDecode("quick"); err == nil {
		t.Error(`ParseDecode("quick") accepted`)
	}
	p, _ := frame.New(preprocess.ImageNet(), frame.Exact)
	if _, err := p.Crop(frame.Image{Data: []byte("GIF89a")}); err == nil {
		t.Error("a GIF was decoded")
	}
	tr := preprocess.ImageNet()
	tr.Crop = 100
	p, _ = frame.New(tr, frame.Exact)
	m, _ := shuffleNet(t)
	e, err := engine.New(m, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := p.Quantize(frame.Image{W: 1, H: 1, BGR: []byte{1, 2, 3}}, e); err == nil {
		t.Error("Quantize accepted a 100x100 crop for a 224x224 model")
	}
}
