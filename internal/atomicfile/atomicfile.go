// Package atomicfile writes a file so that no reader ever sees it half
// written: quant.WriteFile's models and `edged calibrate --table` use it.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to path with mode perm atomically: into a temporary
// file in the same directory, synced, then renamed over path, and the
// rename made durable by syncing the directory. A crash or a full disk
// leaves the old file whole (a daemon may be loading it); a failed write
// removes its temporary file. Errors are the os package's, unwrapped: the
// caller says what it was writing.
func Write(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	// CreateTemp makes the file 0600.
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Some file systems refuse to sync a directory; the file is complete
	// either way, so that is not an error.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
