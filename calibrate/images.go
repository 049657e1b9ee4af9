package calibrate

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/edged/edged/frame"
	"github.com/edged/edged/internal/imagefiles"
	"github.com/edged/edged/internal/limits"
	"github.com/edged/edged/preprocess"
)

// ListImages returns the paths of the JPEG and PNG files of dir in name
// order, with the rules of the directory camera source (package
// imagefiles): regular files only, dotfiles skipped.
func ListImages(dir string) ([]string, error) {
	names, _, err := imagefiles.List(dir)
	if err != nil {
		return nil, err
	}
	files := make([]string, len(names))
	for i, name := range names {
		files[i] = filepath.Join(dir, name)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .jpg, .jpeg or .png files in %s", dir)
	}
	return files, nil
}

// Spread picks n files spread evenly over the sorted list (every
// len/n-th): a sample across classes rather than the first n. With 500
// files and n = 100 it is every 5th file from the first.
func Spread[T any](files []T, n int) []T {
	if n <= 0 || n >= len(files) {
		return files
	}
	out := make([]T, n)
	for i := range out {
		out[i] = files[i*len(files)/n]
	}
	return out
}

// LoadInputs decodes and preprocesses images into NHWC float32 tensors,
// through the same frame path as classify and the daemon (package frame),
// decoding exactly (full size, Pillow-exact). Images that fail to decode
// are skipped and returned as errors.
func LoadInputs(files []string, progress func(done int)) (inputs [][]float32, used []string, bad []error) {
	p, err := frame.New(preprocess.ImageNet(), frame.Exact)
	if err != nil {
		return nil, nil, []error{err}
	}
	for i, f := range files {
		data, err := imagefiles.Read(f, limits.MaxFrameBytes)
		if err == nil {
			var x []float32
			if x, err = p.Float(frame.Image{Data: data}); err == nil {
				inputs = append(inputs, slices.Clone(x))
				used = append(used, f)
			} else {
				err = fmt.Errorf("%s: %w", f, err)
			}
		}
		if err != nil {
			bad = append(bad, err)
		}
		if progress != nil {
			progress(i + 1)
		}
	}
	return inputs, used, bad
}
