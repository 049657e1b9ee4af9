package capture

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/edged/edged/internal/imagefiles"
	"github.com/edged/edged/internal/limits"
)

// dirSource cycles through the images of a directory in name order (the
// rules of package imagefiles: regular files only, dotfiles skipped). It
// lists the directory again at the start of every pass, so images added or
// removed take effect on the next pass; the directory itself vanishing is an
// error. An image that is not a regular file, or larger than
// limits.MaxFrameBytes, is skipped with one warning.
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
		data, err := imagefiles.Read(filepath.Join(s.dir, name), limits.MaxFrameBytes)
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
	names, skipped, err := imagefiles.List(s.dir)
	if err != nil {
		return fmt.Errorf("%s: %w", s.desc, err)
	}
	for _, name := range skipped {
		if !s.warned[name] {
			s.warned[name] = true
			s.log.Warn("capture: skipping an image name that is not a regular file", "source", s.desc, "file", name,
				"err", imagefiles.ErrNotRegular)
		}
	}
	s.names, s.i = names, 0
	if len(s.names) == 0 {
		return fmt.Errorf("%s: no images (*.jpg, *.jpeg, *.png) in the directory", s.desc)
	}
	return nil
}

func (s *dirSource) Close() error { return nil }
