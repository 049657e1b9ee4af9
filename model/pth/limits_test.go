package pth

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Crafted checkpoints that claim, or inflate to, far more than a
// checkpoint may hold (issue 12, defect 8): each must end in a clear
// error before its claim is allocated. Allocation is measured as the
// bytes the Go heap handed out during the load (runtime.MemStats), which
// counts every allocation, freed or not.

// allocated returns the error of load and how many bytes it allocated.
func allocated(load func() error) (error, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := load()
	runtime.ReadMemStats(&after)
	return err, after.TotalAlloc - before.TotalAlloc
}

// zeros reads n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n))
	clear(p[:k])
	z.n -= int64(k)
	return k, nil
}

// deflated compresses n zero bytes (a deflate bomb: about 1000:1).
func deflated(t *testing.T, n int64) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, &zeros{n}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bombZip is a checkpoint whose data.pkl declares one float32 storage of
// claim bytes, stored as the deflate stream raw with the sizes the header
// claims.
func bombZip(t *testing.T, claim uint64, raw []byte) []byte {
	t.Helper()
	spec := ckptSpec{tensors: []ckptTensor{{key: "w", storage: "FloatStorage", numel: int(claim / 4),
		shape: []int{int(claim / 4)}, stride: []int{1}}}}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	ckptZipAdd(t, zw, "archive/data.pkl", spec.pickle())
	rawRecord(t, zw, "archive/data/0", claim, raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawRecord adds a deflated record whose header claims claim bytes.
func rawRecord(t *testing.T, zw *zip.Writer, name string, claim uint64, raw []byte) {
	t.Helper()
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate,
		CompressedSize64: uint64(len(raw)), UncompressedSize64: claim})
	if err == nil {
		_, err = w.Write(raw)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func checkBounded(t *testing.T, name string, err error, alloc uint64, fileLen int, target error, want ...string) {
	t.Helper()
	// the file, the zip directory, the pickle and flate's window: a few MiB
	limit := uint64(fileLen) + 16<<20
	t.Logf("%s: %d KiB allocated: %v", name, alloc>>10, err)
	if alloc > limit {
		t.Errorf("%s: allocated %d MiB, want at most %d MiB", name, alloc>>20, limit>>20)
	}
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", name, err, target)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not say %q", name, err, w)
		}
	}
}

// TestLoadZipHeaderClaims100GB: a zip record claiming 100 GB (in the
// issue a 91 MB file, enough for deflate's ratio, died with "fatal error:
// runtime: out of memory") is refused from its header.
func TestLoadZipHeaderClaims100GB(t *testing.T) {
	const claim = 100 << 30
	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		// honest about its compressed size: past deflate's ratio too
		{"small stream", deflated(t, 1<<20)},
		// a compressed size that deflate's ratio allows, larger than the
		// file: every bound is tried, the cap first
		{"1 MB stream", bytes.Repeat([]byte{0}, 1<<20)},
	} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		rawRecord(t, zw, "archive/data.pkl", claim, tc.raw)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		path := ckptWrite(t, data)
		err, alloc := allocated(func() error { _, err := Load(path); return err })
		checkBounded(t, tc.name, err, alloc, len(data), ErrTooLarge, path, "claims 107374182400 bytes", "256 MiB", "under 30 MB")
	}
}

// TestLoadDeflateBomb: storages that inflate ~1000:1 past the cap. With an
// honest header the claim is refused before reading; with a header that
// understates the size, reading stops where the header says the record
// ends.
func TestLoadDeflateBomb(t *testing.T) {
	const n = 300 << 20 // past MaxCheckpointBytes
	raw := deflated(t, n)
	t.Logf("deflate bomb: %d bytes inflate to %d", len(raw), n)

	honest := bombZip(t, n, raw)
	err, alloc := allocated(func() error { _, err := parse("honest.pth", honest); return err })
	checkBounded(t, "honest header", err, alloc, len(honest), ErrTooLarge, "honest.pth", "zip record archive/data/0 claims 314572800 bytes", "256 MiB")

	lying := bombZip(t, 1<<20, raw)
	err, alloc = allocated(func() error { _, err := parse("lying.pth", lying); return err })
	checkBounded(t, "understated header", err, alloc, len(lying), ErrCorrupted, "lying.pth", "archive/data/0")
}

// TestLoadTooLargeFile: a file past the cap is refused from its size,
// before it is read (a sparse file: no disk is used).
func TestLoadTooLargeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.pth")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxCheckpointBytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	err, alloc := allocated(func() error { _, err := Load(path); return err })
	checkBounded(t, "file", err, alloc, 0, ErrTooLarge, path, "268435457 bytes", "256 MiB")
}

// TestLoadPickleCap: a data.pkl past maxPickleBytes (a real one is under
// 50 KB) is refused from its header: unpickling costs a multiple of the
// pickle's size in Go objects.
func TestLoadPickleCap(t *testing.T) {
	pkl := append(bytes.Repeat([]byte("N0"), maxPickleBytes/2), '.')
	data := ckptZip(t, [2]string{"archive/data.pkl", string(pkl)})
	err, alloc := allocated(func() error { _, err := parse("pickle.pth", data); return err })
	checkBounded(t, "pickle", err, alloc, len(data), ErrCorrupted, "pickle.pth", "data.pkl claims 1048577 bytes")
}
