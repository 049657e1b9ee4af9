// Package argcheck holds the argument checks that the assembly kernel
// packages (kernels/arm64, kernels/amd64) share: each exported kernel
// checks its slices against its parameters before it runs, so that a
// wrong call does nothing instead of reading or writing out of bounds.
package argcheck

// ResampleH reports whether a horizontal resampling pass over rows rows of
// packed RGB fits its slices: row r of src starts at r·ss, of dst at r·ds;
// output pixel x reads n[x] pixels from start[x], weighted by the next
// n[x] values of w, and the kernel's loads reach past bytes beyond a
// pixel's last tap.
func ResampleH(dst []uint8, ds int, src []uint8, ss, rows int, start, n []int, w []int32, past int) bool {
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
	return taps <= len(w) && len(src) >= (rows-1)*ss+end*3+past && len(dst) >= (rows-1)*ds+outW*3
}

// ResampleV reports whether a vertical resampling pass writing width
// bytes (a positive multiple of vec) from len(w) rows stride bytes apart
// fits its slices.
func ResampleV(dst, src []uint8, stride int, w []int32, width, vec int) bool {
	n := len(w)
	return width%vec == 0 && width > 0 && n > 0 && stride >= width && len(dst) >= width &&
		len(src) >= (n-1)*stride+width
}
