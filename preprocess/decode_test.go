package preprocess

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeRejectsNonImage(t *testing.T) {
	for _, in := range []string{"", "hello, world: not an image", "GIF89a\x01\x00\x01\x00", "\xff\xd8"} {
		_, err := Decode(strings.NewReader(in))
		if err == nil {
			t.Errorf("Decode(%q) succeeded", in)
			continue
		}
		if in == "\xff\xd8" { // too short to be sniffed as JPEG either
			continue
		}
		if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "not a JPEG or PNG image") {
			t.Errorf("Decode(%q) = %v; want ErrUnknownFormat naming the problem", in, err)
		}
	}
}

func TestDecodeFileNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("plain text"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := DecodeFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("DecodeFile(text file) = %v; want an error naming %s", err, path)
	}
	_, err = DecodeFile(filepath.Join(t.TempDir(), "missing.jpg"))
	if err == nil || !strings.Contains(err.Error(), "missing.jpg") {
		t.Errorf("DecodeFile(missing) = %v; want an error naming the file", err)
	}
}

// encodeJPEG makes a real JPEG with Go's encoder (4:2:0 for colour).
func encodeJPEG(t *testing.T, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testPhoto(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	s := synth(w, h)
	for i := range w * h {
		copy(m.Pix[4*i:4*i+3], s.Pix[3*i:3*i+3])
		m.Pix[4*i+3] = 255
	}
	return m
}

func TestDecodeTruncatedJPEG(t *testing.T) {
	data := encodeJPEG(t, testPhoto(120, 90))
	if _, err := Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("whole file: %v", err)
	}
	_, err := Decode(bytes.NewReader(data[:len(data)/2]))
	if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), "truncated JPEG") {
		t.Errorf("half a JPEG: %v; want a truncated-JPEG error", err)
	}
	// Every cut point must fail cleanly, never panic or succeed.
	for n := 3; n < len(data)-2; n += 7 {
		if _, err := Decode(bytes.NewReader(data[:n])); err == nil {
			t.Errorf("JPEG cut to %d of %d bytes decoded without error", n, len(data))
		}
	}
}

func TestDecodeCorruptJPEGDoesNotPanic(t *testing.T) {
	data := encodeJPEG(t, testPhoto(64, 48))
	for i := 2; i < len(data); i += 3 {
		bad := bytes.Clone(data)
		bad[i] ^= 0x5A
		Decode(bytes.NewReader(bad)) // any result but a panic is fine
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("\xff\xd8\xff\xe0"))
	var buf bytes.Buffer
	jpeg.Encode(&buf, testPhoto(20, 12), nil)
	f.Add(buf.Bytes())
	for name := range pillowJPEGs {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(bytes.NewReader(data))
		if err == nil {
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestDecodeGreyJPEG(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 37, 29))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	data := encodeJPEG(t, g)
	m, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rg := ref.(*image.Gray)
	if m.W != 37 || m.H != 29 {
		t.Fatalf("size %dx%d, want 37x29", m.W, m.H)
	}
	for i := range m.W * m.H {
		r, gg, b := m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2]
		if r != gg || gg != b {
			t.Fatalf("pixel %d = %d,%d,%d: grey must be replicated", i, r, gg, b)
		}
		want := rg.GrayAt(i%m.W, i/m.W).Y
		if d := int(r) - int(want); d < -1 || d > 1 { // IDCT rounding only
			t.Fatalf("pixel %d = %d, image/jpeg decodes %d", i, r, want)
		}
	}
}

// cmykJPEG is a 32x16 Adobe CMYK JPEG (inverted, as Photoshop writes
// them) saved by Pillow 9.4: eight flat 8x8 blocks, ink (b*30, b*70,
// b*110, b*20) mod 256 for block b.
const cmykJPEG = "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB" +
	"AQEBAQEBAQEBAQEB/8AAFAgAEAAgBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIB" +
	"AwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZH" +
	"SElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV" +
	"1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD+/iv7+K/v4r+/ivg+v5z6/iPr5fr4Pr+c+v4j6+X6+D6/" +
	"nPr/AEkK+X6+D6/10K/iPr5fr4Pr+c+v9JCvl+vg+v5z6/iPr5fr4Pr+c+v9JCvl+v/Z"

func TestDecodeCMYKJPEG(t *testing.T) {
	data, err := base64.StdEncoding.DecodeString(cmykJPEG)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// Pillow: Image.open(f).convert("RGB"), block by block.
	want := [8][3]uint8{{255, 255, 255}, {207, 170, 134}, {164, 97, 30}, {126, 34, 138},
		{93, 159, 49}, {64, 98, 132}, {40, 48, 57}, {20, 9, 114}}
	for b, w := range want {
		x0, y0 := (b%4)*8, (b/4)*8
		for y := y0; y < y0+8; y++ {
			for x := x0; x < x0+8; x++ {
				p := m.Pix[(y*m.W+x)*3:]
				if p[0] != w[0] || p[1] != w[1] || p[2] != w[2] {
					t.Fatalf("block %d pixel (%d,%d) = %v, Pillow gives %v", b, x, y, p[:3], w)
				}
			}
		}
	}
}

func TestCMYKToRGBMatchesPillow(t *testing.T) {
	// Pillow 9.4 Image.frombytes("CMYK", ...).convert("RGB").
	cmyk := image.NewCMYK(image.Rect(0, 0, 4, 1))
	copy(cmyk.Pix, []uint8{100, 50, 0, 50, 200, 200, 200, 200, 0, 0, 0, 255, 255, 0, 128, 10})
	m, err := FromImage(cmyk)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{125, 165, 205, 12, 12, 12, 0, 0, 0, 0, 245, 122}
	if !bytes.Equal(m.Pix, want) {
		t.Errorf("CMYK -> RGB = %v, Pillow gives %v", m.Pix, want)
	}
}

func encodePNG(t *testing.T, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodePNG(t *testing.T) {
	w, h := 5, 3
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	n64 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	g16 := image.NewGray16(image.Rect(0, 0, w, h))
	pal := color.Palette{color.NRGBA{10, 20, 30, 0}, color.NRGBA{200, 100, 50, 128}, color.NRGBA{1, 2, 3, 255}}
	pm := image.NewPaletted(image.Rect(0, 0, w, h), pal)
	want := map[string][]uint8{}
	for y := range h {
		for x := range w {
			v := uint8(x*40 + y*9)
			// Alpha from 0 (transparent) up: Pillow drops it, keeping the
			// stored colour of even fully transparent pixels.
			nrgba.SetNRGBA(x, y, color.NRGBA{v, 255 - v, v / 2, uint8(x * 60)})
			want["rgba"] = append(want["rgba"], v, 255-v, v/2)
			n64.SetNRGBA64(x, y, color.NRGBA64{uint16(v)<<8 | 0xFF, 0x1234, 0xFEDC, 0})
			want["rgba16"] = append(want["rgba16"], v, 0x12, 0xFE) // high bytes
			g16.SetGray16(x, y, color.Gray16{uint16(x) * 100})
			g := uint8(min(x*100, 255)) // Pillow's "I" -> RGB clips, it does not scale
			want["grey16"] = append(want["grey16"], g, g, g)
			i := (x + y) % 3
			pm.SetColorIndex(x, y, uint8(i))
			c := pal[i].(color.NRGBA)
			want["palette"] = append(want["palette"], c.R, c.G, c.B)
		}
	}
	for name, img := range map[string]image.Image{"rgba": nrgba, "rgba16": n64, "grey16": g16, "palette": pm} {
		m, err := Decode(bytes.NewReader(encodePNG(t, img)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.W != w || m.H != h || !bytes.Equal(m.Pix, want[name]) {
			t.Errorf("%s PNG: got %dx%d %v\nwant %v", name, m.W, m.H, m.Pix, want[name])
		}
	}
}

func TestDecodeTruncatedPNG(t *testing.T) {
	data := encodePNG(t, testPhoto(40, 30))
	for _, n := range []int{len(data) / 2, len(data) - 20, 40} {
		_, err := Decode(bytes.NewReader(data[:n]))
		if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), "truncated PNG") {
			t.Errorf("PNG cut to %d of %d bytes: %v; want a truncated-PNG error", n, len(data), err)
		}
	}
}

// The JPEG decoder must agree with Go's on the sizes and roughly the
// pixels of every chroma layout Go can write (4:2:0) and with grey.
func TestDecodeJPEGOddSizes(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {2, 2}, {3, 17}, {17, 3}, {33, 31}} {
		data := encodeJPEG(t, testPhoto(sz[0], sz[1]))
		m, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%v: %v", sz, err)
		}
		ref, _ := jpeg.Decode(bytes.NewReader(data))
		r, err := FromImage(ref)
		if err != nil {
			t.Fatal(err)
		}
		if m.W != sz[0] || m.H != sz[1] {
			t.Fatalf("%v: decoded %dx%d", sz, m.W, m.H)
		}
		for i := range m.Pix {
			if d := int(m.Pix[i]) - int(r.Pix[i]); d < -4 || d > 4 {
				t.Fatalf("%v: byte %d = %d, image/jpeg planes give %d", sz, i, m.Pix[i], r.Pix[i])
			}
		}
	}
}

func TestDecodeRefusesHugeImages(t *testing.T) {
	// A 65000x65000 JPEG header followed by nothing, and a PNG IHDR alike.
	data, err := os.ReadFile(filepath.Join("testdata", "s440.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Clone(data)
	i := bytes.Index(data, []byte{0xFF, 0xC0})
	data[i+5], data[i+6], data[i+7], data[i+8] = 0xFD, 0xE8, 0xFD, 0xE8
	png := encodePNG(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	png[16], png[17], png[20], png[21] = 0, 1, 0, 1 // 65537x65537
	for name, in := range map[string][]byte{"JPEG": data, "PNG": png} {
		_, err := Decode(bytes.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), "pixel limit") {
			t.Errorf("%s of 65000x65000: %v; want a pixel-limit error", name, err)
		}
	}
}
