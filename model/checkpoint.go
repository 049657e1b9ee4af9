package model

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"slices"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// Checkpoint loading: torch.save files (the zip format of PyTorch >= 1.6
// and the legacy stream format before it) are decoded with gopickle's
// unpickler, but storages are read and checked here rather than by
// gopickle's pytorch.Load: that one trusts sizes taken from the file
// (allocating whatever they say), ignores short reads and CRCs, ignores
// strides and offsets, and panics on some legacy inputs.

// Tensor is a float32 tensor in PyTorch's contiguous (row-major) order.
type Tensor struct {
	Shape []int
	Data  []float32
}

// StateDict maps torchvision parameter names to tensors.
type StateDict struct {
	// Path is the file the state dict came from; Get names it in errors.
	Path string
	// Tensors holds every floating-point tensor, converted to float32.
	Tensors map[string]*Tensor
	// Keys lists the keys of Tensors in file order.
	Keys []string
	// Skipped says why each entry that is not a floating-point tensor was
	// left out (num_batches_tracked counters, integer buffers, extra state),
	// so a lookup of one of them can say more than "missing".
	Skipped map[string]string
	// SHA256 is the hash of the file's bytes, to tell checkpoints apart.
	SHA256 [32]byte
}

// Errors that LoadCheckpoint and Get wrap, for callers that branch on them.
var (
	ErrNotCheckpoint = errors.New("not a PyTorch checkpoint")
	ErrCorrupted     = errors.New("truncated or corrupted")
	ErrNotStateDict  = errors.New("not a state dict")
	ErrMissingKey    = errors.New("missing key")
	ErrShapeMismatch = errors.New("shape mismatch")
)

// errInternal marks a panic recovered in this file's own code, as opposed
// to one inside gopickle; the fuzz test fails on it.
var errInternal = errors.New("internal error")

// maxPickleBytes bounds data.pkl: it holds names and shapes only, a few
// kilobytes per tensor.
const maxPickleBytes = 1 << 30

// LoadCheckpoint reads a state dict saved with torch.save: an OrderedDict
// or dict of tensors, or a dict wrapping one under "state_dict",
// "model_state_dict" or "model". A "module." prefix on every key
// (DataParallel) is stripped. float16, bfloat16 and float64 tensors are
// converted to float32; integer tensors are skipped.
func LoadCheckpoint(path string) (*StateDict, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	return parseCheckpoint(path, data)
}

// Get returns the tensor stored under key, checking its shape when one is
// given.
func (sd *StateDict) Get(key string, shape ...int) (*Tensor, error) {
	where := ""
	if sd.Path != "" {
		where = sd.Path + ": "
	}
	t, ok := sd.Tensors[key]
	if !ok {
		if why, skipped := sd.Skipped[key]; skipped {
			return nil, fmt.Errorf("%s%w %q: the entry is %s, not a floating-point tensor", where, ErrMissingKey, key, why)
		}
		return nil, fmt.Errorf("%s%w %q: the checkpoint does not match the architecture (wrong model file?)", where, ErrMissingKey, key)
	}
	if len(shape) > 0 && !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("%s%s: %w: expected %v found %v (wrong model variant?)", where, key, ErrShapeMismatch, shape, t.Shape)
	}
	return t, nil
}

// Unused lists, in file order, the tensors whose keys are not in used: a
// non-empty answer after building a model means the checkpoint holds
// weights the architecture ignores.
func (sd *StateDict) Unused(used map[string]bool) []string {
	var out []string
	for _, k := range sd.Keys {
		if !used[k] {
			out = append(out, k)
		}
	}
	return out
}

// parseCheckpoint decodes a checkpoint held in memory; path only names it
// in errors.
func parseCheckpoint(path string, data []byte) (sd *StateDict, err error) {
	defer func() {
		if r := recover(); r != nil {
			sd = nil
			err = fmt.Errorf("%s: %w (%w: %v): re-download it", path, ErrCorrupted, errInternal, r)
		}
	}()
	d := &ckptDecoder{path: path, data: data, order: binary.LittleEndian, storages: map[string]*storageRef{}}
	var root any
	switch {
	case len(data) == 0:
		return nil, fmt.Errorf("%s: %w (expected a torch.save zip file): found an empty file; re-download it", path, ErrNotCheckpoint)
	case bytes.HasPrefix(data, []byte("PK")):
		root, err = d.loadZip()
	default:
		root, err = d.loadLegacy()
	}
	if err != nil {
		return nil, err
	}
	entries, err := d.findStateDict(root, "", 0)
	if err != nil {
		return nil, err
	}
	sd, err = d.build(entries)
	if err != nil {
		return nil, err
	}
	sd.SHA256 = sha256.Sum256(data)
	return sd, nil
}

// ckptDecoder holds the state of one load.
type ckptDecoder struct {
	path     string
	data     []byte
	order    binary.ByteOrder
	storages map[string]*storageRef
	// zip format: records by name and the archive's directory prefix.
	records map[string]*zip.File
	prefix  string
	// budget is how many float32 values the tensors may still take. Real
	// checkpoints stay far below it; a crafted file that expands a small
	// storage into a huge view would otherwise exhaust memory.
	budget int
}

func (d *ckptDecoder) corrupted(format string, args ...any) error {
	return fmt.Errorf("%s: %w (%s): re-download it", d.path, ErrCorrupted, fmt.Sprintf(format, args...))
}

func (d *ckptDecoder) notCheckpoint(what string) error {
	return fmt.Errorf("%s: %w (expected a torch.save zip file): found %s; check that the path names a .pth state dict", d.path, ErrNotCheckpoint, what)
}

func (d *ckptDecoder) notStateDict(format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s; save the weights with torch.save(model.state_dict(), path)", d.path, ErrNotStateDict, fmt.Sprintf(format, args...))
}

// loadZip reads the format torch.save writes since PyTorch 1.6:
// <archive>/data.pkl pickles the object, each storage is the raw record
// <archive>/data/<key>.
func (d *ckptDecoder) loadZip() (any, error) {
	zr, err := zip.NewReader(bytes.NewReader(d.data), int64(len(d.data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, d.corrupted("%v", err)
	}
	d.records = make(map[string]*zip.File, len(zr.File))
	var pkl *zip.File
	torchScript := false
	for _, f := range zr.File {
		if _, dup := d.records[f.Name]; !dup {
			d.records[f.Name] = f
		}
		// torch.save writes <archive>/data.pkl; accept a bare data.pkl too.
		base := f.Name[strings.LastIndexByte(f.Name, '/')+1:]
		switch {
		case base == "constants.pkl":
			torchScript = true
		case base == "data.pkl" && strings.Count(f.Name, "/") <= 1 && pkl == nil:
			pkl = f
			d.prefix = f.Name[:len(f.Name)-len(base)]
		}
	}
	switch {
	case torchScript:
		return nil, d.notCheckpoint("a TorchScript archive (torch.jit.save); save the weights with torch.save(model.state_dict(), path)")
	case pkl == nil:
		return nil, d.notCheckpoint("a zip file without data.pkl")
	}
	if f, ok := d.records[d.prefix+"byteorder"]; ok {
		b, err := d.readRecord(f, 16)
		if err != nil {
			return nil, err
		}
		switch strings.TrimSpace(string(b)) {
		case "little":
		case "big":
			d.order = binary.BigEndian
		default:
			return nil, d.corrupted("record %s says %q, want little or big", f.Name, b)
		}
	}
	p, err := d.readRecord(pkl, maxPickleBytes)
	if err != nil {
		return nil, err
	}
	d.budget = len(d.data) + 1<<20
	v, _, err := d.unpickle(p, d.zipPersistentLoad)
	if err != nil {
		return nil, d.corrupted("%s: %v", pkl.Name, err)
	}
	return v, nil
}

// readRecord reads a whole zip record of at most limit bytes, checking
// its CRC-32: flipped bytes in a weight otherwise load silently.
func (d *ckptDecoder) readRecord(f *zip.File, limit uint64) ([]byte, error) {
	size, packed, total := f.UncompressedSize64, f.CompressedSize64, uint64(len(d.data))
	switch {
	case size > limit:
		return nil, d.corrupted("zip record %s claims %d bytes, more than the %d it may hold", f.Name, size, limit)
	case f.Method == zip.Store && (packed != size || packed > total):
		return nil, d.corrupted("zip record %s claims %d bytes in a %d-byte file", f.Name, packed, total)
	case f.Method == zip.Deflate && (packed > total || size/1100 > packed):
		// deflate cannot compress more than about 1032:1.
		return nil, d.corrupted("zip record %s claims %d bytes from %d compressed", f.Name, size, packed)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, d.corrupted("zip record %s: %v", f.Name, err)
	}
	defer rc.Close()
	buf := make([]byte, size)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, d.corrupted("zip record %s: %v", f.Name, err)
	}
	// Reading past the end makes archive/zip verify the CRC-32.
	if extra, err := io.ReadAll(io.LimitReader(rc, 1)); err != nil || len(extra) > 0 {
		if err == nil {
			err = errors.New("more data than its header says")
		}
		return nil, d.corrupted("zip record %s: %v", f.Name, err)
	}
	return buf, nil
}

// zipPersistentLoad resolves the pickle's storage references, the tuples
// ('storage', storage_type, key, location, numel). Storage bytes are read
// later, only for tensors that are kept.
func (d *ckptDecoder) zipPersistentLoad(pid any) (any, error) {
	t, ok := pid.(*types.Tuple)
	if !ok || t.Len() < 5 || t.Get(0) != "storage" {
		return nil, fmt.Errorf("unexpected persistent id %s", describe(pid))
	}
	return d.storageRef(t)
}

func (d *ckptDecoder) storageRef(t *types.Tuple) (*storageRef, error) {
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

// legacyMagic is the first pickle of a pre-1.6 torch.save file.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// loadLegacy reads the stream format of torch.save before PyTorch 1.6:
// pickles of the magic number, the protocol version (1001), system info,
// the object and its storage keys, then each storage as an int64 element
// count and raw bytes.
func (d *ckptDecoder) loadLegacy() (any, error) {
	off := 0
	next := func(persistentLoad func(any) (any, error)) (any, error) {
		v, n, err := d.unpickle(d.data[off:], persistentLoad)
		off += n
		return v, err
	}
	magic, err := next(nil)
	if n, ok := magic.(*big.Int); err != nil || !ok || n.Cmp(legacyMagic) != 0 {
		if err == nil {
			return nil, d.notCheckpoint("a Python pickle that torch.save did not write")
		}
		return nil, d.notCheckpoint(sniff(d.data))
	}
	if v, err := next(nil); err != nil || v != 1001 {
		return nil, d.corrupted("legacy torch.save header: protocol version %v, want 1001 (%v)", v, err)
	}
	info, err := next(nil)
	if err != nil {
		return nil, d.corrupted("legacy torch.save header: %v", err)
	}
	if entries, ok := dictEntries(info); ok {
		for _, e := range entries {
			if e.key == "little_endian" && e.value == false {
				d.order = binary.BigEndian
			}
		}
	}
	d.budget = len(d.data) + 1<<20
	root, err := next(d.legacyPersistentLoad)
	if err != nil {
		if errors.Is(err, ErrNotStateDict) {
			return nil, err
		}
		return nil, d.corrupted("legacy torch.save object: %v", err)
	}
	keys, err := next(nil)
	list, ok := keys.(*types.List)
	if err != nil || !ok {
		return nil, d.corrupted("legacy torch.save storage list: %v", err)
	}
	for _, k := range *list {
		key, _ := k.(string)
		s, ok := d.storages[key]
		if !ok {
			return nil, d.corrupted("legacy storage %v is listed but never referenced", k)
		}
		if s.dtype.size == 0 {
			return nil, d.corrupted("legacy storage %q has unsupported type %s", key, s.dtype.name)
		}
		if len(d.data)-off < 8 {
			return nil, d.corrupted("legacy storage %q: file ends before its header", key)
		}
		n := d.order.Uint64(d.data[off:])
		off += 8
		avail := uint64(len(d.data)-off) / uint64(s.dtype.size)
		if n != uint64(s.numel) || n > avail {
			return nil, d.corrupted("legacy storage %q: %d elements declared, %d recorded, room for %d", key, s.numel, n, avail)
		}
		nb := int(n) * s.dtype.size
		s.raw = d.data[off : off+nb]
		s.loaded = true
		off += nb
	}
	return root, nil
}

// legacyPersistentLoad resolves ('storage', storage_type, root_key,
// location, numel, view_metadata) references.
func (d *ckptDecoder) legacyPersistentLoad(pid any) (any, error) {
	t, ok := pid.(*types.Tuple)
	if ok && t.Len() >= 2 && t.Get(0) == "module" {
		return nil, d.notStateDict("the file holds a whole pickled model (torch.save(model))")
	}
	if !ok || t.Len() < 6 || t.Get(0) != "storage" {
		return nil, fmt.Errorf("unexpected persistent id %s", describe(pid))
	}
	if t.Get(5) != nil {
		return nil, fmt.Errorf("storage views are not supported")
	}
	return d.storageRef(t)
}

// unpickle decodes the pickle at the start of p and returns it with its
// length in bytes.
func (d *ckptDecoder) unpickle(p []byte, persistentLoad func(any) (any, error)) (v any, n int, err error) {
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
func (d *ckptDecoder) findClass(module, name string) (any, error) {
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
	floats []float32
}

// tensorRef is what torch._utils._rebuild_tensor_v2 returns: a view of a
// storage.
type tensorRef struct {
	storage *storageRef
	offset  int
	shape   []int
	stride  []int
}

type rebuildTensor struct{ d *ckptDecoder }

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

func (c *pyClass) Call(args ...any) (any, error)  { return &pyObject{class: c}, nil }
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

// stateDictWrappers are the keys under which training scripts commonly
// nest the state dict, in order of preference.
var stateDictWrappers = []string{"state_dict", "model_state_dict", "model"}

// findStateDict finds the dict of tensors in the unpickled object.
func (d *ckptDecoder) findStateDict(v any, under string, depth int) ([]dictEntry, error) {
	where := "the pickle holds"
	if under != "" {
		where = fmt.Sprintf("the pickle's %q entry holds", under)
	}
	entries, ok := dictEntries(v)
	if !ok {
		if o, isObj := v.(*pyObject); isObj {
			return nil, d.notStateDict("%s a %s.%s object (a whole pickled model?)", where, o.class.module, o.class.name)
		}
		return nil, d.notStateDict("%s %s", where, describe(v))
	}
	for _, e := range entries {
		if _, ok := e.value.(*tensorRef); ok {
			return entries, nil
		}
	}
	if depth < 3 {
		for _, w := range stateDictWrappers {
			for _, e := range entries {
				if e.key == w {
					return d.findStateDict(e.value, w, depth+1)
				}
			}
		}
	}
	keys := make([]string, 0, 8)
	for i, e := range entries {
		if i == 8 {
			keys = append(keys, "...")
			break
		}
		keys = append(keys, fmt.Sprintf("%q", fmt.Sprint(e.key)))
	}
	return nil, d.notStateDict("%s a dict with keys [%s] and no tensors, nor a %q, %q or %q entry", where, strings.Join(keys, " "), stateDictWrappers[0], stateDictWrappers[1], stateDictWrappers[2])
}

// build converts the state dict's entries to float32 tensors.
func (d *ckptDecoder) build(entries []dictEntry) (*StateDict, error) {
	sd := &StateDict{Path: d.path, Tensors: map[string]*Tensor{}, Skipped: map[string]string{}}
	strip := len(entries) > 0
	for _, e := range entries {
		k, ok := e.key.(string)
		strip = strip && ok && strings.HasPrefix(k, "module.")
	}
	for _, e := range entries {
		key, ok := e.key.(string)
		if !ok {
			sd.Skipped[fmt.Sprint(e.key)] = "a non-string key"
			continue
		}
		if strip {
			key = strings.TrimPrefix(key, "module.")
		}
		t, ok := e.value.(*tensorRef)
		switch {
		case !ok:
			sd.Skipped[key] = describe(e.value)
			continue
		case key == "num_batches_tracked" || strings.HasSuffix(key, ".num_batches_tracked"):
			sd.Skipped[key] = "a BatchNorm num_batches_tracked counter"
			continue
		case t.storage == nil:
			return nil, d.corrupted("tensor %q has no storage", key)
		case !t.storage.dtype.float:
			sd.Skipped[key] = "a tensor of " + t.storage.dtype.name
			continue
		}
		tensor, err := d.materialize(key, t)
		if err != nil {
			return nil, err
		}
		if _, dup := sd.Tensors[key]; !dup {
			sd.Keys = append(sd.Keys, key)
		}
		sd.Tensors[key] = tensor
	}
	if len(sd.Tensors) == 0 {
		return nil, d.notStateDict("the state dict holds no floating-point tensors")
	}
	return sd, nil
}

// materialize copies a tensor's view of its storage into a contiguous
// float32 tensor, honouring the storage offset and the strides.
func (d *ckptDecoder) materialize(key string, t *tensorRef) (*Tensor, error) {
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
	d.budget -= numel
	out := &Tensor{Shape: slices.Clone(t.shape), Data: make([]float32, numel)}
	if numel == 0 {
		return out, nil
	}
	src, err := d.storageFloats(s)
	if err != nil {
		return nil, err
	}
	// last is the storage index of the view's last element; the check
	// before each step keeps it below len(src), so nothing overflows.
	last, inside := t.offset, t.offset < len(src)
	for i, n := range t.shape {
		st := t.stride[i]
		if st < 0 || !inside {
			inside = false
			break
		}
		if st > 0 && n > 1 {
			if n-1 > (len(src)-1-last)/st {
				inside = false
				break
			}
			last += (n - 1) * st
		}
	}
	if !inside {
		return nil, d.corrupted("tensor %q: shape %v, stride %v and offset %d reach past the %d elements of its storage %q", key, t.shape, t.stride, t.offset, len(src), s.key)
	}
	if isContiguous(t.shape, t.stride) {
		copy(out.Data, src[t.offset:])
		return out, nil
	}
	idx := make([]int, len(t.shape))
	pos := t.offset
	for i := range out.Data {
		out.Data[i] = src[pos]
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

// storageFloats returns a floating-point storage as float32, reading it
// from the zip on first use.
func (d *ckptDecoder) storageFloats(s *storageRef) ([]float32, error) {
	if s.floats != nil {
		return s.floats, nil
	}
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
	s.floats = decodeFloats(s.raw, s.dtype, d.order)
	s.raw = nil
	return s.floats, nil
}

// decodeFloats converts raw storage bytes of a floating-point type to
// float32.
func decodeFloats(raw []byte, dt storageType, order binary.ByteOrder) []float32 {
	out := make([]float32, len(raw)/dt.size)
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
	return out
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

// sniff names a few common non-checkpoint file types.
func sniff(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return "a JPEG image"
	case bytes.HasPrefix(data, []byte("\x89PNG")):
		return "a PNG image"
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		return "gzip-compressed data"
	case bytes.HasPrefix(bytes.TrimSpace(data), []byte("<")):
		return "an HTML or XML page (a failed download?)"
	}
	return "unrecognized data"
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
