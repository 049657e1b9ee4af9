package quant

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"github.com/edged/edged/internal/testdata"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
)

// fileTestGraph is a tiny float graph with every op kind and every field
// the model file stores: a strided TF-padded stem with hardswish, a max
// pool, ShuffleNet's slice/concat/shuffle, a depthwise conv, a
// squeeze-excitation block (global pool, hardsigmoid gate, channel
// multiply), a residual add, a grouped conv kept in int16, and a
// classifier with one all-zero output channel.
func fileTestGraph() *model.Graph {
	g := &model.Graph{Arch: "tiny", Padding: model.PadTF, Output: 14}
	s := func(h, w, c int) model.Shape { return model.Shape{H: h, W: w, C: c} }
	g.Shapes = []model.Shape{
		s(8, 8, 4), s(4, 4, 8), s(4, 4, 8), s(4, 4, 4), s(4, 4, 4), // 0-4
		s(4, 4, 4), s(1, 1, 4), s(1, 1, 4), s(4, 4, 4), s(4, 4, 4), // 5-9
		s(4, 4, 8), s(4, 4, 8), s(4, 4, 8), s(1, 1, 8), s(1, 1, 5), // 10-14
	}
	// conv builds a conv node whose channel o has max |w| = (o+1)·0.127,
	// so its weight scale is (o+1)·0.001.
	conv := func(name string, in, out int, p generic.ConvParams, zeroChan int) model.Node {
		k := p.KH * p.KW * (p.InC / p.Groups)
		w := make([]float32, p.OutC*k)
		b := make([]float32, p.OutC)
		for o := 0; o < p.OutC; o++ {
			b[o] = 0.01 * float32(o-2)
			if o == zeroChan {
				continue
			}
			for j := 0; j < k; j++ {
				w[o*k+j] = float32(float64(o+1) * 0.127 * math.Cos(float64(j)))
			}
		}
		return model.Node{Name: name, Kind: model.Conv, Inputs: []int{in}, Out: out, Conv: p, W: w, B: b}
	}
	cp := func(in, out model.Shape, k, stride, pad, groups int, act generic.Act) generic.ConvParams {
		return generic.ConvParams{InH: in.H, InW: in.W, InC: in.C, OutH: out.H, OutW: out.W, OutC: out.C,
			KH: k, KW: k, StrideH: stride, StrideW: stride, PadT: pad, PadL: pad, Groups: groups, Act: act}
	}
	sh := g.Shapes
	g.Nodes = []model.Node{
		conv("stem", 0, 1, cp(sh[0], sh[1], 3, 2, 0, 1, generic.ActHardswish), -1),
		{Name: "pool", Kind: model.MaxPool, Inputs: []int{1}, Out: 2, Pool: generic.PoolParams{
			InH: 4, InW: 4, C: 8, OutH: 4, OutW: 4, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadT: 1, PadL: 1}},
		{Kind: model.Slice, Inputs: []int{2}, Out: 3, From: 0, To: 4},
		{Kind: model.Slice, Inputs: []int{2}, Out: 4, From: 4, To: 8},
		conv("dw", 4, 5, cp(sh[4], sh[5], 3, 1, 1, 4, generic.ActReLU), -1),
		{Name: "se.pool", Kind: model.GlobalAvgPool, Inputs: []int{5}, Out: 6},
		conv("se.fc", 6, 7, cp(sh[6], sh[7], 1, 1, 0, 1, generic.ActHardsigmoid), -1),
		{Name: "se", Kind: model.MulChannels, Inputs: []int{5, 7}, Out: 8},
		{Name: "res", Kind: model.Add, Inputs: []int{8, 3}, Out: 9, Act: generic.ActReLU},
		{Kind: model.Concat, Inputs: []int{3, 9}, Out: 10},
		{Name: "shuffle", Kind: model.Shuffle, Inputs: []int{10}, Out: 11, Groups: 2},
		conv("group", 11, 12, cp(sh[11], sh[12], 1, 1, 0, 2, generic.ActReLU6), -1),
		{Name: "pool2", Kind: model.GlobalAvgPool, Inputs: []int{12}, Out: 13},
		conv("fc", 13, 14, cp(sh[13], sh[14], 1, 1, 0, 1, generic.ActNone), 2),
	}
	return g
}

// fileTestModel quantizes fileTestGraph with a hand-made plan.
func fileTestModel(t testing.TB) *Model {
	t.Helper()
	g := fileTestGraph()
	p := &Plan{
		Ranges:    make([]Range, len(g.Shapes)),
		DTypes:    make([]generic.DType, len(g.Shapes)),
		PreAbsMax: make([]float32, len(g.Nodes)),
	}
	for i := range p.Ranges {
		p.Ranges[i] = Range{Min: -0.5 * float32(i), Max: float32(i) + 1}
	}
	p.Ranges[0] = Range{Min: -1, Max: 3}
	p.DTypes[12] = generic.Int16
	p.PreAbsMax[0] = 12
	p.PreAbsMax[6] = 5
	p.Weights16 = make([]bool, len(g.Nodes))
	p.Weights16[11] = true // "group": int16 weights on an int8 input
	m, err := Quantize(g, p)
	if err != nil {
		t.Fatal(err)
	}
	m.Method = "minmax"
	m.Images = 7
	m.SourceSHA256 = sha256.Sum256([]byte("tiny"))
	m.CalibImages = []string{"a.JPEG", "b.JPEG"}
	return m
}

func encodeModel(t testing.TB, m *Model) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := m.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(b.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, b.Len())
	}
	return b.Bytes()
}

// reseal makes a complete file around a header and body (data without the
// checksum): it sets the size field and appends the right CRC-32C, so that
// a test can reach the checks behind the checksum. data shorter than a
// header is returned unchanged.
func reseal(data []byte) []byte {
	if len(data) < headerSize {
		return data
	}
	out := append([]byte(nil), data...)
	binary.LittleEndian.PutUint64(out[12:], uint64(len(out)+crcSize))
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, crc32.MakeTable(crc32.Castagnoli)))
}

// encodeUnchecked encodes m without validating it, as a buggy writer would.
func encodeUnchecked(m *Model) []byte {
	e := &encoder{b: make([]byte, headerSize)}
	copy(e.b, fileMagic)
	binary.LittleEndian.PutUint32(e.b[8:], FileVersion)
	e.model(m)
	return reseal(e.b)
}

func TestRoundTrip(t *testing.T) {
	m := fileTestModel(t)
	got, err := Read(bytes.NewReader(encodeModel(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("read back a different model:\n got %+v\nwant %+v", got, m)
	}
	path := filepath.Join(t.TempDir(), "tiny.edgeq")
	if err := WriteFile(path, m); err != nil {
		t.Fatal(err)
	}
	got, err = ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("ReadFile read back a different model")
	}
}

// TestModelCoversEveryField makes the round trip prove the format stores
// every field: a field added to Model, Tensor or Op that the test model
// leaves zero (and so the format may have forgotten) fails here.
func TestModelCoversEveryField(t *testing.T) {
	m := fileTestModel(t)
	set := map[string]bool{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch {
		case v.Kind() == reflect.Struct && v.Type() != reflect.TypeFor[[32]byte]():
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
			set[path] = set[path] || v.Len() > 0
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), path+"[]")
			}
		default:
			set[path] = set[path] || !v.IsZero()
		}
	}
	walk(reflect.ValueOf(m).Elem(), "Model")
	if len(set) < 40 {
		t.Fatalf("walked only %d fields", len(set))
	}
	for path, ok := range set {
		if !ok {
			t.Errorf("%s is zero everywhere in the test model: set it so the round trip proves the file stores it", path)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a := encodeModel(t, fileTestModel(t))
	b := encodeModel(t, fileTestModel(t))
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of the same model differ")
	}
	m, err := Read(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if c := encodeModel(t, m); !bytes.Equal(a, c) {
		t.Fatal("re-encoding a read model changed the bytes")
	}
	if string(a[:8]) != "EDGEQ\r\n\x1a" || binary.LittleEndian.Uint32(a[8:]) != 1 ||
		binary.LittleEndian.Uint64(a[12:]) != uint64(len(a)) {
		t.Fatalf("header % x: want magic, version 1, size %d", a[:20], len(a))
	}
}

func TestTruncated(t *testing.T) {
	data := encodeModel(t, fileTestModel(t))
	for n := 0; n < len(data); n++ {
		_, err := Read(bytes.NewReader(data[:n]))
		switch {
		case err == nil:
			t.Fatalf("prefix of %d/%d bytes read without error", n, len(data))
		case n == 0:
			if !errors.Is(err, ErrNotModel) || !strings.Contains(err.Error(), "empty") {
				t.Fatalf("empty file: %v", err)
			}
		case !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), "re-copy it"):
			t.Fatalf("prefix of %d/%d bytes: %v, want a truncation error", n, len(data), err)
		}
	}
}

func TestCorrupted(t *testing.T) {
	data := encodeModel(t, fileTestModel(t))
	for off := range data {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			c := append([]byte(nil), data...)
			c[off] ^= x
			_, err := Read(bytes.NewReader(c))
			var ve *VersionError
			switch {
			case err == nil:
				t.Fatalf("byte %d ^ %#x: read without error", off, x)
			case off < 8:
				if !errors.Is(err, ErrNotModel) {
					t.Fatalf("byte %d ^ %#x: %v, want bad magic", off, x, err)
				}
			case off < 12:
				if !errors.As(err, &ve) {
					t.Fatalf("byte %d ^ %#x: %v, want a version error", off, x, err)
				}
			case off < headerSize:
				// The size field: short or long of the data.
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
					t.Fatalf("byte %d ^ %#x: %v", off, x, err)
				}
			default:
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "checksum mismatch") {
					t.Fatalf("byte %d ^ %#x: %v, want a checksum mismatch", off, x, err)
				}
			}
		}
	}
}

func TestNotAModel(t *testing.T) {
	var jpg bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(3, 3, color.White)
	if err := jpeg.Encode(&jpg, img, nil); err != nil {
		t.Fatal(err)
	}
	rnd := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = byte(r.Uint32())
	}
	valid := encodeModel(t, fileTestModel(t))
	badMagic := append([]byte("EDGEX\r\n\x1a"), valid[8:]...)
	// A checkpoint, or a model copied in text mode (LF → CRLF).
	crlf := bytes.ReplaceAll(valid, []byte("\n"), []byte("\r\n"))
	for name, data := range map[string][]byte{
		"jpeg": jpg.Bytes(), "random": rnd, "bad magic": badMagic, "text mode copy": crlf,
		"zip": []byte("PK\x03\x04\x14\x00\x00\x00"), "short junk": []byte("{}"),
	} {
		_, err := Read(bytes.NewReader(data))
		if !errors.Is(err, ErrNotModel) || !strings.Contains(err.Error(), "edged calibrate") {
			t.Errorf("%s: %v, want %v naming `edged calibrate`", name, err, ErrNotModel)
		}
	}
}

func TestWrongVersion(t *testing.T) {
	data := encodeModel(t, fileTestModel(t))
	body := append([]byte(nil), data[:len(data)-crcSize]...)
	binary.LittleEndian.PutUint32(body[8:], 2)
	_, err := Read(bytes.NewReader(reseal(body)))
	var ve *VersionError
	if !errors.As(err, &ve) || ve.Version != 2 {
		t.Fatalf("got %v, want a version 2 error", err)
	}
	want := "model file format version 2, this edged reads version 1: recalibrate (`edged calibrate`) or upgrade edged"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestTrailingData(t *testing.T) {
	data := append(encodeModel(t, fileTestModel(t)), 0)
	if _, err := Read(bytes.NewReader(data)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want %v", err, ErrCorrupt)
	}
}

// TestNoAbsurdAllocation feeds lengths that claim far more than the input
// holds: the reader must refuse them without allocating what they claim.
func TestNoAbsurdAllocation(t *testing.T) {
	data := encodeModel(t, fileTestModel(t))
	huge := append([]byte(nil), data[:headerSize]...)
	binary.LittleEndian.PutUint64(huge[12:], maxFileSize)
	// The tensor count follows arch, padding, method, images, sha, output.
	body := append([]byte(nil), data[:len(data)-crcSize]...)
	off := headerSize + 4 + len("tiny") + 1 + 4 + len("minmax") + 4 + 32 + 4 + 2*(4+len("a.JPEG")) + 4
	if got := binary.LittleEndian.Uint32(body[off:]); got != 15 {
		t.Fatalf("tensor count at %d reads %d, want 15", off, got)
	}
	binary.LittleEndian.PutUint32(body[off:], math.MaxUint32)
	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"size 1 GiB": {huge, ErrTruncated},
		"4G tensors": {reseal(body), ErrInvalid},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Read(bytes.NewReader(c.data))
		runtime.ReadMemStats(&after)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
		if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
			t.Errorf("%s: allocated %d bytes", name, a)
		}
	}
}

// TestInvalidModels breaks one rule at a time: WriteTo must refuse the
// model, and Read must refuse a file a buggy writer made of it even though
// its checksum is right.
func TestInvalidModels(t *testing.T) {
	conv := func(m *Model, name string) *Op {
		for i := range m.Ops {
			if m.Ops[i].Name == name {
				return &m.Ops[i]
			}
		}
		panic(name)
	}
	for _, c := range []struct {
		name   string
		break_ func(m *Model)
		msg    string
	}{
		{"empty arch", func(m *Model) { m.Arch = "" }, "no architecture"},
		{"bad padding", func(m *Model) { m.Padding = 7 }, "padding 7"},
		{"negative images", func(m *Model) { m.Images = -1 }, "image count"},
		{"invalid utf8 method", func(m *Model) { m.Method = "\xff" }, "UTF-8"},
		{"long image name", func(m *Model) { m.CalibImages[1] = strings.Repeat("x", maxName+1) }, "calibration image name"},
		{"no ops", func(m *Model) { m.Ops = nil }, "0 ops"},
		{"output out of range", func(m *Model) { m.Output = 15 }, "output tensor 15"},
		{"output not float", func(m *Model) { m.Output = 13 }, "only the output"},
		{"second float tensor", func(m *Model) { m.Tensors[5].DType, m.Tensors[5].ZP = generic.Float32, 0 }, "only the output"},
		{"unknown dtype", func(m *Model) { m.Tensors[5].DType = 9 }, "dtype(9)"},
		{"zero shape", func(m *Model) { m.Tensors[5].Shape.W = 0 }, "shape"},
		{"huge shape", func(m *Model) { m.Tensors[5].Shape.C = maxDim + 1 }, "shape"},
		{"too many values", func(m *Model) {
			for i := range m.Tensors {
				m.Tensors[i].Shape = model.Shape{H: maxDim, W: maxDim, C: 1}
			}
		}, "more than"},
		{"NaN scale", func(m *Model) { m.Tensors[3].Scale = float32(math.NaN()) }, "scale NaN"},
		{"zero scale", func(m *Model) { m.Tensors[3].Scale = 0 }, "scale 0"},
		{"int8 zero point", func(m *Model) { m.Tensors[3].ZP = 200 }, "zero point 200"},
		{"int16 zero point", func(m *Model) { m.Tensors[12].ZP = 3 }, "zero point 3"},
		{"inverted range", func(m *Model) { m.Tensors[3].Min, m.Tensors[3].Max = 2, 1 }, "range"},
		{"infinite range", func(m *Model) { m.Tensors[3].Max = float32(math.Inf(1)) }, "range"},
		{"unproduced tensor", func(m *Model) {
			m.Tensors = append(m.Tensors, m.Tensors[3])
		}, "no op produces tensor 15"},
		{"unknown kind", func(m *Model) { m.Ops[5].Kind = 42 }, "kind 42"},
		{"input out of range", func(m *Model) { m.Ops[5].Inputs[0] = 99 }, "out of range"},
		{"negative input", func(m *Model) { m.Ops[5].Inputs[0] = -1 }, "out of range"},
		{"read before produced", func(m *Model) { m.Ops[1].Inputs[0] = 5 }, "before any op produces it"},
		{"produced twice", func(m *Model) { m.Ops[3].Out = 3 }, "already produced"},
		{"writes the input", func(m *Model) { m.Ops[3].Out = 0 }, "output tensor 0"},
		{"reads the logits", func(m *Model) {
			m.Ops = append(m.Ops, Op{Kind: model.GlobalAvgPool, Name: "x", Inputs: []int{14}, Out: 15})
			m.Tensors = append(m.Tensors, m.Tensors[13])
		}, "reads the float32 output"},
		{"wrong arity", func(m *Model) { m.Ops[8].Inputs = m.Ops[8].Inputs[:1] }, "1 inputs, want 2"},
		{"short weights", func(m *Model) { c := conv(m, "stem"); c.W = c.W[1:] }, "287 weights, want 8×3×3×4 = 288"},
		{"weight -128", func(m *Model) { conv(m, "dw").W[3] = -128 }, "-128"},
		{"short scales", func(m *Model) { c := conv(m, "dw"); c.WScale = c.WScale[1:] }, "3 weight scales"},
		{"short bias", func(m *Model) { c := conv(m, "dw"); c.Bias = c.Bias[1:] }, "3 biases"},
		{"zero weight scale", func(m *Model) { conv(m, "dw").WScale[0] = 0 }, "weight scale 0"},
		{"groups", func(m *Model) { conv(m, "group").Conv.Groups = 3 }, "3 groups"},
		{"conv input shape", func(m *Model) { conv(m, "stem").Conv.InH = 9 }, "input is 8x8x4"},
		{"conv output shape", func(m *Model) { conv(m, "dw").Conv.OutC = 5 }, "output is 4x4x4"},
		{"windows outside", func(m *Model) {
			c := conv(m, "stem")
			c.Conv.OutH = 5
			m.Tensors[c.Out].Shape.H = 5
		}, "outside the input"},
		{"padding beyond kernel", func(m *Model) { conv(m, "dw").Conv.PadL = 3 }, "padding 3 for kernel 3"},
		{"zero stride", func(m *Model) { conv(m, "dw").Conv.StrideW = 0 }, "stride 0"},
		{"unknown act", func(m *Model) { conv(m, "dw").Conv.Act = 9 }, "activation 9"},
		{"act on logits", func(m *Model) { conv(m, "fc").Conv.Act = generic.ActReLU }, "cannot fuse relu"},
		{"no pre-scale", func(m *Model) { conv(m, "stem").PreScale = 0 }, "pre-activation scale 0"},
		{"pre-scale too fine", func(m *Model) { conv(m, "se.fc").PreScale = 1e-5 }, "pre-activation scale"},
		{"stray pre-scale", func(m *Model) { conv(m, "dw").PreScale = 1 }, "without a fused"},
		{"add relu6", func(m *Model) { m.Ops[8].Act = generic.ActReLU6 }, "activation relu6"},
		{"add shapes", func(m *Model) { m.Ops[8].Inputs[1] = 6 }, "input 1 is 1x1x4"},
		{"gate shape", func(m *Model) { m.Ops[7].Inputs[1] = 4 }, "gate is 4x4x4, want 1x1x4"},
		{"concat shape", func(m *Model) { m.Tensors[10].Shape.C = 7 }, "output is 4x4x7, want 4x4x8"},
		{"concat joins", func(m *Model) { m.Ops[9].Inputs[0] = 6 }, "joins a 1x1x4 and a 4x4x4"},
		{"avg pool shape", func(m *Model) { m.Tensors[6].Shape.H = 2 }, "output is 2x1x4, want 1x1x4"},
		{"slice range", func(m *Model) { m.Ops[3].To = 9 }, "channels [4, 9) of 8"},
		{"slice requantizes", func(m *Model) { m.Tensors[3].ZP++ }, "quantization"},
		{"shuffle groups", func(m *Model) { m.Ops[10].Groups = 3 }, "3 groups for 8 channels"},
		{"pool requantizes", func(m *Model) { m.Tensors[2].Scale *= 2 }, "quantization"},
		{"pool geometry", func(m *Model) { m.Ops[1].Pool.KH = 0 }, "pool geometry"},
		{"stray weights", func(m *Model) { m.Ops[5].W = []int8{1} }, "carries conv"},
		{"stray pool", func(m *Model) { m.Ops[5].Pool.KH = 1 }, "carries pool"},
		{"stray act", func(m *Model) { m.Ops[5].Act = generic.ActReLU }, "carries an add's activation"},
		{"stray slice", func(m *Model) { m.Ops[5].To = 1 }, "carries a slice"},
		{"stray groups", func(m *Model) { m.Ops[5].Groups = 1 }, "carries a shuffle"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := fileTestModel(t)
			c.break_(m)
			_, err := m.WriteTo(&bytes.Buffer{})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("WriteTo: %v, want %v containing %q", err, ErrInvalid, c.msg)
			}
			_, err = Read(bytes.NewReader(encodeUnchecked(m)))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "edged calibrate") {
				t.Fatalf("Read: %v, want %v naming `edged calibrate`", err, ErrInvalid)
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.edgeq")
	m := fileTestModel(t)
	if err := WriteFile(path, m); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := fileTestModel(t)
	bad.Ops[0].W = bad.Ops[0].W[1:]
	if err := WriteFile(path, bad); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), path) {
		t.Fatalf("writing an invalid model: %v", err)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("a failed write changed the existing file (err %v)", err)
	}
	// Overwrite with another model: the new bytes replace the old ones.
	m.Images = 8
	if err := WriteFile(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil || got.Images != 8 {
		t.Fatalf("after overwrite: %v, images %v", err, got)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (err %v), want 0644", fi.Mode(), err)
	}
	if err := WriteFile(filepath.Join(dir, "no", "such", "dir.edgeq"), m); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.edgeq")
	data := encodeModel(t, fileTestModel(t))
	data[len(data)/2] ^= 0x10
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "checksum mismatch: the file is corrupted") {
		t.Fatalf("got %v, want a checksum error naming %s", err, path)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.edgeq")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// fileTestdata returns the shared test data directory: $EDGED_TESTDATA, or
// ../shared next to the module root.
func fileTestdata(t *testing.T) string {
	t.Helper()
	return filepath.Dir(testdata.Path(t, "models"))
}

// TestRealArchitectures quantizes the real checkpoints (with a made-up
// plan: the file does not care where ranges come from) and round-trips
// them: the validation accepts what Quantize makes of both architectures
// and both paddings.
func TestRealArchitectures(t *testing.T) {
	dir := fileTestdata(t)
	for _, c := range []struct {
		file, arch string
		pad        model.Padding
	}{
		{"mobilenet_v3_small_tf.pth", "mobilenet_v3_small", model.PadTF},
		{"shufflenet_v2_x0_5.pth", "shufflenet_v2_x0_5", model.PadTorch},
	} {
		t.Run(c.arch, func(t *testing.T) {
			g, sd, err := model.Load(filepath.Join(dir, "models", c.file), c.arch, c.pad)
			if err != nil {
				t.Fatal(err)
			}
			p := &Plan{Ranges: make([]Range, len(g.Shapes)), DTypes: make([]generic.DType, len(g.Shapes)), PreAbsMax: make([]float32, len(g.Nodes))}
			for i := range p.Ranges {
				p.Ranges[i] = Range{Min: -float32(i%7) - 1, Max: float32(i%5) + 1}
				if i%11 == 3 {
					p.DTypes[i] = generic.Int16
				}
			}
			for i := range p.PreAbsMax {
				p.PreAbsMax[i] = float32(i % 13)
			}
			m, err := Quantize(g, p)
			if err != nil {
				t.Fatal(err)
			}
			m.Method, m.Images, m.SourceSHA256 = "mse", 250, sha256.Sum256([]byte(c.file))
			path := filepath.Join(t.TempDir(), c.arch+".edgeq")
			if err := WriteFile(path, m); err != nil {
				t.Fatal(err)
			}
			got, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Fatal("read back a different model")
			}
			fi, _ := os.Stat(path)
			t.Logf("%s: %d tensors, %d ops, %d bytes (%d keys in the checkpoint)", c.arch, len(m.Tensors), len(m.Ops), fi.Size(), len(sd.Keys))
		})
	}
}
