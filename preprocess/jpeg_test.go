package preprocess

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// testdata/*.jpg are the 45x37 synth pattern encoded by libjpeg-turbo's
// cjpeg in the layouts the ImageNet sample lacks (progressive, restart
// intervals, 4:2:2, 4:4:0, 4:1:1, progressive grey). The expected hashes
// are of Pillow 9.4's Image.open(f).convert("RGB") bytes.
var pillowJPEGs = map[string]string{
	"prog420_restart.jpg": "366702b489b8f4c5fd3588d2a12deefc2cd587b33515f5b20a5f6611f054f661",
	"prog422.jpg":         "6673b8c3f855fb12769a211bd36875180feaa51fd8230f33f04cab492d25f883",
	"s411_restart.jpg":    "1166af811a294a8e8a1b65e0c5f300ff6cf865346d9bfb4137354ba71817a1a3",
	"s440.jpg":            "98eb82998f363dbfd2ed49c9b10bef4d36f91a195417c9ed260961aba2fb8b57",
	"grey_prog.jpg":       "3f9a51abf7daf4601bb34c1fa4de54673fd0e273c9378f614409208cea6ddb2d",
}

func TestDecodeJPEGLayoutsMatchPillow(t *testing.T) {
	for name, want := range pillowJPEGs {
		m, err := DecodeFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if m.W != 45 || m.H != 37 {
			t.Fatalf("%s: %dx%d, want 45x37", name, m.W, m.H)
		}
		sum := sha256.Sum256(m.Pix)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: RGB sha256 %s, Pillow's is %s", name, got, want)
		}
	}
}

func TestDecodeRejectsArithmeticCoding(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "s440.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte{0xFF, 0xC0}) // SOF0 -> SOF9
	data = bytes.Clone(data)
	data[i+1] = 0xC9
	_, err = Decode(bytes.NewReader(data))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("arithmetic-coded")) {
		t.Errorf("SOF9 JPEG: %v; want an unsupported arithmetic-coding error", err)
	}
}
