package config

import (
	"errors"
	"fmt"
	"sort"
)

// Error is one problem in a config file. Parse and Load return every problem
// found joined with errors.Join; errors.As finds the first.
type Error struct {
	File string // as given to Load or Parse
	Line int    // 1-based; 0 when the problem has no line (e.g. a missing section)
	Key  string // path of the key, e.g. cameras[0].fps
	Msg  string
}

func (e *Error) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key == "" {
		return pos + ": " + e.Msg
	}
	return pos + ": " + e.Key + ": " + e.Msg
}

// joinErrors orders problems as they appear in the file, then those
// without a line (missing keys).
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Line, errs[j].Line
		if a == 0 || b == 0 {
			return b == 0 && a != 0
		}
		return a < b
	})
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}
