package quant

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
)

// The body of a model file: every field of a Model in a fixed order
// (format.go frames it with the header and checksum).

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
