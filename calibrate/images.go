package calibrate

import (
	"fmt"
	"path/filepath"

	"github.com/edged/edged/internal/imagefiles"
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

// LoadInputs decodes and preprocesses images into NHWC float32 tensors.
// Images that fail to decode are skipped and returned as errors.
func LoadInputs(files []string, progress func(done int)) (inputs [][]float32, used []string, bad []error) {
	t := preprocess.ImageNet()
	for i, f := range files {
		img, err := preprocess.DecodeFile(f)
		if err == nil {
			x := make([]float32, preprocess.Size*preprocess.Size*3)
			if err = t.Apply(img, x); err == nil {
				inputs = append(inputs, x)
				used = append(used, f)
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
