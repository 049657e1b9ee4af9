// Package imagefiles lists and reads the image files of a directory with
// one set of rules, shared by the directory camera source (capture) and the
// calibration image set (calibrate): *.jpg, *.jpeg and *.png in any case,
// dotfiles skipped, regular files only (a symlink to one is fine), in name
// order, and never more than a size limit read from one file.
package imagefiles

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// exts are the image extensions, lower case.
var exts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true}

// IsImageName reports whether name is listed by List when it names a
// regular file: an image extension, not a dotfile.
func IsImageName(name string) bool {
	return !strings.HasPrefix(name, ".") && exts[strings.ToLower(filepath.Ext(name))]
}

// ErrNotRegular is returned for a path that is a named pipe, a device, a
// socket or a directory: reading one can block forever (a FIFO) or never
// end (/dev/zero).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned for a file larger than the limit given to Read.
var ErrTooLarge = errors.New("file too large")

// List returns the names (not paths) of the images in dir in name order,
// and separately the names with an image extension that are neither regular
// files nor directories (pipes, devices, dangling links), for the caller to
// report. Symlinks are followed.
func List(dir string) (images, skipped []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if !IsImageName(name) || e.IsDir() {
			continue
		}
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				skipped = append(skipped, name) // dangling link
				continue
			}
			mode = fi.Mode().Type()
		}
		if mode.IsDir() {
			continue // a directory named like an image is no mistake to report
		}
		if !mode.IsRegular() {
			skipped = append(skipped, name)
			continue
		}
		images = append(images, name)
	}
	sort.Strings(images)
	return images, skipped, nil
}

// Read reads the regular file at path, refusing anything else and files
// larger than limit bytes with ErrNotRegular or ErrTooLarge (wrapped with
// the path and the fix). It never blocks on a FIFO: the file is opened
// non-blocking and checked before it is read.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w (%s): give an image file", path, ErrNotRegular, kind(fi.Mode()))
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s: %w: %d bytes, the limit is %d", path, ErrTooLarge, fi.Size(), limit)
	}
	// The file may grow after Stat: read at most one byte past the limit.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", path, ErrTooLarge, limit)
	}
	return data, nil
}

// kind names a non-regular file type for an error message.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}
