// Package kerneltest holds what the kernels' tests share: the fixed conv
// shapes every kernel path must get right (ConvCases), the geometry and
// random quantization parameters they are drawn with (Geom, NewQConv, ZP,
// OutRange), and the comparison of outputs (Compare). It imports
// kernels/generic for its types, so kernels/generic's quantized kernels
// are tested from outside the package (package generic_test, with
// export_test.go for the internals they check), as kernels/arm64 tests
// them against it.
package kerneltest

import "fmt"

// Compare reports the first difference between got and want, located as
// (y, x, channel) in a tensor w pixels wide of c channels, and how many
// values differ; nil when they are equal. got may be longer than want
// (guard elements after the output are checked separately).
func Compare[T comparable](got, want []T, w, c int) error {
	if len(got) < len(want) {
		return fmt.Errorf("length %d, want %d", len(got), len(want))
	}
	bad, first := 0, ""
	for i := range want {
		if got[i] != want[i] {
			if bad == 0 {
				px := i / c
				first = fmt.Sprintf("at y=%d x=%d c=%d: got %v, want %v", px/w, px%w, i%c, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d values differ, first %s", bad, len(want), first)
	}
	return nil
}
