package main

// A small assembler for the AArch64 SIMD instructions edged's kernels use,
// in ARM's syntax (as GNU as and the Arm ARM write them). Go's assembler
// lacks most of them (SDOT, SMULL, SMLAL, SADALP, SQRDMULH, ...), so the
// generator emits every SIMD instruction as WORD $0x... with the ARM text
// as its comment. The encodings are pinned by encode_test.go, whose table
// was checked against GNU as (aarch64-linux-gnu-as), and exercised by the
// kernels' bit-exact tests.

import (
	"fmt"
	"strconv"
	"strings"
)

type opKind int

const (
	oVec  opKind = iota // v3.16b
	oElem               // v3.s[1], v3.4b[1]
	oList               // {v0.16b, v1.16b}, {v0.s}[1]
	oFP                 // q0, d0, s0, h0, b0
	oGP                 // x0, w0, xzr, wzr
	oMem                // [x0], [x0, #16], [x0, x1]
	oImm                // #16
)

type operand struct {
	kind opKind
	n    int    // register number (vector, FP, GP, or mem base)
	arr  string // arrangement ("16b", "4s", ...) or element type ("s", "4b")
	idx  int    // element index, -1 if none
	regs []int  // list registers
	fp   byte   // 'q', 'd', 's', 'h', 'b'
	w    bool   // 32-bit GP register
	imm  int64
	off  int64 // mem immediate offset
	offR int   // mem register offset, -1 if none
}

func splitOperands(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

func parseVec(s string) (n int, arr string, err error) {
	if !strings.HasPrefix(s, "v") {
		return 0, "", fmt.Errorf("want a vector register, got %q", s)
	}
	dot := strings.IndexByte(s, '.')
	if dot < 0 {
		return 0, "", fmt.Errorf("vector register %q has no arrangement", s)
	}
	n, err = strconv.Atoi(s[1:dot])
	if err != nil || n < 0 || n > 31 {
		return 0, "", fmt.Errorf("bad vector register %q", s)
	}
	return n, s[dot+1:], nil
}

func parseImm(s string) (int64, error) {
	s = strings.TrimPrefix(s, "#")
	return strconv.ParseInt(s, 0, 64)
}

func parseGP(s string) (n int, w bool, ok bool) {
	switch s {
	case "xzr", "sp":
		return 31, false, true
	case "wzr":
		return 31, true, true
	}
	if len(s) < 2 || (s[0] != 'x' && s[0] != 'w') {
		return 0, false, false
	}
	v, err := strconv.Atoi(s[1:])
	if err != nil || v < 0 || v > 30 {
		return 0, false, false
	}
	return v, s[0] == 'w', true
}

func parseOperand(s string) (operand, error) {
	o := operand{idx: -1, offR: -1}
	switch {
	case strings.HasPrefix(s, "#"):
		v, err := parseImm(s)
		o.kind, o.imm = oImm, v
		return o, err
	case strings.HasPrefix(s, "{"):
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return o, fmt.Errorf("unclosed list %q", s)
		}
		o.kind = oList
		body := s[1:end]
		if rest := s[end+1:]; rest != "" {
			if !strings.HasPrefix(rest, "[") || !strings.HasSuffix(rest, "]") {
				return o, fmt.Errorf("bad lane %q", s)
			}
			v, err := strconv.Atoi(rest[1 : len(rest)-1])
			if err != nil {
				return o, err
			}
			o.idx = v
		}
		if strings.Contains(body, "-") {
			p := strings.SplitN(body, "-", 2)
			a, arr, err := parseVec(strings.TrimSpace(p[0]))
			if err != nil {
				return o, err
			}
			b, arr2, err := parseVec(strings.TrimSpace(p[1]))
			if err != nil || arr2 != arr {
				return o, fmt.Errorf("bad list %q", s)
			}
			for r := a; ; r = (r + 1) % 32 {
				o.regs = append(o.regs, r)
				if r == b {
					break
				}
			}
			o.arr = arr
			return o, nil
		}
		for _, e := range strings.Split(body, ",") {
			n, arr, err := parseVec(strings.TrimSpace(e))
			if err != nil {
				return o, err
			}
			if o.arr != "" && arr != o.arr {
				return o, fmt.Errorf("mixed arrangements in %q", s)
			}
			if len(o.regs) > 0 && n != (o.regs[len(o.regs)-1]+1)%32 {
				return o, fmt.Errorf("list %q is not consecutive", s)
			}
			o.arr = arr
			o.regs = append(o.regs, n)
		}
		return o, nil
	case strings.HasPrefix(s, "["):
		if !strings.HasSuffix(s, "]") {
			return o, fmt.Errorf("bad memory operand %q", s)
		}
		o.kind = oMem
		p := splitOperands(s[1 : len(s)-1])
		n, w, ok := parseGP(p[0])
		if !ok || w {
			return o, fmt.Errorf("bad base register in %q", s)
		}
		o.n = n
		if len(p) > 1 {
			if strings.HasPrefix(p[1], "#") {
				v, err := parseImm(p[1])
				if err != nil {
					return o, err
				}
				o.off = v
			} else {
				r, w, ok := parseGP(p[1])
				if !ok || w {
					return o, fmt.Errorf("bad offset register in %q", s)
				}
				o.offR = r
			}
		}
		return o, nil
	case strings.HasPrefix(s, "v"):
		if br := strings.IndexByte(s, '['); br >= 0 {
			n, arr, err := parseVec(s[:br])
			if err != nil {
				return o, err
			}
			v, err := strconv.Atoi(strings.TrimSuffix(s[br+1:], "]"))
			if err != nil {
				return o, fmt.Errorf("bad index in %q", s)
			}
			o.kind, o.n, o.arr, o.idx = oElem, n, arr, v
			return o, nil
		}
		n, arr, err := parseVec(s)
		o.kind, o.n, o.arr = oVec, n, arr
		return o, err
	}
	if n, w, ok := parseGP(s); ok {
		o.kind, o.n, o.w = oGP, n, w
		return o, nil
	}
	if len(s) >= 2 && strings.ContainsRune("qdshb", rune(s[0])) {
		if v, err := strconv.Atoi(s[1:]); err == nil && v >= 0 && v < 32 {
			o.kind, o.n, o.fp = oFP, v, s[0]
			return o, nil
		}
	}
	return o, fmt.Errorf("unknown operand %q", s)
}

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
		if err := nops(ops, 4); err != nil {
			return 0, err
		}
		q, _, err := vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		return 0x2E000000 | q<<30 | uint32(ops[2].n)<<16 | uint32(ops[3].imm)<<11 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	case base == "sdot" && ops[len(ops)-1].kind == oElem:
		if err := nops(ops, 3); err != nil {
			return 0, err
		}
		q, _, err := vecQS(ops[0])
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
		if err := nops(ops, 3); err != nil {
			return 0, err
		}
		q, _, err := vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		return 0x0E809400 | q<<30 | uint32(ops[2].n)<<16 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	case (base == "smlal" || base == "smull" || base == "mul" || base == "mla" || base == "sqrdmulh" || base == "sqdmulh" || base == "smlsl") && len(ops) == 3 && ops[2].kind == oElem:
		return encodeByElem(base, second, ops)
	}

	if t, ok := threeDiff[base]; ok {
		if err := nops(ops, 3); err != nil {
			return 0, err
		}
		// size comes from the narrow source operand: the last one.
		_, size, err := vecQS(ops[2])
		if err != nil {
			return 0, err
		}
		return 0x0E200000 | second<<30 | size<<22 | uint32(ops[2].n)<<16 | t<<12 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if t, ok := shiftImm[base]; ok && len(ops) == 3 && ops[2].kind == oImm {
		return encodeShift(t.u, t.op, t.kind, second, ops)
	}
	if t, ok := threeSame[base]; ok && second == 0 {
		if err := nops(ops, 3); err != nil {
			return 0, err
		}
		q, size, err := vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		return 0x0E200400 | q<<30 | t[0]<<29 | size<<22 | uint32(ops[2].n)<<16 | t[1]<<11 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if t, ok := threeLogic[base]; ok {
		if err := nops(ops, 3); err != nil {
			return 0, err
		}
		q, _, err := vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		return 0x0E201C00 | q<<30 | t[0]<<29 | t[1]<<22 | uint32(ops[2].n)<<16 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if base == "fadd" || base == "fmul" || base == "fsub" || base == "fmla" || base == "fmls" {
		if err := nops(ops, 3); err != nil {
			return 0, err
		}
		q, size, err := vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		sz := uint32(0)
		if size == 3 {
			sz = 1
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
		if err := nops(ops, 2); err != nil {
			return 0, err
		}
		_, size, err := vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		sz := uint32(0)
		if size == 3 {
			sz = 1
		}
		return 0x0E217800 | second<<30 | sz<<22 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if t, ok := twoMiscF[base]; ok {
		if err := nops(ops, 2); err != nil {
			return 0, err
		}
		q, size, err := vecQS(ops[0])
		if err != nil {
			return 0, err
		}
		sz := uint32(0)
		if size == 3 {
			sz = 1
		}
		return 0x0E200800 | q<<30 | t[0]<<29 | t[2]<<23 | sz<<22 | t[1]<<12 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
	}
	if t, ok := permute[mn]; ok {
		if err := nops(ops, 3); err != nil {
			return 0, err
		}
		q, size, err := vecQS(ops[0])
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
	if err := nops(ops, 2); err != nil {
		return 0, err
	}
	q, size, err := vecQS(ops[0])
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
	if err := nops(ops, 2); err != nil {
		return 0, err
	}
	imm5, err := elemImm5(ops[1].arr, ops[1].idx)
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
	if err := nops(ops, 2); err != nil {
		return 0, err
	}
	imm5, err := elemImm5(ops[0].arr, ops[0].idx)
	if err != nil {
		return 0, err
	}
	return 0x4E001C00 | imm5<<16 | uint32(ops[1].n)<<5 | uint32(ops[0].n), nil
}

func encodeMovi(ops []operand) (uint32, error) {
	if err := nops(ops, 2); err != nil {
		return 0, err
	}
	q, size, err := vecQS(ops[0])
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
	if err := nops(ops, 3); err != nil {
		return 0, err
	}
	q, _, err := vecQS(ops[0])
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

func encodeLdSt(mn string, ops []operand) (uint32, error) {
	if len(ops) < 2 || len(ops) > 3 {
		return 0, fmt.Errorf("want 2 or 3 operands")
	}
	l := uint32(0)
	if mn[0] == 'l' {
		l = 1
	}
	list, mem := ops[0], ops[1]
	if list.kind != oList || mem.kind != oMem || mem.off != 0 || mem.offR >= 0 {
		return 0, fmt.Errorf("want {list}, [xN]")
	}
	post, rm := false, uint32(31)
	if len(ops) == 3 {
		post = true
		if ops[2].kind == oGP {
			rm = uint32(ops[2].n)
		} else if ops[2].kind != oImm {
			return 0, fmt.Errorf("bad post-index")
		}
	}
	nregs := len(list.regs)
	rt := uint32(list.regs[0])
	rn := uint32(mem.n)
	if mn == "ld1r" {
		qs, ok := arrQS[list.arr]
		if !ok || nregs != 1 {
			return 0, fmt.Errorf("bad ld1r list")
		}
		w := 0x0D40C000 | qs[0]<<30 | qs[1]<<10 | rn<<5 | rt
		if post {
			if rm == 31 && ops[2].imm != int64(1)<<qs[1] {
				return 0, fmt.Errorf("ld1r post-index must be the element size")
			}
			w |= 1<<23 | rm<<16
		}
		return w, nil
	}
	if list.idx >= 0 { // single lane
		if nregs != 1 || mn[2] != '1' {
			return 0, fmt.Errorf("only ld1/st1 single lane")
		}
		var opc, s, size, q uint32
		var bytes int64
		i := uint32(list.idx)
		switch list.arr {
		case "b":
			opc, q, s, size, bytes = 0, i>>3, i>>2&1, i&3, 1
		case "h":
			opc, q, s, size, bytes = 2, i>>2, i>>1&1, (i&1)<<1, 2
		case "s":
			opc, q, s, size, bytes = 4, i>>1, i&1, 0, 4
		case "d":
			opc, q, s, size, bytes = 4, i, 0, 1, 8
		default:
			return 0, fmt.Errorf("bad lane type %q", list.arr)
		}
		w := 0x0D000000 | q<<30 | l<<22 | opc<<13 | s<<12 | size<<10 | rn<<5 | rt
		if post {
			if rm == 31 && ops[2].imm != bytes {
				return 0, fmt.Errorf("single-lane post-index must be %d", bytes)
			}
			w |= 1<<23 | rm<<16
		}
		return w, nil
	}
	qs, ok := arrQS[list.arr]
	if !ok {
		return 0, fmt.Errorf("bad arrangement %q", list.arr)
	}
	var opcode uint32
	switch mn[:3] {
	case "ld1", "st1":
		opcode = map[int]uint32{1: 0b0111, 2: 0b1010, 3: 0b0110, 4: 0b0010}[nregs]
		if opcode == 0 && nregs != 4 {
			return 0, fmt.Errorf("bad register count")
		}
	case "ld2", "st2":
		if nregs != 2 {
			return 0, fmt.Errorf("ld2/st2 want 2 registers")
		}
		opcode = 0b1000
	case "ld3", "st3":
		opcode = 0b0100
	case "ld4", "st4":
		opcode = 0b0000
	}
	w := 0x0C000000 | qs[0]<<30 | l<<22 | opcode<<12 | qs[1]<<10 | rn<<5 | rt
	if post {
		bytes := int64(nregs) * 8 << qs[0]
		if rm == 31 && ops[2].imm != bytes {
			return 0, fmt.Errorf("post-index must be %d", bytes)
		}
		w |= 1<<23 | rm<<16
	}
	return w, nil
}

var fpSize = map[byte]struct {
	size, opc uint32
	bytes     int64
}{
	'b': {0, 0, 1}, 'h': {1, 0, 2}, 's': {2, 0, 4}, 'd': {3, 0, 8}, 'q': {0, 2, 16},
}

func encodeLdrStr(base string, ops []operand) (uint32, error) {
	if len(ops) < 2 || ops[0].kind != oFP || ops[1].kind != oMem {
		return 0, fmt.Errorf("want qN|dN|sN|hN|bN, [xN...]")
	}
	f := fpSize[ops[0].fp]
	l := uint32(0)
	if base == "ldr" {
		l = 1
	}
	opc := f.opc | l
	rt, rn := uint32(ops[0].n), uint32(ops[1].n)
	mem := ops[1]
	switch {
	case len(ops) == 3: // post-index
		v := ops[2].imm
		if ops[2].kind != oImm || v < -256 || v > 255 || mem.off != 0 || mem.offR >= 0 {
			return 0, fmt.Errorf("bad post-index")
		}
		return 0x3C000400 | f.size<<30 | opc<<22 | (uint32(v)&0x1ff)<<12 | rn<<5 | rt, nil
	case mem.offR >= 0:
		return 0x3C206800 | f.size<<30 | opc<<22 | uint32(mem.offR)<<16 | rn<<5 | rt, nil
	default:
		if mem.off < 0 || mem.off%f.bytes != 0 || mem.off/f.bytes > 4095 {
			return 0, fmt.Errorf("offset %d not encodable", mem.off)
		}
		return 0x3D000000 | f.size<<30 | opc<<22 | uint32(mem.off/f.bytes)<<10 | rn<<5 | rt, nil
	}
}

func encodeLdpStp(base string, ops []operand) (uint32, error) {
	if len(ops) < 3 || ops[0].kind != oFP || ops[1].kind != oFP || ops[2].kind != oMem {
		return 0, fmt.Errorf("want qA, qB, [xN...]")
	}
	var opc uint32
	var bytes int64
	switch ops[0].fp {
	case 's':
		opc, bytes = 0, 4
	case 'd':
		opc, bytes = 1, 8
	case 'q':
		opc, bytes = 2, 16
	default:
		return 0, fmt.Errorf("ldp/stp wants s, d or q registers")
	}
	l := uint32(0)
	if base == "ldp" {
		l = 1
	}
	mem := ops[2]
	off, mode := mem.off, uint32(0b010) // signed offset
	if len(ops) == 4 {
		off, mode = ops[3].imm, 0b001 // post-index
	}
	if off%bytes != 0 || off/bytes < -64 || off/bytes > 63 {
		return 0, fmt.Errorf("offset %d not encodable", off)
	}
	return 0x2C000000 | opc<<30 | mode<<23 | l<<22 | (uint32(off/bytes)&0x7f)<<15 | uint32(ops[1].n)<<10 | uint32(mem.n)<<5 | uint32(ops[0].n), nil
}
