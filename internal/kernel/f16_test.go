package kernel

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var f16Exhaustive = flag.Bool("f16exhaustive", false, "check RoundF16 on all 2^32 float32 bit patterns")

// f16Value returns the value of the float16 bit pattern h as a float64,
// computed from its fields with float64 arithmetic (independently of
// F16ToFloat32); NaN for a NaN.
func f16Value(h uint16) float64 {
	e := int(h>>10) & 0x1f
	m := float64(h & 0x3ff)
	var v float64
	switch e {
	case 0x1f:
		if m != 0 {
			return math.NaN()
		}
		v = math.Inf(1)
	case 0:
		v = math.Ldexp(m, -24)
	default:
		v = math.Ldexp(1+m/1024, e-15)
	}
	if h&0x8000 != 0 {
		v = -v
	}
	return v
}

// roundF16Ref is the float64 model of Float32ToF16 for non-NaN x: the
// float16 value (as a float64) nearest to x clamped to ±65504, ties to the
// one with an even last mantissa bit.
func roundF16Ref(x float32) float64 {
	v := float64(x)
	v = math.Max(-F16Max, math.Min(F16Max, v))
	a := math.Abs(v)
	if a == 0 {
		return v // ±0
	}
	// The spacing of float16s around a: 2^(e-10) for a in [2^e, 2^(e+1)),
	// e ≥ -14; subnormals share the spacing 2^-24.
	_, exp := math.Frexp(a) // a = f·2^exp, f in [0.5, 1)
	e := max(exp-1, -14)
	ulp := math.Ldexp(1, e-10)
	r := math.RoundToEven(a/ulp) * ulp // a/ulp is exact: a has 24 bits
	return math.Copysign(r, v)
}

func checkRoundF16Ref(t *testing.T, b uint32) {
	x := math.Float32frombits(b)
	h := Float32ToF16(x)
	if x != x {
		want := uint16(b>>16)&0x8000 | 0x7e00 | uint16(b>>13)&0x1ff
		if h != want {
			t.Fatalf("Float32ToF16(%#08x) = %#04x, want %#04x", b, h, want)
		}
		return
	}
	got, want := f16Value(h), roundF16Ref(x)
	if got != want || math.Signbit(got) != math.Signbit(want) {
		t.Fatalf("Float32ToF16(%g = %#08x) = %#04x = %g, want %g", x, b, h, got, want)
	}
}

// TestFloat32ToF16Reference checks Float32ToF16 against the float64 model on
// a sweep of all bit patterns, densely around every rounding boundary and
// over the range where float16 is finite.
func TestFloat32ToF16Reference(t *testing.T) {
	for b := uint64(0); b < 1<<32; b += 997 {
		checkRoundF16Ref(t, uint32(b))
	}
	// Every float16 of either sign: the patterns near its exact value and
	// near the midpoints to its neighbours (low 13 bits 0x0fff..0x1001).
	for e := uint32(100); e <= 145; e++ {
		for m := uint32(0); m < 1<<23; m += 1 << 13 {
			for _, low := range []uint32{0, 1, 0xfff, 0x1000, 0x1001, 0x1fff} {
				for _, s := range []uint32{0, 1 << 31} {
					// Subnormal halves: the boundaries lie deeper in m.
					checkRoundF16Ref(t, s|e<<23|m|low)
					checkRoundF16Ref(t, s|e<<23|(m>>4)|low>>1)
				}
			}
		}
	}
	// Densely over [2^-26, 2^17): every 13th pattern.
	for b := uint32(101 << 23); b < 144<<23; b += 13 {
		checkRoundF16Ref(t, b)
		checkRoundF16Ref(t, b|1<<31)
	}
	for _, c := range []struct {
		x float32
		h uint16
	}{
		{0, 0}, {float32(math.Copysign(0, -1)), 0x8000}, {1, 0x3c00}, {-2, 0xc000},
		{65504, 0x7bff}, {65519.99, 0x7bff}, {65520, 0x7bff}, {1e9, 0x7bff}, {-65520, 0xfbff},
		{float32(math.Inf(1)), 0x7bff}, {float32(math.Inf(-1)), 0xfbff},
		{0x1p-24, 1}, {0x1p-25, 0}, {-0x1p-25, 0x8000}, {0x1.000002p-25, 1}, {0x1.8p-24, 2}, {0x1.4p-23, 2},
		{0x1p-14, 0x400}, {0x1.ff8p-15, 0x3ff}, {0x1.ffbp-15, 0x3ff}, {0x1.ffcp-15, 0x400}, {0x1.ff4p-15, 0x3fe}, {math.SmallestNonzeroFloat32, 0},
		{math.Float32frombits(0x7fc00000), 0x7e00}, {math.Float32frombits(0xff800001), 0xfe00},
		{math.Float32frombits(0x7fbfe000), 0x7fff},
	} {
		if h := Float32ToF16(c.x); h != c.h {
			t.Errorf("Float32ToF16(%g) = %#04x, want %#04x", c.x, h, c.h)
		}
	}
}

func TestF16ToFloat32(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := F16ToFloat32(h)
		want := f16Value(h)
		if want != want {
			b := math.Float32bits(f)
			if wb := uint32(h&0x8000)<<16 | 0x7fc00000 | uint32(h&0x3ff)<<13; b != wb {
				t.Fatalf("F16ToFloat32(%#04x) = %#08x, want %#08x", h, b, wb)
			}
			continue
		}
		if float64(f) != want || math.Signbit(float64(f)) != math.Signbit(want) {
			t.Fatalf("F16ToFloat32(%#04x) = %g, want %g", h, f, want)
		}
		// Round trip (finite values; ±Inf saturates).
		if math.Abs(want) <= F16Max {
			if back := Float32ToF16(f); back != h {
				t.Fatalf("Float32ToF16(F16ToFloat32(%#04x)) = %#04x", h, back)
			}
		}
	}
}

// checkRoundF16Impls compares every implementation's RoundF16 with the Go
// one on src, and checks that nothing past the end is written.
func checkRoundF16Impls(t testing.TB, src []float32) {
	n := len(src)
	want := make([]uint16, n)
	roundF16Generic(want, src)
	for _, im := range asmImpls(t) {
		got := make([]uint16, n+1)
		got[n] = 0xabcd
		im.roundF16(got[:n], src)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s RoundF16(%g = %#08x) = %#04x, want %#04x (n=%d, i=%d)", im.name, src[i], math.Float32bits(src[i]), got[i], want[i], n, i)
			}
		}
		if got[n] != 0xabcd {
			t.Fatalf("%s RoundF16 n=%d wrote past the end", im.name, n)
		}
	}
}

// f16Specials are float32 values RoundF16 must treat exactly.
var f16Specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, 0.1, -0.1,
	65504, -65504, 65505, 65519, 65519.996, 65520, 65536, -65520, -65519.996, 1e5, -1e30, math.MaxFloat32,
	float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), math.Float32frombits(0x7fc12345), math.Float32frombits(0xffc00001), math.Float32frombits(0x7f800001), // NaNs (one signalling)
	0x1p-14, -0x1p-14, 0x1.ffcp-15, 0x1.ffep-15, 0x1p-24, -0x1p-24, 0x1p-25, 0x1.000002p-25, 0x1.8p-24, 0x1.4p-23, 0x1p-26, 6e-8, -6e-8,
	math.SmallestNonzeroFloat32, math.Float32frombits(0x807fffff), 1e-38, // float32 subnormals
	1.00048828125, 1.000732421875, 2049, 2051, 4097, -4099, // ties
}

func fillF16(r *rand.Rand, n int, special bool) []float32 {
	s := fill(r, n, special)
	if special {
		for i := range s {
			if r.IntN(4) == 0 {
				s[i] = f16Specials[r.IntN(len(f16Specials))]
			}
		}
	}
	return s
}

func TestRoundF16Implementations(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, n := range lengths {
		for _, special := range []bool{false, true} {
			checkRoundF16Impls(t, fillF16(r, n, special))
		}
	}
	checkRoundF16Impls(t, f16Specials)
}

// TestRoundF16BitPatterns compares the implementations on a sweep of all
// float32 bit patterns (every one with -f16exhaustive), dense over the
// range where float16 is finite or subnormal.
func TestRoundF16BitPatterns(t *testing.T) {
	step, dense := uint64(251), uint32(7)
	if *f16Exhaustive {
		step, dense = 1, 0
	}
	const chunk = 1 << 20
	x := make([]float32, 0, chunk)
	flush := func() {
		checkRoundF16Impls(t, x)
		x = x[:0]
	}
	for b := uint64(0); b < 1<<32; b += step {
		x = append(x, math.Float32frombits(uint32(b)))
		if len(x) == chunk {
			flush()
		}
	}
	if dense != 0 {
		for b := uint32(101 << 23); b < 144<<23; b += dense {
			x = append(x, math.Float32frombits(b), math.Float32frombits(b|1<<31))
			if len(x) >= chunk {
				flush()
			}
		}
	}
	flush()
}

// TestRoundF16Exhaustive checks Float32ToF16 against the float64 model on
// every float32 bit pattern. It takes about two minutes; run it with
// -f16exhaustive.
func TestRoundF16Exhaustive(t *testing.T) {
	if !*f16Exhaustive {
		t.Skip("run with -f16exhaustive")
	}
	for b := uint64(0); b < 1<<32; b++ {
		checkRoundF16Ref(t, uint32(b))
	}
}

// randF16 returns n float16 bit patterns: mostly the rounding of values of
// varied magnitude, with a share of arbitrary patterns (NaN, Inf,
// subnormals, ±0) when special is set.
func randF16(r *rand.Rand, n int, special bool) []uint16 {
	h := make([]uint16, n)
	RoundF16(h, fill(r, n, false))
	if special {
		for i := range h {
			switch r.IntN(6) {
			case 0:
				h[i] = uint16(r.Uint32())
			case 1:
				h[i] = []uint16{0, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfd01, 0x0001, 0x83ff, 0x7bff, 0xfbff, 0x0400}[r.IntN(11)]
			}
		}
	}
	return h
}

func TestScoresMixF16Implementations(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	type shape struct{ D, n int }
	var shapes []shape
	for n := 0; n <= 40; n++ {
		shapes = append(shapes, shape{1 + r.IntN(70), n})
	}
	for D := 0; D <= 40; D++ {
		shapes = append(shapes, shape{D, 1 + r.IntN(100)})
	}
	shapes = append(shapes, shape{64, 1024}, shape{64, 1000}, shape{64, 130}, shape{128, 65}, shape{70, 200},
		shape{64, 129}, shape{256, 33}, shape{320, 17}, shape{328, 9}, shape{271, 5})
	for i, sh := range shapes {
		special := i%3 == 1
		q := fill(r, sh.D, special)
		kb := randF16(r, (sh.n+KeyBlock-1)/KeyBlock*sh.D*KeyBlock, special) // whole blocks
		want := make([]float32, sh.n)
		scoresF16Generic(want, q, kb, sh.D, sh.n)
		p := fill(r, sh.n, special)
		v := randF16(r, sh.n*sh.D, special)
		wantMix := make([]float32, sh.D)
		mixF16Generic(wantMix, p, v, sh.D, sh.n)

		// The Go code is Scores and Mix on the widened values.
		kw, vw := make([]float32, len(kb)), make([]float32, len(v))
		for j, h := range kb {
			kw[j] = F16ToFloat32(h)
		}
		for j, h := range v {
			vw[j] = F16ToFloat32(h)
		}
		ref := make([]float32, sh.n)
		scoresGeneric(ref, q, kw, sh.D, sh.n)
		refMix := make([]float32, sh.D)
		mixGeneric(refMix, p, vw, sh.D, sh.n)
		if j := firstDiff(ref, want); j >= 0 {
			t.Fatalf("ScoresF16 %+v: s[%d] = %g, Scores of widened keys %g", sh, j, want[j], ref[j])
		}
		if j := firstDiff(refMix, wantMix); j >= 0 {
			t.Fatalf("MixF16 %+v: out[%d] = %g, Mix of widened values %g", sh, j, wantMix[j], refMix[j])
		}

		for _, im := range asmImpls(t) {
			got := make([]float32, sh.n+1)
			for j := range got {
				got[j] = 7
			}
			im.scoresF16(got[:sh.n], q, kb, sh.D, sh.n)
			if j := firstDiff(want, got[:sh.n]); j >= 0 || got[sh.n] != 7 {
				t.Fatalf("%s ScoresF16 %+v: s[%d] wrong", im.name, sh, j)
			}
			gotMix := make([]float32, sh.D+1)
			for j := range gotMix {
				gotMix[j] = 7
			}
			im.mixF16(gotMix[:sh.D], p, v, sh.D, sh.n)
			if j := firstDiff(wantMix, gotMix[:sh.D]); j >= 0 || gotMix[sh.D] != 7 {
				t.Fatalf("%s MixF16 %+v: out[%d] wrong", im.name, sh, j)
			}
		}
	}
}

// TestScoresF16AllHalves runs ScoresF16 and MixF16 over every float16 bit
// pattern.
func TestScoresF16AllHalves(t *testing.T) {
	const D = 64
	n := (1 << 16) / D
	kb := make([]uint16, 1<<16)
	for i := range kb {
		kb[i] = uint16(i*40503 + 7) // a permutation
	}
	r := rand.New(rand.NewPCG(63, 64))
	for _, q := range [][]float32{fill(r, D, false), fill(r, D, true)} {
		want := make([]float32, n)
		scoresF16Generic(want, q, kb, D, n)
		p := fill(r, n, true)
		wantMix := make([]float32, D)
		mixF16Generic(wantMix, p, kb[:n*D], D, n)
		for _, im := range asmImpls(t) {
			got := make([]float32, n)
			im.scoresF16(got, q, kb, D, n)
			if j := firstDiff(want, got); j >= 0 {
				t.Fatalf("%s ScoresF16: s[%d] = %g, want %g", im.name, j, got[j], want[j])
			}
			gotMix := make([]float32, D)
			im.mixF16(gotMix, p, kb[:n*D], D, n)
			if j := firstDiff(wantMix, gotMix); j >= 0 {
				t.Fatalf("%s MixF16: out[%d] = %g, want %g", im.name, j, gotMix[j], wantMix[j])
			}
		}
	}
	// With q = 1 and one dimension, the scores are the widened keys (a
	// product with 1 is exact, and 0 + x is x but for -0).
	one := []float32{1}
	for _, im := range append(asmImpls(t), &genericImpl) {
		s := make([]float32, 1<<16)
		im.scoresF16(s, one, kb, 1, 1<<16)
		for j, h := range kb {
			w := F16ToFloat32(h)
			if w == 0 {
				w = 0
			}
			if !same(s[j], w) {
				t.Fatalf("%s ScoresF16 q=1: %#04x gives %g, want %g", im.name, h, s[j], w)
			}
		}
	}
}

// bf16Round returns x rounded to a bfloat16 value (to nearest even; NaNs
// keep their top bits).
func bf16Round(x float32) float32 {
	b := math.Float32bits(x)
	if x != x {
		return math.Float32frombits(b&0xffff0000 | 0x00400000)
	}
	b += 0x7fff + (b>>16)&1
	return math.Float32frombits(b & 0xffff0000)
}

func fillBF16(r *rand.Rand, n int, special bool) []float32 {
	s := fill(r, n, special)
	for i := range s {
		s[i] = bf16Round(s[i])
	}
	return s
}

func TestMatMulBF16Implementations(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	type shape struct{ m, k, n int }
	var shapes []shape
	for _, n := range []int{1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 127, 128, 129, 191, 200, 257} {
		shapes = append(shapes, shape{1 + r.IntN(14), 1 + r.IntN(90), n})
	}
	for m := 1; m <= 13; m++ {
		shapes = append(shapes, shape{m, 1 + r.IntN(70), 1 + r.IntN(200)})
	}
	for _, k := range []int{0, 1, 2, 3, 5, 8, 16, 17, 64, 129, 300} {
		shapes = append(shapes, shape{1 + r.IntN(20), k, 1 + r.IntN(150)})
	}
	shapes = append(shapes, shape{37, 384, 130}, shape{70, 33, 64}, shape{6, 257, 320}, shape{61, 41, 203}, shape{16, 100, 1000})
	for i, sh := range shapes {
		special := i%3 == 0
		x := fill(r, sh.m*sh.k, special)
		wv := fillBF16(r, sh.n*sh.k, special)
		w := NewMatrix(wv, sh.n, sh.k)
		wb := w.BF16()
		if wb == nil || !wb.IsBF16() || w.IsBF16() || wb.K != sh.k || wb.N != sh.n {
			t.Fatalf("%+v: BF16() = %v", sh, wb)
		}
		bits := make([]uint16, len(wv))
		for j, v := range wv {
			bits[j] = uint16(math.Float32bits(v) >> 16)
		}
		wp := NewMatrixBF16Packed(bits, sh.n, sh.k)
		if !slices.Equal(wp.u16, wb.u16) {
			t.Fatalf("%+v: NewMatrixBF16Packed and BF16 differ", sh)
		}
		panels := (sh.n + panelWidth - 1) / panelWidth
		want := make([]float32, sh.m*sh.n)
		product(&genericImpl)(want, x, sh.m, w, 0, panels)
		gen := make([]float32, sh.m*sh.n)
		product(&genericImpl)(gen, x, sh.m, wb, 0, panels)
		if j := firstDiff(want, gen); j >= 0 {
			t.Fatalf("go bf16 %+v: dst[%d] = %g, want %g", sh, j, gen[j], want[j])
		}
		for _, im := range asmImpls(t) {
			checkTile(t, fmt.Sprintf("%s bf16 %+v", im.name, sh), product(im), want, x, sh.m, sh.n, wb)
		}
	}
}

func TestMatMulBF16Threads(t *testing.T) {
	r := rand.New(rand.NewPCG(73, 74))
	for _, sh := range [][3]int{{100, 64, 704}, {53, 96, 64 * 3}, {3, 200, 1000}, {16, 40, 130}, {1, 384, 1152}} {
		m, k, n := sh[0], sh[1], sh[2]
		x := fill(r, m*k, false)
		w := NewMatrix(fillBF16(r, n*k, false), n, k)
		wb := w.BF16()
		want := make([]float32, m*n)
		product(&genericImpl)(want, x, m, w, 0, (n+panelWidth-1)/panelWidth)
		for _, name := range Implementations() {
			restore, _ := UseImplementation(name)
			for _, th := range []int{1, 2, 3} {
				old := SetThreads(th)
				got := make([]float32, m*n)
				MatMul(got, x, m, wb)
				SetThreads(old)
				if j := firstDiff(want, got); j >= 0 {
					restore()
					t.Fatalf("%s threads=%d %v: dst[%d] = %g, want %g", name, th, sh, j, got[j], want[j])
				}
			}
			restore()
		}
	}
}

func TestMatrixBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(75, 76))
	for _, sh := range [][2]int{{1, 1}, {70, 3}, {64, 5}, {129, 7}, {33, 2}} {
		out, in := sh[0], sh[1]
		w := fillBF16(r, out*in, true)
		m := NewMatrix(w, out, in)
		b := m.BF16()
		if b == nil || b.BF16() != b {
			t.Fatalf("%v: BF16() of bfloat16 values = %v", sh, b)
		}
		for o := 0; o < out; o++ {
			for i := 0; i < in; i++ {
				if math.Float32bits(b.At(i, o)) != math.Float32bits(w[o*in+i]) {
					t.Fatalf("%v: At(%d,%d) = %g, want %g", sh, i, o, b.At(i, o), w[o*in+i])
				}
			}
		}
		if b.Bytes()*2 != m.Bytes() {
			t.Fatalf("%v: Bytes %d, float32 %d", sh, b.Bytes(), m.Bytes())
		}
		// One value that is not a bfloat16.
		w[len(w)/2] = math.Float32frombits(math.Float32bits(w[len(w)/2]) | 1)
		if NewMatrix(w, out, in).BF16() != nil {
			t.Fatalf("%v: BF16() of a matrix with a non-bfloat16 value", sh)
		}
	}
	// NewMatrixBF16 (float32 panels) and NewMatrixBF16Packed agree.
	bits := make([]uint16, 50*70)
	for i := range bits {
		bits[i] = uint16(r.Uint32())
	}
	a, b := NewMatrixBF16(bits, 50, 70), NewMatrixBF16Packed(bits, 50, 70)
	for o := 0; o < 50; o++ {
		for i := 0; i < 70; i++ {
			if math.Float32bits(a.At(i, o)) != math.Float32bits(b.At(i, o)) {
				t.Fatalf("NewMatrixBF16Packed: At(%d,%d)", i, o)
			}
		}
	}
	if c := a.BF16(); c == nil || !slices.Equal(c.u16, b.u16) {
		t.Fatal("NewMatrixBF16(...).BF16() differs from NewMatrixBF16Packed")
	}
}

// FuzzF16Kernels compares every implementation's float16 and bfloat16
// kernels with the Go ones on data made from the fuzzer's bytes.
func FuzzF16Kernels(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0xc0, 0x7f, 0xff, 0x7b, 0, 0}, uint16(17))
	seed := make([]byte, 4*70)
	for i := 0; i < len(seed); i += 4 {
		binary.LittleEndian.PutUint32(seed[i:], math.Float32bits(float32(i)*1000-65504))
	}
	f.Add(seed, uint16(3*64+5))
	f.Fuzz(func(t *testing.T, data []byte, shape uint16) {
		x := make([]float32, len(data)/4)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		h := make([]uint16, len(data)/2)
		for i := range h {
			h[i] = binary.LittleEndian.Uint16(data[2*i:])
		}
		checkRoundF16Impls(t, x)
		if len(x) == 0 {
			return
		}
		// Scores and Mix with D from shape, keys and values the halves.
		D := 1 + int(shape%80)
		n := len(h) / D
		q := make([]float32, D)
		for i := range q {
			q[i] = x[i%len(x)]
		}
		kb := make([]uint16, (n+KeyBlock-1)/KeyBlock*D*KeyBlock)
		for i := range kb {
			kb[i] = h[i%len(h)]
		}
		want := make([]float32, n)
		scoresF16Generic(want, q, kb, D, n)
		p := make([]float32, n)
		for i := range p {
			p[i] = x[(i*3+1)%len(x)]
		}
		wantMix := make([]float32, D)
		mixF16Generic(wantMix, p, h[:n*D], D, n)
		for _, im := range asmImpls(t) {
			got := make([]float32, n)
			im.scoresF16(got, q, kb, D, n)
			if j := firstDiff(want, got); j >= 0 {
				t.Fatalf("%s ScoresF16 D=%d n=%d: s[%d] = %g, want %g", im.name, D, n, j, got[j], want[j])
			}
			gotMix := make([]float32, D)
			im.mixF16(gotMix, p, h[:n*D], D, n)
			if j := firstDiff(wantMix, gotMix); j >= 0 {
				t.Fatalf("%s MixF16 D=%d n=%d: out[%d] = %g, want %g", im.name, D, n, j, gotMix[j], wantMix[j])
			}
		}
		// A bfloat16 matrix product: x as m×k times a k×N matrix of the halves.
		k := 1 + int(shape>>8)%7
		m := len(x) / k
		N := 1 + int(shape)%130
		if m == 0 {
			return
		}
		wv := make([]uint16, N*k)
		for i := range wv {
			wv[i] = h[(i*5+1)%len(h)]
		}
		w32, wb := NewMatrixBF16(wv, N, k), NewMatrixBF16Packed(wv, N, k)
		panels := (N + panelWidth - 1) / panelWidth
		wantM := make([]float32, m*N)
		product(&genericImpl)(wantM, x, m, w32, 0, panels)
		for _, im := range append(asmImpls(t), &genericImpl) {
			got := make([]float32, m*N)
			product(im)(got, x, m, wb, 0, panels)
			if j := firstDiff(wantM, got); j >= 0 {
				t.Fatalf("%s MatMul bf16 m=%d k=%d N=%d: [%d] = %g, want %g", im.name, m, k, N, j, got[j], wantM[j])
			}
		}
	})
}

// The shapes (K, N) of the engine's matrix products with few rows.
var benchShapesBF16 = [][2]int{{384, 1152}, {384, 2048}, {1024, 384}, {384, 16384}, {256, 768}, {256, 1408}, {704, 256}, {256, 16384}}

// BenchmarkMatMulBF16 compares float32 and bfloat16 weights (the default
// implementation, the package's thread count).
func BenchmarkMatMulBF16(b *testing.B) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, m := range []int{1, 16, 1024} {
		for _, sh := range benchShapesBF16 {
			k, n := sh[0], sh[1]
			w := NewMatrix(fillBF16(r, n*k, false), n, k)
			x := fill(r, m*k, false)
			dst := make([]float32, m*n)
			for _, kind := range []string{"f32", "bf16"} {
				b.Run(fmt.Sprintf("m=%d/K=%d,N=%d/%s", m, k, n, kind), func(b *testing.B) {
					ww := w
					if kind == "bf16" {
						ww = w.BF16()
					}
					for b.Loop() {
						MatMul(dst, x, m, ww)
					}
					b.ReportMetric(2*float64(m)*float64(k)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

func BenchmarkAttentionF16(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 7))
	const D, n = 64, 1024
	q, kt, v, s, out := fill(r, D, false), fill(r, D*n, false), fill(r, n*D, false), make([]float32, n), make([]float32, D)
	kh, vh := make([]uint16, len(kt)), make([]uint16, len(v))
	RoundF16(kh, kt)
	RoundF16(vh, v)
	for _, name := range Implementations() {
		run := func(op string, f func()) {
			b.Run(name+"/"+op, func(b *testing.B) {
				restore, _ := UseImplementation(name)
				defer restore()
				for b.Loop() {
					f()
				}
				b.ReportMetric(2*D*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		run("Scores", func() { Scores(s, q, kt, D, n) })
		run("ScoresF16", func() { ScoresF16(s, q, kh, D, n) })
		run("Mix", func() { Mix(out, s, v, D, n) })
		run("MixF16", func() { MixF16(out, s, vh, D, n) })
		b.Run(name+"/RoundF16", func(b *testing.B) {
			restore, _ := UseImplementation(name)
			defer restore()
			for b.Loop() {
				RoundF16(kh, kt)
			}
			b.ReportMetric(float64(len(kt))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
}

// BenchmarkAttentionF16Cold is BenchmarkAttention over 128 caches of 1024
// keys and values (64 MiB as float32, 32 MiB as float16, more than the L3
// cache), taken in turn, so that the keys and values come from memory as
// they do in the engine.
func BenchmarkAttentionF16Cold(b *testing.B) {
	r := rand.New(rand.NewPCG(8, 8))
	const D, n, caches = 64, 1024, 128
	q, s, out := fill(r, D, false), make([]float32, n), make([]float32, D)
	one := fill(r, D*n, false)
	kt, v := make([][]float32, caches), make([][]float32, caches)
	kh, vh := make([][]uint16, caches), make([][]uint16, caches)
	for i := range kt {
		kt[i], v[i] = slices.Clone(one), slices.Clone(one)
		kh[i], vh[i] = make([]uint16, D*n), make([]uint16, D*n)
		RoundF16(kh[i], one)
		RoundF16(vh[i], one)
	}
	for _, name := range Implementations()[:len(Implementations())-1] {
		run := func(op string, f func(i int)) {
			b.Run(name+"/"+op, func(b *testing.B) {
				restore, _ := UseImplementation(name)
				defer restore()
				i := 0
				for b.Loop() {
					f(i % caches)
					i++
				}
				b.ReportMetric(2*D*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		run("Scores", func(i int) { Scores(s, q, kt[i], D, n) })
		run("ScoresF16", func(i int) { ScoresF16(s, q, kh[i], D, n) })
		run("Mix", func(i int) { Mix(out, s, v[i], D, n) })
		run("MixF16", func(i int) { MixF16(out, s, vh[i], D, n) })
	}
}

// TestMixF16From checks that MixF16 over m terms continued by MixF16From
// to n computes the same bits as MixF16 over n terms, in every
// implementation of both, special values included, head sizes up to 605
// (every chunk width of the kernels), and that MixF16From writes nothing
// past the D outputs.
func TestMixF16From(t *testing.T) {
	r := rand.New(rand.NewPCG(101, 102))
	for i := 0; i < 300; i++ {
		D, n := 1+r.IntN(80), 1+r.IntN(60)
		if i%5 == 0 {
			D = 256 + r.IntN(350) // the kernels' widest chunks (256 columns)
		}
		m := r.IntN(n + 1)
		p, v := fill(r, n, i%3 == 1), randF16(r, n*D, i%4 == 2)
		want := make([]float32, D)
		mixF16Generic(want, p, v, D, n)
		for _, im := range impls {
			got := make([]float32, D+1)
			got[D] = 7
			im.mixF16(got[:D], p, v, D, m)
			if m < n {
				im.mixF16From(got[:D], p[m:n], v[m*D:n*D], D, n-m)
			}
			if j := firstDiff(want, got[:D]); j >= 0 {
				t.Fatalf("%s D=%d m=%d n=%d: out[%d] = %g, MixF16 over n %g", im.name, D, m, n, j, got[j], want[j])
			}
			if got[D] != 7 {
				t.Fatalf("%s D=%d: wrote past the outputs", im.name, D)
			}
		}
		got := make([]float32, D)
		MixF16(got, p, v, D, m)
		MixF16From(got, p, v, D, m, n)
		if j := firstDiff(want, got); j >= 0 {
			t.Fatalf("MixF16From D=%d m=%d n=%d: out[%d] = %g, MixF16 over n %g", D, m, n, j, got[j], want[j])
		}
	}
}
