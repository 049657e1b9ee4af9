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
	"os"

	"github.com/edged/edged/internal/atomicfile"
)

// FileVersion is the format version this package reads and writes.
const FileVersion = 1

const (
	fileMagic  = "EDGEQ\r\n\x1a"
	headerSize = 8 + 4 + 8
	crcSize    = 4
	// maxFileSize bounds what Read will buffer. Measured: an int8
	// ShuffleNetV2 x0.5 is 1.4 MB and Read allocates 6.1 MB for it in all
	// (the file once, then the decoded tables and weights); an int8
	// MobileNetV3-Small is 2.6 MB and costs 11.9 MB. 1 GiB is only ever a
	// corrupt or foreign file.
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
func WriteFile(path string, m *Model) error {
	b, err := m.encodeFile()
	if err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
	}
	// A model is not a secret.
	if err := atomicfile.Write(path, b, 0o644); err != nil {
		return fmt.Errorf("write model %s: %w", path, err)
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
