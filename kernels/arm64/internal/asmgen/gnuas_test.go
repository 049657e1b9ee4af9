package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edged/edged/internal/testdata"
)

// gnuAssemble assembles lines with GNU as and returns one word per line.
func gnuAssemble(t *testing.T, lines []string) []uint32 {
	t.Helper()
	// Without binutils the golden table still pins the encodings; CI
	// installs it, so there a missing assembler fails.
	as := testdata.Tool(t, "aarch64-linux-gnu-as", "binutils-aarch64-linux-gnu")
	objcopy := testdata.Tool(t, "aarch64-linux-gnu-objcopy", "binutils-aarch64-linux-gnu")
	dir := t.TempDir()
	src := filepath.Join(dir, "a.s")
	obj := filepath.Join(dir, "a.o")
	bin := filepath.Join(dir, "a.bin")
	text := ".arch armv8.2-a+dotprod\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(src, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	if out, err := exec.Command(objcopy, "-O", "binary", "-j", ".text", obj, bin).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 4*len(lines) {
		t.Fatalf("as produced %d bytes for %d lines", len(raw), len(lines))
	}
	words := make([]uint32, len(lines))
	binary.Read(bytes.NewReader(raw), binary.LittleEndian, words)
	return words
}

// TestEncodeMatchesGNUAs checks every instruction of the golden table and
// every SIMD instruction the generator emits against GNU as.
func TestEncodeMatchesGNUAs(t *testing.T) {
	lines := make([]string, 0, len(goldenEncodings))
	for _, g := range goldenEncodings {
		lines = append(lines, g.text)
	}
	lines = append(lines, emittedSIMD(t)...)
	want := gnuAssemble(t, lines)
	for i, l := range lines {
		got, err := Encode(l)
		if err != nil {
			t.Errorf("%s: %v", l, err)
			continue
		}
		if got != want[i] {
			t.Errorf("%-45s: got %#08x, GNU as %#08x", l, got, want[i])
		}
	}
}
