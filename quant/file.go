package quant

// The int8 model file (.edgeq): one self-contained binary file holding a
// Model completely.
//
//	offset  size  field
//	0       8     magic "EDGEQ\r\n\x1a"
//	8       4     format version (uint32, little-endian): 1
//	12      8     total file length in bytes (uint64), checksum included
//	20      ...   body: the Model, field by field (see encoder.model)
//	end-4   4     CRC-32C (Castagnoli) of every byte before it
//
// All numbers are little-endian; ints are int32, floats are IEEE-754 bit
// patterns (so every value round-trips exactly), strings and slices are a
// uint32 length followed by their elements. Every field of every op is
// stored whatever the op's kind, so the format needs no per-kind layout;
// validation requires the fields a kind does not use to be zero, which also
// makes the encoding canonical: a Model has exactly one valid file, and the
// same Model always gives the same bytes.
//
// The magic's "\r\n" and "\x1a" make a text-mode transfer (CRLF conversion,
// a DOS EOF) fail as a bad magic instead of as a confusing checksum error.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
)

// FileVersion is the format version this package reads and writes.
const FileVersion = 1

const (
	fileMagic  = "EDGEQ\r\n\x1a"
	headerSize = 8 + 4 + 8
	crcSize    = 4
	// maxFileSize bounds what Read will buffer: an int8 MobileNetV3-Small
	// is about 2.5 MB, so 1 GiB is only ever a corrupt or foreign file.
	maxFileSize = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors Read returns, for callers that branch on them (errors.Is). The
// messages they are wrapped in say what to do.
var (
	ErrNotModel  = errors.New("not an edged model file")
	ErrTruncated = errors.New("truncated model file")
	ErrCorrupt   = errors.New("the file is corrupted")
	ErrInvalid   = errors.New("invalid model")
)

// VersionError is a model file of a format version this edged cannot read.
type VersionError struct{ Version uint32 }

func (e *VersionError) Error() string {
	return fmt.Sprintf("model file format version %d, this edged reads version %d: recalibrate (`edged calibrate`) or upgrade edged",
		e.Version, FileVersion)
}

// WriteTo writes m as a model file. It validates m first, so a model that
// the engine could not trust is never written.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	b, err := m.encodeFile()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return int64(n), fmt.Errorf("write model: %w", err)
	}
	return int64(n), nil
}

// WriteFile writes m to path atomically: the file is written to a
// temporary file in the same directory, synced and renamed over path, so
// an existing model is never left half-written (a daemon may be loading
// it, or the disk may fill up).
func WriteFile(path string, m *Model) (err error) {
	b, err := m.encodeFile()
	if err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("write model %s: %w", path, err)
		}
	}()
	if _, err = f.Write(b); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; a model is not a secret.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable. Some file systems refuse to sync a
	// directory; the file is complete either way, so that is not an error.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ReadFile reads and validates the model file at path.
func ReadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	defer f.Close()
	m, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	return m, nil
}

// Read reads and validates a model file. It never trusts a length from the
// input beyond the bytes actually present, so a corrupt or hostile file
// costs at most its own size in memory.
func Read(r io.Reader) (*Model, error) {
	var hdr [headerSize]byte
	n, err := io.ReadFull(r, hdr[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("read model: %w", err)
	}
	h := hdr[:n]
	if n == 0 {
		return nil, fmt.Errorf("empty file: %w: make one with `edged calibrate`", ErrNotModel)
	}
	if got := h[:min(n, len(fileMagic))]; !bytes.HasPrefix([]byte(fileMagic), got) {
		return nil, fmt.Errorf("%w (bad magic %q): make one with `edged calibrate`", ErrNotModel, got)
	}
	if n < 12 {
		return nil, truncatedErr(n, -1)
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != FileVersion {
		return nil, &VersionError{Version: v}
	}
	if n < headerSize {
		return nil, truncatedErr(n, -1)
	}
	size := binary.LittleEndian.Uint64(h[12:])
	if size < headerSize+crcSize || size > maxFileSize {
		return nil, fmt.Errorf("header declares a %d-byte file: %w: re-copy it", size, ErrCorrupt)
	}
	// ReadAll grows with the bytes that actually arrive, not with size;
	// one byte more than declared reveals trailing data.
	rest, err := io.ReadAll(io.LimitReader(r, int64(size)-headerSize+1))
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	data := append(hdr[:], rest...)
	if uint64(len(data)) < size {
		return nil, truncatedErr(len(data), int64(size))
	}
	if uint64(len(data)) > size {
		return nil, fmt.Errorf("data after the declared end of the model (byte %d): %w: re-copy it", size, ErrCorrupt)
	}
	body, sum := data[:size-crcSize], binary.LittleEndian.Uint32(data[size-crcSize:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("checksum mismatch: %w: re-copy it or recalibrate", ErrCorrupt)
	}
	m, err := decode(body[headerSize:])
	if err == nil {
		err = m.Validate()
	}
	if err != nil {
		// The checksum matched, so this file was written like this: by
		// another program or a buggy edged, not damaged in transit.
		return nil, fmt.Errorf("%w: make it again with `edged calibrate`", err)
	}
	return m, nil
}

func truncatedErr(got int, want int64) error {
	if want < 0 {
		return fmt.Errorf("%w (only %d bytes): re-copy it", ErrTruncated, got)
	}
	return fmt.Errorf("%w (%d of its %d bytes): re-copy it", ErrTruncated, got, want)
}

// encodeFile validates m and returns its complete file.
func (m *Model) encodeFile() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	e := &encoder{b: make([]byte, headerSize, headerSize+m.weightBytes()+64*len(m.Ops)+64*len(m.Tensors)+1024)}
	copy(e.b, fileMagic)
	binary.LittleEndian.PutUint32(e.b[8:], FileVersion)
	e.model(m)
	if e.err != nil {
		return nil, e.err
	}
	binary.LittleEndian.PutUint64(e.b[12:], uint64(len(e.b)+crcSize))
	return binary.LittleEndian.AppendUint32(e.b, crc32.Checksum(e.b, castagnoli)), nil
}

func (m *Model) weightBytes() int {
	n := 0
	for i := range m.Ops {
		op := &m.Ops[i]
		n += len(op.W) + 2*len(op.W16) + 4*len(op.WScale) + 4*len(op.Bias)
	}
	return n
}

// encoder appends a Model's fields. Validation has bounded every int, but
// an int that does not fit int32 is still refused rather than truncated.
type encoder struct {
	b   []byte
	err error
}

func (e *encoder) u8(v uint8) { e.b = append(e.b, v) }

func (e *encoder) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }

func (e *encoder) int(v int) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		if e.err == nil {
			e.err = fmt.Errorf("internal: %d does not fit the model file's int32", v)
		}
	}
	e.u32(uint32(int32(v)))
}

func (e *encoder) f32(v float32) { e.u32(math.Float32bits(v)) }

func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) model(m *Model) {
	e.str(m.Arch)
	e.u8(uint8(m.Padding))
	e.str(m.Method)
	e.int(m.Images)
	e.b = append(e.b, m.SourceSHA256[:]...)
	e.u32(uint32(len(m.CalibImages)))
	for _, s := range m.CalibImages {
		e.str(s)
	}
	e.int(m.Output)
	e.u32(uint32(len(m.Tensors)))
	for i := range m.Tensors {
		t := &m.Tensors[i]
		e.str(t.Name)
		e.int(t.Shape.H)
		e.int(t.Shape.W)
		e.int(t.Shape.C)
		e.u8(uint8(t.DType))
		e.f32(t.Scale)
		e.u32(uint32(t.ZP))
		e.f32(t.Min)
		e.f32(t.Max)
	}
	e.u32(uint32(len(m.Ops)))
	for i := range m.Ops {
		e.op(&m.Ops[i])
	}
}

func (e *encoder) op(op *Op) {
	e.u8(uint8(op.Kind))
	e.str(op.Name)
	e.u32(uint32(len(op.Inputs)))
	for _, t := range op.Inputs {
		e.int(t)
	}
	e.int(op.Out)
	for _, v := range convInts(&op.Conv) {
		e.int(*v)
	}
	e.u8(uint8(op.Conv.Act))
	e.u32(uint32(len(op.W)))
	for _, v := range op.W {
		e.u8(uint8(v))
	}
	e.u32(uint32(len(op.WScale)))
	for _, v := range op.WScale {
		e.f32(v)
	}
	e.u32(uint32(len(op.Bias)))
	for _, v := range op.Bias {
		e.u32(uint32(v))
	}
	e.f32(op.PreScale)
	for _, v := range poolInts(&op.Pool) {
		e.int(*v)
	}
	e.u8(uint8(op.Act))
	e.int(op.From)
	e.int(op.To)
	e.int(op.Groups)
	e.u32(uint32(len(op.W16)))
	for _, v := range op.W16 {
		e.b = binary.LittleEndian.AppendUint16(e.b, uint16(v))
	}
}

// convInts and poolInts list the int fields of the kernel parameters in
// file order, for the encoder and the decoder alike.
func convInts(p *generic.ConvParams) [13]*int {
	return [13]*int{&p.InH, &p.InW, &p.InC, &p.OutH, &p.OutW, &p.OutC,
		&p.KH, &p.KW, &p.StrideH, &p.StrideW, &p.PadT, &p.PadL, &p.Groups}
}

func poolInts(p *generic.PoolParams) [11]*int {
	return [11]*int{&p.InH, &p.InW, &p.C, &p.OutH, &p.OutW,
		&p.KH, &p.KW, &p.StrideH, &p.StrideW, &p.PadT, &p.PadL}
}

// decoder reads a body. The first error sticks and later reads return
// zeros, so decode can read straight through and check once.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
}

func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b) {
		d.fail("%s: the body ends %d bytes early", what, n-len(d.b))
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) u8(what string) uint8 {
	if p := d.take(1, what); p != nil {
		return p[0]
	}
	return 0
}

func (d *decoder) u32(what string) uint32 {
	if p := d.take(4, what); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) int(what string) int { return int(int32(d.u32(what))) }

func (d *decoder) f32(what string) float32 { return math.Float32frombits(d.u32(what)) }

// count reads a length and checks it against the bytes left, so that no
// allocation is ever larger than the input.
func (d *decoder) count(elemSize int, what string) int {
	n := d.u32(what)
	if d.err != nil {
		return 0
	}
	if uint64(n)*uint64(elemSize) > uint64(len(d.b)) {
		d.fail("%s: length %d exceeds the %d bytes left", what, n, len(d.b))
		return 0
	}
	return int(n)
}

func (d *decoder) str(what string) string {
	n := d.count(1, what)
	return string(d.take(n, what))
}

func decode(body []byte) (*Model, error) {
	d := &decoder{b: body}
	m := &Model{}
	m.Arch = d.str("arch")
	m.Padding = model.Padding(d.u8("padding"))
	m.Method = d.str("method")
	m.Images = d.int("images")
	copy(m.SourceSHA256[:], d.take(32, "source sha256"))
	if n := d.count(4, "calibration image count"); n > 0 {
		m.CalibImages = make([]string, n)
		for i := range m.CalibImages {
			m.CalibImages[i] = d.str("calibration image name")
		}
	}
	m.Output = d.int("output")
	// A tensor takes at least 33 bytes and an op at least 139: counts are
	// checked against that so a corrupt count cannot allocate much.
	if n := d.count(33, "tensor count"); n > 0 {
		m.Tensors = make([]Tensor, n)
	}
	for i := range m.Tensors {
		t := &m.Tensors[i]
		w := fmt.Sprintf("tensor %d", i)
		t.Name = d.str(w + " name")
		t.Shape.H = d.int(w)
		t.Shape.W = d.int(w)
		t.Shape.C = d.int(w)
		t.DType = generic.DType(d.u8(w))
		t.Scale = d.f32(w)
		t.ZP = int32(d.u32(w))
		t.Min = d.f32(w)
		t.Max = d.f32(w)
		if d.err != nil {
			return nil, d.err
		}
	}
	if n := d.count(139, "op count"); n > 0 {
		m.Ops = make([]Op, n)
	}
	for i := range m.Ops {
		d.op(&m.Ops[i], fmt.Sprintf("op %d", i))
		if d.err != nil {
			return nil, d.err
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes after the last op", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	return m, nil
}

func (d *decoder) op(op *Op, w string) {
	op.Kind = model.Kind(d.u8(w))
	op.Name = d.str(w + " name")
	if n := d.count(4, w+" inputs"); n > 0 {
		op.Inputs = make([]int, n)
		for i := range op.Inputs {
			op.Inputs[i] = d.int(w)
		}
	}
	op.Out = d.int(w)
	for _, v := range convInts(&op.Conv) {
		*v = d.int(w)
	}
	op.Conv.Act = generic.Act(d.u8(w))
	// Empty slices decode as nil, as an op built in memory has them.
	if n := d.count(1, w+" weights"); n > 0 {
		op.W = make([]int8, n)
		for i, v := range d.take(n, w) {
			op.W[i] = int8(v)
		}
	}
	if n := d.count(4, w+" weight scales"); n > 0 {
		op.WScale = make([]float32, n)
		for i := range op.WScale {
			op.WScale[i] = d.f32(w)
		}
	}
	if n := d.count(4, w+" bias"); n > 0 {
		op.Bias = make([]int32, n)
		for i := range op.Bias {
			op.Bias[i] = int32(d.u32(w))
		}
	}
	op.PreScale = d.f32(w)
	for _, v := range poolInts(&op.Pool) {
		*v = d.int(w)
	}
	op.Act = generic.Act(d.u8(w))
	op.From = d.int(w)
	op.To = d.int(w)
	op.Groups = d.int(w)
	if n := d.count(2, w+" int16 weights"); n > 0 {
		op.W16 = make([]int16, n)
		b := d.take(2*n, w)
		for i := range op.W16 {
			op.W16[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
	}
}

// Limits on a valid model. They are far above any edge classifier, and they
// keep a hostile file that passes the checksum from making the engine
// allocate more than ~128 MB of activations.
const (
	maxName     = 1024    // bytes of a name, arch or method
	maxTensors  = 1 << 16 // tensors, and ops
	maxDim      = 1 << 16 // H, W or C of a tensor
	maxKernel   = 1 << 10 // KH or KW of a conv or pool
	maxElements = 1 << 26 // all activation tensors together
)

// Validate checks everything the engine relies on, so that a model that
// passes can be run without further checks: indices in range, every tensor
// produced exactly once and before it is read, shapes consistent with each
// op's geometry, weight, scale and bias lengths, quantization parameters
// finite and representable, and the fields an op's kind does not use zero.
// Read calls it on every model it loads and WriteTo on every model it
// writes.
func (m *Model) Validate() error {
	if m.Arch == "" {
		return invalidf("no architecture name")
	}
	for _, s := range []struct{ what, v string }{{"architecture", m.Arch}, {"method", m.Method}} {
		if err := checkText(s.what, s.v); err != nil {
			return err
		}
	}
	for _, s := range m.CalibImages {
		if err := checkText("calibration image name", s); err != nil {
			return err
		}
	}
	if m.Padding != model.PadTorch && m.Padding != model.PadTF {
		return invalidf("padding %d (want %d: torch or %d: tf)", m.Padding, model.PadTorch, model.PadTF)
	}
	if m.Images < 0 || m.Images > math.MaxInt32 {
		return invalidf("calibration image count %d", m.Images)
	}
	if len(m.Tensors) < 2 || len(m.Tensors) > maxTensors {
		return invalidf("%d tensors (want 2 to %d)", len(m.Tensors), maxTensors)
	}
	if len(m.Ops) < 1 || len(m.Ops) > maxTensors {
		return invalidf("%d ops (want 1 to %d)", len(m.Ops), maxTensors)
	}
	if m.Output < 1 || m.Output >= len(m.Tensors) {
		return invalidf("output tensor %d (the model has tensors 1 to %d)", m.Output, len(m.Tensors)-1)
	}
	var total int64 // int64: int is 32 bits on armv7
	for i := range m.Tensors {
		if err := m.checkTensor(i); err != nil {
			return err
		}
		s := m.Tensors[i].Shape
		total += int64(s.H) * int64(s.W) * int64(s.C)
		if total > maxElements {
			return invalidf("the tensors hold more than %d values", maxElements)
		}
	}
	// producer[t] is the op that writes tensor t; -1: none yet.
	producer := make([]int, len(m.Tensors))
	for t := range producer {
		producer[t] = -1
	}
	producer[0] = len(m.Ops) // the input: written before every op
	for i := range m.Ops {
		op := &m.Ops[i]
		if err := m.checkOp(op, producer); err != nil {
			return invalidf("op %d (%v %q): %v", i, op.Kind, op.Name, err)
		}
		producer[op.Out] = i
	}
	for t, p := range producer {
		if p < 0 {
			return invalidf("no op produces tensor %d %q", t, m.Tensors[t].Name)
		}
	}
	return nil
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func checkText(what, s string) error {
	if len(s) > maxName {
		return invalidf("%s is %d bytes long (at most %d)", what, len(s), maxName)
	}
	if !utf8.ValidString(s) {
		return invalidf("%s %q is not UTF-8", what, s)
	}
	return nil
}

func (m *Model) checkTensor(i int) error {
	t := &m.Tensors[i]
	if err := checkText(fmt.Sprintf("tensor %d name", i), t.Name); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return invalidf("tensor %d %q: %s", i, t.Name, fmt.Sprintf(format, args...))
	}
	if s := t.Shape; s.H < 1 || s.W < 1 || s.C < 1 || s.H > maxDim || s.W > maxDim || s.C > maxDim {
		return bad("shape %v (each dimension 1 to %d)", s, maxDim)
	}
	switch t.DType {
	case generic.Int8:
		if t.ZP < -128 || t.ZP > 127 {
			return bad("int8 zero point %d", t.ZP)
		}
	case generic.Int16, generic.Float32:
		if t.ZP != 0 {
			return bad("%v zero point %d (the scheme makes it 0)", t.DType, t.ZP)
		}
	default:
		return bad("element type %v", t.DType)
	}
	if (t.DType == generic.Float32) != (i == m.Output) {
		return bad("is %v, but only the output (tensor %d) is float32 and it must be", t.DType, m.Output)
	}
	if !isFinite32(t.Scale) || t.Scale <= 0 {
		return bad("scale %v", t.Scale)
	}
	if !isFinite32(t.Min) || !isFinite32(t.Max) || t.Min > t.Max {
		return bad("calibrated range [%v, %v]", t.Min, t.Max)
	}
	return nil
}

func isFinite32(f float32) bool { return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) }

// opArity is how many inputs each kind of op reads.
var opArity = [...]int{
	model.Conv: 1, model.Add: 2, model.MulChannels: 2, model.GlobalAvgPool: 1,
	model.MaxPool: 1, model.Concat: 2, model.Shuffle: 1, model.Slice: 1,
}

// minPreScale is the finest pre-activation scale PreScale gives (computed
// as PreScale computes it): round(6/s) must fit in 16 bits.
var minPreScale = PreScale(0)

func (m *Model) checkOp(op *Op, producer []int) error {
	if int(op.Kind) >= len(opArity) {
		return fmt.Errorf("unknown op kind %d", op.Kind)
	}
	if err := checkText("name", op.Name); err != nil {
		return err
	}
	if len(op.Inputs) != opArity[op.Kind] {
		return fmt.Errorf("%d inputs, want %d", len(op.Inputs), opArity[op.Kind])
	}
	in := make([]*Tensor, len(op.Inputs))
	for k, t := range op.Inputs {
		if t < 0 || t >= len(m.Tensors) {
			return fmt.Errorf("input %d is tensor %d, out of range", k, t)
		}
		if producer[t] < 0 {
			return fmt.Errorf("reads tensor %d %q before any op produces it", t, m.Tensors[t].Name)
		}
		if t == m.Output {
			return fmt.Errorf("reads the float32 output tensor %d", t)
		}
		in[k] = &m.Tensors[t]
	}
	if op.Out < 1 || op.Out >= len(m.Tensors) {
		return fmt.Errorf("output tensor %d out of range (1 to %d)", op.Out, len(m.Tensors)-1)
	}
	if p := producer[op.Out]; p >= 0 {
		return fmt.Errorf("writes tensor %d, already produced by op %d", op.Out, p)
	}
	out := &m.Tensors[op.Out]
	if out.DType == generic.Float32 && op.Kind != model.Conv {
		return fmt.Errorf("produces the float32 output: only a conv's accumulators are dequantized")
	}
	if err := unusedFields(op); err != nil {
		return err
	}
	shape := func(what string, got, want model.Shape) error {
		if got != want {
			return fmt.Errorf("%s is %v, want %v", what, got, want)
		}
		return nil
	}
	sameQuant := func() error {
		if in[0].DType != out.DType || in[0].Scale != out.Scale || in[0].ZP != out.ZP {
			return fmt.Errorf("moves data but its output's quantization (%v, scale %v, zp %d) differs from its input's (%v, scale %v, zp %d)",
				out.DType, out.Scale, out.ZP, in[0].DType, in[0].Scale, in[0].ZP)
		}
		return nil
	}
	a := in[0].Shape
	switch op.Kind {
	case model.Conv:
		return checkConv(op, a, out)
	case model.Add:
		if op.Act != generic.ActNone && op.Act != generic.ActReLU {
			return fmt.Errorf("activation %v (an add fuses none or relu)", op.Act)
		}
		if err := shape("input 1", in[1].Shape, a); err != nil {
			return err
		}
		return shape("output", out.Shape, a)
	case model.MulChannels:
		if err := shape("gate", in[1].Shape, model.Shape{H: 1, W: 1, C: a.C}); err != nil {
			return err
		}
		return shape("output", out.Shape, a)
	case model.GlobalAvgPool:
		return shape("output", out.Shape, model.Shape{H: 1, W: 1, C: a.C})
	case model.MaxPool:
		p := &op.Pool
		if err := checkWindow("pool", p.InH, p.OutH, p.KH, p.StrideH, p.PadT); err != nil {
			return err
		}
		if err := checkWindow("pool", p.InW, p.OutW, p.KW, p.StrideW, p.PadL); err != nil {
			return err
		}
		if err := shape("input", a, model.Shape{H: p.InH, W: p.InW, C: p.C}); err != nil {
			return err
		}
		if err := shape("output", out.Shape, model.Shape{H: p.OutH, W: p.OutW, C: p.C}); err != nil {
			return err
		}
		return sameQuant()
	case model.Concat:
		b := in[1].Shape
		if b.H != a.H || b.W != a.W {
			return fmt.Errorf("joins a %v and a %v tensor", a, b)
		}
		return shape("output", out.Shape, model.Shape{H: a.H, W: a.W, C: a.C + b.C})
	case model.Shuffle:
		if op.Groups < 1 || a.C%op.Groups != 0 {
			return fmt.Errorf("%d groups for %d channels", op.Groups, a.C)
		}
		if err := shape("output", out.Shape, a); err != nil {
			return err
		}
		return sameQuant()
	case model.Slice:
		if op.From < 0 || op.From >= op.To || op.To > a.C {
			return fmt.Errorf("channels [%d, %d) of %d", op.From, op.To, a.C)
		}
		if err := shape("output", out.Shape, model.Shape{H: a.H, W: a.W, C: op.To - op.From}); err != nil {
			return err
		}
		return sameQuant()
	}
	return nil
}

// unusedFields requires the fields op's kind does not use to be zero: the
// file stays canonical and nothing is silently ignored.
func unusedFields(op *Op) error {
	k := op.Kind
	switch {
	case k != model.Conv && (op.Conv != generic.ConvParams{} || len(op.W) > 0 || len(op.W16) > 0 || len(op.WScale) > 0 || len(op.Bias) > 0 || op.PreScale != 0):
		return fmt.Errorf("carries conv parameters or weights")
	case k != model.MaxPool && op.Pool != generic.PoolParams{}:
		return fmt.Errorf("carries pool parameters")
	case k != model.Add && op.Act != generic.ActNone:
		return fmt.Errorf("carries an add's activation %v", op.Act)
	case k != model.Slice && (op.From != 0 || op.To != 0):
		return fmt.Errorf("carries a slice's channel range")
	case k != model.Shuffle && op.Groups != 0:
		return fmt.Errorf("carries a shuffle's group count")
	}
	return nil
}

// checkWindow checks one axis of a conv or pool: positive sizes, padding
// smaller than the kernel, and every window overlapping the input (the
// last window starts inside it), which is what both PyTorch's and
// TensorFlow's padding produce.
func checkWindow(what string, in, out, k, stride, pad int) error {
	if in < 1 || in > maxDim || out < 1 || out > maxDim || k < 1 || k > maxKernel || stride < 1 || stride > maxDim {
		return fmt.Errorf("%s geometry: input %d, output %d, kernel %d, stride %d", what, in, out, k, stride)
	}
	if pad < 0 || pad >= k {
		return fmt.Errorf("%s padding %d for kernel %d", what, pad, k)
	}
	if int64(out-1)*int64(stride)-int64(pad) >= int64(in) {
		return fmt.Errorf("%s: %d outputs of stride %d over %d inputs (padding %d) leave windows outside the input",
			what, out, stride, in, pad)
	}
	return nil
}

func checkConv(op *Op, in model.Shape, out *Tensor) error {
	c := &op.Conv
	if err := checkWindow("conv", c.InH, c.OutH, c.KH, c.StrideH, c.PadT); err != nil {
		return err
	}
	if err := checkWindow("conv", c.InW, c.OutW, c.KW, c.StrideW, c.PadL); err != nil {
		return err
	}
	if want := (model.Shape{H: c.InH, W: c.InW, C: c.InC}); in != want {
		return fmt.Errorf("input is %v, the conv reads %v", in, want)
	}
	if want := (model.Shape{H: c.OutH, W: c.OutW, C: c.OutC}); out.Shape != want {
		return fmt.Errorf("output is %v, the conv writes %v", out.Shape, want)
	}
	if c.Groups < 1 || c.InC%c.Groups != 0 || c.OutC%c.Groups != 0 {
		return fmt.Errorf("%d groups for %d input and %d output channels", c.Groups, c.InC, c.OutC)
	}
	if c.Act > generic.ActHardsigmoid {
		return fmt.Errorf("unknown activation %d", c.Act)
	}
	if out.DType == generic.Float32 && c.Act != generic.ActNone {
		return fmt.Errorf("the float32 output cannot fuse %v", c.Act)
	}
	if len(op.W) > 0 && len(op.W16) > 0 {
		return fmt.Errorf("both int8 and int16 weights")
	}
	if want := int64(c.OutC) * int64(c.KH) * int64(c.KW) * int64(c.InC/c.Groups); int64(len(op.W)+len(op.W16)) != want {
		return fmt.Errorf("%d weights, want %d×%d×%d×%d = %d", len(op.W)+len(op.W16), c.OutC, c.KH, c.KW, c.InC/c.Groups, want)
	}
	for i, w := range op.W16 {
		if w == math.MinInt16 {
			return fmt.Errorf("int16 weight %d is -32768 (symmetric weights are in [-32767, 32767])", i)
		}
	}
	for i, w := range op.W {
		if w == math.MinInt8 {
			return fmt.Errorf("weight %d is -128 (symmetric weights are in [-127, 127])", i)
		}
	}
	if len(op.WScale) != c.OutC || len(op.Bias) != c.OutC {
		return fmt.Errorf("%d weight scales and %d biases for %d output channels", len(op.WScale), len(op.Bias), c.OutC)
	}
	for o, s := range op.WScale {
		if !isFinite32(s) || s <= 0 {
			return fmt.Errorf("weight scale %v of channel %d", s, o)
		}
	}
	if c.Act == generic.ActHardswish || c.Act == generic.ActHardsigmoid {
		if !isFinite32(op.PreScale) || op.PreScale < minPreScale {
			return fmt.Errorf("pre-activation scale %v for the fused %v (at least %v)", op.PreScale, c.Act, minPreScale)
		}
	} else if op.PreScale != 0 {
		return fmt.Errorf("pre-activation scale %v without a fused hardswish or hardsigmoid", op.PreScale)
	}
	return nil
}
