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
	gen = generated{}
	labelSeq = 0
	g := &gen

	f := g.file("gemm_arm64.s", `GEMM micro-kernels (see internal/asmgen/gemm.go).`)
	emitGemms(f)

	f = g.file("dwconv_arm64.s", `Depthwise conv and im2col kernels (see internal/asmgen/dw.go).`)
	emitDwI8Regs(f, 3, 3)
	emitDwI8Stream(f, 5, 5)
	emitDwI16(f, 3, 3)
	emitDwI16(f, 5, 5)
	emitIm2col(f)

	f = g.file("requant_arm64.s", `Requantization epilogues (see internal/asmgen/epi.go).`)
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

	f = g.file("elementwise_arm64.s", `Element-wise kernels (see internal/asmgen/elem.go).`)
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

	f = g.file("resample_arm64.s", `Pillow's resampling passes for package preprocess (see internal/asmgen/resample.go).`)
	emitResampleV(f)
	emitResampleH(f)

	if g.err != nil {
		return nil, g.err
	}
	files := map[string][]byte{"asm_arm64.go": g.stubs()}
	for _, f := range g.files {
		files[f.name] = bytes.Clone(f.buf.Bytes())
	}
	return files, nil
}

// emittedSIMD returns every SIMD instruction the generator emits.
func emittedSIMD(t interface{ Fatal(...any) }) []string {
	if _, err := generate(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range gen.simd {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
