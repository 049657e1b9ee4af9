package generic

// The float32 matrix product behind 1x1 convolutions, im2col convolutions
// and fully connected layers. Both operands keep their reduction dimension
// contiguous (NHWC activations, OHWI / nn.Linear weights), so every output
// is a dot product of two contiguous rows: C = act(A·Bᵀ + bias).
//
// Accumulation is float32, in plain sequential order per output. That is
// what PyTorch's CPU kernels do too (in another order), and with K ≤ ~1024
// the rounding error stays around 1e-6 relative to the sum of |terms|, two
// orders of magnitude inside the 1e-4 budget for whole-network logits; a
// float64 accumulator would halve the throughput for no measurable gain.
//
// Register blocking: the Go amd64 compiler has 15 usable XMM registers and
// schedules all loads of a loop body early, so tiles bigger than 6
// accumulators spill and run at half speed. A 3x2 tile (3 rows of A, 2 rows
// of B: 5 loads for 6 multiply-adds, 6 accumulators) measured fastest,
// about 13 GFLOP/s single-threaded on the dev machine, which is the scalar
// multiply/add port limit.

// gemmBlockBytesF32 is how much of B one pass keeps hot: the rows of B are
// swept once per 3 rows of A, so they should stay in L2.
const gemmBlockBytesF32 = 192 << 10

// gemmF32 computes c[i*ldc+j] = act(bias[j] + Σ_p a[i*lda+p]·b[j*ldb+p])
// for i < m, j < n, p < k. bias may be nil (zero).
func gemmF32(m, n, k int, a []float32, lda int, b []float32, ldb int, bias []float32, c []float32, ldc int, act Act) {
	if m <= 0 || n <= 0 {
		return
	}
	nb := n
	if k > 0 {
		nb = gemmBlockBytesF32 / 4 / k
		nb &^= 1
		if nb < 2 {
			nb = 2
		}
		if nb > n {
			nb = n
		}
	}
	for j0 := 0; j0 < n; j0 += nb {
		j1 := min(j0+nb, n)
		i := 0
		for ; i+3 <= m; i += 3 {
			ar := a[i*lda:]
			c0 := c[i*ldc : i*ldc+n]
			c1 := c[(i+1)*ldc : (i+1)*ldc+n]
			c2 := c[(i+2)*ldc : (i+2)*ldc+n]
			j := j0
			for ; j+2 <= j1; j += 2 {
				v00, v01, v10, v11, v20, v21 := tile3x2F32(k, ar, lda, b[j*ldb:], ldb)
				b0, b1 := biasAtF32(bias, j), biasAtF32(bias, j+1)
				c0[j] = actF32(act, v00+b0)
				c0[j+1] = actF32(act, v01+b1)
				c1[j] = actF32(act, v10+b0)
				c1[j+1] = actF32(act, v11+b1)
				c2[j] = actF32(act, v20+b0)
				c2[j+1] = actF32(act, v21+b1)
			}
			if j < j1 {
				v0, v1, v2 := tile3x1F32(k, ar, lda, b[j*ldb:])
				b0 := biasAtF32(bias, j)
				c0[j] = actF32(act, v0+b0)
				c1[j] = actF32(act, v1+b0)
				c2[j] = actF32(act, v2+b0)
			}
		}
		for ; i < m; i++ {
			ar := a[i*lda : i*lda+k]
			cr := c[i*ldc : i*ldc+n]
			j := j0
			for ; j+4 <= j1; j += 4 {
				v0, v1, v2, v3 := tile1x4F32(ar, b[j*ldb:], ldb)
				cr[j] = actF32(act, v0+biasAtF32(bias, j))
				cr[j+1] = actF32(act, v1+biasAtF32(bias, j+1))
				cr[j+2] = actF32(act, v2+biasAtF32(bias, j+2))
				cr[j+3] = actF32(act, v3+biasAtF32(bias, j+3))
			}
			for ; j < j1; j++ {
				cr[j] = actF32(act, dotF32(ar, b[j*ldb:j*ldb+k])+biasAtF32(bias, j))
			}
		}
	}
}

func biasAtF32(bias []float32, j int) float32 {
	if bias == nil {
		return 0
	}
	return bias[j]
}

// tile3x2F32 returns the dot products of rows 0..2 of a (stride lda) with
// rows 0..1 of b (stride ldb), each of length k.
func tile3x2F32(k int, a []float32, lda int, b []float32, ldb int) (c00, c01, c10, c11, c20, c21 float32) {
	a0 := a[:k]
	a1 := a[lda : lda+k]
	a2 := a[2*lda : 2*lda+k]
	b0 := b[:k]
	b1 := b[ldb : ldb+k]
	// Equal lengths let the compiler drop the bounds checks in the loop.
	a1 = a1[:len(a0)]
	a2 = a2[:len(a0)]
	b0 = b0[:len(a0)]
	b1 = b1[:len(a0)]
	for p := range a0 {
		x0, x1 := b0[p], b1[p]
		v := a0[p]
		c00 += v * x0
		c01 += v * x1
		v = a1[p]
		c10 += v * x0
		c11 += v * x1
		v = a2[p]
		c20 += v * x0
		c21 += v * x1
	}
	return
}

// tile3x1F32 is tile3x2F32 for a single row of b.
func tile3x1F32(k int, a []float32, lda int, b []float32) (c0, c1, c2 float32) {
	a0 := a[:k]
	a1 := a[lda : lda+k]
	a2 := a[2*lda : 2*lda+k]
	b0 := b[:k]
	a1 = a1[:len(a0)]
	a2 = a2[:len(a0)]
	b0 = b0[:len(a0)]
	for p := range a0 {
		x := b0[p]
		c0 += a0[p] * x
		c1 += a1[p] * x
		c2 += a2[p] * x
	}
	return
}

// tile1x4F32 returns the dot products of the row a with rows 0..3 of b
// (stride ldb); it serves the last rows of A and matrix-vector products.
func tile1x4F32(a []float32, b []float32, ldb int) (c0, c1, c2, c3 float32) {
	k := len(a)
	b0 := b[:k]
	b1 := b[ldb : ldb+k]
	b2 := b[2*ldb : 2*ldb+k]
	b3 := b[3*ldb : 3*ldb+k]
	b0 = b0[:len(a)]
	b1 = b1[:len(a)]
	b2 = b2[:len(a)]
	b3 = b3[:len(a)]
	for p := range a {
		x := a[p]
		c0 += x * b0[p]
		c1 += x * b1[p]
		c2 += x * b2[p]
		c3 += x * b3[p]
	}
	return
}

// dotF32 is the sequential float32 dot product of a and b[:len(a)].
func dotF32(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for p := range a {
		s += a[p] * b[p]
	}
	return s
}
