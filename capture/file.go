package capture

import (
	"context"
	"fmt"
	"time"

	"github.com/edged/edged/internal/imagefiles"
	"github.com/edged/edged/internal/limits"
)

// fileSource re-reads one image file for every frame, so a program that
// replaces the file (a snapshot script, a test) is seen at the next frame.
// Only a regular file of at most limits.MaxFrameBytes is read: a FIFO would
// block the camera and a symlink to /dev/zero would never end.
type fileSource struct {
	path string
	desc string
	seq  uint64
}

func openFile(path string, opts Options) *fileSource {
	return &fileSource{path: path, desc: describe(opts.Name, path)}
}

func (s *fileSource) Next(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	data, err := imagefiles.Read(s.path, limits.MaxFrameBytes)
	if err != nil {
		return Frame{}, fmt.Errorf("%s: %w", s.desc, err)
	}
	s.seq++
	return Frame{Seq: s.seq, Time: time.Now(), Data: data}, nil
}

func (s *fileSource) Close() error { return nil }
