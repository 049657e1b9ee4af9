package capture

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDirSourceCyclesInNameOrder(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.png", "a.jpg", "C.JPEG", "notes.txt", ".hidden.jpg", "corrupt.jpg"} {
		writeFile(t, filepath.Join(dir, name), name)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.jpg"), 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := Open(dir, Options{Name: "d"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx := testCtx(t)
	next := func() string {
		t.Helper()
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return string(f.Data)
	}
	// Byte order of names; extensions in any case; the "corrupt" file is
	// returned as it is (decoding is the consumer's job).
	want := []string{"C.JPEG", "a.jpg", "b.png", "corrupt.jpg"}
	var got []string
	for range want {
		got = append(got, next())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("first pass = %v, want %v", got, want)
	}
	// A file added during a pass is picked up by the next one; the cycle
	// starts again from the first name.
	writeFile(t, filepath.Join(dir, "aa.png"), "aa.png")
	got = got[:0]
	for range 5 {
		got = append(got, next())
	}
	if want := "C.JPEG,a.jpg,aa.png,b.png,corrupt.jpg"; strings.Join(got, ",") != want {
		t.Fatalf("second pass = %v, want %s", got, want)
	}
	// A file removed after the listing is skipped, not an error.
	os.Remove(filepath.Join(dir, "C.JPEG"))
	if got := next(); got != "a.jpg" {
		t.Fatalf("after removing the first file got %q, want a.jpg", got)
	}
}

func TestDirSourceVanishedDirIsError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "imgs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "a.jpg"), "a")
	src, err := Open(dir, Options{Name: "d"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if _, err := src.Next(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	_, err = src.Next(ctx)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), `camera "d": source "`+dir+`"`) {
		t.Fatalf("vanished directory: got %v, want a not-exist error naming camera and source", err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("opening a missing path: got %v", err)
	}
}

func TestDirSourceWithoutImagesIsError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "readme.txt"), "x")
	src, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Next(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "no images") {
		t.Fatalf("got %v, want a no images error", err)
	}
}

func TestFileSourceRereadsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "still.jpg")
	writeFile(t, path, "one")
	src, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for _, want := range []string{"one", "two", "three"} {
		writeFile(t, path, want)
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if string(f.Data) != want {
			t.Fatalf("got %q, want %q", f.Data, want)
		}
	}
	os.Remove(path)
	if _, err := src.Next(ctx); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("vanished file: got %v", err)
	}
}
