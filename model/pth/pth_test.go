package pth

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/model"
	"image"
	"image/jpeg"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ckptTestdata returns the shared test data directory (EDGED_TESTDATA, or
// ../shared next to the repository root) or skips the test.
func ckptTestdata(t testing.TB) string {
	t.Helper()
	return filepath.Dir(testdata.Path(t, "models"))
}

// ckptRealModel returns the path of one of the shared checkpoints or skips.
func ckptRealModel(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(ckptTestdata(t), "models", name)
	if _, err := os.Stat(path); err != nil {
		testdata.Skipf(t, "checkpoint %s not available: %v", path, err)
	}
	return path
}

// The expected values below come from an independent reader: Python's
// pickle module with a stub for torch's rebuild function, the storages
// read from the zip with array('f'), views gathered by offset and stride,
// sums with math.fsum.
type ckptKnownTensor struct {
	key   string
	shape []int
	sum   float64
	first []float32
}

var ckptRealCases = []struct {
	file             string
	tensors, skipped int
	elems, nonzero   int
	firstKeys        []string
	known            []ckptKnownTensor
}{
	{
		file: "shufflenet_v2_x0_5.pth", tensors: 282, skipped: 56, elems: 1374744, nonzero: 1374566,
		firstKeys: []string{"conv1.0.weight", "conv1.1.weight", "conv1.1.bias"},
		known: []ckptKnownTensor{
			{"conv1.0.weight", []int{24, 3, 3, 3}, 2.95398462, []float32{0.204101562, 0.697265625, 0.266113281}},
			{"conv1.1.weight", []int{24}, 10.2591815, []float32{0.338867188, 0.000377893448, 0.908203125}},
			{"stage3.3.branch2.6.weight", []int{48}, 22.9509277, []float32{0.393798828, 0.461669922, 0.358642578}},
			{"fc.weight", []int{1000, 1024}, -14525.2467, []float32{-0.358886719, 1.49414062, -5.78515625}},
			{"fc.bias", []int{1000}, 516.760641, []float32{-0.282714844, 0.978027344, 0.824707031}},
		},
	},
	{
		file: "mobilenet_v3_small_random.pth", tensors: 210, skipped: 34, elems: 2554968, nonzero: 2550056,
		firstKeys: []string{"features.0.0.weight", "features.0.1.weight", "features.0.1.bias"},
		known: []ckptKnownTensor{
			{"features.0.0.weight", []int{16, 3, 3, 3}, 0.790553663, []float32{-0.000505972654, -0.123629436, -0.146551862}},
			{"features.0.1.weight", []int{16}, 16.3425693, []float32{0.629929364, 1.48083448, 0.73503238}},
			{"features.6.block.3.1.running_var", []int{40}, 33.574843, []float32{0.543643534, 0.850818872, 0.709291995}},
			{"classifier.3.weight", []int{1000, 1024}, 2.1321693, []float32{0.0314565673, 0.0412838869, -0.0554952435}},
			{"classifier.3.bias", []int{1000}, 0, []float32{0, 0, 0}},
		},
	},
	{
		// This file stores transposed views (strides) and storage offsets,
		// so it proves the loader honours both.
		file: "mobilenet_v3_small_tf.pth", tensors: 210, skipped: 34, elems: 2554968, nonzero: 2507825,
		firstKeys: []string{"features.0.0.weight", "features.0.1.weight", "features.0.1.bias"},
		known: []ckptKnownTensor{
			{"features.0.0.weight", []int{16, 3, 3, 3}, 0.896596745, []float32{0.00781722832, 0.0165278558, 0.00781722832}},
			{"features.0.1.weight", []int{16}, 16, []float32{1, 1, 1}},
			{"features.6.block.3.1.running_var", []int{40}, 39.9600005, []float32{0.999000013, 0.999000013, 0.999000013}},
			{"classifier.3.weight", []int{1000, 1024}, -84.7539658, []float32{0.0441967547, -0.00982150156, 0.0376490876}},
			{"classifier.3.bias", []int{1000}, -0.963823372, []float32{-0.346246481, -0.178158641, -0.18823716}},
			{"features.1.block.1.fc1.weight", []int{8, 16, 1, 1}, 1.84271289, []float32{0.00489143236, 0.0102888756, 0.0146742975}},
			{"features.1.block.1.fc2.weight", []int{16, 8, 1, 1}, 3.62990031, []float32{0.0178456418, 0, 0.00654340163}},
			{"features.1.block.2.0.weight", []int{16, 16, 1, 1}, 14.8317725, []float32{0, 0.113172501, 0.483555228}},
		},
	},
}

func TestLoadReal(t *testing.T) {
	for _, tc := range ckptRealCases {
		t.Run(tc.file, func(t *testing.T) {
			path := ckptRealModel(t, tc.file)
			sd, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(sd.Tensors) != tc.tensors || len(sd.Keys) != tc.tensors || len(sd.Skipped) != tc.skipped {
				t.Errorf("got %d tensors, %d keys, %d skipped; want %d, %d, %d", len(sd.Tensors), len(sd.Keys), len(sd.Skipped), tc.tensors, tc.tensors, tc.skipped)
			}
			if !slices.Equal(sd.Keys[:len(tc.firstKeys)], tc.firstKeys) {
				t.Errorf("first keys %q, want %q (file order)", sd.Keys[:len(tc.firstKeys)], tc.firstKeys)
			}
			for key, why := range sd.Skipped {
				if !strings.HasSuffix(key, ".num_batches_tracked") || !strings.Contains(why, "num_batches_tracked") {
					t.Errorf("skipped %q (%s); only num_batches_tracked counters should be", key, why)
				}
			}
			elems, nonzero := 0, 0
			for _, key := range sd.Keys {
				tensor := sd.Tensors[key]
				if len(tensor.Data) != ckptNumel(tensor.Shape) {
					t.Fatalf("%s: %d values for shape %v", key, len(tensor.Data), tensor.Shape)
				}
				for _, v := range tensor.Data {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("%s holds a non-finite value %v", key, v)
					}
					if v != 0 {
						nonzero++
					}
				}
				elems += len(tensor.Data)
			}
			if elems != tc.elems || nonzero != tc.nonzero {
				t.Errorf("%d values, %d nonzero; want %d, %d", elems, nonzero, tc.elems, tc.nonzero)
			}
			for _, k := range tc.known {
				tensor, err := sd.Get(k.key, k.shape...)
				if err != nil {
					t.Error(err)
					continue
				}
				sum := 0.0
				for _, v := range tensor.Data {
					sum += float64(v)
				}
				if math.Abs(sum-k.sum) > 1e-7*math.Abs(k.sum)+1e-6 {
					t.Errorf("%s: sum %.9g, want %.9g", k.key, sum, k.sum)
				}
				if !slices.Equal(tensor.Data[:len(k.first)], k.first) {
					t.Errorf("%s: first values %v, want %v", k.key, tensor.Data[:len(k.first)], k.first)
				}
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if sd.SHA256 != sha256.Sum256(raw) {
				t.Errorf("SHA256 %x, want %x", sd.SHA256, sha256.Sum256(raw))
			}
			if sd.Path != path {
				t.Errorf("Path %q, want %q", sd.Path, path)
			}
		})
	}
}

func ckptNumel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func TestLoadRealDamaged(t *testing.T) {
	path := ckptRealModel(t, "shufflenet_v2_x0_5.pth")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(offsets ...int) []byte {
		b := slices.Clone(data)
		for _, o := range offsets {
			b[o] ^= 0x5a
		}
		return b
	}
	cases := []struct {
		name string
		data []byte
		want []string
	}{
		{"first-half", data[:len(data)/2], []string{"truncated or corrupted (zip", "re-download it"}},
		{"minus-1000-bytes", data[:len(data)-1000], []string{"truncated or corrupted (zip", "re-download it"}},
		// The zip's CRC-32s catch flipped bytes whether they hit the
		// pickle or the weights.
		{"flipped-data.pkl", flip(20000, 20001, 30000), []string{"data.pkl", "checksum"}},
		{"flipped-weights", flip(len(data)/2, len(data)/2+7), []string{"checksum", "re-download it"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "shufflenet.pth")
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			sd, err := Load(p)
			if err == nil {
				t.Fatalf("loaded %d tensors from a damaged file", len(sd.Tensors))
			}
			ckptCheckError(t, err, p, ErrCorrupted, tc.want...)
		})
	}
}

// TestLoadRealMutatedPickle re-zips the real checkpoint with
// random bytes of data.pkl changed and valid CRCs, so the damage reaches
// the unpickler: every load must end in a clean error or a consistent
// state dict.
func TestLoadRealMutatedPickle(t *testing.T) {
	path := ckptRealModel(t, "shufflenet_v2_x0_5.pth")
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	records := map[string][]byte{}
	var names []string
	var pklName string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		records[f.Name] = b
		names = append(names, f.Name)
		if strings.HasSuffix(f.Name, "/data.pkl") {
			pklName = f.Name
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	loaded, failed := 0, 0
	for i := range 40 {
		pkl := slices.Clone(records[pklName])
		for range 1 + i%3 {
			pkl[rng.IntN(len(pkl))] = byte(rng.IntN(256))
		}
		if i%8 == 7 {
			pkl = pkl[:rng.IntN(len(pkl))]
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, n := range names {
			b := records[n]
			if n == pklName {
				b = pkl
			}
			ckptZipAdd(t, zw, n, b)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		sd, err := parse("mutated.pth", buf.Bytes())
		if err != nil {
			if errors.Is(err, errInternal) || !strings.HasPrefix(err.Error(), "mutated.pth: ") {
				t.Fatalf("mutation %d: %v", i, err)
			}
			failed++
			continue
		}
		loaded++
		ckptCheckConsistent(t, sd)
	}
	t.Logf("%d mutated pickles loaded, %d rejected", loaded, failed)
}

// ckptCheckConsistent checks the invariants of a loaded state dict.
func ckptCheckConsistent(t testing.TB, sd *model.StateDict) {
	t.Helper()
	if len(sd.Keys) != len(sd.Tensors) || len(sd.Keys) == 0 {
		t.Fatalf("%d keys for %d tensors", len(sd.Keys), len(sd.Tensors))
	}
	for _, k := range sd.Keys {
		tensor, ok := sd.Tensors[k]
		if !ok {
			t.Fatalf("key %q has no tensor", k)
		}
		if len(tensor.Data) != ckptNumel(tensor.Shape) {
			t.Fatalf("%s: %d values for shape %v", k, len(tensor.Data), tensor.Shape)
		}
	}
}

// ckptCheckError checks that err wraps target, names the file first and
// contains each of want.
func ckptCheckError(t *testing.T, err error, path string, target error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", target)
	}
	msg := err.Error()
	if !errors.Is(err, target) {
		t.Errorf("error %q does not wrap %q", msg, target)
	}
	if errors.Is(err, errInternal) {
		t.Errorf("error %q comes from a recovered panic", msg)
	}
	if !strings.HasPrefix(msg, path+": ") {
		t.Errorf("error %q does not start with the path %q", msg, path)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
}

// --- checkpoints built by hand, byte for byte as torch.save writes them ---

// ckptPickle writes protocol-2 pickle opcodes.
type ckptPickle struct{ bytes.Buffer }

func (p *ckptPickle) str(s string) {
	p.WriteByte('X')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.WriteString(s)
}

func (p *ckptPickle) int(n int) {
	p.WriteByte('J')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(int32(n))))
}

func (p *ckptPickle) global(module, name string) { p.WriteString("c" + module + "\n" + name + "\n") }

func (p *ckptPickle) ints(ns []int) {
	p.WriteByte('(')
	for _, n := range ns {
		p.int(n)
	}
	p.WriteByte('t')
}

// ckptTensor describes one state dict entry and its storage.
type ckptTensor struct {
	key        string
	storage    string // torch storage class, e.g. "FloatStorage"
	raw        []byte // the storage's bytes
	numel      int    // storage elements the pickle declares
	offset     int
	shape      []int
	stride     []int
	storageKey string // storages with the same key are shared
}

// ckptF32 is a float32 storage holding vals, for a contiguous tensor of
// the given shape (default: 1-D).
func ckptF32(key string, vals []float32, shape ...int) ckptTensor {
	if shape == nil {
		shape = []int{len(vals)}
	}
	raw := make([]byte, 0, 4*len(vals))
	for _, v := range vals {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	stride := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		stride[i] = s
		s *= shape[i]
	}
	return ckptTensor{key: key, storage: "FloatStorage", raw: raw, numel: len(vals), shape: shape, stride: stride}
}

// ckptSpec describes a whole checkpoint file.
type ckptSpec struct {
	tensors   []ckptTensor
	plainDict bool     // a dict rather than an OrderedDict
	wrap      []string // nest the state dict in dicts under these keys, innermost first
	legacy    bool     // the pre-1.6 stream format instead of the zip
	bigEndian bool     // zip only: write a byteorder record saying "big"
}

func (s ckptSpec) storageKey(i int) string {
	if k := s.tensors[i].storageKey; k != "" {
		return k
	}
	return string(rune('0' + i))
}

// pickle writes the object pickle (data.pkl).
func (s ckptSpec) pickle() []byte {
	var p ckptPickle
	p.WriteString("\x80\x02")
	for _, w := range slices.Backward(s.wrap) {
		p.WriteString("}(")
		p.str("epoch")
		p.int(7)
		p.str(w)
	}
	if s.plainDict {
		p.WriteString("}(")
	} else {
		p.global("collections", "OrderedDict")
		p.WriteString(")R(")
	}
	for i, t := range s.tensors {
		p.str(t.key)
		p.global("torch._utils", "_rebuild_tensor_v2")
		p.WriteString("((")
		p.str("storage")
		p.global("torch", t.storage)
		p.str(s.storageKey(i))
		p.str("cpu")
		p.int(t.numel)
		if s.legacy {
			p.WriteByte('N') // no view
		}
		p.WriteString("tQ")
		p.int(t.offset)
		p.ints(t.shape)
		p.ints(t.stride)
		p.WriteByte(0x89) // requires_grad=False
		p.global("collections", "OrderedDict")
		p.WriteString(")RtR")
	}
	p.WriteByte('u')
	for range s.wrap {
		p.WriteByte('u')
	}
	p.WriteByte('.')
	return p.Bytes()
}

// storages lists the distinct storages in order of first use.
func (s ckptSpec) storages() (keys []string, byKey map[string]ckptTensor) {
	byKey = map[string]ckptTensor{}
	for i, t := range s.tensors {
		k := s.storageKey(i)
		if _, ok := byKey[k]; !ok {
			byKey[k] = t
			keys = append(keys, k)
		}
	}
	return keys, byKey
}

// bytes returns the file's contents.
func (s ckptSpec) bytes(t testing.TB) []byte {
	if s.legacy {
		return s.legacyBytes()
	}
	records := [][2]string{{"archive/data.pkl", string(s.pickle())}}
	if s.bigEndian {
		records = append(records, [2]string{"archive/byteorder", "big"})
	}
	keys, byKey := s.storages()
	for _, k := range keys {
		records = append(records, [2]string{"archive/data/" + k, string(byKey[k].raw)})
	}
	records = append(records, [2]string{"archive/version", "3\n"})
	return ckptZip(t, records...)
}

func (s ckptSpec) legacyBytes() []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.") // magic number
	b.WriteString("\x80\x02M\xe9\x03.")                         // protocol 1001
	var info ckptPickle
	info.WriteString("\x80\x02}(")
	info.str("protocol_version")
	info.int(1001)
	info.str("little_endian")
	info.WriteString("\x88u.")
	b.Write(info.Bytes())
	b.Write(s.pickle())
	keys, byKey := s.storages()
	var list ckptPickle
	list.WriteString("\x80\x02](")
	for _, k := range keys {
		list.str(k)
	}
	list.WriteString("e.")
	b.Write(list.Bytes())
	for _, k := range keys {
		t := byKey[k]
		b.Write(binary.LittleEndian.AppendUint64(nil, uint64(t.numel)))
		b.Write(t.raw)
	}
	return b.Bytes()
}

// ckptZip writes stored (uncompressed) records, as torch.save does.
func ckptZip(t testing.TB, records ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, r := range records {
		ckptZipAdd(t, zw, r[0], []byte(r[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ckptZipAdd(t testing.TB, zw *zip.Writer, name string, data []byte) {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err == nil {
		_, err = w.Write(data)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// ckptWrite writes data into a temporary .pth file and returns its path.
func ckptWrite(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "model.pth")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ckptTiny is a small valid state dict: a conv weight, a BatchNorm's
// parameters and its num_batches_tracked counter.
func ckptTiny() ckptSpec {
	counter := ckptTensor{key: "bn.num_batches_tracked", storage: "LongStorage",
		raw: binary.LittleEndian.AppendUint64(nil, 12), numel: 1, shape: []int{}, stride: []int{}}
	return ckptSpec{tensors: []ckptTensor{
		ckptF32("conv.weight", []float32{1, 2, 3, 4, 5, 6}, 2, 3, 1, 1),
		ckptF32("bn.weight", []float32{0.5, -0.25}),
		counter,
	}}
}

func ckptWantTiny(t *testing.T, sd *model.StateDict) {
	t.Helper()
	want := map[string]*model.Tensor{
		"conv.weight": {Shape: []int{2, 3, 1, 1}, Data: []float32{1, 2, 3, 4, 5, 6}},
		"bn.weight":   {Shape: []int{2}, Data: []float32{0.5, -0.25}},
	}
	ckptWantTensors(t, sd, []string{"conv.weight", "bn.weight"}, want)
	if _, ok := sd.Skipped["bn.num_batches_tracked"]; !ok || len(sd.Skipped) != 1 {
		t.Errorf("skipped %v, want only bn.num_batches_tracked", sd.Skipped)
	}
}

func ckptWantTensors(t *testing.T, sd *model.StateDict, keys []string, want map[string]*model.Tensor) {
	t.Helper()
	if !slices.Equal(sd.Keys, keys) {
		t.Errorf("keys %q, want %q", sd.Keys, keys)
	}
	if len(sd.Tensors) != len(want) {
		t.Errorf("%d tensors, want %d", len(sd.Tensors), len(want))
	}
	for k, w := range want {
		got, ok := sd.Tensors[k]
		if !ok {
			t.Errorf("missing %q", k)
			continue
		}
		if !slices.Equal(got.Shape, w.Shape) || !slices.Equal(got.Data, w.Data) {
			t.Errorf("%s = %v %v, want %v %v", k, got.Shape, got.Data, w.Shape, w.Data)
		}
	}
}

func TestLoadContainers(t *testing.T) {
	withPrefix := ckptTiny()
	for i := range withPrefix.tensors {
		withPrefix.tensors[i].key = "module." + withPrefix.tensors[i].key
	}
	cases := []struct {
		name string
		spec ckptSpec
	}{
		{"ordered-dict", ckptTiny()},
		{"plain-dict", ckptSpec{tensors: ckptTiny().tensors, plainDict: true}},
		{"state_dict", ckptSpec{tensors: ckptTiny().tensors, wrap: []string{"state_dict"}}},
		{"model_state_dict", ckptSpec{tensors: ckptTiny().tensors, wrap: []string{"model_state_dict"}}},
		{"model", ckptSpec{tensors: ckptTiny().tensors, wrap: []string{"model"}}},
		{"model.state_dict", ckptSpec{tensors: ckptTiny().tensors, wrap: []string{"state_dict", "model"}}},
		{"DataParallel", withPrefix},
		{"legacy", ckptSpec{tensors: ckptTiny().tensors, legacy: true}},
		{"legacy-wrapped-plain", ckptSpec{tensors: ckptTiny().tensors, legacy: true, plainDict: true, wrap: []string{"state_dict"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.spec.bytes(t)
			sd, err := Load(ckptWrite(t, data))
			if err != nil {
				t.Fatal(err)
			}
			ckptWantTiny(t, sd)
			if sd.SHA256 != sha256.Sum256(data) {
				t.Error("SHA256 is not the hash of the file")
			}
		})
	}
}

func TestLoadPrefixStrippedOnlyWhenUniversal(t *testing.T) {
	spec := ckptSpec{tensors: []ckptTensor{
		ckptF32("module.a", []float32{1}),
		ckptF32("b", []float32{2}),
	}}
	sd, err := Load(ckptWrite(t, spec.bytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sd.Keys, []string{"module.a", "b"}) {
		t.Errorf("keys %q: a prefix on some keys only must stay", sd.Keys)
	}
}

func TestLoadDTypes(t *testing.T) {
	u16 := func(vs ...uint16) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
		return b
	}
	var f64 []byte
	for _, v := range []float64{1.5, -1e-3, 3e38} {
		f64 = binary.LittleEndian.AppendUint64(f64, math.Float64bits(v))
	}
	spec := ckptSpec{tensors: []ckptTensor{
		// 1, -2, 65504 (max), 2^-24 (smallest subnormal), -0, +inf
		{key: "half", storage: "HalfStorage", raw: u16(0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00), numel: 6, shape: []int{6}, stride: []int{1}},
		// 1, -2.5, the smallest normal float32
		{key: "bf16", storage: "BFloat16Storage", raw: u16(0x3f80, 0xc020, 0x0080), numel: 3, shape: []int{3}, stride: []int{1}},
		{key: "double", storage: "DoubleStorage", raw: f64, numel: 3, shape: []int{3}, stride: []int{1}},
		{key: "ints", storage: "IntStorage", raw: make([]byte, 8), numel: 2, shape: []int{2}, stride: []int{1}},
		{key: "mask", storage: "BoolStorage", raw: []byte{1, 0}, numel: 2, shape: []int{2}, stride: []int{1}},
	}}
	sd, err := Load(ckptWrite(t, spec.bytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	ckptWantTensors(t, sd, []string{"half", "bf16", "double"}, map[string]*model.Tensor{
		"half":   {Shape: []int{6}, Data: []float32{1, -2, 65504, 1.0 / (1 << 24), float32(math.Copysign(0, -1)), float32(math.Inf(1))}},
		"bf16":   {Shape: []int{3}, Data: []float32{1, -2.5, math.Float32frombits(0x00800000)}},
		"double": {Shape: []int{3}, Data: []float32{1.5, float32(-1e-3), float32(3e38)}},
	})
	if !math.Signbit(float64(sd.Tensors["half"].Data[4])) {
		t.Error("float16 -0 lost its sign")
	}
	if sd.Skipped["ints"] != "a tensor of int32" || sd.Skipped["mask"] != "a tensor of bool" {
		t.Errorf("skipped %v", sd.Skipped)
	}
}

func TestHalfToFloat32(t *testing.T) {
	for _, tc := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xbc00, -1}, {0x3555, 0.333251953125}, {0x7bff, 65504},
		{0x0400, 1.0 / (1 << 14)}, {0x03ff, 1023.0 / (1 << 24)}, {0x8001, -1.0 / (1 << 24)},
		{0xfc00, float32(math.Inf(-1))},
	} {
		if got := halfToFloat32(tc.h); got != tc.want {
			t.Errorf("halfToFloat32(%#04x) = %v, want %v", tc.h, got, tc.want)
		}
	}
	if got := halfToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("halfToFloat32(0x7e00) = %v, want NaN", got)
	}
}

func TestLoadViews(t *testing.T) {
	six := ckptF32("", []float32{0, 1, 2, 3, 4, 5})
	view := func(key string, offset int, shape, stride []int) ckptTensor {
		v := six
		v.key, v.offset, v.shape, v.stride, v.storageKey = key, offset, shape, stride, "s"
		return v
	}
	for _, legacy := range []bool{false, true} {
		spec := ckptSpec{legacy: legacy, tensors: []ckptTensor{
			view("full", 0, []int{2, 3}, []int{3, 1}),
			view("transposed", 0, []int{3, 2}, []int{1, 3}), // full.T
			view("row1", 3, []int{3}, []int{1}),
			view("column2", 2, []int{2, 1}, []int{3, 1}),
			view("scalar", 4, []int{}, []int{}),
			view("expanded", 1, []int{2, 2}, []int{0, 1}),
			view("empty", 0, []int{0, 3}, []int{3, 1}),
			view("ones", 5, []int{1, 1}, []int{7, 9}), // size-1 dims may have any stride
			// a 1x1 conv weight with odd strides on its size-1 dims, as
			// the TF checkpoint stores them
			view("nhwc", 0, []int{2, 3, 1, 1}, []int{3, 1, 3, 3}),
		}}
		sd, err := Load(ckptWrite(t, spec.bytes(t)))
		if err != nil {
			t.Fatal(err)
		}
		ckptWantTensors(t, sd, []string{"full", "transposed", "row1", "column2", "scalar", "expanded", "empty", "ones", "nhwc"}, map[string]*model.Tensor{
			"full":       {Shape: []int{2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}},
			"transposed": {Shape: []int{3, 2}, Data: []float32{0, 3, 1, 4, 2, 5}},
			"row1":       {Shape: []int{3}, Data: []float32{3, 4, 5}},
			"column2":    {Shape: []int{2, 1}, Data: []float32{2, 5}},
			"scalar":     {Shape: []int{}, Data: []float32{4}},
			"expanded":   {Shape: []int{2, 2}, Data: []float32{1, 2, 1, 2}},
			"empty":      {Shape: []int{0, 3}, Data: []float32{}},
			"ones":       {Shape: []int{1, 1}, Data: []float32{5}},
			"nhwc":       {Shape: []int{2, 3, 1, 1}, Data: []float32{0, 1, 2, 3, 4, 5}},
		})
		// Views share a storage, but the tensors must not share memory.
		sd.Tensors["full"].Data[0] = 99
		if sd.Tensors["transposed"].Data[0] != 0 {
			t.Error("tensors alias each other's data")
		}
	}
}

func TestLoadBigEndian(t *testing.T) {
	spec := ckptSpec{bigEndian: true, tensors: []ckptTensor{
		{key: "w", storage: "FloatStorage", raw: binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, math.Float32bits(1.5)), math.Float32bits(-2)), numel: 2, shape: []int{2}, stride: []int{1}},
	}}
	sd, err := Load(ckptWrite(t, spec.bytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	ckptWantTensors(t, sd, []string{"w"}, map[string]*model.Tensor{"w": {Shape: []int{2}, Data: []float32{1.5, -2}}})
}

func TestStateDictGet(t *testing.T) {
	path := ckptWrite(t, ckptTiny().bytes(t))
	sd, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if w, err := sd.Get("conv.weight", 2, 3, 1, 1); err != nil || w.Data[5] != 6 {
		t.Errorf("Get(conv.weight) = %v, %v", w, err)
	}
	if _, err := sd.Get("bn.weight"); err != nil {
		t.Errorf("Get without a shape: %v", err)
	}
	_, err = sd.Get("conv.weight", 3, 2, 1, 1)
	ckptCheckError(t, err, path, model.ErrShapeMismatch, "conv.weight: shape mismatch: expected [3 2 1 1] found [2 3 1 1]")
	_, err = sd.Get("fc.weight", 10, 2)
	ckptCheckError(t, err, path, model.ErrMissingKey, `missing key "fc.weight"`)
	_, err = sd.Get("bn.num_batches_tracked")
	ckptCheckError(t, err, path, model.ErrMissingKey, `missing key "bn.num_batches_tracked"`, "num_batches_tracked counter")

	if got := sd.Unused(map[string]bool{"conv.weight": true}); !slices.Equal(got, []string{"bn.weight"}) {
		t.Errorf("Unused = %q, want [bn.weight]", got)
	}
	if got := sd.Unused(map[string]bool{"conv.weight": true, "bn.weight": true}); len(got) != 0 {
		t.Errorf("Unused = %q, want none", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tiny := ckptTiny()
	corruptZip := func(edit func(pkl []byte) []byte, storages map[string][]byte) []byte {
		records := [][2]string{{"archive/data.pkl", string(edit(tiny.pickle()))}}
		for _, k := range []string{"0", "1", "2"} {
			if b, ok := storages[k]; ok {
				records = append(records, [2]string{"archive/data/" + k, string(b)})
			}
		}
		return ckptZip(t, records...)
	}
	_, tinyStorages := tiny.storages()
	goodStorages := map[string][]byte{}
	for k, v := range tinyStorages {
		goodStorages[k] = v.raw
	}
	shortStorages := map[string][]byte{"0": goodStorages["0"][:20], "1": goodStorages["1"], "2": goodStorages["2"]}
	missingStorage := map[string][]byte{"1": goodStorages["1"], "2": goodStorages["2"]}

	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	pickleOf := func(body string) []byte { return ckptZip(t, [2]string{"archive/data.pkl", "\x80\x02" + body + "."}) }
	var strPkl ckptPickle
	strPkl.str("epoch")
	strPkl.int(7)
	hugeString := []byte("\x80\x02X\xff\xff\xff\x7fabc.")
	beyond := ckptF32("w", []float32{1, 2, 3})
	beyond.shape, beyond.stride = []int{2, 2}, []int{2, 1}
	negative := ckptF32("w", []float32{1, 2, 3})
	negative.offset = -1
	onlyInts := ckptSpec{tensors: tiny.tensors[2:]}

	cases := []struct {
		name   string
		data   []byte
		target error
		want   []string
	}{
		{"empty", nil, ErrNotCheckpoint, []string{"not a PyTorch checkpoint (expected a torch.save zip file", "empty file"}},
		{"random", random, ErrNotCheckpoint, []string{"not a PyTorch checkpoint (expected a torch.save zip file", "check that the path"}},
		{"jpeg", jpg.Bytes(), ErrNotCheckpoint, []string{"not a PyTorch checkpoint (expected a torch.save zip file", "JPEG image"}},
		{"html", []byte("<!DOCTYPE html><html>Not Found</html>"), ErrNotCheckpoint, []string{"HTML"}},
		{"plain-pickle", []byte("\x80\x02K\x05."), ErrNotCheckpoint, []string{"pickle that torch.save did not write"}},
		{"zip-without-data.pkl", ckptZip(t, [2]string{"archive/version", "3\n"}), ErrNotCheckpoint, []string{"zip file without data.pkl"}},
		{"torchscript", ckptZip(t, [2]string{"archive/data.pkl", "\x80\x02N."}, [2]string{"archive/constants.pkl", "\x80\x02)."}), ErrNotCheckpoint, []string{"TorchScript", "torch.save(model.state_dict(), path)"}},
		{"truncated-zip", tiny.bytes(t)[:100], ErrCorrupted, []string{"truncated or corrupted (zip: not a valid zip file): re-download it"}},
		{"truncated-legacy", ckptSpec{tensors: tiny.tensors, legacy: true}.bytes(t)[:300], ErrCorrupted, []string{"re-download it"}},
		{"truncated-data.pkl", corruptZip(func(p []byte) []byte { return p[:len(p)/2] }, goodStorages), ErrCorrupted, []string{"data.pkl", "re-download it"}},
		{"huge-string-length", ckptZip(t, [2]string{"archive/data.pkl", string(hugeString)}), ErrCorrupted, []string{"declares 2147483647 bytes"}},
		{"storage-too-short", corruptZip(func(p []byte) []byte { return p }, shortStorages), ErrCorrupted, []string{"archive/data/0 holds 20 bytes, but the pickle declares 6 float32 elements (24 bytes)"}},
		{"storage-missing", corruptZip(func(p []byte) []byte { return p }, missingStorage), ErrCorrupted, []string{"archive/data/0 is missing"}},
		{"view-beyond-storage", ckptSpec{tensors: []ckptTensor{beyond}}.bytes(t), ErrCorrupted, []string{`tensor "w": shape [2 2], stride [2 1] and offset 0 reach past the 3 elements`}},
		{"negative-offset", ckptSpec{tensors: []ckptTensor{negative}}.bytes(t), ErrCorrupted, []string{`tensor "w"`}},
		{"list", pickleOf("]"), ErrNotStateDict, []string{"the pickle holds a list", "torch.save(model.state_dict(), path)"}},
		{"dict-without-tensors", pickleOf("}(" + strPkl.String() + "u"), ErrNotStateDict, []string{`a dict with keys ["epoch"] and no tensors`}},
		{"wrapper-without-tensors", pickleOf("}(X\x0a\x00\x00\x00state_dict}u"), ErrNotStateDict, []string{`the pickle's "state_dict" entry holds a dict with keys []`}},
		{"whole-model", pickleOf("ctorchvision.models.shufflenetv2\nShuffleNetV2\n)\x81}b"), ErrNotStateDict, []string{"torchvision.models.shufflenetv2.ShuffleNetV2 object"}},
		{"only-integer-tensors", onlyInts.bytes(t), ErrNotStateDict, []string{"no floating-point tensors"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := ckptWrite(t, tc.data)
			sd, err := Load(path)
			if err == nil {
				t.Fatalf("loaded %d tensors, want an error", len(sd.Tensors))
			}
			ckptCheckError(t, err, path, tc.target, tc.want...)
		})
	}

	t.Run("no-such-file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing.pth")
		_, err := Load(path)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
			t.Errorf("error %v, want a not-exist error naming %s", err, path)
		}
	})
}

func TestPickleEnd(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		fail bool
	}{
		{in: "\x80\x02N.", n: 4},
		{in: "\x80\x02N.trailing", n: 4},
		{in: "\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x01a\x94.", n: 16},
		{in: "cmod\nname\n.", n: 11},
		{in: "\x80\x02N", fail: true},     // no STOP
		{in: "\x80\x02\xff.", fail: true}, // unknown opcode
		{in: "\x80\x02X\x05\x00\x00\x00ab.", fail: true},
		{in: "\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\xff.", fail: true},
		{in: "\x95\x00\x00\x00\x00\x01\x00\x00\x00.", fail: true},
		{in: "cmod\nname", fail: true},
		{in: "\x80", fail: true},
	} {
		n, err := pickleEnd([]byte(tc.in))
		if tc.fail != (err != nil) || (!tc.fail && n != tc.n) {
			t.Errorf("pickleEnd(%q) = %d, %v; want %d, fail=%v", tc.in, n, err, tc.n, tc.fail)
		}
	}
}
