package imagefiles

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The one rule set of the directory camera and the calibration set: image
// extensions in any case, no dotfiles, regular files (links to them too),
// name order; pipes, devices and dangling links reported apart.
func TestList(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b.png", "a.JPG", "c.jpeg", ".hidden.jpg", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, "dir.jpg"), 0o755)
	os.Symlink(filepath.Join(dir, "b.png"), filepath.Join(dir, "link.png"))
	os.Symlink("/dev/zero", filepath.Join(dir, "zero.jpg"))
	os.Symlink(filepath.Join(dir, "absent"), filepath.Join(dir, "dangling.jpg"))
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.jpg"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	images, skipped, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(images, ","), "a.JPG,b.png,c.jpeg,link.png"; got != want {
		t.Errorf("images %s, want %s", got, want)
	}
	if got, want := strings.Join(skipped, ","), "dangling.jpg,pipe.jpg,zero.jpg"; got != want {
		t.Errorf("skipped %s, want %s", got, want)
	}
	if _, err := Read(filepath.Join(dir, "pipe.jpg"), 1<<20); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Read of a FIFO: %v, want ErrNotRegular", err)
	}
	if _, err := Read(filepath.Join(dir, "b.png"), 3); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read over the limit: %v, want ErrTooLarge", err)
	}
	if b, err := Read(filepath.Join(dir, "link.png"), 5); err != nil || string(b) != "b.png" {
		t.Errorf("Read at exactly the limit through a link: %q, %v", b, err)
	}
}
