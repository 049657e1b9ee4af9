package preprocess

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/edged/edged/internal/testdata"
)

// One Decoder fed images of every kind and size in turn (large then small,
// progressive, greyscale, odd sampling, restart intervals) gives each
// exactly what a fresh Decode gives: nothing leaks from one image into the
// next through the reused memory.
func TestDecoderReuseEqualsDecode(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.jpg")
	frames, _ := filepath.Glob(filepath.Join(testdata.Path(t, "frames"), "*.jpg"))
	imgs, _ := filepath.Glob(filepath.Join(testdata.Path(t, "imagenet-sample", "images"), "*"))
	if len(frames) == 0 || len(imgs) < 20 {
		t.Fatalf("found %d frames, %d images", len(frames), len(imgs))
	}
	files = append(files, frames...)
	files = append(files, imgs[:20]...)
	files = append(files, frames[0], files[0]) // back to a big one, then small
	var d Decoder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got, err := d.Decode(data, DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: Decoder: %v", f, err)
		}
		if got.W != want.W || got.H != want.H || !bytes.Equal(got.Pix, want.Pix) {
			t.Fatalf("%s: reused Decoder's %dx%d image differs from Decode's %dx%d", f, got.W, got.H, want.W, want.H)
		}
	}
	// Corrupt and truncated input: the same errors, and the decoder still
	// works afterwards.
	good, _ := os.ReadFile(frames[0])
	for _, bad := range [][]byte{good[:len(good)/2], good[:300], []byte("not an image")} {
		_, werr := Decode(bytes.NewReader(bad))
		_, gerr := d.Decode(bad, DecodeOptions{})
		if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
			t.Errorf("bad input: Decoder error %v, Decode error %v", gerr, werr)
		}
	}
	if _, err := d.Decode(good, DecodeOptions{MinSide: -1}); err == nil {
		t.Error("MinSide -1 accepted")
	}
	if _, err := d.Decode(good, DecodeOptions{}); err != nil {
		t.Errorf("after errors: %v", err)
	}
}

// A Decoder in steady state allocates nothing per JPEG.
func TestDecoderAllocationFree(t *testing.T) {
	data, err := os.ReadFile(testdata.Path(t, "frames", "rocket-640x480.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	if _, err := d.Decode(data, DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := d.Decode(data, DecodeOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Decoder.Decode allocates %.1f times per frame; want 0", allocs)
	}
}
