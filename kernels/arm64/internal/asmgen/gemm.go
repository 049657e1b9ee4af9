package main

import (
	"fmt"
	"strings"
)

// GEMM micro-kernels: int32 accumulator tiles of m rows of activations
// (row r at a + r·lda, K contiguous values) times packed weight blocks.
// Every kernel loops over all weight blocks and all m rows itself, so that
// one call covers a tile of the output; rows that do not fill a full
// micro-tile go through a one-row loop, never through duplicated rows.
// Accumulators start from the bias stored in each block, so the tile comes
// out as bias + Σ a·w with int32 wrapping, exactly as kernels/generic
// accumulates. The accumulators of row r, output channel o go to
// acc + r·ldc + 4·o.
//
// Blocks are 16 output channels, except for the ARMv8.0 int8 kernel (8),
// and the last block of the other kernels, which is 8 channels wide when
// at most 8 remain (nb16 full blocks, then half = 1 for an 8-wide one).

const gemmArgs = "a unsafe.Pointer|lda int|m int|k int|w unsafe.Pointer|nb int|half int|acc unsafe.Pointer|ldc int"

func splitArgs(s string) []string { return strings.Split(s, "|") }

// gemm register use: R0 a, R1 lda, R2 m, R3 k, R4 w (block), R5 blocks
// left, R6 acc (block column), R7 ldc, R8 a row, R9 acc row (stepped by
// the post-indexed stores), R10 rows left, R11-R14 a row pointers, R20
// weight pointer, R21 k left, R22 half flag, R23 scratch, R24 block bytes.

func loadGemmArgs(f *asmFile) {
	f.loadArgs("a:R0", "lda:R1", "m:R2", "k:R3", "w:R4", "nb:R5", "half:R22", "acc:R6", "ldc:R7")
}

// gemmKind describes one GEMM family.
type gemmKind struct {
	kernel kernel
	doc    string
	mr     int // rows of the main micro-tile
	// block returns the bytes of a block of width channels per k (the
	// init part is 4·width bytes).
	wBytesPerK int // bytes of one channel's weights per k
	// body emits the k loop for rows rows (a row pointers R11..), width
	// channels, accumulators from v16 (row r at v16 + r·(width/4)).
	body func(f *asmFile, rows, width int, tag string)
}

// emitGemm emits a kernel: full 16-wide blocks (or 8-wide for width8
// kinds), then an 8-wide block if half != 0.
func emitGemm(f *asmFile, g gemmKind, widths []int) {
	f.text(g.kernel, g.doc, splitArgs(gemmArgs)...)
	emitGemmBody(f, g, widths)
}

func emitGemmBody(f *asmFile, g gemmKind, widths []int) {
	loadGemmArgs(f)
	for wi, width := range widths {
		tag := fmt.Sprintf("w%d", width)
		if wi > 0 {
			f.label("half")
			f.g("CBZ R22, done")
			f.g("MOVD $1, R5")
		} else {
			f.g("CBZ R5, half")
		}
		// block bytes: 4·width + k·width·wBytesPerK
		f.g("MOVD $%d, R24", width*g.wBytesPerK)
		f.g("MUL R3, R24, R24")
		f.g("ADD $%d, R24", 4*width)
		f.label("block" + tag)
		f.g("MOVD R0, R8")
		f.g("MOVD R6, R9")
		f.g("MOVD R2, R10")
		f.g("CMP $%d, R10", g.mr)
		f.g("BLT rows1" + tag)
		f.label("rowsN" + tag)
		f.g("MOVD R8, R11")
		for r := 1; r < g.mr; r++ {
			f.g("ADD R1, R%d, R%d", 10+r, 11+r)
		}
		g.body(f, g.mr, width, "n"+tag)
		// post-indexed stores step R9 on to the next tile's rows
		for r := 0; r < g.mr; r++ {
			f.v("st1 %s, [x9], x7", vlist(16+r*(width/4), width/4, "4s"))
		}
		sh := map[int]int{2: 1, 4: 2}[g.mr]
		f.g("ADD R1<<%d, R8", sh)
		f.g("SUB $%d, R10", g.mr)
		f.g("CMP $%d, R10", g.mr)
		f.g("BGE rowsN" + tag)
		f.label("rows1" + tag)
		f.g("CBZ R10, next" + tag)
		f.label("row1" + tag)
		f.g("MOVD R8, R11")
		g.body(f, 1, width, "o"+tag)
		storeAcc(f, 16, width/4, 9)
		f.g("ADD R1, R8")
		f.g("ADD R7, R9")
		f.g("SUBS $1, R10")
		f.g("BNE row1" + tag)
		f.label("next" + tag)
		f.g("ADD R24, R4")
		f.g("ADD $%d, R6", 4*width)
		f.g("SUBS $1, R5")
		f.g("BNE block" + tag)
	}
	if len(widths) == 1 {
		f.label("half")
	}
	f.label("done")
	f.g("RET")
}

func storeAcc(f *asmFile, first, n, x int) {
	f.v("st1 %s, [x%d]", vlist(first, n, "4s"), x)
}

// loadInit loads the block's biases into every row's accumulators.
func loadInit(f *asmFile, rows, width int) {
	nv := width / 4
	for r := 0; r < rows; r++ {
		f.v("ld1 %s, [x4]", vlist(16+r*nv, nv, "4s"))
	}
	f.g("ADD $%d, R4, R20", 4*width)
}

// sdotBody: SDOT by element: four k of one row (a lane of the activation
// register) times the four channels of each weight register. K is a
// multiple of 4: a main loop of 16, then 8 and 4.
func sdotBody(f *asmFile, rows, width int, tag string) {
	nv := width / 4
	loadInit(f, rows, width)
	group := func(g, wb int) {
		f.v("ld1 %s, [x20], #%d", vlist(wb, nv, "16b"), 16*nv)
		for r := 0; r < rows; r++ {
			for j := 0; j < nv; j++ {
				f.v("sdot v%d.4s, v%d.16b, v%d.4b[%d]", 16+r*nv+j, wb+j, r, g)
			}
		}
	}
	load := func(r, k int) {
		f.v("ldr %s%d, [x%d], #%d", map[int]string{16: "q", 8: "d", 4: "s"}[k], r, 11+r, k)
	}
	sdotKSteps(f, rows, tag, 4, load, group)
}

// sdotKSteps is the k loop of the SDOT bodies (R21 counts k): 16 k a step
// while at least 16 remain, then 8, then 4. load(r, k) loads row r's next
// k values; group(g, wb) loads the weights of 4-k group g into v[wb].. and
// multiplies, wb alternating between wb0 and wb0+4.
func sdotKSteps(f *asmFile, rows int, tag string, wb0 int, load func(r, k int), group func(g, wb int)) {
	f.g("SUBS $16, R3, R21")
	f.g("BLT k8" + tag)
	f.label("k16" + tag)
	for r := 0; r < rows; r++ {
		load(r, 16)
	}
	for g := 0; g < 4; g++ {
		group(g, wb0+4*(g%2))
	}
	f.g("SUBS $16, R21")
	f.g("BGE k16" + tag)
	f.label("k8" + tag)
	f.g("TBZ $3, R21, k4" + tag)
	for r := 0; r < rows; r++ {
		load(r, 8)
	}
	group(0, wb0)
	group(1, wb0+4)
	f.label("k4" + tag)
	f.g("TBZ $2, R21, kd" + tag)
	for r := 0; r < rows; r++ {
		load(r, 4)
	}
	group(0, wb0)
	f.label("kd" + tag)
}

// mlalBody: int16 activations (or int8 widened with SXTL when in8) times
// int16 weights, SMLAL by element: per k, each row's lane times the
// block's weight registers. K is a multiple of 4: a main loop of 16, then
// 8 and 4.
func mlalBody(in8 bool) func(f *asmFile, rows, width int, tag string) {
	return func(f *asmFile, rows, width int, tag string) {
		nv := width / 4 // accumulators per row
		nw := width / 8 // weight registers per k
		loadInit(f, rows, width)
		load := func(r int, four bool) {
			switch {
			case in8 && four:
				f.v("ldr s%d, [x%d], #4", r, 11+r)
				f.v("sxtl v%d.8h, v%d.8b", r, r)
			case in8:
				f.v("ldr d%d, [x%d], #8", r, 11+r)
				f.v("sxtl v%d.8h, v%d.8b", r, r)
			case four:
				f.v("ldr d%d, [x%d], #8", r, 11+r)
			default:
				f.v("ldr q%d, [x%d], #16", r, 11+r)
			}
		}
		// steps multiplies n k of the rows' activations, whose int16 values
		// are in v[a+r], by the streamed weights
		steps := func(n, a int) {
			perLoad := 4 / nw // k per 4-register weight load
			for k0 := 0; k0 < n; k0 += perLoad {
				wb := 4 + 4*((k0/perLoad)%2)
				f.v("ld1 %s, [x20], #64", vlist(wb, 4, "8h"))
				for kk := 0; kk < perLoad; kk++ {
					for r := 0; r < rows; r++ {
						for j := 0; j < nw; j++ {
							w := wb + kk*nw + j
							f.v("smlal v%d.4s, v%d.4h, v%d.h[%d]", 16+r*nv+2*j, w, a+r, k0+kk)
							f.v("smlal2 v%d.4s, v%d.8h, v%d.h[%d]", 16+r*nv+2*j+1, w, a+r, k0+kk)
						}
					}
				}
			}
		}
		// a main loop of 16 k (k 8-15 of the rows in v12-v15; int8 rows
		// are loaded 16 at a time and widened with SXTL and SXTL2), then
		// 8 and 4
		f.g("SUBS $16, R3, R21")
		f.g("BLT k8" + tag)
		f.label("k16" + tag)
		for r := 0; r < rows; r++ {
			if in8 {
				f.v("ldr q%d, [x%d], #16", r, 11+r)
				f.v("sxtl2 v%d.8h, v%d.16b", 12+r, r)
				f.v("sxtl v%d.8h, v%d.8b", r, r)
			} else {
				f.v("ldr q%d, [x%d], #16", r, 11+r)
				f.v("ldr q%d, [x%d], #16", 12+r, 11+r)
			}
		}
		steps(8, 0)
		steps(8, 12)
		f.g("SUBS $16, R21")
		f.g("BGE k16" + tag)
		f.label("k8" + tag)
		f.g("TBZ $3, R21, k4" + tag)
		for r := 0; r < rows; r++ {
			load(r, false)
		}
		steps(8, 0)
		f.label("k4" + tag)
		f.g("TBZ $2, R21, kd" + tag)
		for r := 0; r < rows; r++ {
			load(r, true)
		}
		steps(4, 0)
		f.label("kd" + tag)
	}
}

// neonBody: the ARMv8.0 int8 kernel, 8 channels per block. SMULL+SMLAL2
// sum two int8 products per int16 lane (|a·w| ≤ 128·127, so two never
// overflow: weights must lie in [-127, 127]), SADALP adds the lane pairs
// into int32: 16 MACs per three instructions. Accumulator (r, n) holds
// four partial sums that ADDP folds at the end. A block: 8 vectors {bias,
// 0, 0, 0}, then per 16 k [8 ch][16 k] bytes, and for K%16 == 8 a last
// 8 k as neonTail8 reads them.
func neonBody(f *asmFile, rows, width int, tag string) {
	for r := 0; r < rows; r++ {
		f.v("ld1 {v%d.4s-v%d.4s}, [x4]", 16+8*r, 19+8*r)
		f.v("ld1 {v%d.4s-v%d.4s}, [x23]", 20+8*r, 23+8*r)
	}
	f.g("ADD $128, R4, R20")
	// a main loop of 32 k (two 16-k steps: half the loop overhead), then
	// 16 and 8; R21 = k - 32 - 32·i keeps k mod 32 in its low bits
	f.g("SUBS $32, R3, R21")
	f.g("BLT k16" + tag)
	f.label("k32" + tag)
	neonStep16(f, rows)
	neonStep16(f, rows)
	f.g("SUBS $32, R21")
	f.g("BGE k32" + tag)
	f.label("k16" + tag)
	f.g("TBZ $4, R21, fold" + tag)
	neonStep16(f, rows)
	f.label("fold" + tag)
	// the first ADDP step of the reduction leaves each row's accumulators
	// as four vectors of channel pairs {c, c, c+1, c+1}: the 8-k tail adds
	// its pair sums straight into them (see neonTail8)
	addpHalve(f, rows, 4)
	f.label("k8" + tag)
	f.g("TBZ $3, R21, kd" + tag)
	neonTail8(f, rows)
	f.label("kd" + tag)
	addpHalve(f, rows, 2)
}

// addpHalve adds neighbouring accumulators pairwise (ADDP): each row's
// 2n vectors from v16+8r become n.
func addpHalve(f *asmFile, rows, n int) {
	for r := 0; r < rows; r++ {
		b := 16 + 8*r
		for j := 0; j < n; j++ {
			f.v("addp v%d.4s, v%d.4s, v%d.4s", b+j, b+2*j, b+2*j+1)
		}
	}
}

// neonTail8: the last 8 k. ZIP1 lays a row's k0-3 and k4-7 out as
// {k0-3, k0-3, k4-7, k4-7}; weight vector j holds {c k0-3, c+1 k0-3,
// c k4-7, c+1 k4-7} for c = 2j, so SMLAL2 adds to each int16 lane a
// product of the same channel as SMULL's, and SADALP leaves {c, c, c+1,
// c+1}: the layout of the half-reduced accumulators. 16 MACs per three
// instructions, as in the main loop.
func neonTail8(f *asmFile, rows int) {
	zipMlalPadal8(f, rows, 2, 10, func(r, j int) int { return 16 + 8*r + j })
}

// zipMlalPadal8 is the 8-k step both ARMv8.0 int8 GEMMs share: each row's
// 8 activations (from its pointer x11+r) ZIP1-doubled in v[r], four
// weight vectors loaded into v[w]..v[w+3], SMULL+SMLAL2 into the int16
// products v[p+r], SADALP into accumulator acc(r, j).
func zipMlalPadal8(f *asmFile, rows, w, p int, acc func(r, j int) int) {
	for r := 0; r < rows; r++ {
		f.v("ldr d%d, [x%d], #8", r, 11+r)
		f.v("zip1 v%d.4s, v%d.4s, v%d.4s", r, r, r)
	}
	f.v("ld1 {v%d.16b-v%d.16b}, [x20], #64", w, w+3)
	for j := 0; j < 4; j++ {
		for r := 0; r < rows; r++ {
			f.v("smull v%d.8h, v%d.8b, v%d.8b", p+r, r, w+j)
		}
		for r := 0; r < rows; r++ {
			f.v("smlal2 v%d.8h, v%d.16b, v%d.16b", p+r, r, w+j)
		}
		for r := 0; r < rows; r++ {
			f.v("sadalp v%d.4s, v%d.8h", acc(r, j), p+r)
		}
	}
}

// neonStep16 multiplies 16 k of each row by the block's 8 channels:
// SMULL+SMLAL2 pair products into int16, SADALP adds the pairs to int32.
func neonStep16(f *asmFile, rows int) {
	for r := 0; r < rows; r++ {
		f.v("ldr q%d, [x%d], #16", r, 11+r)
	}
	f.v("ld1 {v2.16b-v5.16b}, [x20], #64")
	f.v("ld1 {v6.16b-v9.16b}, [x20], #64")
	t := 0
	for n := 0; n < 8; n++ {
		w := 2 + n
		ts := make([]int, rows)
		for r := 0; r < rows; r++ {
			ts[r] = 10 + t%6
			t++
			f.v("smull v%d.8h, v%d.8b, v%d.8b", ts[r], r, w)
		}
		for r := 0; r < rows; r++ {
			f.v("smlal2 v%d.8h, v%d.16b, v%d.16b", ts[r], r, w)
		}
		for r := 0; r < rows; r++ {
			f.v("sadalp v%d.4s, v%d.8h", 16+8*r+n, ts[r])
		}
	}
}

// emitGemmNEON is special: 8-wide blocks with 8 accumulators per row,
// reduced to 2 before storing.
func emitGemmNEON(f *asmFile) {
	f.text(kernel{op: "gemm", types: "I8I8", tile: "2x8c16", isa: "NEON", tech: "MlalPadal"},
		`is the int8 GEMM with SMULL/SMLAL2/SADALP (ARMv8.0): 2 rows × 8 channels
per micro-tile, k in steps of 16, 8-channel blocks (nb of them; half is unused). K (k) is a multiple of 8; a block is
128 + 8·K bytes.`, splitArgs(gemmArgs)...)
	loadGemmArgs(f)
	f.g("LSL $3, R3, R24")
	f.g("ADD $128, R24")
	f.label("block")
	f.g("MOVD R0, R8")
	f.g("MOVD R6, R9")
	f.g("MOVD R2, R10")
	f.g("ADD $64, R4, R23")
	f.g("CMP $2, R10")
	f.g("BLT rows1")
	f.label("rows2")
	f.g("MOVD R8, R11")
	f.g("ADD R1, R11, R12")
	neonBody(f, 2, 8, "r2")
	// the stores step R9 on to the next pair of rows
	f.v("st1 {v16.4s, v17.4s}, [x9], x7")
	f.v("st1 {v24.4s, v25.4s}, [x9], x7")
	f.g("ADD R1<<1, R8")
	f.g("SUB $2, R10")
	f.g("CMP $2, R10")
	f.g("BGE rows2")
	f.label("rows1")
	f.g("CBZ R10, next")
	f.g("MOVD R8, R11")
	neonBody(f, 1, 8, "r1")
	f.v("st1 {v16.4s, v17.4s}, [x9]")
	nextBlock8(f)
}

// nextBlock8 ends the 8-channel block loop of the NEON GEMMs (label
// next): the weights move on by a block (R24 bytes), the outputs by 8
// channels, for nb blocks (R5).
func nextBlock8(f *asmFile) {
	f.label("next")
	f.g("ADD R24, R4")
	f.g("ADD $32, R6")
	f.g("SUBS $1, R5")
	f.g("BNE block")
	f.g("RET")
}

// emitGemmNEONc8 is the ARMv8.0 int8 kernel for short rows (K ≤ 32),
// where gemmI8I8_2x8c16_NEONMlalPadal's per-tile ADDP reduction and zero-filled
// accumulators cost more than its faster main loop saves: every 8 k go
// through neonTail8's layout (activations {k0-3, k0-3, k4-7, k4-7},
// 16 MACs per three instructions), so a row of 8 channels needs four
// accumulators {c, c, c+1, c+1} and two ADDPs, and four rows fit in the
// registers. Rows that do not fill a tile go through a one-row loop.
func emitGemmNEONc8(f *asmFile) {
	f.text(kernel{op: "gemm", types: "I8I8", tile: "4x8c8", isa: "NEON", tech: "MlalPadal"},
		`is the int8 GEMM with SMULL/SMLAL2/SADALP (ARMv8.0) for short rows:
4 rows × 8 channels per micro-tile, k in steps of 8, 8-channel blocks (nb of them; half is unused). K (k) is a multiple of
8; a block is 64 bytes of biases (four vectors {b[c], 0, b[c+1], 0}, c =
0, 2, 4, 6) then per 8 k four vectors {c k0-3, c+1 k0-3, c k4-7, c+1 k4-7}:
64 + 8·K bytes.`, splitArgs(gemmArgs)...)
	loadGemmArgs(f)
	f.g("LSL $3, R3, R24")
	f.g("ADD $64, R24")
	body := func(rows int, tag string) {
		for r := 0; r < rows; r++ {
			f.v("ld1 {v%d.4s-v%d.4s}, [x4]", 16+4*r, 19+4*r)
		}
		f.g("ADD $64, R4, R20")
		f.g("MOVD R3, R21")
		f.label("k8" + tag)
		zipMlalPadal8(f, rows, 4, 8, func(r, j int) int { return 16 + 4*r + j })
		f.g("SUBS $8, R21")
		f.g("BNE k8" + tag)
		for r := 0; r < rows; r++ {
			b := 16 + 4*r
			f.v("addp v%d.4s, v%d.4s, v%d.4s", b, b, b+1)
			f.v("addp v%d.4s, v%d.4s, v%d.4s", b+1, b+2, b+3)
			f.v("st1 {v%d.4s, v%d.4s}, [x9], x7", b, b+1)
		}
	}
	f.label("block")
	f.g("MOVD R0, R8")
	f.g("MOVD R6, R9")
	f.g("MOVD R2, R10")
	f.g("CMP $4, R10")
	f.g("BLT rows1")
	f.label("rows4")
	f.g("MOVD R8, R11")
	for r := 1; r < 4; r++ {
		f.g("ADD R1, R%d, R%d", 10+r, 11+r)
	}
	body(4, "r4")
	f.g("ADD R1<<2, R8")
	f.g("SUB $4, R10")
	f.g("CMP $4, R10")
	f.g("BGE rows4")
	f.label("rows1")
	f.g("CBZ R10, next")
	f.label("row1")
	f.g("MOVD R8, R11")
	body(1, "r1")
	f.g("ADD R1, R8")
	f.g("SUBS $1, R10")
	f.g("BNE row1")
	nextBlock8(f)
}

func emitGemms(f *asmFile) {
	emitGemm(f, gemmKind{kernel: kernel{op: "gemm", types: "I8I8", tile: "4x16c4", isa: "SDOT"}, mr: 4, wBytesPerK: 1, body: sdotBody,
		doc: `is the int8 GEMM with SDOT (ARMv8.2 dot product): 4 rows × 16 channels
per micro-tile, k packed by 4, and a 4x8c4 tile for a last 8-wide block. K (k) is a multiple of 4; a block of width
channels is 4·width bytes of biases, then K/4 groups of [width][4 k] bytes.`}, []int{16, 8})
	emitGemmNEON(f)
	emitGemmNEONc8(f)
	emitGemm(f, gemmKind{kernel: kernel{op: "gemm", types: "I16I16", tile: "4x16", isa: "NEON", tech: "MlalLane"}, mr: 4, wBytesPerK: 2, body: mlalBody(false),
		doc: `multiplies int16 activations by int16 (widened int8)
weights, SMLAL by element (4 MACs per instruction on every ARMv8 core), and
a 4x8 tile for a last 8-wide block. K (k) is a multiple of 4; lda is in
bytes; a block of width channels is 4·width bytes of biases, then per k
the width weights as int16.`}, []int{16, 8})
	emitGemm(f, gemmKind{kernel: kernel{op: "gemm", types: "I8I16", tile: "4x16", isa: "NEON", tech: "MlalLane"}, mr: 4, wBytesPerK: 2, body: mlalBody(true),
		doc: `multiplies int8 activations (widened with SXTL as
they are loaded) by int16 weights, for the convs whose weights
calibration keeps in int16; blocks as gemmI16I16_4x16_NEONMlalLane.`}, []int{16, 8})
	emitGemmI16SDOT(f)
}

// sdotI16Body: int16 activations on the dot-product path. Each activation
// splits into two int8 halves, x = 256·xh + xs + 128 with xh = x >> 8 and
// xs = (x & 255) - 128 (UZP2 takes the high bytes, UZP1 the low ones, EOR
// 0x80 recentres them), so Σ x·w = 256·Σ xh·w + Σ xs·w + 128·Σ w: two SDOT
// sums, H and L, combined with one MLA by 256 at the end, and 128·Σw
// folded into the packed biases. All of it is int32 arithmetic modulo
// 2^32, so the result is the exact wrapped accumulator. Blocks as
// gemmI8I8_4x16c4_SDOT; two rows per tile (H needs registers of its own).
func sdotI16Body(f *asmFile, rows, width int, tag string) {
	nv := width / 4
	loadInit(f, rows, width) // L accumulators from the biases: v16 + r·nv
	h := 24                  // H accumulators: v24 + r·nv
	for r := 0; r < rows; r++ {
		for j := 0; j < nv; j++ {
			f.v("movi v%d.2d, #0", h+r*nv+j)
		}
	}
	// split loads row r's next k activations into v4 (and v5 for 16)
	// and splits them into high bytes (v[r]) and recentred low bytes
	// (v[2+r]).
	split := func(r, k int) {
		hi := 4
		switch k {
		case 16:
			f.v("ld1 {v4.8h, v5.8h}, [x%d], #32", 11+r)
			hi = 5
		case 8:
			f.v("ld1 {v4.8h}, [x%d], #16", 11+r)
		default:
			f.v("ldr d4, [x%d], #8", 11+r)
		}
		f.v("uzp2 v%d.16b, v4.16b, v%d.16b", r, hi)
		f.v("uzp1 v%d.16b, v4.16b, v%d.16b", 2+r, hi)
		f.v("eor v%d.16b, v%d.16b, v14.16b", 2+r, 2+r)
	}
	group := func(g, wb int) {
		f.v("ld1 %s, [x20], #%d", vlist(wb, nv, "16b"), 16*nv)
		for r := 0; r < rows; r++ {
			for j := 0; j < nv; j++ {
				f.v("sdot v%d.4s, v%d.16b, v%d.4b[%d]", h+r*nv+j, wb+j, r, g)
				f.v("sdot v%d.4s, v%d.16b, v%d.4b[%d]", 16+r*nv+j, wb+j, 2+r, g)
			}
		}
	}
	sdotKSteps(f, rows, tag, 6, split, group)
	for r := 0; r < rows; r++ {
		for j := 0; j < nv; j++ {
			f.v("mla v%d.4s, v%d.4s, v15.4s", 16+r*nv+j, h+r*nv+j)
		}
	}
}

func emitGemmI16SDOT(f *asmFile) {
	k := gemmKind{kernel: kernel{op: "gemm", types: "I16I8", tile: "2x16c4", isa: "SDOT", tech: "Split"}, mr: 2, wBytesPerK: 1, body: sdotI16Body,
		doc: `multiplies int16 activations by int8 weights with SDOT, each
activation split into two int8 halves (see sdotI16Body); lda is in bytes;
blocks as gemmI8I8_4x16c4_SDOT, with 128·Σw added to the biases.`}
	// the constants the body needs, set before the generic driver runs
	f.text(k.kernel, k.doc, splitArgs(gemmArgs)...)
	f.v("movi v14.16b, #128")
	f.g("MOVD $256, R23")
	f.v("dup v15.4s, w23")
	emitGemmBody(f, k, []int{16, 8})
}
