package pth

import (
	"fmt"
	"strings"

	"github.com/edged/edged/model"
)

// Finding the state dict in the unpickled object and converting its
// entries to model.Tensors.

// stateDictWrappers are the keys under which training scripts commonly
// nest the state dict, in order of preference.
var stateDictWrappers = []string{"state_dict", "model_state_dict", "model"}

// findStateDict finds the dict of tensors in the unpickled object.
func (d *decoder) findStateDict(v any, under string, depth int) ([]dictEntry, error) {
	where := "the pickle holds"
	if under != "" {
		where = fmt.Sprintf("the pickle's %q entry holds", under)
	}
	entries, ok := dictEntries(v)
	if !ok {
		if o, isObj := v.(*pyObject); isObj {
			return nil, d.notStateDict("%s a %s.%s object (a whole pickled model?)", where, o.class.module, o.class.name)
		}
		return nil, d.notStateDict("%s %s", where, describe(v))
	}
	for _, e := range entries {
		if _, ok := e.value.(*tensorRef); ok {
			return entries, nil
		}
	}
	if depth < 3 {
		for _, w := range stateDictWrappers {
			for _, e := range entries {
				if e.key == w {
					return d.findStateDict(e.value, w, depth+1)
				}
			}
		}
	}
	keys := make([]string, 0, 8)
	for i, e := range entries {
		if i == 8 {
			keys = append(keys, "...")
			break
		}
		keys = append(keys, fmt.Sprintf("%q", fmt.Sprint(e.key)))
	}
	return nil, d.notStateDict("%s a dict with keys [%s] and no tensors, nor a %q, %q or %q entry", where, strings.Join(keys, " "), stateDictWrappers[0], stateDictWrappers[1], stateDictWrappers[2])
}

// build converts the state dict's entries to float32 tensors.
func (d *decoder) build(entries []dictEntry) (*model.StateDict, error) {
	sd := &model.StateDict{Path: d.path, Tensors: map[string]*model.Tensor{}, Skipped: map[string]string{}}
	strip := len(entries) > 0
	for _, e := range entries {
		k, ok := e.key.(string)
		strip = strip && ok && strings.HasPrefix(k, "module.")
	}
	for _, e := range entries {
		key, ok := e.key.(string)
		if !ok {
			sd.Skipped[fmt.Sprint(e.key)] = "a non-string key"
			continue
		}
		if strip {
			key = strings.TrimPrefix(key, "module.")
		}
		t, ok := e.value.(*tensorRef)
		switch {
		case !ok:
			sd.Skipped[key] = describe(e.value)
			continue
		case key == "num_batches_tracked" || strings.HasSuffix(key, ".num_batches_tracked"):
			sd.Skipped[key] = "a BatchNorm num_batches_tracked counter"
			continue
		case t.storage == nil:
			return nil, d.corrupted("tensor %q has no storage", key)
		case !t.storage.dtype.float:
			sd.Skipped[key] = "a tensor of " + t.storage.dtype.name
			continue
		}
		tensor, err := d.materialize(key, t)
		if err != nil {
			return nil, err
		}
		if _, dup := sd.Tensors[key]; !dup {
			sd.Keys = append(sd.Keys, key)
		}
		sd.Tensors[key] = tensor
	}
	if len(sd.Tensors) == 0 {
		return nil, d.notStateDict("the state dict holds no floating-point tensors")
	}
	return sd, nil
}
