//go:build (arm64 || amd64) && !purego

package kernels

// ArchKernelsBuilt says this test binary has the arm64 assembly kernels,
// so the NEON path must be offered: a build where it silently falls back
// to generic would otherwise pass every test on the generic oracle alone.
const ArchKernelsBuilt = true
