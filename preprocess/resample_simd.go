//go:build (arm64 || amd64) && !purego

package preprocess

import "github.com/edged/edged/kernels"

// The resampling passes in assembly (NEON on arm64, AVX2 on amd64;
// resample_<arch>.go binds resampleH8 and resampleV8), used unless the
// kernel path is generic (EDGED_KERNELS=generic forces the Go code, the
// oracle they are tested against).

// useSIMD reports whether the resampling passes may use the assembly: the
// default kernel path (kernels.Path: EDGED_KERNELS, else the best) is not
// generic. A scratch asks once; the answer does not change while a
// process runs.
func useSIMD() bool { return kernels.Path() != kernels.Generic }

// archResampleH runs resampleH's rows through the kernel and reports
// whether it did. The kernel reads a few bytes past a pixel's last tap:
// inside the image except at the end of its final row, so when the rows
// reach it, that row goes through Go.
func archResampleH(dst, src []uint8, srcW, y0, y1 int, k *kernel) bool {
	if y1 <= y0 {
		return false
	}
	outW, rows := len(k.n), y1-y0
	rowSrc := src[y0*srcW*3:]
	if resampleH8(dst, outW*3, rowSrc, srcW*3, rows, k.start, k.n, k.w) {
		return true
	}
	if rows == 1 || !resampleH8(dst, outW*3, rowSrc, srcW*3, rows-1, k.start, k.n, k.w) {
		return false
	}
	resampleHGo(dst[(rows-1)*outW*3:], src, srcW, y1-1, y1, k)
	return true
}

// archResampleV runs the first multiple of vecBytes bytes of one
// vertical-pass row through the kernel and returns how many bytes it
// wrote.
func archResampleV(o, src []uint8, stride int, wts []int32) int {
	n := stride &^ (vecBytes - 1)
	if n == 0 || !resampleV8(o, src, stride, wts, n) {
		return 0
	}
	return n
}
