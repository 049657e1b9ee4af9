//go:build !purego

package amd64

import "golang.org/x/sys/cpu"

// ISA is an instruction set the kernels are written for.
type ISA uint8

const (
	// None is no assembly: every constructor declines.
	None ISA = iota
	// AVX2: int8 and int16 products through VPMADDWD on operands widened
	// to int16 (VPMADDUBSW's int16 saturation would not be exact).
	AVX2
	// VNNI: AVX-512 (F, BW, VL) with VNNI: VPDPBUSD on activations
	// offset to unsigned (+128, corrected in the bias) and VPDPWSSD for
	// int16 operands; depthwise and the conv epilogues in AVX-512 too
	// (32 and 16 channels per vector); the element-wise ops are AVX2's.
	VNNI
)

// Best is the best instruction set of this CPU. AVX2 needs the OS to save
// the YMM registers, which x/sys/cpu checks; VNNI also needs the ZMM
// state (HasAVX512 implies it).
func Best() ISA {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VNNI && cpu.X86.HasAVX2:
		return VNNI
	case cpu.X86.HasAVX2 && cpu.X86.HasBMI2:
		return AVX2
	}
	return None
}
