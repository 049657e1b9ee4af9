// Package amd64 holds edged's x86-64 kernels: int8 and int16
// convolutions (GEMM micro-kernels, depthwise), their requantization
// epilogues and the element-wise ops of MobileNetV3 and ShuffleNetV2, in
// two variants: AVX2 (VPMADDWD on int16-widened operands, every x86 of
// the last decade) and AVX-512 VNNI (VPDPBUSD and VPDPWSSD); and package
// preprocess's resampling passes, IDCTs, h2v2 upsampling and colour
// conversion in AVX2. Every kernel is bit-exact with kernels/generic (or
// preprocess's Go code), which defines the arithmetic.
//
// The assembly is generated (internal/asmgen) so that unrolled tiles are
// written once. Package kernels binds an engine's ops to these kernels
// (kernels/dispatch_amd64.go) when the engine is built for the avx2 or
// vnni path, on amd64 builds without the purego tag; elsewhere this
// package has no code. Each op's constructor (Add, PackConv, ...) takes
// the instruction set, checks its parameters once and declines (ok false)
// what it does not reproduce exactly, or the generic path (None), so that
// kernels/generic runs it instead.
package amd64

//go:generate go run ./internal/asmgen -out .
