package quant

// The int8 model file (.edgeq): one self-contained binary file holding a
// Model completely.
//
//	offset  size  field
//	0       8     magic "EDGEQ\r\n\x1a"
//	8       4     format version (uint32, little-endian): 1
//	12      8     total file length in bytes (uint64), checksum included
//	20      ...   body: the Model, field by field (see encode)
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
		return nil, truncated(n, -1)
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != FileVersion {
		return nil, &VersionError{Version: v}
	}
	if n < headerSize {
		return nil, truncated(n, -1)
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
		return nil, truncated(len(data), int64(size))
	}
	if uint64(len(data)) > size {
		return nil, fmt.Errorf("data after the declared end of the model (%d bytes): %w: re-copy it", size, ErrCorrupt)
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

func truncated(got int, want int64) error {
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
		n += len(op.W) + 4*len(op.WScale) + 4*len(op.Bias)
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
		t.DType = DType(d.u8(w))
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
}
