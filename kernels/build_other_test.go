//go:build !(arm64 || amd64) || purego

package kernels

// ArchKernelsBuilt: without arm64 or with purego only generic exists.
const ArchKernelsBuilt = false
