//go:build ignore

// The NEON (arm64) kernels of package kernel, written to neon_arm64.s by
// asm_gen.go's main (go run asm_gen.go asm_gen_arm64.go).
//
// As on amd64, every kernel performs exactly the float32 operation
// sequence of its Go reference: a multiplication and an addition are
// always two instructions (FMUL, then FADD; never FMLA, which fuses them),
// and additions happen in the reference's order. The Go assembler has no
// mnemonics for most Advanced SIMD floating-point instructions, so they are
// emitted as WORD encodings (from the Arm Architecture Reference Manual),
// each followed by the instruction as a comment.

package main

import "fmt"

// Encodings of the vector instructions used, Rd, Rn and Rm zero.
const (
	encFADD   = 0x4e20d400 // fadd vd.4s, vn.4s, vm.4s
	encFSUB   = 0x4ea0d400 // fsub vd.4s, vn.4s, vm.4s
	encFMUL   = 0x6e20dc00 // fmul vd.4s, vn.4s, vm.4s
	encFDIV   = 0x6e20fc00 // fdiv vd.4s, vn.4s, vm.4s
	encFMIN   = 0x4ea0f400 // fmin vd.4s, vn.4s, vm.4s
	encFCMGT  = 0x6ea0e400 // fcmgt vd.4s, vn.4s, vm.4s
	encBIC    = 0x4e601c00 // bic vd.16b, vn.16b, vm.16b
	encSDOT   = 0x4e809400 // sdot vd.4s, vn.16b, vm.16b
	encFCVTZS = 0x4ea1b800 // fcvtzs vd.4s, vn.4s
	encFCVTZU = 0x6ea1b800 // fcvtzu vd.4s, vn.4s
	encSCVTF  = 0x4e21d800 // scvtf vd.4s, vn.4s
	encFNEG   = 0x6ea0f800 // fneg vd.4s, vn.4s
	encFCVTL  = 0x0e217800 // fcvtl vd.4s, vn.4h
	encFCVTL2 = 0x4e217800 // fcvtl2 vd.4s, vn.8h
	encUADALP = 0x6ea06800 // uadalp vd.2d, vn.4s
)

var encNames = map[uint32]string{
	encFADD: "fadd %s.4s, %s.4s, %s.4s", encFSUB: "fsub %s.4s, %s.4s, %s.4s",
	encFMUL: "fmul %s.4s, %s.4s, %s.4s", encFDIV: "fdiv %s.4s, %s.4s, %s.4s",
	encFMIN: "fmin %s.4s, %s.4s, %s.4s", encFCMGT: "fcmgt %s.4s, %s.4s, %s.4s",
	encBIC: "bic %s.16b, %s.16b, %s.16b", encSDOT: "sdot %s.4s, %s.16b, %s.16b",
	encFCVTZS: "fcvtzs %s.4s, %s.4s", encFCVTZU: "fcvtzu %s.4s, %s.4s",
	encSCVTF: "scvtf %s.4s, %s.4s", encFNEG: "fneg %s.4s, %s.4s",
	encFCVTL: "fcvtl %s.4s, %s.4h", encFCVTL2: "fcvtl2 %s.4s, %s.8h",
	encUADALP: "uadalp %s.2d, %s.4s",
}

// v3 emits the three-register instruction enc: d = n op m.
func (g *gen) v3(enc uint32, d, n, m int) {
	g.ins("WORD $0x%08x // %s", enc|uint32(m)<<16|uint32(n)<<5|uint32(d),
		fmt.Sprintf(encNames[enc], vr(d), vr(n), vr(m)))
}

// v2 emits the two-register instruction enc: d = op n.
func (g *gen) v2(enc uint32, d, n int) {
	g.ins("WORD $0x%08x // %s", enc|uint32(n)<<5|uint32(d), fmt.Sprintf(encNames[enc], vr(d), vr(n)))
}

func vr(i int) string { return fmt.Sprintf("v%d", i) }

// The NEON constant table, one word each, loaded by broadcast.
var neonConsts = []struct {
	name string
	bits uint32
}{
	{"lo", f32(expLo)}, {"hi", f32(expHi)}, {"log2e", f32(log2e)}, {"bias", f32(roundBias)},
	{"c1", f32(expC1)}, {"c2", f32(expC2)},
	{"p0", f32(expP0)}, {"p1", f32(expP1)}, {"p2", f32(expP2)}, {"p3", f32(expP3)}, {"p4", f32(expP4)}, {"p5", f32(expP5)},
	{"one", f32(1)}, {"127", 127}, {"fixedOne", f32(fixedOne)}, {"hiHalf", 0xffff0000},
}

// Registers of the Exp constants: V16 + index in neonConsts (V16..V29);
// V30 holds FixedOne where used, V31 the shift.
const (
	nLo = 16 + iota
	nHi
	nLog2e
	nBias
	nC1
	nC2
	nP0
	nP1
	nP2
	nP3
	nP4
	nP5
	nOne
	n127
	nFixed
)

func (g *gen) neonTable() {
	for i, c := range neonConsts {
		g.line(fmt.Sprintf("DATA neonconsts<>+%d(SB)/4, $0x%08x // %s", 4*i, c.bits, c.name))
	}
	g.line(fmt.Sprintf("GLOBL neonconsts<>(SB), RODATA|NOPTR, $%d", 4*len(neonConsts)))
	g.line("")
}

// loadConsts broadcasts the first n constants into V16... (R9 clobbered).
func (g *gen) loadConsts(n int) {
	g.ins("MOVD $neonconsts<>(SB), R9")
	for i := 0; i < n; i++ {
		g.ins("VLD1R.P 4(R9), [V%d.S4]", 16+i)
	}
}

// expNEON emits Exp (vector.go) of register x in place, with temporaries
// k, r, p, t, m, the constants in V16..V29.
func (g *gen) expNEON(x, k, r, p, t, m int) {
	g.v3(encFCMGT, m, nLo, x) // m = lo > x: the lanes that give 0 (not NaN)
	g.v3(encFMIN, x, x, nHi)  // x > hi: hi (NaN stays NaN)
	g.v3(encFMUL, k, x, nLog2e)
	g.v3(encFADD, k, k, nBias)
	g.v3(encFSUB, k, k, nBias)
	g.v3(encFMUL, t, k, nC1)
	g.v3(encFSUB, r, x, t)
	g.v3(encFMUL, t, k, nC2)
	g.v3(encFSUB, r, r, t)
	g.v3(encFMUL, p, nP0, r)
	g.v3(encFADD, p, p, nP1)
	for _, c := range []int{nP2, nP3, nP4, nP5} {
		g.v3(encFMUL, p, p, r)
		g.v3(encFADD, p, p, c)
	}
	g.v3(encFMUL, t, r, r)
	g.v3(encFMUL, p, p, t)
	g.v3(encFADD, p, p, r)
	g.v3(encFADD, p, p, nOne)
	g.v2(encFCVTZS, k, k)
	g.ins("VADD V%d.S4, V%d.S4, V%d.S4", n127, k, k)
	g.ins("VSHL $23, V%d.S4, V%d.S4", k, k)
	g.v3(encFMUL, p, p, k)
	g.v3(encBIC, x, p, m)
}

func (g *gen) zero(regs ...int) {
	for _, r := range regs {
		g.ins("VEOR V%d.B16, V%d.B16, V%d.B16", r, r, r)
	}
}

func seq(from, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = from + i
	}
	return s
}

// vlist returns "[V{from}.S4, ...]" for n registers.
func vlist(from, n int, arr string) string {
	s := "["
	for i := 0; i < n; i++ {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("V%d.%s", from+i, arr)
	}
	return s + "]"
}

// sumNEON emits sumNEON or sumSquaresNEON: the 16 lane sums (lane l: the
// elements i ≡ l mod 16, in order) of n (a multiple of 16) values, stored
// to lanes; Go adds the rest and folds.
func (g *gen) sumNEON(name string, squares bool) {
	g.line(fmt.Sprintf("// func %s(x *float32, n int, lanes *[16]float32)", name))
	g.line(fmt.Sprintf("TEXT ·%s(SB), NOSPLIT, $0-24", name))
	g.ins("MOVD x+0(FP), R0")
	g.ins("MOVD n+8(FP), R1")
	g.ins("MOVD lanes+16(FP), R2")
	g.zero(0, 1, 2, 3)
	g.ins("LSR $4, R1, R1")
	g.ins("CBZ R1, %s_done", name)
	g.label(name + "_loop")
	g.ins("VLD1.P 64(R0), %s", vlist(4, 4, "S4"))
	for v := 0; v < 4; v++ {
		if squares {
			g.v3(encFMUL, 4+v, 4+v, 4+v)
		}
		g.v3(encFADD, v, v, 4+v)
	}
	g.ins("SUBS $1, R1, R1")
	g.ins("BNE %s_loop", name)
	g.label(name + "_done")
	g.ins("VST1 %s, (R2)", vlist(0, 4, "S4"))
	g.ins("RET")
	g.line("")
}

// expShiftNEON: dst[i] = Exp(src[i]-shift) for n (a multiple of 16)
// values, and their 16 lane sums stored to lanes.
func (g *gen) expShiftNEON() {
	name := "expShiftNEON"
	g.line("// func expShiftNEON(dst, src *float32, n int, shift float32, lanes *[16]float32)")
	g.line("TEXT ·expShiftNEON(SB), NOSPLIT, $0-40")
	g.ins("MOVD dst+0(FP), R0")
	g.ins("MOVD src+8(FP), R1")
	g.ins("MOVD n+16(FP), R2")
	g.ins("MOVWU shift+24(FP), R3")
	g.ins("VDUP R3, V31.S4")
	g.ins("MOVD lanes+32(FP), R4")
	g.loadConsts(14)
	g.zero(0, 1, 2, 3)
	g.ins("LSR $4, R2, R2")
	g.ins("CBZ R2, %s_done", name)
	g.label(name + "_loop")
	g.ins("VLD1.P 64(R1), %s", vlist(4, 4, "S4"))
	for v := 0; v < 4; v++ {
		g.v3(encFSUB, 4+v, 4+v, 31)
		g.expNEON(4+v, 8, 9, 10, 11, 12)
	}
	g.ins("VST1.P %s, 64(R0)", vlist(4, 4, "S4"))
	for v := 0; v < 4; v++ {
		g.v3(encFADD, v, v, 4+v)
	}
	g.ins("SUBS $1, R2, R2")
	g.ins("BNE %s_loop", name)
	g.label(name + "_done")
	g.ins("VST1 %s, (R4)", vlist(0, 4, "S4"))
	g.ins("RET")
	g.line("")
}

// expFixedNEON: u[i] = the fixed-point weight of Exp(x[i]-shift) (fixed.go)
// for n (a multiple of 16) values; returns their sum. FMIN keeps a NaN,
// and FCVTZU turns NaN and negative values into 0, as the Go code does.
func (g *gen) expFixedNEON() {
	name := "expFixedNEON"
	g.line("// func expFixedNEON(u *uint32, x *float32, n int, shift float32) uint64")
	g.line("TEXT ·expFixedNEON(SB), NOSPLIT, $0-40")
	g.ins("MOVD u+0(FP), R0")
	g.ins("MOVD x+8(FP), R1")
	g.ins("MOVD n+16(FP), R2")
	g.ins("MOVWU shift+24(FP), R3")
	g.ins("VDUP R3, V31.S4")
	g.loadConsts(15)
	g.zero(0, 1)
	g.ins("LSR $4, R2, R2")
	g.ins("CBZ R2, %s_done", name)
	g.label(name + "_loop")
	g.ins("VLD1.P 64(R1), %s", vlist(4, 4, "S4"))
	for v := 0; v < 4; v++ {
		g.v3(encFSUB, 4+v, 4+v, 31)
		g.expNEON(4+v, 8, 9, 10, 11, 12)
		g.v3(encFMUL, 4+v, 4+v, nFixed)
		g.v3(encFMIN, 4+v, 4+v, nFixed)
		g.v2(encFCVTZU, 4+v, 4+v)
	}
	g.ins("VST1.P %s, 64(R0)", vlist(4, 4, "S4"))
	for v := 0; v < 4; v++ {
		g.v2(encUADALP, v%2, 4+v)
	}
	g.ins("SUBS $1, R2, R2")
	g.ins("BNE %s_loop", name)
	g.label(name + "_done")
	g.ins("VADD V1.D2, V0.D2, V0.D2")
	g.ins("VMOV V0.D[0], R4")
	g.ins("VMOV V0.D[1], R5")
	g.ins("ADD R5, R4, R4")
	g.ins("MOVD R4, ret+32(FP)")
	g.ins("RET")
	g.line("")
}

// swigluNEON: gate[i] = SiLU(gate[i])·up[i] for n (a multiple of 4) values.
func (g *gen) swigluNEON() {
	name := "swigluNEON"
	g.line("// func swigluNEON(gate, up *float32, n int)")
	g.line("TEXT ·swigluNEON(SB), NOSPLIT, $0-24")
	g.ins("MOVD gate+0(FP), R0")
	g.ins("MOVD up+8(FP), R1")
	g.ins("MOVD n+16(FP), R2")
	g.loadConsts(14)
	g.ins("LSR $2, R2, R2")
	g.ins("CBZ R2, %s_done", name)
	g.label(name + "_loop")
	g.ins("VLD1 (R0), [V4.S4]")
	g.v2(encFNEG, 5, 4)
	g.expNEON(5, 8, 9, 10, 11, 12)
	g.v3(encFADD, 5, nOne, 5) // 1 + Exp(-g)
	g.v3(encFDIV, 6, 4, 5)    // g / (1 + Exp(-g))
	g.ins("VLD1.P 16(R1), [V7.S4]")
	g.v3(encFMUL, 6, 6, 7)
	g.ins("VST1.P [V6.S4], 16(R0)")
	g.ins("SUBS $1, R2, R2")
	g.ins("BNE %s_loop", name)
	g.label(name + "_done")
	g.ins("RET")
	g.line("")
}

// scoresNEON: the scores of nblocks whole key blocks (16 keys each, D rows
// of 16 values, see KeyIndex): s[j] = Σ_d q[d]·k(j, d) in order of d.
// f16 says the keys are float16 (rows of 32 bytes, widened exactly).
func (g *gen) scoresNEON(f16 bool) {
	name, kt, row := "scoresNEON", "float32", 64
	if f16 {
		name, kt, row = "scoresF16NEON", "uint16", 32
	}
	g.line(fmt.Sprintf("// func %s(s, q *float32, kb *%s, D, nblocks int)", name, kt))
	g.line(fmt.Sprintf("TEXT ·%s(SB), NOSPLIT, $0-40", name))
	g.ins("MOVD s+0(FP), R0")
	g.ins("MOVD q+8(FP), R1")
	g.ins("MOVD kb+16(FP), R2")
	g.ins("MOVD D+24(FP), R3")
	g.ins("MOVD nblocks+32(FP), R4")
	g.ins("CBZ R4, %s_done", name)
	g.label(name + "_block")
	g.zero(0, 1, 2, 3)
	g.ins("MOVD R1, R5")
	g.ins("MOVD R3, R6")
	g.ins("CBZ R6, %s_store", name)
	g.label(name + "_d")
	if f16 {
		g.ins("VLD1.P %d(R2), [V4.H8, V5.H8]", row)
		g.v2(encFCVTL, 10, 4)
		g.v2(encFCVTL2, 11, 4)
		g.v2(encFCVTL, 12, 5)
		g.v2(encFCVTL2, 13, 5)
	} else {
		g.ins("VLD1.P %d(R2), %s", row, vlist(10, 4, "S4"))
	}
	g.ins("VLD1R.P 4(R5), [V8.S4]")
	for v := 0; v < 4; v++ {
		g.v3(encFMUL, 10+v, 8, 10+v)
		g.v3(encFADD, v, v, 10+v)
	}
	g.ins("SUBS $1, R6, R6")
	g.ins("BNE %s_d", name)
	g.label(name + "_store")
	g.ins("VST1.P %s, 64(R0)", vlist(0, 4, "S4"))
	g.ins("SUBS $1, R4, R4")
	g.ins("BNE %s_block", name)
	g.label(name + "_done")
	g.ins("RET")
	g.line("")
}

// mixNEON: out[d] = Σ_j p[j]·v[j*D+d] in order of j, for the first cols
// (a multiple of 16) outputs, 16 at a time; f16 says v is float16. With
// acc it emits mixF16AccNEON, which adds to the outputs' values instead of
// starting from zero (MixF16From).
func (g *gen) mixNEON(f16, acc bool) {
	name, vt, size := "mixNEON", "float32", 4
	if f16 {
		name, vt, size = "mixF16NEON", "uint16", 2
	}
	if acc {
		name = name[:len(name)-4] + "AccNEON"
	}
	g.line(fmt.Sprintf("// func %s(out, p *float32, v *%s, D, n, cols int)", name, vt))
	g.line(fmt.Sprintf("TEXT ·%s(SB), NOSPLIT, $0-48", name))
	g.ins("MOVD out+0(FP), R0")
	g.ins("MOVD p+8(FP), R1")
	g.ins("MOVD v+16(FP), R2")
	g.ins("MOVD D+24(FP), R3")
	g.ins("MOVD n+32(FP), R4")
	g.ins("MOVD cols+40(FP), R5")
	g.ins("LSL $%d, R3, R6", size/2) // row stride in bytes
	g.ins("LSR $4, R5, R5")
	g.ins("CBZ R5, %s_done", name)
	g.label(name + "_chunk")
	if acc {
		g.ins("VLD1 (R0), %s", vlist(0, 4, "S4"))
	} else {
		g.zero(0, 1, 2, 3)
	}
	g.ins("MOVD R2, R7")
	g.ins("MOVD R1, R8")
	g.ins("MOVD R4, R9")
	g.ins("CBZ R9, %s_store", name)
	g.label(name + "_j")
	if f16 {
		g.ins("VLD1.P (R7)(R6), [V4.H8, V5.H8]")
		g.v2(encFCVTL, 10, 4)
		g.v2(encFCVTL2, 11, 4)
		g.v2(encFCVTL, 12, 5)
		g.v2(encFCVTL2, 13, 5)
	} else {
		g.ins("VLD1.P (R7)(R6), %s", vlist(10, 4, "S4"))
	}
	g.ins("VLD1R.P 4(R8), [V8.S4]")
	for v := 0; v < 4; v++ {
		g.v3(encFMUL, 10+v, 8, 10+v)
		g.v3(encFADD, v, v, 10+v)
	}
	g.ins("SUBS $1, R9, R9")
	g.ins("BNE %s_j", name)
	g.label(name + "_store")
	g.ins("VST1.P %s, 64(R0)", vlist(0, 4, "S4"))
	g.ins("ADD $%d, R2, R2", 16*size)
	g.ins("SUBS $1, R5, R5")
	g.ins("BNE %s_chunk", name)
	g.label(name + "_done")
	g.ins("RET")
	g.line("")
}

// neonTileSetup loads a tile's arguments: R0 dst, R1 ldd in bytes, R2 x,
// R3 ldx in bytes (x elements of 1<<xShift bytes), R4 w, R5 k (or groups),
// R6 rows, R13 the panel row stride; it branches to name_rowsR.
func (g *gen) neonTileSetup(name string, xShift, stride, maxRows int) {
	g.ins("MOVD dst+0(FP), R0")
	g.ins("MOVD ldd+8(FP), R1")
	g.ins("LSL $2, R1, R1")
	g.ins("MOVD x+16(FP), R2")
	g.ins("MOVD ldx+24(FP), R3")
	if xShift > 0 {
		g.ins("LSL $%d, R3, R3", xShift)
	}
	g.ins("MOVD w+32(FP), R4")
	if xShift == 2 {
		g.ins("MOVD k+40(FP), R5")
	} else {
		g.ins("MOVD groups+40(FP), R5")
	}
	g.ins("MOVD rows+48(FP), R6")
	g.ins("MOVD $%d, R13", stride)
	for R := maxRows; R > 1; R-- {
		g.ins("CMP $%d, R6", R)
		g.ins("BEQ %s_rows%d", name, R)
	}
}

// Row pointers of the NEON tiles.
var neonRows = []string{"R7", "R8", "R9", "R10"}

// neonStripStart zeros the accumulators V0.. (4 per row), points the row
// pointers at the rows and R11 at the strip's weights (woff bytes into the
// panel), R12 at the count; it branches to lab_store if the count is 0.
func (g *gen) neonStripStart(lab string, R, woff int) {
	g.zero(seq(0, 4*R)...)
	g.ins("MOVD R2, R7")
	for r := 1; r < R; r++ {
		g.ins("ADD R3, %s, %s", neonRows[r-1], neonRows[r])
	}
	g.ins("ADD $%d, R4, R11", woff)
	g.ins("MOVD R5, R12")
	g.ins("CBZ R12, %s_store", lab)
	g.label(lab + "_loop")
}

func (g *gen) neonStripLoop(lab string) {
	g.ins("SUBS $1, R12, R12")
	g.ins("BNE %s_loop", lab)
	g.label(lab + "_store")
}

// matmulNEON emits matmulTileNEON (float32 panels) or matmulTileBF16NEON:
// rows 1..4, the 64 columns of the panel as four strips of 16: for each
// input i, the strip's weights of row i, and for each row r and 4 columns
// c, t = x[r][i]·w, acc += t.
func (g *gen) matmulNEON(bf16 bool) {
	name, wt, stride := "matmulTileNEON", "float32", 256
	if bf16 {
		name, wt, stride = "matmulTileBF16NEON", "uint16", 128
	}
	g.line(fmt.Sprintf("// func %s(dst *float32, ldd int, x *float32, ldx int, w *%s, k int, rows int)", name, wt))
	g.line(fmt.Sprintf("TEXT ·%s(SB), NOSPLIT, $0-56", name))
	if bf16 {
		g.ins("MOVD $neonconsts<>+%d(SB), R9", 4*15)
		g.ins("VLD1R (R9), [V31.S4]") // 0xffff0000
	}
	g.neonTileSetup(name, 2, stride, 4)
	for R := 1; R <= 4; R++ {
		g.label(fmt.Sprintf("%s_rows%d", name, R))
		for s := 0; s < 4; s++ {
			lab := fmt.Sprintf("%s_r%ds%d", name, R, s)
			// ws[c]: the register of the strip's column quad c; out[c]: its
			// byte offset in a dst row.
			var ws, out [4]int
			if bf16 {
				// Strip s = 2·grp+h: the 32 bytes at grp·64 + h·32 hold
				// columns grp·32+8h+0..7 (low halves) and grp·32+16+8h+0..7
				// (high halves).
				grp, h := s/2, s%2
				g.neonStripStart(lab, R, grp*64+h*32)
				g.ins("VLD1.P (R11)(R13), [V16.S4, V17.S4]")
				g.ins("VSHL $16, V16.S4, V18.S4")
				g.ins("VSHL $16, V17.S4, V19.S4")
				g.ins("VAND V31.B16, V16.B16, V16.B16")
				g.ins("VAND V31.B16, V17.B16, V17.B16")
				ws = [4]int{18, 19, 16, 17}
				lo := 4 * (grp*32 + 8*h)
				out = [4]int{lo, lo + 16, lo + 64, lo + 80}
			} else {
				g.neonStripStart(lab, R, 64*s)
				g.ins("VLD1.P (R11)(R13), %s", vlist(16, 4, "S4"))
				ws = [4]int{16, 17, 18, 19}
				out = [4]int{64 * s, 64*s + 16, 64*s + 32, 64*s + 48}
			}
			for r := 0; r < R; r++ {
				g.ins("VLD1R.P 4(%s), [V%d.S4]", neonRows[r], 20+r)
			}
			for r := 0; r < R; r++ {
				for c := 0; c < 4; c++ {
					t := 24 + (4*r+c)%7
					g.v3(encFMUL, t, 20+r, ws[c])
					g.v3(encFADD, 4*r+c, 4*r+c, t)
				}
			}
			g.neonStripLoop(lab)
			g.ins("MOVD R0, R14")
			for r := 0; r < R; r++ {
				if bf16 {
					g.ins("ADD $%d, R14, R15", out[0])
					g.ins("VST1 [V%d.S4, V%d.S4], (R15)", 4*r, 4*r+1)
					g.ins("ADD $%d, R14, R15", out[2])
					g.ins("VST1 [V%d.S4, V%d.S4], (R15)", 4*r+2, 4*r+3)
				} else {
					g.ins("ADD $%d, R14, R15", out[0])
					g.ins("VST1 %s, (R15)", vlist(4*r, 4, "S4"))
				}
				if r < R-1 {
					g.ins("ADD R1, R14, R14")
				}
			}
		}
		g.ins("RET")
	}
	g.line("")
}

// matmulInt8NEON emits matmulTileInt8NEON (needs the dot-product
// extension): rows 1..4 of int8 inputs, four strips of 16 columns; for each
// group of 4 inputs, the row's 4 inputs broadcast and SDOT, which adds the
// 4 exact products of each column to its int32 lane. Then the scales:
// float32(float32(acc)·sx[r])·sw[c]. corr is not used.
func (g *gen) matmulInt8NEON() {
	name := "matmulTileInt8NEON"
	g.line("// func matmulTileInt8NEON(dst *float32, ldd int, x *int8, ldx int, w *int8, groups int, rows int, corr *int32, sx, sw *float32)")
	g.line("TEXT ·matmulTileInt8NEON(SB), NOSPLIT, $0-80")
	g.neonTileSetup(name, 0, 256, 4)
	for R := 1; R <= 4; R++ {
		g.label(fmt.Sprintf("%s_rows%d", name, R))
		for s := 0; s < 4; s++ {
			lab := fmt.Sprintf("%s_r%ds%d", name, R, s)
			g.neonStripStart(lab, R, 64*s)
			g.ins("VLD1.P (R11)(R13), %s", vlist(16, 4, "B16"))
			for r := 0; r < R; r++ {
				g.ins("VLD1R.P 4(%s), [V%d.S4]", neonRows[r], 20+r)
			}
			for r := 0; r < R; r++ {
				for c := 0; c < 4; c++ {
					g.v3(encSDOT, 4*r+c, 16+c, 20+r)
				}
			}
			g.neonStripLoop(lab)
			g.ins("MOVD sx+64(FP), R15")
			g.ins("MOVD sw+72(FP), R16")
			g.ins("ADD $%d, R16, R16", 64*s)
			g.ins("VLD1 (R16), %s", vlist(16, 4, "S4"))
			g.ins("ADD $%d, R0, R14", 64*s)
			for r := 0; r < R; r++ {
				g.ins("VLD1R.P 4(R15), [V20.S4]")
				for c := 0; c < 4; c++ {
					a := 4*r + c
					g.v2(encSCVTF, a, a)
					g.v3(encFMUL, a, a, 20)
					g.v3(encFMUL, a, a, 16+c)
				}
				g.ins("VST1 %s, (R14)", vlist(4*r, 4, "S4"))
				if r < R-1 {
					g.ins("ADD R1, R14, R14")
				}
			}
		}
		g.ins("RET")
	}
	g.line("")
}

// genNEON returns neon_arm64.s.
func genNEON() *gen {
	g := &gen{}
	g.line("// Code generated by asm_gen.go; DO NOT EDIT.")
	g.line("")
	g.line("//go:build arm64 && !noasm")
	g.line("")
	g.line(`#include "textflag.h"`)
	g.line("")
	g.neonTable()
	g.matmulNEON(false)
	g.matmulNEON(true)
	g.matmulInt8NEON()
	g.sumNEON("sumNEON", false)
	g.sumNEON("sumSquaresNEON", true)
	g.expShiftNEON()
	g.expFixedNEON()
	g.swigluNEON()
	g.scoresNEON(false)
	g.scoresNEON(true)
	g.mixNEON(false, false)
	g.mixNEON(true, false)
	g.mixNEON(true, true)
	return g
}
