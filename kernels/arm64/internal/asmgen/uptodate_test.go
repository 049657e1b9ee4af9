package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesUpToDate checks that kernels/arm64's generated files
// are what the generator writes now (run go generate in kernels/arm64).
func TestGeneratedFilesUpToDate(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatalf("%v (run go generate in kernels/arm64)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("kernels/arm64/%s is stale: run go generate in kernels/arm64", name)
		}
	}
}
