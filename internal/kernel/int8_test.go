package kernel

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// quantizeRef is QuantizeRow computed independently: float64 bookkeeping,
// math.RoundToEven, and only the two float32 operations the definition
// fixes (inv = 127/a and t = x·inv) done in float32.
func quantizeRef(x []float32) ([]int8, float32) {
	q := make([]int8, len(x))
	a := 0.0
	nonFinite := false
	for _, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			nonFinite = true
		}
		a = math.Max(a, math.Abs(float64(v)))
	}
	if nonFinite {
		return q, float32(math.NaN())
	}
	if a < 0x1p-120 {
		return q, 0
	}
	inv := 127 / float32(a)
	for i, v := range x {
		t := float64(float32(v * inv))
		r := math.RoundToEven(t)
		if r < -127 || r > 127 {
			panic(fmt.Sprintf("quantizeRef: %g out of range", r))
		}
		q[i] = int8(r)
	}
	return q, float32(a) / 127
}

func TestQuantizeRow(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	check := func(x []float32) {
		t.Helper()
		q := make([]int8, len(x)+1)
		q[len(x)] = 99
		for i := range x {
			q[i] = 42 // must be overwritten
		}
		s := QuantizeRow(q, x)
		wq, ws := quantizeRef(x)
		if !same(s, ws) {
			t.Fatalf("QuantizeRow(%v): scale %g, want %g", x, s, ws)
		}
		for i := range x {
			if q[i] != wq[i] || q[i] == -128 {
				t.Fatalf("QuantizeRow: q[%d] = %d, want %d (x %g, scale %g)", i, q[i], wq[i], x[i], s)
			}
		}
		if q[len(x)] != 99 {
			t.Fatal("QuantizeRow wrote past x's length")
		}
	}
	// Ties: with max 127, inv = 1 and q = round-to-even(x).
	x := []float32{127, 0.5, 1.5, 2.5, -0.5, -2.5, -126.5, 3.4999998, float32(math.Copysign(0, -1))}
	q := make([]int8, len(x))
	if s := QuantizeRow(q, x); s != 1 {
		t.Fatalf("scale %g, want 1", s)
	}
	if want := []int8{127, 0, 2, 2, 0, -2, -126, 3, 0}; fmt.Sprint(q) != fmt.Sprint(want) {
		t.Fatalf("ties: %v, want %v", q, want)
	}
	check(x)
	for n := 0; n < 70; n++ {
		check(fill(r, n, n%3 == 0))
	}
	for _, special := range [][]float32{
		{0, 0, 0}, {1e-37, -1e-38}, {0x1p-120, 0}, {0x1.fffffep-121, 1e-40}, {math.SmallestNonzeroFloat32},
		{float32(math.Inf(1)), 1}, {1, float32(math.NaN())}, {math.MaxFloat32, -math.MaxFloat32, 1},
		{-3, 3}, {1, -1, 0.003937008}, // 0.5/127: a tie after the multiplication?
	} {
		check(special)
	}
	// The special values in rows of 16 to 256, where the short-row kernel
	// takes whole vectors (quantizeRowArch) and the Go tail the rest.
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(-1)), 1e-37, 0, math.MaxFloat32} {
		for _, n := range []int{16, 17, 31, 64, 100, 256} {
			x := fill(r, n, false)
			if v == 1e-37 || v == 0 {
				clear(x)
			}
			x[r.IntN(n)] = v
			check(x)
		}
	}
	// Many magnitudes and near-ties.
	for i := 0; i < 2000; i++ {
		n := 1 + r.IntN(40)
		x := make([]float32, n)
		e := r.IntN(200) - 100
		for j := range x {
			x[j] = float32(math.Ldexp(r.Float64()*2-1, e))
			if r.IntN(4) == 0 {
				x[j] = float32(math.Ldexp(float64(r.IntN(255)-127)+0.5, e-7))
			}
		}
		check(x)
	}
}

// TestQuantizeImplementations compares every implementation's quantizer
// (the rows of Int8 products) with QuantizeRow, on rows of every length up
// to 70 and longer ones, random, near ties, and special.
func TestQuantizeImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	var rows [][]float32
	for _, n := range append(lengths, 1031) {
		rows = append(rows, fill(r, n, false), fillInt8(r, n, n%2 == 0))
		x := fillInt8(r, n, false)
		for i := range x {
			x[i] = float32(r.IntN(255)-127) + 0.5 // ties when the max is 127
		}
		if n > 0 {
			x[r.IntN(n)] = 127
		}
		rows = append(rows, x)
		if n > 2 {
			y := fillInt8(r, n, false)
			y[r.IntN(n)] = []float32{float32(math.NaN()), float32(math.Inf(-1)), 1e-37, 0}[n%4]
			rows = append(rows, y)
			z := make([]float32, n)
			z[n-1] = 1e-37 // tiny: zeros
			rows = append(rows, z)
		}
	}
	for _, x := range rows {
		n := len(x)
		wq, wu := make([]int8, n), make([]uint8, n)
		ws := quantizeGeneric(wq, wu, x)
		for _, im := range asmImpls(t) {
			q, u := make([]int8, n+1), make([]uint8, n+1)
			q[n], u[n] = 7, 7
			s := im.quantize(q[:n], u[:n], x)
			if !same(s, ws) || q[n] != 7 || u[n] != 7 {
				t.Fatalf("%s quantize n=%d: scale %g, want %g", im.name, n, s, ws)
			}
			for i := range wq {
				if q[i] != wq[i] || u[i] != wu[i] {
					t.Fatalf("%s quantize n=%d: [%d] = %d, %d, want %d, %d (x %g)", im.name, n, i, q[i], u[i], wq[i], wu[i], x[i])
				}
			}
		}
	}
}

// fillInt8 returns n weights for int8 tests: random of varied magnitude,
// with rows that quantize to the extremes (every value ±max) when
// extreme is set.
func fillInt8(r *rand.Rand, n int, extreme bool) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch {
		case extreme && r.IntN(2) == 0:
			s[i] = 3
			if r.IntN(2) == 0 {
				s[i] = -3
			}
		case r.IntN(10) == 0:
			s[i] = 0
		default:
			s[i] = float32(r.NormFloat64())
		}
	}
	return s
}

// int8Ref computes the Int8 product from its definition: QuantizeRow on
// each row of x and of W (out×in as given), exact int64 sums, then the
// two scale multiplications in float32.
func int8Ref(x, w []float32, m, n, k int) []float32 {
	dst := make([]float32, m*n)
	qw := make([][]int8, n)
	sw := make([]float32, n)
	for o := 0; o < n; o++ {
		qw[o], sw[o] = quantizeRef(w[o*k : o*k+k])
	}
	for r := 0; r < m; r++ {
		qx, sx := quantizeRef(x[r*k : r*k+k])
		for o := 0; o < n; o++ {
			var acc int64
			for i := 0; i < k; i++ {
				acc += int64(qx[i]) * int64(qw[o][i])
			}
			dst[r*n+o] = float32(float32(acc)*sx) * sw[o]
		}
	}
	return dst
}

func TestMatMulInt8Implementations(t *testing.T) {
	r := rand.New(rand.NewPCG(83, 84))
	type shape struct{ m, k, n int }
	var shapes []shape
	for _, n := range []int{1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 100, 127, 128, 129, 191, 200, 257} {
		shapes = append(shapes, shape{1 + r.IntN(14), 1 + r.IntN(90), n})
	}
	for m := 1; m <= 15; m++ {
		shapes = append(shapes, shape{m, 1 + r.IntN(70), 1 + r.IntN(200)})
	}
	for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 64, 129, 300, 1031} {
		shapes = append(shapes, shape{1 + r.IntN(20), k, 1 + r.IntN(150)})
	}
	shapes = append(shapes, shape{37, 384, 130}, shape{70, 33, 64}, shape{6, 257, 320}, shape{61, 41, 203}, shape{1, 1536, 576}, shape{2, 4096, 70})
	for i, sh := range shapes {
		extreme := i%3 == 1
		x := fillInt8(r, sh.m*sh.k, extreme)
		if i%5 == 2 && len(x) > 0 {
			x[r.IntN(len(x))] = float32(math.Inf(1)) // one row of NaN
		}
		wv := fillInt8(r, sh.n*sh.k, extreme)
		w := NewMatrixOf(Int8, wv, sh.n, sh.k)
		want := int8Ref(x, wv, sh.m, sh.n, sh.k)
		gen := make([]float32, sh.m*sh.n)
		product(&genericImpl)(gen, x, sh.m, w, 0, panels(sh.n))
		if j := firstDiff(want, gen); j >= 0 {
			t.Fatalf("go int8 %+v: dst[%d] = %g, want %g", sh, j, gen[j], want[j])
		}
		for _, im := range asmImpls(t) {
			checkTile(t, fmt.Sprintf("%s int8 %+v", im.name, sh), product(im), want, x, sh.m, sh.n, w)
		}
	}
}

// TestMatMulInt8Extremes runs the largest products the kind allows: every
// input and weight ±127 after quantization, signs chosen so that the sums
// reach ±127·127·K, for the AVX2 kernel's int16 pairs and the VNNI
// kernel's offset sums.
func TestMatMulInt8Extremes(t *testing.T) {
	r := rand.New(rand.NewPCG(85, 86))
	for _, k := range []int{4, 7, 64, 1000, 4099, MaxInt8K} {
		m, n := 3, 70
		x := make([]float32, m*k)
		wv := make([]float32, n*k)
		for i := range x {
			x[i] = 1
			if (i%k)%3 == 1 && i/k == 1 {
				x[i] = -1
			}
			if i/k == 2 && r.IntN(2) == 0 {
				x[i] = -1
			}
		}
		for i := range wv {
			wv[i] = 2
			if o := i / k; o%2 == 1 || (o%5 == 0 && (i%k)%3 == 1) {
				wv[i] = -2
			}
		}
		w := NewMatrixOf(Int8, wv, n, k)
		want := int8Ref(x, wv, m, n, k)
		// Row 0 and column 2: every product 127·127, sum 127·127·k, 2k after scaling.
		if got := want[2]; math.Abs(float64(got)/float64(2*k)-1) > 1e-5 {
			t.Fatalf("k=%d: dst[2] = %g, want about %d", k, got, 2*k)
		}
		for _, im := range append(asmImpls(t), &genericImpl) {
			got := make([]float32, m*n)
			product(im)(got, x, m, w, 0, panels(n))
			if j := firstDiff(want, got); j >= 0 {
				t.Fatalf("%s k=%d: dst[%d] = %g, want %g", im.name, k, j, got[j], want[j])
			}
		}
	}
}

func TestMatMulInt8Threads(t *testing.T) {
	r := rand.New(rand.NewPCG(87, 88))
	for _, sh := range [][3]int{{100, 64, 704}, {53, 96, 64 * 3}, {3, 200, 1000}, {64, 40, 130}, {1, 576, 1536}} {
		m, k, n := sh[0], sh[1], sh[2]
		x := fillInt8(r, m*k, false)
		wv := fillInt8(r, n*k, false)
		w := NewMatrixOf(Int8, wv, n, k)
		want := int8Ref(x, wv, m, n, k)
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
			// Each row alone gives its row of the batch.
			one := make([]float32, n)
			for i := 0; i < m; i += 7 {
				MatMul(one, x[i*k:(i+1)*k], 1, w)
				if j := firstDiff(want[i*n:(i+1)*n], one); j >= 0 {
					restore()
					t.Fatalf("%s %v: row %d alone: [%d] = %g, want %g", name, sh, i, j, one[j], want[i*n+j])
				}
			}
			restore()
		}
	}
}

func TestMatrixKinds(t *testing.T) {
	r := rand.New(rand.NewPCG(89, 90))
	for k := range numKinds {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Fatalf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKind("int3"); err == nil {
		t.Fatal("ParseKind(int3) succeeded")
	}
	for _, sh := range [][2]int{{1, 1}, {70, 3}, {64, 5}, {129, 7}, {3, 130}} {
		out, in := sh[0], sh[1]
		w := fill(r, out*in, true)
		f := NewMatrixOf(Float32, w, out, in)
		b := NewMatrixOf(BFloat16, w, out, in)
		q := NewMatrixOf(Int8, w, out, in)
		if f.Kind() != Float32 || b.Kind() != BFloat16 || q.Kind() != Int8 || !b.IsBF16() || q.IsBF16() || q.BF16() != nil {
			t.Fatalf("%v: kinds %v %v %v", sh, f.Kind(), b.Kind(), q.Kind())
		}
		qr := make([]int8, in)
		for o := 0; o < out; o++ {
			s := QuantizeRow(qr, w[o*in:(o+1)*in])
			for i := 0; i < in; i++ {
				if !same(f.At(i, o), w[o*in+i]) {
					t.Fatalf("%v: float32 At(%d,%d)", sh, i, o)
				}
				if want := BF16ToFloat32(RoundBF16(w[o*in+i])); !same(b.At(i, o), want) {
					t.Fatalf("%v: bfloat16 At(%d,%d) = %g, want %g", sh, i, o, b.At(i, o), want)
				}
				if want := float32(qr[i]) * s; !same(q.At(i, o), want) {
					t.Fatalf("%v: int8 At(%d,%d) = %g, want %g", sh, i, o, q.At(i, o), want)
				}
			}
		}
		p := (out + panelWidth - 1) / panelWidth
		if f.Bytes() != 4*in*panelWidth*p || b.Bytes() != 2*in*panelWidth*p || q.Bytes() != (k4(in)+8)*panelWidth*p {
			t.Fatalf("%v: Bytes %d %d %d", sh, f.Bytes(), b.Bytes(), q.Bytes())
		}
	}
}

func TestRoundBF16(t *testing.T) {
	for _, c := range []struct {
		x    uint32
		want uint16
	}{
		{0x3f800000, 0x3f80}, {0x3f808000, 0x3f80}, {0x3f818000, 0x3f82}, {0x3f808001, 0x3f81},
		{0x3f80ffff, 0x3f81}, {0x7f7fffff, 0x7f80}, {0xff7f8000, 0xff80}, {0x00008000, 0x0000},
		{0x00018000, 0x0002}, {0x80000001, 0x8000}, {0x7f800000, 0x7f80}, {0x7f810000, 0x7f81},
		{0x7f800001, 0x7fc0}, {0xffc12345, 0xffc1},
	} {
		if got := RoundBF16(math.Float32frombits(c.x)); got != c.want {
			t.Errorf("RoundBF16(%#08x) = %#04x, want %#04x", c.x, got, c.want)
		}
	}
	// Against float64 rounding on a sweep of finite values.
	for b := uint64(0); b < 1<<32; b += 65521 {
		x := math.Float32frombits(uint32(b))
		if x != x || math.IsInf(float64(x), 0) {
			continue
		}
		got := float64(BF16ToFloat32(RoundBF16(x)))
		v := float64(x)
		_, e := math.Frexp(math.Abs(v))
		ulp := math.Ldexp(1, max(e-8, -133)) // bfloat16 has 8 significant bits
		want := math.RoundToEven(v/ulp) * ulp
		if want != got && !(math.Abs(want) > math.MaxFloat32 && math.IsInf(got, int(math.Copysign(1, v)))) {
			t.Fatalf("RoundBF16(%g = %#08x) = %g, want %g", x, uint32(b), got, want)
		}
	}
}

// FuzzInt8 compares every implementation's Int8 product with the
// definition on data made from the fuzzer's bytes: float32 rows and
// weights of any bit pattern, shape from shape.
func FuzzInt8(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0xc0, 0x7f, 0, 0, 0xfe, 0x42, 0, 0, 0xfe, 0xc2}, uint16(0x0102))
	seed := make([]byte, 4*97)
	for i := 0; i < len(seed); i += 4 {
		binary.LittleEndian.PutUint32(seed[i:], math.Float32bits(float32(i%13)-6))
	}
	f.Add(seed, uint16(7<<8|65))
	f.Fuzz(func(t *testing.T, data []byte, shape uint16) {
		v := make([]float32, len(data)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		k := 1 + int(shape>>8)%19
		n := 1 + int(shape&0xff)%130
		m := len(v) / k
		if m == 0 {
			return
		}
		x := v[:m*k]
		wv := make([]float32, n*k)
		for i := range wv {
			wv[i] = v[(i*7+3)%len(v)]
		}
		w := NewMatrixOf(Int8, wv, n, k)
		want := int8Ref(x, wv, m, n, k)
		for _, im := range append(asmImpls(t), &genericImpl) {
			got := make([]float32, m*n)
			product(im)(got, x, m, w, 0, panels(n))
			if j := firstDiff(want, got); j >= 0 {
				t.Fatalf("%s m=%d k=%d n=%d: [%d] = %g, want %g", im.name, m, k, n, j, got[j], want[j])
			}
		}
	})
}

// BenchmarkMatMulInt8 measures the Int8 product (quantizing the rows
// included) with every implementation and the package's thread count, in
// GOP/s (2·m·K·N operations per product); BenchmarkMatMulInt8/f32 is the
// float32 product of the same shape for comparison.
func BenchmarkMatMulInt8(b *testing.B) {
	shapes := [][2]int{{576, 1536}, {1536, 576}, {576, 49152}, {384, 1152}, {1024, 384}}
	for _, m := range []int{1, 16, 64, 256} {
		for _, sh := range shapes {
			k, n := sh[0], sh[1]
			if m >= 64 && n > 16384 {
				continue
			}
			for _, name := range append(Implementations(), "f32") {
				b.Run(fmt.Sprintf("m=%d/K=%d,N=%d/%s", m, k, n, name), func(b *testing.B) {
					r := rand.New(rand.NewPCG(9, 9))
					wv := fillInt8(r, n*k, false)
					x := fillInt8(r, m*k, false)
					dst := make([]float32, m*n)
					impl, kind := name, Int8
					if name == "f32" {
						impl, kind = Implementation(), Float32
					}
					w := NewMatrixOf(kind, wv, n, k)
					restore, _ := UseImplementation(impl)
					defer restore()
					for b.Loop() {
						MatMul(dst, x, m, w)
					}
					b.ReportMetric(2*float64(m)*float64(k)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
				})
			}
		}
	}
}
