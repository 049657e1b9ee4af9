// Command asmgen writes kernels/arm64's assembly (*_arm64.s) and the Go
// declarations of its functions (asm_arm64.go). Run it with go generate
// in kernels/arm64.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", ".", "directory to write the generated files to")
	flag.Parse()
	files, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "asmgen:", err)
		os.Exit(1)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "asmgen:", err)
			os.Exit(1)
		}
	}
}

// generate renders every file.
func generate() (map[string][]byte, error) {
	g, err := build()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"asm_arm64.go": g.stubs()}
	for _, f := range g.files {
		files[f.name] = bytes.Clone(f.buf.Bytes())
	}
	return files, nil
}

// build runs every emitter; the state of a generation is g's and its
// files' alone.
func build() (*generated, error) {
	g := &generated{}

	f := g.file("gemm_arm64.s", `GEMM micro-kernels (see internal/asmgen/gemm.go).

Register map (every kernel in this file):
  R0 a, R1 lda, R2 m, R3 k, R4 w (block), R5 blocks left, R6 acc (block
  column), R7 ldc, R8 a row, R9 acc row (stepped by post-indexed stores),
  R10 rows left, R11-R14 row pointers, R20 weight pointer, R21 k left,
  R22 half flag, R23 scratch, R24 block bytes.
  v16-v31 int32 accumulators (row r of a tile of width w at v16 + r·w/4),
  v0-v15 activations, weights and products (the int16 SDOT kernel keeps
  its constants in v14, v15).`)
	emitGemms(f)

	f = g.file("dwconv_arm64.s", `Depthwise conv and im2col kernels (see internal/asmgen/dw.go).

Register map (depthwise kernels):
  R0 src, R1 prow, R3 cp, R4 step, R5 w, R6 acc, R7 accs, R8 16-channel
  blocks, R9 ow (pixels left), R10-R20 tap row pointers, R21-R24 tap
  column offsets kx·cp.
  Vector registers differ by kernel: the int8 3×3 kernel keeps its nine
  weight vectors in v0-v8 and biases in v9-v12 for a whole block; the 5×5
  and int16 kernels stream the weights (see internal/asmgen/dw.go).
im2col_NEON: its arguments in R0-R7 in order (src, prow, step, n, kh, seg,
dst, kp).`)
	emitDwI8Regs(f, 3, 3)
	emitDwI8Stream(f, 5, 5)
	emitDwI16(f, 3, 3)
	emitDwI16(f, 5, 5)
	emitIm2col(f)

	f = g.file("requant_arm64.s", `Requantization epilogues (see internal/asmgen/epi.go).

Register map (every kernel in this file):
  R0 acc, R1 ldacc, R2 rows, R3 n, R4 prm, R5 out, R6 ldout, R7 sc;
  R8 16-channel blocks, R9 channels of the tail, R10 acc row, R11 out row,
  R12 rows left, R13 tail pointers.
  v8, v9 the scalars of sc; v10-v14 the hardswish/hardsigmoid constants
  (Three, Six, 0, PostShl, -PostShr); v16-v19 multipliers, v20-v23 right
  shifts, v24-v27 left shifts of a block; v28 the output zero point, v29,
  v30 the clamp bounds; v0-v7 the data.`)
	for _, out16 := range []bool{false, true} {
		for _, kind := range []epiKind{epiClamp, epiHardswish, epiHardsigmoid} {
			for _, shl := range []bool{false, true} {
				emitRequant(f, out16, kind, shl, false)
				if out16 {
					emitRequant(f, out16, kind, shl, true)
				}
			}
		}
	}
	emitRequantF32(f)

	f = g.file("elementwise_arm64.s", `Element-wise kernels (see internal/asmgen/elem.go).

Register map: every kernel has its arguments in R0, R1, ... in declaration
order (loadArgs), and its loop counters and row pointers in the registers
after them. The scalars of sc (multipliers, shifts, zero points) are
splatted into vectors (v8-v14 in most kernels, v20, v21 in quantize), v28 the output zero point, v29, v30 the clamp bounds
(shared with the epilogues' narrowing); v0-v7 and v16-v27 the data.`)
	for _, in16 := range []bool{false, true} {
		for _, out16 := range []bool{false, true} {
			for _, shl := range []bool{false, true} {
				emitRescale(f, in16, out16, shl)
				emitAvgPool(f, in16, out16, shl)
			}
		}
	}
	for _, shl := range []bool{false, true} {
		emitAddI8(f, shl)
		emitMulChannels(f, false, shl)
		emitMulChannels(f, true, shl)
	}
	emitQuantize(f, false)
	emitQuantize(f, true)
	emitMaxPool(f, false)
	emitMaxPool(f, true)
	emitCopyRows(f)
	emitInterleave(f, false)
	emitInterleave(f, true)

	emitJPEG(g.file("jpeg_arm64.s", `JPEG decoding kernels for preprocess (see internal/asmgen/jpeg.go).`))
	f = g.file("resample_arm64.s", `Pillow's resampling passes for package preprocess (see internal/asmgen/resample.go).`)
	emitResampleV(f)
	emitResampleH(f)

	if g.err != nil {
		return nil, g.err
	}
	return g, nil
}

// emittedSIMD returns every SIMD instruction the generator emits.
func emittedSIMD(t interface{ Fatal(...any) }) []string {
	g, err := build()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range g.simd {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
