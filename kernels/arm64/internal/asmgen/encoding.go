package main

// A small assembler for the AArch64 SIMD instructions edged's kernels use,
// in ARM's syntax (as GNU as and the Arm ARM write them). Go's assembler
// lacks most of them (SDOT, SMULL, SMLAL, SADALP, SQRDMULH, ...), so the
// generator emits every SIMD instruction as WORD $0x... with the ARM text
// as its comment. The encodings are pinned by encode_test.go, whose table
// was checked against GNU as (aarch64-linux-gnu-as), and exercised by the
// kernels' bit-exact tests.
//
// This file holds the encodings of the data-processing instructions;
// operands.go parses operands, loadstore.go encodes loads and stores.

import (
	"fmt"
	"strings"
)

// arrQS maps an arrangement to its Q bit and size field.
var arrQS = map[string][2]uint32{
	"8b": {0, 0}, "16b": {1, 0}, "4h": {0, 1}, "8h": {1, 1},
	"2s": {0, 2}, "4s": {1, 2}, "1d": {0, 3}, "2d": {1, 3},
}

func vecQS(o operand) (q, size uint32, err error) {
	if o.kind != oVec {
		return 0, 0, fmt.Errorf("want a vector operand")
	}
	qs, ok := arrQS[o.arr]
	if !ok {
		return 0, 0, fmt.Errorf("unknown arrangement %q", o.arr)
	}
	return qs[0], qs[1], nil
}

// three-same integer ops: U bit and opcode (bits 15:11).
var threeSame = map[string][2]uint32{
	"sqadd": {0, 0b00001}, "sqsub": {0, 0b00101}, "sshl": {0, 0b01000},
	"sqshl": {0, 0b01001}, "srshl": {0, 0b01010}, "smax": {0, 0b01100},
	"smin": {0, 0b01101}, "add": {0, 0b10000}, "sub": {1, 0b10000},
	"cmeq": {1, 0b10001}, "cmgt": {0, 0b00110}, "mla": {0, 0b10010}, "mul": {0, 0b10011},
	"sqdmulh": {0, 0b10110}, "sqrdmulh": {1, 0b10110}, "addp": {0, 0b10111},
	"smaxp": {0, 0b10100}, "umax": {1, 0b01100},
}

// logical three-same ops (size field selects the op).
var threeLogic = map[string][2]uint32{
	"and": {0, 0}, "bic": {0, 1}, "orr": {0, 2}, "orn": {0, 3},
	"eor": {1, 0}, "bsl": {1, 1}, "bit": {1, 2}, "bif": {1, 3},
}

// three-different (widening) ops: opcode bits 15:12.
var threeDiff = map[string]uint32{
	"saddl": 0b0000, "saddw": 0b0001, "ssubl": 0b0010, "ssubw": 0b0011,
	"smlal": 0b1000, "smlsl": 0b1010, "smull": 0b1100, "sqdmull": 0b1101,
}

// two-register misc: U and opcode bits 16:12; narrow says size names the
// destination element (the encoding's size is the narrower one).
var twoMisc = map[string]struct {
	u, op  uint32
	narrow bool
}{
	"saddlp": {0, 0b00010, false}, "sadalp": {0, 0b00110, false},
	"sqxtn": {0, 0b10100, true}, "xtn": {0, 0b10010, true}, "sqxtun": {1, 0b10010, true},
	"abs": {0, 0b01011, false}, "neg": {1, 0b01011, false},
}

// two-register misc, floating point: U, opcode, bit 23.
var twoMiscF = map[string][3]uint32{
	"fcvtns": {0, 0b11010, 0}, "scvtf": {0, 0b11101, 0}, "fcvtzs": {0, 0b11011, 1},
	"frintn": {0, 0b11000, 0},
}

// shift by immediate: U, opcode bits 15:11; kind: 'l' left (imm = esize+sh),
// 'r' right (imm = 2·esize-sh), 'w' widening left, 'n' narrowing right.
var shiftImm = map[string]struct {
	u, op uint32
	kind  byte
}{
	"shl": {0, 0b01010, 'l'}, "sqshl": {0, 0b01110, 'l'},
	"sshr": {0, 0b00000, 'r'}, "srshr": {0, 0b00100, 'r'}, "ssra": {0, 0b00010, 'r'},
	"sshll": {0, 0b10100, 'w'},
	"shrn":  {0, 0b10000, 'n'}, "sqshrn": {0, 0b10010, 'n'}, "sqrshrn": {0, 0b10011, 'n'},
	"rshrn": {0, 0b10001, 'n'},
}

var permute = map[string]uint32{
	"uzp1": 0b001, "trn1": 0b010, "zip1": 0b011, "uzp2": 0b101, "trn2": 0b110, "zip2": 0b111,
}

// Encode assembles one instruction in ARM syntax.
func Encode(text string) (uint32, error) {
	text = strings.TrimSpace(strings.ToLower(text))
	mn, rest, _ := strings.Cut(text, " ")
	var ops []operand
	for _, s := range splitOperands(rest) {
		o, err := parseOperand(s)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", text, err)
		}
		ops = append(ops, o)
	}
	w, err := encode(mn, ops)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", text, err)
	}
	return w, nil
}

// vecOps checks that there are n operands and returns the Q and size
// fields of operand i's arrangement.
func vecOps(ops []operand, n, i int) (q, size uint32, err error) {
	if err := nops(ops, n); err != nil {
		return 0, 0, err
	}
	return vecQS(ops[i])
}

// vecOpsF is vecOps for floating-point arrangements: sz is the size bit,
// 1 for double (2d), 0 for single (2s, 4s).
func vecOpsF(ops []operand, n int) (q, sz uint32, err error) {
	q, size, err := vecOps(ops, n, 0)
	if size == 3 {
		sz = 1
	}
	return q, sz, err
}

func nops(ops []operand, n int) error {
	if len(ops) != n {
		return fmt.Errorf("want %d operands, got %d", n, len(ops))
	}
	return nil
}

func encode(mn string, ops []operand) (uint32, error) {
	base, second := mn, uint32(0)
	if strings.HasSuffix(mn, "2") && mn != "uzp2" && mn != "trn2" && mn != "zip2" && mn != "ld2" && mn != "st2" {
		base, second = strings.TrimSuffix(mn, "2"), 1
	}

	// Aliases.
	switch base {
	case "sxtl":
		if err := nops(ops, 2); err != nil {
			return 0, err
		}
		return encode("sshll"+map[uint32]string{0: "", 1: "2"}[second], append(ops, operand{kind: oImm}))
	case "mov":
		if len(ops) == 2 && ops[0].kind == oVec && ops[1].kind == oVec {
			return encode("orr", []operand{ops[0], ops[1], ops[1]})
		}
		if len(ops) == 2 && ops[0].kind == oElem && ops[1].kind == oGP {
			return encodeIns(ops)
		}
		if len(ops) == 2 && ops[0].kind == oGP && ops[1].kind == oElem {
			return encodeUmov(ops)
		}
	}

	switch {
	case base == "movi":
		return encodeMovi(ops)
	case base == "dup":
		return encodeDup(ops)
	case base == "umov":
		return encodeUmov(ops)
	case base == "ins":
		return encodeIns(ops)
	case base == "tbl" || base == "tbx":
		return encodeTbl(base, ops)
	case base == "ext":
		q, _, err := vecOps(ops, 4, 0)
		if err != nil {
			return 0, err
		}
		return 0x2E000000 | q<<30 | uint32(ops[2].n)<<16 | uint32(ops[3].imm)<<11 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	case base == "sdot" && ops[len(ops)-1].kind == oElem:
		q, _, err := vecOps(ops, 3, 0)
		if err != nil {
			return 0, err
		}
		e := ops[2]
		if e.arr != "4b" || e.idx < 0 || e.idx > 3 {
			return 0, fmt.Errorf("sdot by element wants vM.4b[0..3]")
		}
		h, l := uint32(e.idx>>1), uint32(e.idx&1)
		return 0x0F80E000 | q<<30 | l<<21 | uint32(e.n)<<16 | h<<11 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	case base == "sdot":
		q, _, err := vecOps(ops, 3, 0)
		if err != nil {
			return 0, err
		}
		return 0x0E809400 | q<<30 | uint32(ops[2].n)<<16 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	case (base == "smlal" || base == "smull" || base == "mul" || base == "mla" || base == "sqrdmulh" || base == "sqdmulh" || base == "smlsl") && len(ops) == 3 && ops[2].kind == oElem:
		return encodeByElem(base, second, ops)
	}

	if t, ok := threeDiff[base]; ok {
		// size comes from the narrow source operand: the last one.
		_, size, err := vecOps(ops, 3, 2)
		if err != nil {
			return 0, err
		}
		return 0x0E200000 | second<<30 | size<<22 | uint32(ops[2].n)<<16 | t<<12 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if t, ok := shiftImm[base]; ok && len(ops) == 3 && ops[2].kind == oImm {
		return encodeShift(t.u, t.op, t.kind, second, ops)
	}
	if t, ok := threeSame[base]; ok && second == 0 {
		q, size, err := vecOps(ops, 3, 0)
		if err != nil {
			return 0, err
		}
		return 0x0E200400 | q<<30 | t[0]<<29 | size<<22 | uint32(ops[2].n)<<16 | t[1]<<11 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if t, ok := threeLogic[base]; ok {
		q, _, err := vecOps(ops, 3, 0)
		if err != nil {
			return 0, err
		}
		return 0x0E201C00 | q<<30 | t[0]<<29 | t[1]<<22 | uint32(ops[2].n)<<16 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if base == "fadd" || base == "fmul" || base == "fsub" || base == "fmla" || base == "fmls" {
		q, sz, err := vecOpsF(ops, 3)
		if err != nil {
			return 0, err
		}
		var u, op, b23 uint32
		switch base {
		case "fadd":
			u, op = 0, 0b11010
		case "fsub":
			u, op, b23 = 0, 0b11010, 1
		case "fmul":
			u, op = 1, 0b11011
		case "fmla":
			u, op = 0, 0b11001
		case "fmls":
			u, op, b23 = 0, 0b11001, 1
		}
		return 0x0E200400 | q<<30 | u<<29 | b23<<23 | sz<<22 | uint32(ops[2].n)<<16 | op<<11 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if t, ok := twoMisc[base]; ok {
		if err := nops(ops, 2); err != nil {
			return 0, err
		}
		var size, q uint32
		var err error
		if t.narrow {
			// sqxtn v0.8b, v1.8h: size from the destination
			_, size, err = vecQS(ops[0])
			q = second
		} else if base == "saddlp" || base == "sadalp" {
			q, size, err = vecQS(ops[1])
		} else {
			q, size, err = vecQS(ops[0])
		}
		if err != nil {
			return 0, err
		}
		w := 0x0E200800 | q<<30 | t.u<<29 | size<<22 | t.op<<12 | uint32(ops[1].n)<<5 | uint32(ops[0].n)
		return w, nil
	}
	if base == "fcvtl" {
		_, sz, err := vecOpsF(ops, 2)
		if err != nil {
			return 0, err
		}
		return 0x0E217800 | second<<30 | sz<<22 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if t, ok := twoMiscF[base]; ok {
		q, sz, err := vecOpsF(ops, 2)
		if err != nil {
			return 0, err
		}
		return 0x0E200800 | q<<30 | t[0]<<29 | t[2]<<23 | sz<<22 | t[1]<<12 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if t, ok := permute[mn]; ok {
		q, size, err := vecOps(ops, 3, 0)
		if err != nil {
			return 0, err
		}
		return 0x0E000800 | q<<30 | size<<22 | uint32(ops[2].n)<<16 | t<<12 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	switch base {
	case "ld1", "st1", "ld2", "st2", "ld3", "st3", "ld4", "st4", "ld1r":
		return encodeLdSt(mn, ops)
	case "ldr", "str":
		return encodeLdrStr(base, ops)
	case "ldp", "stp":
		return encodeLdpStp(base, ops)
	}
	return 0, fmt.Errorf("unknown instruction %q", mn)
}

func encodeByElem(base string, second uint32, ops []operand) (uint32, error) {
	e := ops[2]
	var size, h, l, m uint32
	rm := uint32(e.n)
	switch e.arr {
	case "h":
		if e.n > 15 {
			return 0, fmt.Errorf("16-bit element operand must be v0-v15")
		}
		size = 1
		h, l, m = uint32(e.idx>>2&1), uint32(e.idx>>1&1), uint32(e.idx&1)
	case "s":
		size = 2
		h, l = uint32(e.idx>>1&1), uint32(e.idx&1)
		m, rm = rm>>4, rm&15
	default:
		return 0, fmt.Errorf("bad element type %q", e.arr)
	}
	var u, op, q uint32
	switch base {
	case "smlal":
		op, q = 0b0010, second
	case "smlsl":
		op, q = 0b0110, second
	case "smull":
		op, q = 0b1010, second
	case "mul", "mla", "sqrdmulh", "sqdmulh":
		var err error
		q, _, err = vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		op = map[string]uint32{"mul": 0b1000, "mla": 0b0000, "sqrdmulh": 0b1101, "sqdmulh": 0b1100}[base]
		if base == "mla" {
			u = 1
		}
	}
	return 0x0F000000 | q<<30 | u<<29 | size<<22 | l<<21 | m<<20 | rm<<16 | op<<12 | h<<11 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
}

func encodeShift(u, op uint32, kind byte, second uint32, ops []operand) (uint32, error) {
	sh := ops[2].imm
	var esize int64
	var q uint32
	switch kind {
	case 'w': // sshll v0.8h, v1.8b, #s: element size from the source
		_, size, err := vecQS(ops[1])
		if err != nil {
			return 0, err
		}
		esize, q = 8<<size, second
	case 'n': // sqshrn v0.8b, v1.8h, #s: element size from the destination
		_, size, err := vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		esize, q = 8<<size, second
	default:
		var size uint32
		var err error
		q, size, err = vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		esize = 8 << size
	}
	var imm int64
	switch kind {
	case 'l', 'w':
		if sh < 0 || sh >= esize {
			return 0, fmt.Errorf("shift %d out of range", sh)
		}
		imm = esize + sh
	default:
		if sh < 1 || sh > esize {
			return 0, fmt.Errorf("shift %d out of range", sh)
		}
		imm = 2*esize - sh
	}
	return 0x0F000400 | q<<30 | u<<29 | uint32(imm)<<16 | op<<11 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
}

func elemImm5(t string, idx int) (uint32, error) {
	switch t {
	case "b":
		return uint32(idx)<<1 | 1, nil
	case "h":
		return uint32(idx)<<2 | 2, nil
	case "s":
		return uint32(idx)<<3 | 4, nil
	case "d":
		return uint32(idx)<<4 | 8, nil
	}
	return 0, fmt.Errorf("bad element type %q", t)
}

func encodeDup(ops []operand) (uint32, error) {
	q, size, err := vecOps(ops, 2, 0)
	if err != nil {
		return 0, err
	}
	if ops[1].kind == oGP {
		imm5 := uint32(1) << size
		return 0x0E000C00 | q<<30 | imm5<<16 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if ops[1].kind == oElem {
		imm5, err := elemImm5(ops[1].arr, ops[1].idx)
		if err != nil {
			return 0, err
		}
		return 0x0E000400 | q<<30 | imm5<<16 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	return 0, fmt.Errorf("bad dup source")
}

func encodeUmov(ops []operand) (uint32, error) {
	imm5, err := twoOpsElem(ops, 1)
	if err != nil {
		return 0, err
	}
	q := uint32(0)
	if ops[1].arr == "d" {
		q = 1
	}
	return 0x0E003C00 | q<<30 | imm5<<16 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
}

func encodeIns(ops []operand) (uint32, error) {
	imm5, err := twoOpsElem(ops, 0)
	if err != nil {
		return 0, err
	}
	return 0x4E001C00 | imm5<<16 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
}

// twoOpsElem checks for two operands and returns the imm5 field (size and
// index) of the element operand ops[i].
func twoOpsElem(ops []operand, i int) (uint32, error) {
	if err := nops(ops, 2); err != nil {
		return 0, err
	}
	return elemImm5(ops[i].arr, ops[i].idx)
}

func encodeMovi(ops []operand) (uint32, error) {
	q, size, err := vecOps(ops, 2, 0)
	if err != nil {
		return 0, err
	}
	imm := uint32(ops[1].imm)
	var cmode, op uint32
	switch {
	case size == 3 && imm == 0: // movi v0.2d, #0
		cmode, op, q = 0b1110, 1, 1
	case size == 0 && imm < 256:
		cmode = 0b1110
	default:
		return 0, fmt.Errorf("movi form not supported")
	}
	abc, defgh := imm>>5&7, imm&31
	return 0x0F000400 | q<<30 | op<<29 | abc<<16 | cmode<<12 | defgh<<5 | uint32(ops[0].n), nil
}

func encodeTbl(base string, ops []operand) (uint32, error) {
	q, _, err := vecOps(ops, 3, 0)
	if err != nil {
		return 0, err
	}
	if ops[1].kind != oList || ops[1].arr != "16b" {
		return 0, fmt.Errorf("tbl table must be a list of .16b")
	}
	x := uint32(0)
	if base == "tbx" {
		x = 1
	}
	return 0x0E000000 | q<<30 | uint32(ops[2].n)<<16 | uint32(len(ops[1].regs)-1)<<13 | x<<12 | uint32(ops[1].regs[0])<<5 | uint32(ops[0].n), nil
}
