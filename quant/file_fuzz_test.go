package quant

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
)

// fileMinimalModel is the smallest valid model: one 1x1 conv from a 1x1x2
// input to two float32 logits.
func fileMinimalModel() *Model {
	return &Model{
		Arch: "min",
		Tensors: []Tensor{
			{Name: "input", Shape: model.Shape{H: 1, W: 1, C: 2}, Scale: 0.5, ZP: 1, Min: -1, Max: 1},
			{Name: "fc", Shape: model.Shape{H: 1, W: 1, C: 2}, DType: generic.Float32, Scale: 1},
		},
		Ops: []Op{{Kind: model.Conv, Name: "fc", Inputs: []int{0}, Out: 1,
			Conv: generic.ConvParams{InH: 1, InW: 1, InC: 2, OutH: 1, OutW: 1, OutC: 2,
				KH: 1, KW: 1, StrideH: 1, StrideW: 1, Groups: 1},
			W: []int8{1, -2, 3, 127}, WScale: []float32{0.1, 0.2}, Bias: []int32{-5, 7}}},
		Output: 1,
	}
}

// FuzzRead feeds arbitrary bytes to Read, as they are and resealed (size
// field and checksum made right, so the decoder and the validation behind
// the checksum are reached). Read must never panic, must fail with one of
// its documented errors, and whatever it accepts must re-encode to the
// very same bytes and read back equal.
func FuzzRead(f *testing.F) {
	valid := encodeModel(f, fileTestModel(f))
	minimal := encodeModel(f, fileMinimalModel())
	f.Add(valid)
	f.Add(minimal)
	f.Add(valid[:len(valid)/2])
	f.Add(valid[:headerSize])
	f.Add([]byte{})
	f.Add([]byte(fileMagic))
	for _, off := range []int{9, 13, 30, 100, len(valid) / 2, len(valid) - 2} {
		c := append([]byte(nil), valid...)
		c[off] ^= 0x40
		f.Add(c)
	}
	for _, off := range []int{25, 40, 60, len(minimal) - 30} {
		c := append([]byte(nil), minimal...)
		c[off] ^= 0x01
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, data)
		if len(data) >= headerSize+crcSize {
			checkRead(t, reseal(data[:len(data)-crcSize]))
		}
	})
}

func checkRead(t *testing.T, data []byte) {
	m, err := Read(bytes.NewReader(data))
	if err != nil {
		var ve *VersionError
		if !errors.Is(err, ErrNotModel) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) &&
			!errors.Is(err, ErrInvalid) && !errors.As(err, &ve) {
			t.Fatalf("undocumented error: %v", err)
		}
		return
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatalf("a model Read accepted does not write: %v", err)
	}
	if !bytes.Equal(b.Bytes(), data) {
		t.Fatalf("re-encoding differs from the file read (%d vs %d bytes)", b.Len(), len(data))
	}
	m2, err := Read(&b)
	if err != nil {
		t.Fatalf("re-encoded model does not read: %v", err)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Fatal("re-encoded model reads back different")
	}
	if err := m.WriteTable(io.Discard); err != nil {
		t.Fatal(err)
	}
}

func TestMinimalModel(t *testing.T) {
	m := fileMinimalModel()
	got, err := Read(bytes.NewReader(encodeModel(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %+v, want %+v", got, m)
	}
}
