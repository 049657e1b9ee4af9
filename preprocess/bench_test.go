package preprocess

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

// benchJPEG is a typical ImageNet photo: 500x375, 4:4:4, baseline.
func benchJPEG(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join(testdataDir(b), "imagenet-sample", "images", "n02504458_African_elephant.JPEG"))
	if err != nil {
		b.Skip(err)
	}
	return data
}

// BenchmarkDecodeApply is one frame's preprocessing from JPEG bytes to the
// normalized 224x224x3 tensor.
func BenchmarkDecodeApply(b *testing.B) {
	data := benchJPEG(b)
	tr := ImageNet()
	dst := make([]float32, Size*Size*3)
	b.ReportAllocs()
	for b.Loop() {
		img, err := Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if err := tr.Apply(img, dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data := benchJPEG(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGoImageJPEG is the standard library's decoder on the same file,
// for scale (it does not reproduce Pillow's pixels).
func BenchmarkGoImageJPEG(b *testing.B) {
	data := benchJPEG(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApply is resize + crop + normalize of a decoded 500x375 frame.
func BenchmarkApply(b *testing.B) {
	img := synth(500, 375)
	tr := ImageNet()
	dst := make([]float32, Size*Size*3)
	b.ReportAllocs()
	for b.Loop() {
		if err := tr.Apply(img, dst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecoderFrames is a reused Decoder on the shared camera frames,
// at full size and scaled to a shorter side of at least 256.
func BenchmarkDecoderFrames(b *testing.B) {
	for _, name := range []string{"rocket-640x480.jpg", "rocket-1280x720.jpg", "rocket-1920x1080.jpg"} {
		data, err := os.ReadFile(filepath.Join(testdataDir(b), "frames", name))
		if err != nil {
			b.Skip(err)
		}
		for _, o := range []struct {
			mode string
			opts DecodeOptions
		}{{"exact", DecodeOptions{}}, {"min256", DecodeOptions{MinSide: 256}}} {
			b.Run(name+"/"+o.mode, func(b *testing.B) {
				var dec Decoder
				b.ReportAllocs()
				for b.Loop() {
					if _, err := dec.Decode(data, o.opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
