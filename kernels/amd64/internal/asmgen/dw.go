package main

const dwHeader = `Depthwise conv kernels (see internal/asmgen/dw.go).`

// emitDepthwise writes the depthwise kernels.
func emitDepthwise(f *file) {}
