package pth

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nlpodyssey/gopickle/types"
)

// The zip format torch.save writes since PyTorch 1.6: <archive>/data.pkl
// pickles the object, each storage is the raw record <archive>/data/<key>.
// Every record is read against the limits in limits.go.

// loadZip reads the format torch.save writes since PyTorch 1.6:
// <archive>/data.pkl pickles the object, each storage is the raw record
// <archive>/data/<key>.
func (d *decoder) loadZip() (any, error) {
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
	// One float32 per two bytes of storage (a float16 storage's worth):
	// the storages are the records under data/, at most what the
	// checkpoint may decompress to.
	var storageBytes uint64
	for name, f := range d.records {
		if strings.HasPrefix(name, d.prefix+"data/") {
			storageBytes = min(storageBytes+f.UncompressedSize64, MaxCheckpointBytes)
		}
	}
	d.budget = int(storageBytes/2) + 1<<20
	v, _, err := d.unpickle(p, d.zipPersistentLoad)
	if err != nil {
		return nil, d.corrupted("%s: %v", pkl.Name, err)
	}
	return v, nil
}

// readRecord reads a whole zip record of at most limit bytes, checking
// its CRC-32: flipped bytes in a weight otherwise load silently. The size
// its header claims is checked against limit, the bytes the checkpoint
// may still decompress to and the file's real size before anything is
// allocated; a deflated record is then read as it inflates, so a header
// that lies costs no more than the data that is really there.
func (d *decoder) readRecord(f *zip.File, limit uint64) ([]byte, error) {
	size, packed, total := f.UncompressedSize64, f.CompressedSize64, uint64(len(d.data))
	switch {
	case size > MaxCheckpointBytes-d.inflated:
		before := ""
		if d.inflated > 0 {
			before = fmt.Sprintf(" with the %d bytes of the records before it", d.inflated)
		}
		return nil, fmt.Errorf("%s: %w: zip record %s claims %d bytes, more%s than the %d MiB a checkpoint may decompress to (edged's models are under 30 MB); check that the path names a torchvision .pth state dict",
			d.path, ErrTooLarge, f.Name, size, before, MaxCheckpointBytes>>20)
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
	buf := bytes.NewBuffer(make([]byte, 0, min(size, 1<<20)))
	if f.Method == zip.Store {
		buf.Grow(int(size)) // in the file already: no more than its size
	}
	if n, err := io.CopyN(buf, rc, int64(size)); err != nil {
		return nil, d.corrupted("zip record %s: %d of the %d bytes its header claims: %v", f.Name, n, size, err)
	}
	// Reading past the end makes archive/zip verify the CRC-32.
	if extra, err := io.ReadAll(io.LimitReader(rc, 1)); err != nil || len(extra) > 0 {
		if err == nil {
			err = errors.New("more data than its header says")
		}
		return nil, d.corrupted("zip record %s: %v", f.Name, err)
	}
	d.inflated += size
	return buf.Bytes(), nil
}

// zipPersistentLoad resolves the pickle's storage references, the tuples
// ('storage', storage_type, key, location, numel). Storage bytes are read
// later, only for tensors that are kept.
func (d *decoder) zipPersistentLoad(pid any) (any, error) {
	t, ok := pid.(*types.Tuple)
	if !ok || t.Len() < 5 || t.Get(0) != "storage" {
		return nil, fmt.Errorf("unexpected persistent id %s", describe(pid))
	}
	return d.storageRef(t)
}
