//go:build !purego

package amd64

// ResampleV8 writes width bytes (a multiple of 32) of one vertical-pass
// output row of package preprocess's resampler (Pillow's 8-bit one; its
// Go code is the oracle) into dst: byte x is clip8(1<<21 + Σ_i
// w[i]·src[i·stride+x]) for i < len(w). It returns false, having done
// nothing, when the slices are too short for what the parameters say, so
// that a wrong call cannot read or write out of bounds.
func ResampleV8(dst, src []uint8, stride int, w []int32, width int) bool {
	n := len(w)
	if width%32 != 0 || width <= 0 || n == 0 || stride < width || len(dst) < width ||
		len(src) < (n-1)*stride+width {
		return false
	}
	resampleVertU8_AVX2(ptr(src), stride, n, ptr(w), ptr(dst), width)
	return true
}

// ResampleH8 runs the horizontal pass over rows rows of packed RGB: row r
// of src starts at r·ss, of dst at r·ds; output pixel x reads n[x] pixels
// from start[x], weighted by the next n[x] values of w. The loads reach a
// byte past a pixel's last tap, so src must hold a byte past the last tap
// of the last row.
func ResampleH8(dst []uint8, ds int, src []uint8, ss, rows int, start, n []int, w []int32) bool {
	outW := len(n)
	if rows <= 0 || outW == 0 || len(start) != outW {
		return false
	}
	end, taps := 0, 0
	for x, k := range n {
		if k < 0 || start[x] < 0 {
			return false
		}
		end, taps = max(end, start[x]+k), taps+k
	}
	if taps > len(w) || len(src) < (rows-1)*ss+end*3+1 || len(dst) < (rows-1)*ds+outW*3 {
		return false
	}
	resampleHorizU8_AVX2(ptr(src), ss, rows, ptr(dst), ds, ptr(start), ptr(n), ptr(w), outW)
	return true
}
