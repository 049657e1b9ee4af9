package main

const elemHeader = `Element-wise kernels (see internal/asmgen/elem.go).`

// emitElementwise writes the element-wise kernels.
func emitElementwise(f *file) {}
