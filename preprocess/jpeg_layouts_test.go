package preprocess

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"
)

// pillowLayouts are testdata/layouts/*.jpg, one per JPEG layout edged may
// meet: baseline and progressive in 4:2:0, 4:2:2, 4:4:0, 4:1:1 and 4:4:4,
// restart intervals (every MCU, every MCU row, every few MCUs), odd sizes
// down to 1x1 and single rows and columns, optimized Huffman tables,
// non-interleaved sequential scans, greyscale, Adobe CMYK and
// non-transformed RGB. The hash is SHA-256 of Pillow 9.4's
// Image.open(f).convert("RGB") bytes (libjpeg-turbo 2.1.5, as torchvision
// reads images): the decoder must match it byte for byte. The same picture
// in another scan order or restart layout has the same pixels, hence the
// repeated hashes. testdata/layouts/make.sh regenerates images and table.
var pillowLayouts = []struct {
	name, mode, sha256 string
	w, h               int
}{
	{"b411_odd_61x19.jpg", "RGB", "d253348fc0c08df9d3903b5274dba1a4822cd7700352ff3b6ab09af7160fee3f", 61, 19},
	{"b420_17x1.jpg", "RGB", "1f741e76736781fbb6838c4e7360b8fe141275d03ae8d4c661de9d383ebcdbda", 17, 1},
	{"b420_1x1.jpg", "RGB", "709e80c88487a2411e1ee4dfb9f22a861492d20c4765150c0c794abd70f8147c", 1, 1},
	{"b420_1x17.jpg", "RGB", "ae70e7c16a2cd872d359cbebc0d834770376cf296f86aa1562337cf96ae8282e", 1, 17},
	{"b420_noninterleaved_53x41.jpg", "RGB", "9acbe12b9402aa15fe9c8597d207711b491c286c9f66c8c2b56812ab5c354cdd", 53, 41},
	{"b420_odd_53x41.jpg", "RGB", "9acbe12b9402aa15fe9c8597d207711b491c286c9f66c8c2b56812ab5c354cdd", 53, 41},
	{"b420_restart1_53x41.jpg", "RGB", "9acbe12b9402aa15fe9c8597d207711b491c286c9f66c8c2b56812ab5c354cdd", 53, 41},
	{"b422_odd_51x29.jpg", "RGB", "a3720f850cedcc4a6dde83ce69473631fbab015464c3ccebb2078b64d89b6d62", 51, 29},
	{"b422_restart_rows_51x29.jpg", "RGB", "a3720f850cedcc4a6dde83ce69473631fbab015464c3ccebb2078b64d89b6d62", 51, 29},
	{"b440_odd_27x45.jpg", "RGB", "d68725bcf2b4bf5a3119e69d37eab9c8dbaecc9a3e2d00a9e1c5279e0e1eddf7", 27, 45},
	{"b444_optimized_33x35.jpg", "RGB", "e3a412d4e5e733734efcbe608b652c4747b9484f93b67fd4d3f3ce04c46b6294", 33, 35},
	{"cmyk_53x41.jpg", "CMYK", "f1ea8db36896aaf1a12996a97f12b34df6cf0ce162c7482972ed94aec6f43382", 53, 41},
	{"grey_odd_23x31.jpg", "L", "a02ac4928bd7c184728735efcd7af0469ccba7d4f69a50e95828548cc73e4462", 23, 31},
	{"grey_restart1_23x31.jpg", "L", "a02ac4928bd7c184728735efcd7af0469ccba7d4f69a50e95828548cc73e4462", 23, 31},
	{"p411_odd_61x19.jpg", "RGB", "d253348fc0c08df9d3903b5274dba1a4822cd7700352ff3b6ab09af7160fee3f", 61, 19},
	{"p420_odd_53x41.jpg", "RGB", "9acbe12b9402aa15fe9c8597d207711b491c286c9f66c8c2b56812ab5c354cdd", 53, 41},
	{"p422_restart3_51x29.jpg", "RGB", "a3720f850cedcc4a6dde83ce69473631fbab015464c3ccebb2078b64d89b6d62", 51, 29},
	{"p440_odd_27x45.jpg", "RGB", "d68725bcf2b4bf5a3119e69d37eab9c8dbaecc9a3e2d00a9e1c5279e0e1eddf7", 27, 45},
	{"p444_restart2_33x35.jpg", "RGB", "e3a412d4e5e733734efcbe608b652c4747b9484f93b67fd4d3f3ce04c46b6294", 33, 35},
	{"rgb_nontransformed_21x13.jpg", "RGB", "ed9c9b1873006ba99f1d9dff03d485c92fa032491a14644c99d0ddecbef9f3b9", 21, 13},
}

func TestDecodeJPEGLayoutsMatchPillowGolden(t *testing.T) {
	for _, c := range pillowLayouts {
		m, err := DecodeFile(filepath.Join("testdata", "layouts", c.name))
		if err != nil {
			t.Errorf("%s (%s): %v", c.name, c.mode, err)
			continue
		}
		if m.W != c.w || m.H != c.h || len(m.Pix) != 3*c.w*c.h {
			t.Errorf("%s: %dx%d with %d bytes, want %dx%d RGB", c.name, m.W, m.H, len(m.Pix), c.w, c.h)
			continue
		}
		sum := sha256.Sum256(m.Pix)
		if got := hex.EncodeToString(sum[:]); got != c.sha256 {
			t.Errorf("%s (%s %dx%d): RGB sha256 %s, Pillow's is %s", c.name, c.mode, c.w, c.h, got, c.sha256)
		}
	}
}
