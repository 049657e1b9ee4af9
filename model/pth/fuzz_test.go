package pth

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary files to the loader: it must return
// a clean error naming the file, or a consistent state dict, and never
// panic in its own code (a panic inside gopickle is recovered and
// reported as a corrupted file).
func FuzzLoad(f *testing.F) {
	zipped := ckptTiny().bytes(f)
	legacy := ckptSpec{tensors: ckptTiny().tensors, legacy: true}.bytes(f)
	f.Add(zipped)
	f.Add(legacy)
	f.Add(ckptSpec{tensors: ckptTiny().tensors, plainDict: true, wrap: []string{"state_dict"}}.bytes(f))
	for _, n := range []int{0, 1, 30, len(zipped) / 2, len(zipped) - 22} {
		f.Add(zipped[:n])
	}
	for _, n := range []int{15, 100, len(legacy) - 30} {
		f.Add(legacy[:n])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ckptFuzzCheck(t, data)
	})
}

// FuzzCheckpointPickle fuzzes data.pkl alone, inside an intact zip with
// the storages of ckptTiny: random changes to a whole file rarely get past
// the zip's CRCs to the unpickler.
func FuzzCheckpointPickle(f *testing.F) {
	spec := ckptTiny()
	f.Add(spec.pickle())
	f.Add(ckptSpec{tensors: spec.tensors, plainDict: true, wrap: []string{"model"}}.pickle())
	keys, byKey := spec.storages()
	f.Fuzz(func(t *testing.T, pkl []byte) {
		records := [][2]string{{"archive/data.pkl", string(pkl)}}
		for _, k := range keys {
			records = append(records, [2]string{"archive/data/" + k, string(byKey[k].raw)})
		}
		ckptFuzzCheck(t, ckptZip(t, records...))
	})
}

func ckptFuzzCheck(t *testing.T, data []byte) {
	sd, err := parse("fuzz.pth", data)
	if err != nil {
		if errors.Is(err, errInternal) {
			t.Fatalf("panic in the loader: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "fuzz.pth: ") {
			t.Fatalf("error does not name the file: %v", err)
		}
		return
	}
	ckptCheckConsistent(t, sd)
}
