// Package pth reads PyTorch checkpoints (.pth files as torch.save writes
// them: the zip format of PyTorch >= 1.6 and the legacy stream format
// before it) into a model.StateDict. It is the only package that links
// gopickle; the int8 engine never does.
//
// Pickles are decoded with gopickle's unpickler, but storages are read and
// checked here rather than by gopickle's pytorch.Load: that one trusts
// sizes taken from the file (allocating whatever they say), ignores short
// reads and CRCs, ignores strides and offsets, and panics on some legacy
// inputs. Every allocation is budgeted against the file's real size and
// the caps below (limits of what a checkpoint may cost), so that a
// crafted or corrupted file gets a clear error, never an out-of-memory
// crash.
//
// Files: pth.go (Load, errors, limits), zip.go and legacy.go (the two
// containers), pickle.go (the unpickler's side), storage.go (storages and
// tensor views), statedict.go (finding the state dict, building tensors).
package pth

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/edged/edged/model"
)

// Errors that Load wraps, for callers that branch on them.
var (
	ErrNotCheckpoint = errors.New("not a PyTorch checkpoint")
	ErrCorrupted     = errors.New("truncated or corrupted")
	ErrNotStateDict  = errors.New("not a state dict")
	// ErrTooLarge: the file, or what it decompresses to, is past
	// MaxCheckpointBytes.
	ErrTooLarge = errors.New("too large for a checkpoint")
)

// errInternal marks a panic recovered in this file's own code, as opposed
// to one inside gopickle; the fuzz test fails on it.
var errInternal = errors.New("internal error")

// The limits of what a checkpoint may make Load allocate. The checkpoints
// edged builds (torchvision's MobileNetV3 and ShuffleNetV2) are under
// 30 MB; the caps leave room for ten times that, and no more.
const (
	// MaxCheckpointBytes caps both the size of a checkpoint file and the
	// total its zip records may decompress to.
	MaxCheckpointBytes = 256 << 20
	// maxPickleBytes caps data.pkl (or a legacy header pickle): it holds
	// names and shapes only, under 50 KB for our models. Unpickling
	// costs a small multiple of its size in Go objects.
	maxPickleBytes = 1 << 20
)

// With these caps the most a crafted file can make Load hold at once is
// the file (≤ MaxCheckpointBytes), its decompressed records
// (≤ MaxCheckpointBytes) and the float32 tensors, budgeted at one float
// per two bytes of storage (a float16 storage's worth; ≤ 512 MiB): about
// 1 GiB. A real 30 MB float32 checkpoint takes about 90 MB.

// Load reads a state dict saved with torch.save: an OrderedDict
// or dict of tensors, or a dict wrapping one under "state_dict",
// "model_state_dict" or "model". A "module." prefix on every key
// (DataParallel) is stripped. float16, bfloat16 and float64 tensors are
// converted to float32; integer tensors are skipped.
func Load(path string) (*model.StateDict, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("load checkpoint %s: not a regular file (%v)", path, fi.Mode().Type())
	}
	if fi.Size() > MaxCheckpointBytes {
		return nil, fmt.Errorf("%s: %w: %d bytes, more than the %d MiB a checkpoint may have (edged's models are under 30 MB); check that the path names a torchvision .pth state dict",
			path, ErrTooLarge, fi.Size(), MaxCheckpointBytes>>20)
	}
	// Read at most one byte past the cap: a file growing after Stat is
	// refused too, and nothing larger is ever allocated.
	data, err := io.ReadAll(io.LimitReader(f, MaxCheckpointBytes+1))
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	if len(data) > MaxCheckpointBytes {
		return nil, fmt.Errorf("%s: %w: more than the %d MiB a checkpoint may have", path, ErrTooLarge, MaxCheckpointBytes>>20)
	}
	return parse(path, data)
}

// LoadGraph is Load followed by model.Build: the float network of the
// checkpoint at path (arch "" detects the architecture), with the state
// dict it came from.
func LoadGraph(path, arch string, pad model.Padding) (*model.Graph, *model.StateDict, error) {
	sd, err := Load(path)
	if err != nil {
		return nil, nil, err
	}
	g, err := model.Build(sd, arch, pad)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, sd, nil
}

// parse decodes a checkpoint held in memory; path only names it
// in errors.
func parse(path string, data []byte) (sd *model.StateDict, err error) {
	defer func() {
		if r := recover(); r != nil {
			sd = nil
			err = fmt.Errorf("%s: %w (%w: %v): re-download it", path, ErrCorrupted, errInternal, r)
		}
	}()
	d := &decoder{path: path, data: data, order: binary.LittleEndian, storages: map[string]*storageRef{}}
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

// decoder holds the state of one load.
type decoder struct {
	path     string
	data     []byte
	order    binary.ByteOrder
	storages map[string]*storageRef
	// zip format: records by name and the archive's directory prefix.
	records map[string]*zip.File
	prefix  string
	// budget is how many float32 values the tensors may still take: two
	// per byte of storage in the file (legacy) or in its storage records
	// (zip). Real checkpoints stay far below it; a crafted file that
	// expands a small storage into a huge view would otherwise exhaust
	// memory.
	budget int
	// inflated is how many bytes the zip records read so far decompressed
	// to: at most MaxCheckpointBytes.
	inflated uint64
}

func (d *decoder) corrupted(format string, args ...any) error {
	return fmt.Errorf("%s: %w (%s): re-download it", d.path, ErrCorrupted, fmt.Sprintf(format, args...))
}

func (d *decoder) notCheckpoint(what string) error {
	return fmt.Errorf("%s: %w (expected a torch.save zip file): found %s; check that the path names a .pth state dict", d.path, ErrNotCheckpoint, what)
}

func (d *decoder) notStateDict(format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s; save the weights with torch.save(model.state_dict(), path)", d.path, ErrNotStateDict, fmt.Sprintf(format, args...))
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
