package preprocess

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readHashes reads "name sha256" lines.
func readHashes(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 {
			m[fields[0]] = fields[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSampleDecodeMatchesPillow decodes the 500 shared ImageNet JPEGs with
// one reused Decoder and compares the RGB bytes with Pillow 9.4's
// Image.open(f).convert("RGB") (testdata/pillow-imagenet-sample.sha256,
// made by testdata/pillowhash.py).
func TestSampleDecodeMatchesPillow(t *testing.T) {
	want := readHashes(t, filepath.Join("testdata", "pillow-imagenet-sample.sha256"))
	dir := filepath.Join(testdataDir(t), "imagenet-sample", "images")
	var dec Decoder
	n := 0
	for name, sum := range want {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		m, err := dec.Decode(data, DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := sha256.Sum256(m.Pix)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: RGB bytes differ from Pillow's", name)
		}
		n++
		if testing.Short() && n == 50 {
			break
		}
	}
}
