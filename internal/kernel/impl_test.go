package kernel

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// The tests in this file check every implementation the machine can run
// against the plain Go one, bit for bit.

// asmImpls returns the implementations other than the plain Go one.
func asmImpls(t testing.TB) []*impl {
	var s []*impl
	for _, im := range impls {
		if im.name != "go" {
			s = append(s, im)
		}
	}
	if len(s) == 0 {
		t.Logf("only the Go implementation is available (%v)", Implementations())
	}
	return s
}

// product returns im's matrix product over panels [p0, p1) for w's kind,
// taking the rows as float32 (prepared for the kind as MatMul does).
func product(im *impl) func(dst, x []float32, m int, w *Matrix, p0, p1 int) {
	return func(dst, x []float32, m int, w *Matrix, p0, p1 int) {
		a := &lhs{x: x[:m*w.K]}
		if prep := kinds[w.kind].prepare; prep != nil {
			prep(a, m, w.K)
			defer a.release()
		}
		im.matmul[w.kind](dst, a, m, w, p0, p1)
	}
}

// specials are values the kernels must treat exactly as the Go code does.
var specials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1,
	float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.NaN()), math.Float32frombits(0x7fc12345), math.Float32frombits(0xffc00001),
	math.Float32frombits(1), math.Float32frombits(0x807fffff), math.Float32frombits(0x00012345), // subnormals
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1e-38, -1e-30,
	1e30, -1e30, 3e19, -3e19,
	-87, -87.00001, -86.99999, 88, 88.00001, 87.99999, -100, 100, 0.5, -0.5,
	126.9, -125.5, 1e-7, -1e-7, 0.34657359, // near rounding ties of k
}

// fill returns n values: mostly random of varied magnitude, with a share of
// specials when special is set.
func fill(r *rand.Rand, n int, special bool) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch {
		case special && r.IntN(5) == 0:
			s[i] = specials[r.IntN(len(specials))]
		case r.IntN(8) == 0:
			s[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10)))
		default:
			s[i] = float32(r.NormFloat64() * 4)
		}
	}
	return s
}

// same reports whether a and b have identical bits, or are both NaN: which
// NaN an operation on two NaNs returns depends on the order in which the
// compiler happens to place the operands, and the NaN an invalid operation
// makes differs between architectures, so NaN bits are not part of the
// recipe. Everything else, including the sign of zero, is.
func same(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b
}

func firstDiff(a, b []float32) int {
	for i := range a {
		if !same(a[i], b[i]) {
			return i
		}
	}
	return -1
}

func TestImplementations(t *testing.T) {
	names := Implementations()
	want := names[0]
	if env := os.Getenv("LMZIP_KERNELS"); slices.Contains(names, env) {
		want = env
	}
	if names[len(names)-1] != "go" || want != Implementation() {
		t.Fatalf("Implementations() = %v, in use %q (LMZIP_KERNELS=%q)", names, Implementation(), os.Getenv("LMZIP_KERNELS"))
	}
	t.Logf("implementations: %v", names)
	for _, n := range names {
		restore, err := UseImplementation(n)
		if err != nil {
			t.Fatal(err)
		}
		if Implementation() != n {
			t.Fatalf("UseImplementation(%q): in use %q", n, Implementation())
		}
		restore()
	}
	if _, err := UseImplementation("nonesuch"); err == nil {
		t.Fatal("UseImplementation(nonesuch) succeeded")
	}
	restore := UseGeneric()
	if Implementation() != "go" {
		t.Fatal("UseGeneric")
	}
	restore()
	if Implementation() != want {
		t.Fatal("UseGeneric restore")
	}
}

func TestMatMulImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	type shape struct{ m, k, n int }
	var shapes []shape
	for _, n := range []int{1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 128, 129, 191, 200, 257} {
		shapes = append(shapes, shape{1 + r.IntN(14), 1 + r.IntN(90), n})
	}
	for m := 1; m <= 13; m++ {
		shapes = append(shapes, shape{m, 1 + r.IntN(70), 1 + r.IntN(200)})
	}
	for _, k := range []int{0, 1, 2, 3, 5, 8, 16, 17, 64, 129, 300} {
		shapes = append(shapes, shape{1 + r.IntN(20), k, 1 + r.IntN(150)})
	}
	shapes = append(shapes, shape{37, 384, 130}, shape{70, 33, 64}, shape{6, 257, 320}, shape{61, 41, 203})
	for i, sh := range shapes {
		special := i%3 == 0
		x := fill(r, sh.m*sh.k, special)
		wv := fill(r, sh.n*sh.k, special)
		w := NewMatrix(wv, sh.n, sh.k)
		panels := (sh.n + panelWidth - 1) / panelWidth
		want := make([]float32, sh.m*sh.n)
		product(&genericImpl)(want, x, sh.m, w, 0, panels)
		for _, im := range asmImpls(t) {
			checkTile(t, fmt.Sprintf("%s %+v", im.name, sh), product(im), want, x, sh.m, sh.n, w)
		}
	}
}

// checkTile checks one implementation of a matrix product over panels
// against want (m×n): over all panels it gives want bit for bit and writes
// nothing past dst; over panels [1, all) it leaves panel 0 zero and gives
// want elsewhere.
func checkTile(t *testing.T, label string, matmul func(dst, x []float32, m int, w *Matrix, p0, p1 int), want, x []float32, m, n int, w *Matrix) {
	t.Helper()
	panels := (n + panelWidth - 1) / panelWidth
	got := make([]float32, m*n+3)
	for j := range got {
		got[j] = 12345
	}
	matmul(got[:m*n], x, m, w, 0, panels)
	if j := firstDiff(want, got); j >= 0 {
		t.Fatalf("%s: dst[%d] = %g (%#x), want %g (%#x)", label, j, got[j], math.Float32bits(got[j]), want[j], math.Float32bits(want[j]))
	}
	if got[m*n] != 12345 {
		t.Fatalf("%s: wrote past dst", label)
	}
	if panels > 1 {
		part := make([]float32, m*n)
		matmul(part, x, m, w, 1, panels)
		for rr := 0; rr < m; rr++ {
			for c := 0; c < n; c++ {
				v := part[rr*n+c]
				if c < panelWidth && v != 0 || c >= panelWidth && !same(v, want[rr*n+c]) {
					t.Fatalf("%s panels [1,%d): [%d][%d] = %g", label, panels, rr, c, v)
				}
			}
		}
	}
}

// TestMatMulThreads runs the public MatMul (which splits the work among
// goroutines by panels or by rows) with every implementation and thread count.
func TestMatMulThreads(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, sh := range [][3]int{{100, 64, 704}, {53, 96, 64 * 3}, {3, 200, 1000}, {64, 40, 130}} {
		m, k, n := sh[0], sh[1], sh[2]
		x := fill(r, m*k, false)
		w := NewMatrix(fill(r, n*k, false), n, k)
		want := make([]float32, m*n)
		product(&genericImpl)(want, x, m, w, 0, (n+panelWidth-1)/panelWidth)
		for _, name := range Implementations() {
			restore, _ := UseImplementation(name)
			for _, th := range []int{1, 2, 3} {
				old := SetThreads(th)
				got := make([]float32, m*n)
				MatMul(got, x, m, w)
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

func TestMatrixLayout(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, sh := range [][2]int{{1, 1}, {70, 3}, {64, 5}, {129, 7}} {
		out, in := sh[0], sh[1]
		w := fill(r, out*in, false)
		m := NewMatrix(w, out, in)
		for o := 0; o < out; o++ {
			for i := 0; i < in; i++ {
				if !same(m.At(i, o), w[o*in+i]) {
					t.Fatalf("At(%d,%d)", i, o)
				}
			}
		}
		if want := 4 * in * panelWidth * ((out + panelWidth - 1) / panelWidth); m.Bytes() != want {
			t.Fatalf("Bytes %d, want %d", m.Bytes(), want)
		}
	}
}

// lengths covers every tail length up to 40 and a few longer vectors.
var lengths = func() []int {
	var l []int
	for n := 0; n <= 40; n++ {
		l = append(l, n)
	}
	return append(l, 47, 48, 63, 64, 65, 95, 96, 100, 127, 128, 129, 255, 1000, 4099, 16384)
}()

func TestReductionImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, n := range lengths {
		for _, special := range []bool{false, true} {
			x := fill(r, n, special)
			for _, im := range asmImpls(t) {
				if got, want := im.sum(x), sumGeneric(x); !same(got, want) {
					t.Fatalf("%s Sum n=%d special=%v: %g, want %g", im.name, n, special, got, want)
				}
				if got, want := im.sumSquares(x), sumSquaresGeneric(x); !same(got, want) {
					t.Fatalf("%s SumSquares n=%d special=%v: %g, want %g", im.name, n, special, got, want)
				}
			}
		}
	}
	// Cancellation: every partial sum passes through zero.
	x := []float32{1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8, -8, float32(math.Copysign(0, -1))}
	for _, im := range asmImpls(t) {
		if got, want := im.sum(x), sumGeneric(x); !same(got, want) {
			t.Fatalf("%s Sum cancellation: %g, want %g", im.name, got, want)
		}
	}
}

var shifts = []float32{0, 1, -1, 3.5, 80, -80, 1e30, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), float32(math.Copysign(0, -1))}

func checkExpImpls(t testing.TB, x []float32, shift float32) {
	n := len(x)
	wantE := make([]float32, n)
	wantSum := expShiftGeneric(wantE, x, shift)
	wantU := make([]uint32, n)
	wantTotal := expFixedGeneric(wantU, x, shift)
	wantS := append([]float32(nil), x...)
	up := make([]float32, n)
	for i := range up {
		up[i] = x[(i*7+3)%n]
	}
	swigluGeneric(wantS, up)
	for _, im := range asmImpls(t) {
		gotE := make([]float32, n+1)
		gotE[n] = 42
		gotSum := im.expShift(gotE[:n], x, shift)
		if j := firstDiff(wantE, gotE[:n]); j >= 0 {
			t.Fatalf("%s ExpShift(x[%d]=%g (%#x), shift %g) = %g (%#x), want %g (%#x)", im.name, j, x[j], math.Float32bits(x[j]), shift,
				gotE[j], math.Float32bits(gotE[j]), wantE[j], math.Float32bits(wantE[j]))
		}
		if !same(gotSum, wantSum) || gotE[n] != 42 {
			t.Fatalf("%s ExpShift n=%d shift %g: sum %g, want %g", im.name, n, shift, gotSum, wantSum)
		}
		// In place.
		inPlace := append([]float32(nil), x...)
		if s := im.expShift(inPlace, inPlace, shift); !same(s, wantSum) || firstDiff(wantE, inPlace) >= 0 {
			t.Fatalf("%s ExpShift in place n=%d", im.name, n)
		}
		gotU := make([]uint32, n+1)
		gotU[n] = 42
		gotTotal := im.expFixed(gotU[:n], x, shift)
		for j := range wantU {
			if gotU[j] != wantU[j] {
				t.Fatalf("%s ExpFixed(x[%d]=%g, shift %g) = %d, want %d", im.name, j, x[j], shift, gotU[j], wantU[j])
			}
		}
		if gotTotal != wantTotal || gotU[n] != 42 {
			t.Fatalf("%s ExpFixed n=%d: total %d, want %d", im.name, n, gotTotal, wantTotal)
		}
		gotS := append([]float32(nil), x...)
		gotS = append(gotS, 42)
		im.swiglu(gotS[:n], up)
		if j := firstDiff(wantS, gotS[:n]); j >= 0 {
			t.Fatalf("%s SwiGLU(%g (%#x), %g) = %g (%#x), want %g (%#x)", im.name, x[j], math.Float32bits(x[j]), up[j],
				gotS[j], math.Float32bits(gotS[j]), wantS[j], math.Float32bits(wantS[j]))
		}
		if gotS[n] != 42 {
			t.Fatalf("%s SwiGLU n=%d wrote past the end", im.name, n)
		}
	}
}

func TestExpImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, n := range lengths {
		for _, shift := range shifts {
			x := fill(r, n, true)
			for i := range x {
				if r.IntN(2) == 0 {
					x[i] = r.Float32()*200 - 100 // the whole domain of Exp and beyond
				}
			}
			checkExpImpls(t, x, shift)
		}
	}
}

// TestExpBitPatterns runs the Exp kernels over a sweep of float32 bit
// patterns of both signs, and densely over the interesting range.
func TestExpBitPatterns(t *testing.T) {
	var x []float32
	for b := uint64(0); b < 1<<32; b += 4093 {
		x = append(x, math.Float32frombits(uint32(b)))
	}
	for v := float32(-90); v <= 90; v += 0.0037 {
		x = append(x, v)
	}
	checkExpImpls(t, x, 0)
	checkExpImpls(t, x[:len(x)-5], 0.25)
}

func TestScoresMixImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	type shape struct{ D, n, extra int }
	var shapes []shape
	for n := 0; n <= 40; n++ {
		shapes = append(shapes, shape{1 + r.IntN(70), n, r.IntN(3)})
	}
	for D := 0; D <= 40; D++ {
		shapes = append(shapes, shape{D, 1 + r.IntN(100), r.IntN(9)})
	}
	shapes = append(shapes, shape{64, 1024, 0}, shape{64, 1000, 24}, shape{64, 130, 0}, shape{128, 65, 3}, shape{70, 200, 1}, shape{64, 129, 0})
	for i, sh := range shapes {
		special := i%4 == 1
		q := fill(r, sh.D, special)
		kt := fill(r, (sh.n+KeyBlock-1)/KeyBlock*sh.D*KeyBlock, special) // whole blocks
		want := make([]float32, sh.n)
		scoresGeneric(want, q, kt, sh.D, sh.n)
		p := fill(r, sh.n, special)
		v := fill(r, sh.n*sh.D, special)
		wantMix := make([]float32, sh.D)
		mixGeneric(wantMix, p, v, sh.D, sh.n)
		for _, im := range asmImpls(t) {
			got := make([]float32, sh.n+1)
			for j := range got {
				got[j] = 7
			}
			im.scores(got[:sh.n], q, kt, sh.D, sh.n)
			if j := firstDiff(want, got[:sh.n]); j >= 0 || got[sh.n] != 7 {
				t.Fatalf("%s Scores %+v: s[%d] wrong", im.name, sh, j)
			}
			gotMix := make([]float32, sh.D+1)
			for j := range gotMix {
				gotMix[j] = 7
			}
			im.mix(gotMix[:sh.D], p, v, sh.D, sh.n)
			if j := firstDiff(wantMix, gotMix[:sh.D]); j >= 0 || gotMix[sh.D] != 7 {
				t.Fatalf("%s Mix %+v: out[%d] wrong", im.name, sh, j)
			}
		}
	}
}

// FuzzKernels compares every implementation with the Go one on vectors
// made from the fuzzer's bytes (4 bytes a value, any bit pattern).
func FuzzKernels(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0xc0, 0x7f}, uint32(0))
	f.Add(make([]byte, 4*37), math.Float32bits(-87))
	seed := make([]byte, 4*70)
	for i := 0; i < len(seed); i += 4 {
		binary.LittleEndian.PutUint32(seed[i:], math.Float32bits(float32(i)-140))
	}
	f.Add(seed, math.Float32bits(3))
	f.Fuzz(func(t *testing.T, data []byte, shiftBits uint32) {
		x := make([]float32, len(data)/4)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		shift := math.Float32frombits(shiftBits)
		checkExpImpls(t, x, shift)
		for _, im := range asmImpls(t) {
			if got, want := im.sum(x), sumGeneric(x); !same(got, want) {
				t.Fatalf("%s Sum: %g, want %g", im.name, got, want)
			}
			if got, want := im.sumSquares(x), sumSquaresGeneric(x); !same(got, want) {
				t.Fatalf("%s SumSquares: %g, want %g", im.name, got, want)
			}
		}
		// A matrix product: x as m×k times a k×n matrix made from x.
		if len(x) >= 2 {
			k := 1 + int(shiftBits%7)
			m := len(x) / k
			n := 1 + int(shiftBits/7%70)
			wv := make([]float32, n*k)
			for i := range wv {
				wv[i] = x[(i*5+1)%len(x)]
			}
			w := NewMatrix(wv, n, k)
			want := make([]float32, m*n)
			product(&genericImpl)(want, x, m, w, 0, (n+panelWidth-1)/panelWidth)
			for _, im := range asmImpls(t) {
				got := make([]float32, m*n)
				product(im)(got, x, m, w, 0, (n+panelWidth-1)/panelWidth)
				if j := firstDiff(want, got); j >= 0 {
					t.Fatalf("%s MatMul m=%d k=%d n=%d: [%d] = %g, want %g", im.name, m, k, n, j, got[j], want[j])
				}
			}
		}
	})
}

// The shapes (K, N) of the engine's matrix products.
var benchShapes = [][2]int{{384, 384}, {384, 1024}, {1024, 384}, {384, 16384}, {256, 256}, {256, 704}, {704, 256}, {256, 16384}}

func BenchmarkMatMul(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, name := range Implementations() {
		for _, m := range []int{1024, 16} {
			for _, sh := range benchShapes {
				k, n := sh[0], sh[1]
				b.Run(fmt.Sprintf("%s/m=%d/K=%d,N=%d", name, m, k, n), func(b *testing.B) {
					w := NewMatrix(fill(r, n*k, false), n, k)
					x := fill(r, m*k, false)
					dst := make([]float32, m*n)
					restore, _ := UseImplementation(name)
					defer restore()
					b.ResetTimer()
					for b.Loop() {
						MatMul(dst, x, m, w)
					}
					b.ReportMetric(2*float64(m)*float64(k)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

func BenchmarkExpFixed(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	x := fill(r, 16384, false)
	u := make([]uint32, len(x))
	shift := Max(x)
	for _, name := range Implementations() {
		b.Run(name, func(b *testing.B) {
			restore, _ := UseImplementation(name)
			defer restore()
			for b.Loop() {
				ExpFixed(u, x, shift)
			}
			b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
}

func BenchmarkExpShift(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	x := fill(r, 16384, false)
	dst := make([]float32, len(x))
	shift := Max(x)
	for _, name := range Implementations() {
		b.Run(name, func(b *testing.B) {
			restore, _ := UseImplementation(name)
			defer restore()
			for b.Loop() {
				ExpShift(dst, x, shift)
			}
			b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
}

func BenchmarkAttention(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	const D, n = 64, 1024
	q, kt, v, s, out := fill(r, D, false), fill(r, D*n, false), fill(r, n*D, false), make([]float32, n), make([]float32, D)
	for _, name := range Implementations() {
		b.Run(name+"/Scores", func(b *testing.B) {
			restore, _ := UseImplementation(name)
			defer restore()
			for b.Loop() {
				Scores(s, q, kt, D, n)
			}
			b.ReportMetric(2*D*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(name+"/Mix", func(b *testing.B) {
			restore, _ := UseImplementation(name)
			defer restore()
			for b.Loop() {
				Mix(out, s, v, D, n)
			}
			b.ReportMetric(2*D*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func BenchmarkSwiGLU(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	g, up := fill(r, 1408, false), fill(r, 1408, false)
	tmp := make([]float32, len(g))
	for _, name := range Implementations() {
		b.Run(name, func(b *testing.B) {
			restore, _ := UseImplementation(name)
			defer restore()
			for b.Loop() {
				copy(tmp, g)
				SwiGLU(tmp, up)
			}
			b.ReportMetric(float64(len(g))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
}

// TestScaleKernels checks MulScaleMax and ScaleMul of every implementation
// against the Go code bit for bit, the maximum included: lengths around the
// vector widths, special values, and maxima that are +0 or -0 (where the
// lanes' order could pick the wrong sign).
func TestScaleKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	zero, negZero := float32(0), float32(math.Copysign(0, -1))
	for trial := 0; trial < 400; trial++ {
		n := r.IntN(70)
		if trial%5 == 0 {
			n = 16*r.IntN(8) + r.IntN(2)
		}
		s, k, v := fill(r, n, trial%2 == 0), fill(r, n, trial%3 == 0), fill(r, n, trial%3 == 1)
		c := []float32{0.125, 1, -0.5, 3.7e-3, float32(math.Inf(1))}[r.IntN(5)]
		if trial%4 == 3 {
			// Scores at most zero, with zeros of both signs at random places.
			for j := range s {
				s[j], k[j] = -float32(math.Abs(float64(s[j]))), 1
				if r.IntN(6) == 0 {
					s[j] = []float32{zero, negZero}[r.IntN(2)]
				}
			}
			c = 1
		}
		want := append([]float32(nil), s...)
		wantMax := mulScaleMaxGeneric(want, k, c)
		wantMul := append([]float32(nil), s...)
		scaleMulGeneric(wantMul, c, v)
		for _, im := range asmImpls(t) {
			got := append(append([]float32(nil), s...), 42)
			gotMax := im.mulScaleMax(got[:n], k, c)
			if j := firstDiff(want, got[:n]); j >= 0 || got[n] != 42 {
				t.Fatalf("%s MulScaleMax n=%d: s[%d] = %g, want %g", im.name, n, j, got[max(j, 0)], want[max(j, 0)])
			}
			if !same(gotMax, wantMax) {
				t.Fatalf("%s MulScaleMax n=%d: maximum %g (%#x), want %g (%#x)", im.name, n, gotMax, math.Float32bits(gotMax), wantMax, math.Float32bits(wantMax))
			}
			got = append(append([]float32(nil), s...), 42)
			im.scaleMul(got[:n], c, v)
			if j := firstDiff(wantMul, got[:n]); j >= 0 || got[n] != 42 {
				t.Fatalf("%s ScaleMul n=%d: s[%d] = %g, want %g", im.name, n, j, got[max(j, 0)], wantMul[max(j, 0)])
			}
		}
	}
}

// TestMixerKernels checks Max, ScaleAddMax and BiasStep of every
// implementation against the Go code bit for bit, maxima of +0 and -0
// included.
func TestMixerKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for trial := 0; trial < 400; trial++ {
		n := r.IntN(90)
		if trial%5 == 0 {
			n = 16*r.IntN(8) + r.IntN(2)
		}
		x, b := fill(r, n, trial%2 == 0), fill(r, n, trial%3 == 0)
		if trial%4 == 3 {
			for j := range x {
				x[j] = -float32(math.Abs(float64(x[j])))
				if r.IntN(6) == 0 {
					x[j] = float32(math.Copysign(0, float64(r.IntN(2)*2-1)))
				}
			}
		}
		s := []float32{0.75, 1, -2.5, 1.3e-2, float32(math.Inf(-1))}[r.IntN(5)]
		cum := make([]uint32, n+1)
		for j := 1; j <= n; j++ {
			step := uint32(1 + r.IntN(4))
			if r.IntN(8) == 0 {
				step = uint32(r.IntN(1 << 28))
			}
			cum[j] = cum[j-1] + step
		}
		wantMax := maxGeneric(x)
		wantZ := make([]float32, n)
		wantTop := scaleAddMaxGeneric(wantZ, x, b, s)
		wantB := append([]float32(nil), b...)
		biasStepGeneric(wantB, cum, 1.0/(1<<28), 0.16)
		for _, im := range asmImpls(t) {
			if got := im.max(x); !same(got, wantMax) {
				t.Fatalf("%s Max n=%d: %g (%#x), want %g (%#x)", im.name, n, got, math.Float32bits(got), wantMax, math.Float32bits(wantMax))
			}
			z := append(make([]float32, n), 42)
			if top := im.scaleAddMax(z[:n], x, b, s); !same(top, wantTop) || z[n] != 42 {
				t.Fatalf("%s ScaleAddMax n=%d: maximum %g, want %g", im.name, n, top, wantTop)
			}
			if j := firstDiff(wantZ, z[:n]); j >= 0 {
				t.Fatalf("%s ScaleAddMax n=%d: z[%d] = %g, want %g", im.name, n, j, z[j], wantZ[j])
			}
			gb := append(append([]float32(nil), b...), 42)
			im.biasStep(gb[:n], cum, 1.0/(1<<28), 0.16)
			if j := firstDiff(wantB, gb[:n]); j >= 0 || gb[n] != 42 {
				t.Fatalf("%s BiasStep n=%d: b[%d] differs", im.name, n, j)
			}
		}
	}
}
