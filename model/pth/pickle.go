package pth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// The unpickler's side: gopickle decodes the pickles, this file maps
// torch's globals to Go values and walks a pickle's opcodes before
// gopickle sees it, so that no declared length is trusted.

// unpickle decodes the pickle at the start of p and returns it with its
// length in bytes.
func (d *decoder) unpickle(p []byte, persistentLoad func(any) (any, error)) (v any, n int, err error) {
	n, err = pickleEnd(p)
	if err != nil {
		return nil, len(p), err
	}
	// gopickle may panic on malformed input (e.g. an empty LONG1).
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("malformed pickle: %v", r)
		}
	}()
	u := pickle.NewUnpickler(bytes.NewReader(p[:n]))
	u.FindClass = d.findClass
	u.PersistentLoad = persistentLoad
	if persistentLoad == nil {
		u.PersistentLoad = func(any) (any, error) { return nil, errors.New("unexpected persistent id") }
	}
	v, err = u.Load()
	return v, n, err
}

// findClass maps the pickle's globals to Go values. Unknown classes load
// as opaque objects so a checkpoint wrapping its state dict with other
// Python objects (an argparse.Namespace, say) still loads.
func (d *decoder) findClass(module, name string) (any, error) {
	switch module + "." + name {
	case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
		return rebuildTensor{d}, nil
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		return rebuildParameter{}, nil
	case "torch._tensor._rebuild_from_type_v2":
		return rebuildFromType{}, nil
	}
	if dt, ok := storageTypes[name]; ok && module == "torch" {
		return dt, nil
	}
	return &pyClass{module: module, name: name}, nil
}

type rebuildTensor struct{ d *decoder }

// Call takes (storage, storage_offset, size, stride[, requires_grad,
// backward_hooks[, metadata]]).
func (r rebuildTensor) Call(args ...any) (any, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor: %d arguments, want at least 4", len(args))
	}
	s, ok := args[0].(*storageRef)
	off, ook := pickleInt(args[1])
	shape, sok := pickleInts(args[2])
	stride, tok := pickleInts(args[3])
	if !ok || !ook || !sok || !tok {
		return nil, fmt.Errorf("_rebuild_tensor: malformed arguments %s", describe(types.NewTupleFromSlice(args)))
	}
	return &tensorRef{storage: s, offset: off, shape: shape, stride: stride}, nil
}

type rebuildParameter struct{}

// Call takes (data, requires_grad, backward_hooks[, state]); the
// parameter is its data.
func (rebuildParameter) Call(args ...any) (any, error) {
	if len(args) == 0 {
		return nil, errors.New("_rebuild_parameter: no arguments")
	}
	return args[0], nil
}

type rebuildFromType struct{}

// Call takes (func, new_type, args, state), used for tensor subclasses:
// the tensor is func(*args).
func (rebuildFromType) Call(args ...any) (any, error) {
	if len(args) < 3 {
		return nil, fmt.Errorf("_rebuild_from_type_v2: %d arguments, want 4", len(args))
	}
	fn, ok := args[0].(types.Callable)
	fargs, aok := args[2].(*types.Tuple)
	if !ok || !aok {
		return nil, errors.New("_rebuild_from_type_v2: malformed arguments")
	}
	return fn.Call(*fargs...)
}

// pyClass is a Python class the loader does not model.
type pyClass struct{ module, name string }

func (c *pyClass) Call(args ...any) (any, error) { return &pyObject{class: c}, nil }

func (c *pyClass) PyNew(args ...any) (any, error) { return &pyObject{class: c}, nil }

// pyObject is an instance of a pyClass; its contents are dropped.
type pyObject struct{ class *pyClass }

func (o *pyObject) PySetState(any) error { return nil }

func pickleInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case *big.Int:
		if n.IsInt64() && int64(int(n.Int64())) == n.Int64() {
			return int(n.Int64()), true
		}
	}
	return 0, false
}

func pickleInts(v any) ([]int, bool) {
	t, ok := v.(*types.Tuple)
	if !ok {
		return nil, false
	}
	out := make([]int, t.Len())
	for i := range out {
		if out[i], ok = pickleInt(t.Get(i)); !ok {
			return nil, false
		}
	}
	return out, true
}

type dictEntry struct{ key, value any }

// dictEntries lists a dict's or OrderedDict's items in order.
func dictEntries(v any) ([]dictEntry, bool) {
	switch m := v.(type) {
	case *types.Dict:
		out := make([]dictEntry, len(*m))
		for i, e := range *m {
			out[i] = dictEntry{e.Key, e.Value}
		}
		return out, true
	case *types.OrderedDict:
		out := make([]dictEntry, 0, m.Len())
		for e := m.List.Front(); e != nil; e = e.Next() {
			if oe, ok := e.Value.(*types.OrderedDictEntry); ok {
				out = append(out, dictEntry{oe.Key, oe.Value})
			}
		}
		return out, true
	}
	return nil, false
}

// describe names a Python value's type for error messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case *tensorRef:
		return "a single tensor"
	case *pyObject:
		return fmt.Sprintf("a %s.%s object", x.class.module, x.class.name)
	case *pyClass:
		return fmt.Sprintf("the class %s.%s", x.module, x.name)
	case storageType:
		return "a " + x.name + " storage type"
	case *types.List:
		return fmt.Sprintf("a list of %d items", len(*x))
	case *types.Tuple:
		return fmt.Sprintf("a tuple of %d items", x.Len())
	case *types.Dict, *types.OrderedDict:
		return "a dict"
	case string:
		return "a string"
	case int, *big.Int:
		return "an int"
	case float64:
		return "a float"
	case bool:
		return "a bool"
	}
	return fmt.Sprintf("a %T", v)
}

// Pickle opcode argument layouts, after Python's pickletools.
const (
	argLine     = -1 // up to and including '\n'
	argTwoLines = -2
	argLen1     = -3 // uint8 length, then that many bytes
	argLen4     = -4 // uint32 (or int32) length
	argLen8     = -5 // uint64 length
	argFrame    = -6 // uint64 frame length; the frame's opcodes follow
)

var pickleArgs = func() [256]int {
	var a [256]int
	for i := range a {
		a[i] = math.MinInt // unknown opcode
	}
	for _, op := range []byte("N\x88\x89\x97\x98]ael)t\x85\x86\x87}dsu\x8f\x90\x91021(\x94\x93RboQ.\x81\x92") {
		a[op] = 0
	}
	for op, n := range map[byte]int{'J': 4, 'K': 1, 'M': 2, 'G': 8, 'h': 1, 'j': 4, 'q': 1, 'r': 4, 0x82: 1, 0x83: 2, 0x84: 4, 0x80: 1} {
		a[op] = n
	}
	for _, op := range []byte("ILSVFgpP") {
		a[op] = argLine
	}
	a['c'], a['i'] = argTwoLines, argTwoLines
	for _, op := range []byte{0x8a, 'U', 'C', 0x8c} {
		a[op] = argLen1
	}
	for _, op := range []byte{0x8b, 'T', 'B', 'X'} {
		a[op] = argLen4
	}
	for _, op := range []byte{0x8e, 0x96, 0x8d} {
		a[op] = argLen8
	}
	a[0x95] = argFrame
	return a
}()

// pickleEnd returns the length of the pickle at the start of p, through
// its STOP opcode. It walks the opcodes to check that every length the
// pickle declares fits in p: gopickle allocates a declared length before
// reading it, so one corrupted length could otherwise take down the
// process with an allocation of gigabytes.
func pickleEnd(p []byte) (int, error) {
	i := 0
	for i < len(p) {
		op := p[i]
		i++
		if op == '.' {
			return i, nil
		}
		var n uint64
		rest := uint64(len(p) - i)
		switch arg := pickleArgs[op]; arg {
		case math.MinInt:
			return 0, fmt.Errorf("unknown pickle opcode 0x%02x at byte %d", op, i-1)
		case argLine, argTwoLines:
			lines := 1
			if arg == argTwoLines {
				lines = 2
			}
			for ; lines > 0; lines-- {
				j := bytes.IndexByte(p[i:], '\n')
				if j < 0 {
					return 0, errors.New("pickle ends inside a text argument")
				}
				i += j + 1
			}
			continue
		case argLen1, argLen4, argLen8, argFrame:
			w := uint64(8)
			switch arg {
			case argLen1:
				w = 1
			case argLen4:
				w = 4
			}
			if rest < w {
				return 0, errors.New("pickle ends inside an opcode argument")
			}
			var buf [8]byte
			copy(buf[:], p[i:i+int(w)])
			n = binary.LittleEndian.Uint64(buf[:])
			i += int(w)
			if n > rest-w {
				return 0, fmt.Errorf("pickle declares %d bytes at byte %d, but only %d remain", n, i, rest-w)
			}
			if arg == argFrame {
				continue // the frame's opcodes are walked as usual
			}
		default:
			n = uint64(arg)
			if n > rest {
				return 0, errors.New("pickle ends inside an opcode argument")
			}
		}
		i += int(n)
	}
	return 0, errors.New("pickle ends without a STOP opcode")
}
