package model

import (
	"errors"
	"fmt"
	"slices"
)

// Tensor is a float32 tensor in PyTorch's contiguous (row-major) order.
type Tensor struct {
	Shape []int
	Data  []float32
}

// StateDict maps torchvision parameter names to tensors.
type StateDict struct {
	// Path is the file the state dict came from; Get names it in errors.
	Path string
	// Tensors holds every floating-point tensor, converted to float32.
	Tensors map[string]*Tensor
	// Keys lists the keys of Tensors in file order.
	Keys []string
	// Skipped says why each entry that is not a floating-point tensor was
	// left out (num_batches_tracked counters, integer buffers, extra state),
	// so a lookup of one of them can say more than "missing".
	Skipped map[string]string
	// SHA256 is the hash of the file's bytes, to tell checkpoints apart.
	SHA256 [32]byte
}

// Errors that StateDict.Get wraps, for callers that branch on them.
var (
	ErrMissingKey    = errors.New("missing key")
	ErrShapeMismatch = errors.New("shape mismatch")
)

// Get returns the tensor stored under key, checking its shape when one is
// given.
func (sd *StateDict) Get(key string, shape ...int) (*Tensor, error) {
	where := ""
	if sd.Path != "" {
		where = sd.Path + ": "
	}
	t, ok := sd.Tensors[key]
	if !ok {
		if why, skipped := sd.Skipped[key]; skipped {
			return nil, fmt.Errorf("%s%w %q: the entry is %s, not a floating-point tensor", where, ErrMissingKey, key, why)
		}
		return nil, fmt.Errorf("%s%w %q: the checkpoint does not match the architecture (wrong model file?)", where, ErrMissingKey, key)
	}
	if len(shape) > 0 && !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("%s%s: %w: expected %v found %v (wrong model variant?)", where, key, ErrShapeMismatch, shape, t.Shape)
	}
	return t, nil
}

// Unused lists, in file order, the tensors whose keys are not in used: a
// non-empty answer after building a model means the checkpoint holds
// weights the architecture ignores.
func (sd *StateDict) Unused(used map[string]bool) []string {
	var out []string
	for _, k := range sd.Keys {
		if !used[k] {
			out = append(out, k)
		}
	}
	return out
}
