package main

import "fmt"

// Encodings of the SIMD loads and stores: LD1/ST1 and friends (with
// register lists, lanes and post-increments), LD1R, LDR/STR and LDP/STP of
// FP registers.

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
