package preprocess

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// craftJPEG builds a minimal JPEG: one all-ones quantization table, DC
// and AC Huffman tables whose only code "0" means category 0 / end of
// block (so zero bits decode as flat blocks), the given frame header and
// scans (each an SOS payload followed by its entropy-coded bytes).
func craftJPEG(sof byte, w, h int, comps [][3]byte, scans ...[]byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	b.Write([]byte{0xFF, 0xDB, 0, 67, 0})
	b.Write(bytes.Repeat([]byte{1}, 64))
	for _, class := range []byte{0x00, 0x10} {
		b.Write([]byte{0xFF, 0xC4, 0, 20, class, 1})
		b.Write(make([]byte, 15))
		b.WriteByte(0)
	}
	b.Write([]byte{0xFF, sof, 0, byte(8 + 3*len(comps)), 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(comps))})
	for _, c := range comps {
		b.Write(c[:])
	}
	for _, s := range scans {
		b.Write(s)
	}
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// sos is an SOS segment for components ids (tables 0/0) and spectral
// selection, followed by data.
func sos(ids []byte, ss, se, ahal byte, data []byte) []byte {
	s := []byte{0xFF, 0xDA, 0, byte(6 + 2*len(ids)), byte(len(ids))}
	for _, id := range ids {
		s = append(s, id, 0x00)
	}
	s = append(s, ss, se, ahal)
	return append(s, data...)
}

// allocatedBy runs f and returns the bytes it allocated.
func allocatedBy(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestDecompressionBombs: files of a few hundred bytes that declare
// images costing gigabytes must fail with a clear error, having allocated
// next to nothing (issue 12, defect 4).
func TestDecompressionBombs(t *testing.T) {
	baseline := craftJPEG(0xC0, 9459, 9459, [][3]byte{{1, 0x22, 0}, {2, 0x11, 0}, {3, 0x11, 0}},
		sos([]byte{1, 2, 3}, 0, 63, 0, []byte{0, 0}))
	cmyk := craftJPEG(0xC2, 8000, 8000, [][3]byte{{1, 0x11, 0}, {2, 0x11, 0}, {3, 0x11, 0}, {4, 0x11, 0}},
		sos([]byte{1, 2, 3, 4}, 0, 0, 0, []byte{0}))
	png16 := encodePNG(t, image.NewNRGBA64(image.Rect(0, 0, 1, 1)))
	png16[16], png16[17], png16[18], png16[19] = 0, 0, 0x13, 0x88 // 5000 wide
	png16[20], png16[21], png16[22], png16[23] = 0, 0, 0x13, 0x88 // 5000 high
	t.Logf("baseline bomb %d bytes, progressive CMYK bomb %d bytes", len(baseline), len(cmyk))
	for _, c := range []struct {
		name   string
		data   []byte
		budget int64
		want   string
	}{
		{"baseline 9459x9459, default budget", baseline, 0, "memory budget"},
		{"baseline 9459x9459, 2 GB budget", baseline, 2 << 30, "cannot fill the declared 9459x9459 image"},
		{"progressive CMYK 8000x8000, default budget", cmyk, 0, "memory budget"},
		{"progressive CMYK 8000x8000, 4 GB budget", cmyk, 4 << 30, "cannot fill the declared 8000x8000 image"},
		{"16-bit PNG 5000x5000", png16, 0, "16-bit PNG of 5000x5000 pixels needs 263 MB"},
	} {
		var err error
		n := allocatedBy(func() {
			var d Decoder
			_, err = d.Decode(c.data, DecodeOptions{MemoryBudget: c.budget})
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error saying %q", c.name, err, c.want)
		}
		if n > 1<<20 {
			t.Errorf("%s: allocated %d bytes before refusing; want < 1 MB", c.name, n)
		}
	}
}

// TestDecodeRefusesScanThatEndsEarly: libjpeg fills a scan whose data
// ends at a marker with zeros (with a warning); we refuse it.
func TestDecodeRefusesScanThatEndsEarly(t *testing.T) {
	// Enough bytes for the size bound, but a marker (RST0, unexpected
	// without DRI) right after two bytes of data.
	data := craftJPEG(0xC0, 64, 64, [][3]byte{{1, 0x11, 0}},
		sos([]byte{1}, 0, 63, 0, append([]byte{0, 0, 0xFF, 0xD0}, make([]byte, 64)...)))
	var d Decoder
	_, err := d.Decode(data, DecodeOptions{})
	if err == nil || !strings.Contains(err.Error(), "before it fills the declared 64x64 image") {
		t.Errorf("scan data ending at a marker: %v; want a clear refusal", err)
	}
	// The same image with all of its data decodes (flat grey).
	ok := craftJPEG(0xC0, 64, 64, [][3]byte{{1, 0x11, 0}}, sos([]byte{1}, 0, 63, 0, make([]byte, 16)))
	m, err := d.Decode(ok, DecodeOptions{})
	if err != nil || m.W != 64 || m.Pix[0] != 128 {
		t.Fatalf("well-formed crafted JPEG: %v", err)
	}
}

// TestProgressiveScanBomb appends 3000 valid DC refinement scans to a
// small progressive JPEG (issue 12, defect 5): refused by the scan cap,
// quickly, with an error naming the limit.
func TestProgressiveScanBomb(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "scaled", "p422_96x77.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(bytes.NewReader(src)); err != nil {
		t.Fatal(err)
	}
	// 6x10 MCUs of 4 blocks (4:2:2): 240 correction bits per scan.
	scan := sos([]byte{1, 2, 3}, 0, 0, 0x10, make([]byte, 30))
	bomb := append(bytes.Clone(src[:len(src)-2]), bytes.Repeat(scan, 3000)...)
	bomb = append(bomb, 0xFF, 0xD9)
	start := time.Now()
	var d Decoder
	_, err = d.Decode(bomb, DecodeOptions{})
	if err == nil || !strings.Contains(err.Error(), "more than 100 scans") {
		t.Errorf("3000 refinement scans: %v; want the scan-cap error", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("refusing took %v; want well under 10 s", el)
	}
	// A higher cap lets the (valid) file through: the scans are real.
	if _, err := d.Decode(bomb, DecodeOptions{MaxScans: 5000}); err != nil {
		t.Errorf("with MaxScans 5000: %v", err)
	}
	// Empty 10-byte AC refinement scans (no entropy data at all), the
	// attack as reported: refused at the first one, whatever the cap.
	empty := append(bytes.Clone(src[:len(src)-2]), bytes.Repeat(sos([]byte{1}, 1, 63, 0x10, nil), 3000)...)
	empty = append(empty, 0xFF, 0xD9)
	start = time.Now()
	_, err = d.Decode(empty, DecodeOptions{MaxScans: 5000})
	if err == nil || !strings.Contains(err.Error(), "before it fills the declared 96x77 image") {
		t.Errorf("3000 empty refinement scans: %v; want a scan-ends-early error", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("refusing took %v; want well under 10 s", el)
	}
}

// TestDecodeTimeout: a decode past DecodeOptions.Timeout stops with
// ErrTimeout.
func TestDecodeTimeout(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "scaled", "s420_320x240.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	_, err = d.Decode(data, DecodeOptions{Timeout: time.Nanosecond})
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "DecodeOptions.Timeout") {
		t.Errorf("1 ns timeout: %v; want ErrTimeout", err)
	}
	if _, err := d.Decode(data, DecodeOptions{}); err != nil {
		t.Errorf("default timeout: %v", err)
	}
}

// TestDecoderSteadyStateAllocatesNothing: a reused Decoder decodes frames
// of one size without allocating (issue 11, item 5), scaled or not.
func TestDecoderSteadyStateAllocatesNothing(t *testing.T) {
	for _, name := range []string{"s420_320x240.jpg", "p420_257x191.jpg", "grey_133x101.jpg"} {
		data, err := os.ReadFile(filepath.Join("testdata", "scaled", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, opts := range []DecodeOptions{{}, {ScaleDenom: 2}, {MinSide: 64}} {
			var d Decoder
			if _, err := d.Decode(data, opts); err != nil {
				t.Fatal(err)
			}
			if n := testing.AllocsPerRun(5, func() { d.Decode(data, opts) }); n != 0 {
				t.Errorf("%s %+v: %v allocations per decode, want 0", name, opts, n)
			}
		}
	}
}
