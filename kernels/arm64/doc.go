// Package arm64 holds edged's NEON kernels for 64-bit ARM: int8 and int16
// convolutions (GEMM, depthwise, im2col), their requantization epilogues
// and the element-wise ops of MobileNetV3 and ShuffleNetV2, in two
// variants where the instruction set differs: SDOT (ARMv8.2 dot product)
// and plain ARMv8.0 NEON (SMULL/SMLAL2/SADALP). Every kernel is bit-exact
// with kernels/generic, which defines the arithmetic.
//
// The assembly is generated (internal/asmgen): Go's assembler lacks most
// of these SIMD instructions, so each one is emitted as WORD $0x... with
// its ARM mnemonic as the comment, from an assembler whose encodings are
// checked against GNU as. Package kernels binds an engine's ops to these
// kernels (kernels/dispatch_arm64.go) when the engine is built for the neon
// or dotprod path, on arm64 builds without the purego tag; elsewhere this
// package has no code. Each op's constructor (Add, Rescale, PackConv, ...)
// checks its parameters once and declines (ok false) what it does not
// reproduce exactly, so that kernels/generic runs it instead.
package arm64

//go:generate go run ./internal/asmgen -out .
