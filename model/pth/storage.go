package pth

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/edged/edged/model"
	"github.com/nlpodyssey/gopickle/types"
)

// Storages and tensor views: a tensor is a view (offset, shape, stride) of
// a typed storage, read from the file on first use and converted to
// float32.

func (d *decoder) storageRef(t *types.Tuple) (*storageRef, error) {
	key, ok := t.Get(2).(string)
	numel, nok := pickleInt(t.Get(4))
	if !ok || !nok || numel < 0 {
		return nil, fmt.Errorf("malformed storage reference %s", describe(t))
	}
	dt := storageTypeOf(t.Get(1))
	if s, ok := d.storages[key]; ok {
		if s.dtype != dt || s.numel != numel {
			return nil, fmt.Errorf("storage %q is declared twice with different types or sizes", key)
		}
		return s, nil
	}
	s := &storageRef{dtype: dt, key: key, numel: numel}
	d.storages[key] = s
	return s, nil
}

// storageType describes a torch storage class.
type storageType struct {
	name  string
	size  int // bytes per element; 0 when unsupported
	float bool
}

var storageTypes = map[string]storageType{
	"FloatStorage":    {"float32", 4, true},
	"HalfStorage":     {"float16", 2, true},
	"BFloat16Storage": {"bfloat16", 2, true},
	"DoubleStorage":   {"float64", 8, true},
	"LongStorage":     {"int64", 8, false},
	"IntStorage":      {"int32", 4, false},
	"ShortStorage":    {"int16", 2, false},
	"CharStorage":     {"int8", 1, false},
	"ByteStorage":     {"uint8", 1, false},
	"BoolStorage":     {"bool", 1, false},
}

func storageTypeOf(v any) storageType {
	switch c := v.(type) {
	case storageType:
		return c
	case *pyClass:
		return storageType{name: c.module + "." + c.name}
	}
	return storageType{name: describe(v)}
}

// storageRef is a storage the pickle refers to.
type storageRef struct {
	dtype  storageType
	key    string
	numel  int
	raw    []byte // set once loaded
	loaded bool
}

// tensorRef is what torch._utils._rebuild_tensor_v2 returns: a view of a
// storage.
type tensorRef struct {
	storage *storageRef
	offset  int
	shape   []int
	stride  []int
}

// materialize copies a tensor's view of its storage into a contiguous
// float32 tensor, honouring the storage offset and the strides. The view
// is checked against the storage, and its size against the budget, before
// the tensor is allocated.
func (d *decoder) materialize(key string, t *tensorRef) (*model.Tensor, error) {
	s := t.storage
	if len(t.shape) != len(t.stride) || t.offset < 0 {
		return nil, d.corrupted("tensor %q: shape %v, stride %v, offset %d", key, t.shape, t.stride, t.offset)
	}
	numel := 1
	for _, n := range t.shape {
		if n < 0 || (n > 0 && numel > d.budget/n) {
			return nil, d.corrupted("tensor %q: shape %v is negative or larger than the file can hold", key, t.shape)
		}
		numel *= n
	}
	if numel == 0 {
		return &model.Tensor{Shape: slices.Clone(t.shape), Data: []float32{}}, nil
	}
	raw, err := d.storageBytes(s)
	if err != nil {
		return nil, err
	}
	elems := len(raw) / s.dtype.size
	// last is the storage index of the view's last element; the check
	// before each step keeps it below elems, so nothing overflows.
	last, inside := t.offset, t.offset < elems
	for i, n := range t.shape {
		st := t.stride[i]
		if st < 0 || !inside {
			inside = false
			break
		}
		if st > 0 && n > 1 {
			if n-1 > (elems-1-last)/st {
				inside = false
				break
			}
			last += (n - 1) * st
		}
	}
	if !inside {
		return nil, d.corrupted("tensor %q: shape %v, stride %v and offset %d reach past the %d elements of its storage %q", key, t.shape, t.stride, t.offset, elems, s.key)
	}
	d.budget -= numel
	out := &model.Tensor{Shape: slices.Clone(t.shape), Data: make([]float32, numel)}
	if isContiguous(t.shape, t.stride) {
		decodeFloats(out.Data, raw[t.offset*s.dtype.size:], s.dtype, d.order)
		return out, nil
	}
	idx := make([]int, len(t.shape))
	pos := t.offset
	for i := range out.Data {
		decodeFloats(out.Data[i:i+1], raw[pos*s.dtype.size:], s.dtype, d.order)
		for dim := len(idx) - 1; dim >= 0; dim-- {
			idx[dim]++
			pos += t.stride[dim]
			if idx[dim] < t.shape[dim] {
				break
			}
			pos -= t.stride[dim] * t.shape[dim]
			idx[dim] = 0
		}
	}
	return out, nil
}

// isContiguous reports whether the strides are row-major; dimensions of
// size 1 may have any stride.
func isContiguous(shape, stride []int) bool {
	want := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && stride[i] != want {
			return false
		}
		want *= shape[i]
	}
	return true
}

// storageBytes returns a floating-point storage's raw bytes, reading it
// from the zip on first use (a legacy file's storages are slices of the
// file). Tensors decode their elements from it directly: no float32 copy
// of a whole storage is made.
func (d *decoder) storageBytes(s *storageRef) ([]byte, error) {
	if !s.loaded {
		if d.records == nil {
			return nil, d.corrupted("legacy storage %q is referenced but has no data", s.key)
		}
		name := d.prefix + "data/" + s.key
		f, ok := d.records[name]
		if !ok {
			return nil, d.corrupted("storage record %s is missing", name)
		}
		want := uint64(s.numel) * uint64(s.dtype.size)
		if f.UncompressedSize64 != want || uint64(s.numel) > f.UncompressedSize64 {
			return nil, d.corrupted("storage %s holds %d bytes, but the pickle declares %d %s elements (%d bytes)", name, f.UncompressedSize64, s.numel, s.dtype.name, want)
		}
		raw, err := d.readRecord(f, want)
		if err != nil {
			return nil, err
		}
		s.raw, s.loaded = raw, true
	}
	return s.raw, nil
}

// decodeFloats converts the first len(out) elements of raw storage bytes
// of a floating-point type to float32.
func decodeFloats(out []float32, raw []byte, dt storageType, order binary.ByteOrder) {
	switch dt.name {
	case "float32":
		for i := range out {
			out[i] = math.Float32frombits(order.Uint32(raw[4*i:]))
		}
	case "float16":
		for i := range out {
			out[i] = halfToFloat32(order.Uint16(raw[2*i:]))
		}
	case "bfloat16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(order.Uint16(raw[2*i:])) << 16)
		}
	case "float64":
		for i := range out {
			out[i] = float32(math.Float64frombits(order.Uint64(raw[8*i:])))
		}
	}
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac * 2^-24
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
