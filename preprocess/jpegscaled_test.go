package preprocess

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

type draftCase struct {
	file  string
	denom int
	size  string
	sum   string
}

func readDraftTable(t *testing.T, path string) []draftCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cs []draftCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Fields(sc.Text())
		if len(p) != 4 {
			continue
		}
		d, err := strconv.Atoi(p[1])
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, draftCase{p[0], d, p[2], p[3]})
	}
	if len(cs) == 0 {
		t.Fatalf("%s: no entries", path)
	}
	return cs
}

func checkDraft(t *testing.T, dir string, cs []draftCase) {
	t.Helper()
	var dec Decoder // reused across sizes and layouts on purpose
	for _, c := range cs {
		data, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := dec.Decode(data, DecodeOptions{ScaleDenom: c.denom})
		if err != nil {
			t.Fatalf("%s 1/%d: %v", c.file, c.denom, err)
		}
		if got := fmt.Sprintf("%dx%d", m.W, m.H); got != c.size {
			t.Errorf("%s 1/%d: %s, Pillow's draft gives %s", c.file, c.denom, got, c.size)
			continue
		}
		sum := sha256.Sum256(m.Pix)
		if hex.EncodeToString(sum[:]) != c.sum {
			t.Errorf("%s 1/%d: RGB bytes differ from Pillow's Image.draft", c.file, c.denom)
		}
	}
}

// TestScaledDecodeMatchesPillowDraft compares DCT-domain scaled decoding
// with Pillow 9.4's Image.draft (libjpeg-turbo 2.1.5's scale_denom) on
// generated images in every layout (testdata/scaled/make.py made them and
// the hashes).
func TestScaledDecodeMatchesPillowDraft(t *testing.T) {
	dir := filepath.Join("testdata", "scaled")
	checkDraft(t, dir, readDraftTable(t, filepath.Join(dir, "pillow-draft.sha256")))
}

// TestScaledDecodeFramesMatchPillowDraft does the same on the shared
// camera frames.
func TestScaledDecodeFramesMatchPillowDraft(t *testing.T) {
	dir := filepath.Join(testdataDir(t), "frames")
	checkDraft(t, dir, readDraftTable(t, filepath.Join("testdata", "scaled", "pillow-draft-frames.sha256")))
}

func TestMinSideChoosesLargestReduction(t *testing.T) {
	for _, c := range []struct{ w, h, min, want int }{
		{1920, 1080, 256, 4}, // 480x270
		{1280, 720, 256, 2},  // 640x360; 1/4 is 320x180
		{640, 480, 256, 1},   // 1/2 is 320x240
		{2048, 2048, 256, 8},
		{2047, 2047, 256, 8}, // ceil(2047/8) = 256: libjpeg rounds up
		{2040, 2040, 256, 4}, // 1/8 would be 255
		{500, 375, 0, 1},
	} {
		o := DecodeOptions{MinSide: c.min}
		if got := o.scaleDenom(c.w, c.h); got != c.want {
			t.Errorf("%dx%d MinSide %d: 1/%d, want 1/%d", c.w, c.h, c.min, got, c.want)
		}
	}
}

// FuzzDecodeScaled decodes arbitrary input at every scale with one reused
// Decoder: no panic, a consistent image of the size libjpeg would give,
// and the same result as a fresh Decoder (reuse must not leak state).
func FuzzDecodeScaled(f *testing.F) {
	for _, name := range []string{"s420_35x21.jpg", "s422_171x133.jpg", "p422_96x77.jpg", "s440_121x93.jpg", "s411_145x77.jpg", "grey_133x101.jpg"} {
		if data, err := os.ReadFile(filepath.Join("testdata", "scaled", name)); err == nil {
			f.Add(data, uint8(2))
		}
	}
	var reused Decoder
	f.Fuzz(func(t *testing.T, data []byte, scale uint8) {
		denom := 1 << (scale % 4)
		opts := DecodeOptions{ScaleDenom: denom, MemoryBudget: 16 << 20}
		m, err := reused.Decode(data, opts)
		var fresh Decoder
		m2, err2 := fresh.Decode(data, opts)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("reused decoder: %v, fresh one: %v", err, err2)
		}
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
		if string(m.Pix) != string(m2.Pix) {
			t.Fatal("a reused Decoder's output differs from a fresh one's")
		}
	})
}
