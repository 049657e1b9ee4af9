package pth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/nlpodyssey/gopickle/types"
)

// The stream format of torch.save before PyTorch 1.6.

// legacyMagic is the first pickle of a pre-1.6 torch.save file.
var legacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// loadLegacy reads the stream format of torch.save before PyTorch 1.6:
// pickles of the magic number, the protocol version (1001), system info,
// the object and its storage keys, then each storage as an int64 element
// count and raw bytes.
func (d *decoder) loadLegacy() (any, error) {
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
	// One float32 per two bytes of the file (a float16 storage's worth).
	d.budget = len(d.data)/2 + 1<<20
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
func (d *decoder) legacyPersistentLoad(pid any) (any, error) {
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
