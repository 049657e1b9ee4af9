package capture

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// imageExts are the files a directory source cycles through.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true}

// dirSource cycles through the images of a directory in name order. It lists
// the directory again at the start of every pass, so images added or removed
// take effect on the next pass; the directory itself vanishing is an error.
type dirSource struct {
	dir    string
	desc   string
	log    *slog.Logger
	names  []string
	i      int
	seq    uint64
	warned map[string]bool
}

func openDir(dir string, opts Options) *dirSource {
	return &dirSource{dir: dir, desc: describe(opts.Name, dir), log: opts.Logger, warned: map[string]bool{}}
}

func (s *dirSource) Next(ctx context.Context) (Frame, error) {
	var lastErr error
	listed := false
	for {
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
		if s.i >= len(s.names) {
			if listed {
				// A whole fresh pass was unreadable: an error, not a loop.
				return Frame{}, fmt.Errorf("%s: no readable image: %w", s.desc, lastErr)
			}
			if err := s.list(); err != nil {
				return Frame{}, err
			}
			listed = true
		}
		name := s.names[s.i]
		s.i++
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			lastErr = err
			// Removed since the listing: the next listing will not have it.
			// Unreadable (permissions): skip it rather than stall the camera
			// on one file, and say so once.
			if !errors.Is(err, fs.ErrNotExist) && !s.warned[name] {
				s.warned[name] = true
				s.log.Warn("capture: skipping unreadable image", "source", s.desc, "err", err)
			}
			continue
		}
		s.seq++
		return Frame{Seq: s.seq, Time: time.Now(), Data: data}, nil
	}
}

func (s *dirSource) list() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("%s: %w", s.desc, err)
	}
	s.names = s.names[:0]
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !imageExts[strings.ToLower(filepath.Ext(name))] {
			continue
		}
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	s.i = 0
	if len(s.names) == 0 {
		return fmt.Errorf("%s: no images (*.jpg, *.jpeg, *.png) in the directory", s.desc)
	}
	return nil
}

func (s *dirSource) Close() error { return nil }
