// Command asmgen writes kernels/amd64's assembly (*_amd64.s) and the Go
// declarations of its functions (asm_amd64.go). Run it with go generate in
// kernels/amd64; its test fails while the checked-in files are stale.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("asmgen: ")
	dir := flag.String("out", ".", "directory to write the generated files to")
	flag.Parse()
	if err := write(*dir, generate()); err != nil {
		log.Fatal(err)
	}
}

// write stores every generated file in dir.
func write(dir string, files map[string][]byte) error {
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// generate renders every file.
func generate() map[string][]byte {
	g := &gen{}
	emitGemms(g.file("gemm_amd64.s", gemmHeader))
	emitEpilogues(g.file("requant_amd64.s", epiHeader))
	emitDepthwise(g.file("dwconv_amd64.s", dwHeader))
	emitElementwise(g.file("elementwise_amd64.s", elemHeader))
	emitResample(g.file("resample_amd64.s", resampleHeader))
	emitJPEG(g.file("jpeg_amd64.s", jpegHeader))
	files := map[string][]byte{"asm_amd64.go": g.stubs()}
	for _, f := range g.files {
		files[f.name] = f.bytes()
	}
	return files
}
