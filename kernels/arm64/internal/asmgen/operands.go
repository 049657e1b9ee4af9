package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Operands of the ARM-syntax instructions the assembler (encoding.go)
// takes: vector registers with arrangements and lanes, register lists,
// general and FP registers, immediates and addressing modes.

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
