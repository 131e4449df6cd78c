package kernel

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMatMulPacked checks that MatMulPacked computes MatMul's bits packed
// as NewMatrixT packs them, for shapes with a partial panel, a product
// small enough to run on one goroutine and one shared among several, and
// that it overwrites what dst held.
func TestMatMulPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][3]int{{1, 1, 1}, {7, 5, 70}, {64, 33, 64}, {130, 96, 200}, {384, 64, 1000}} {
		m, K, N := sh[0], sh[1], sh[2]
		x := randSlice(rng, m*K, 1)
		w := NewMatrix(randSlice(rng, N*K, 1), N, K)
		p := make([]float32, m*N)
		MatMul(p, x, m, w)
		want := NewMatrixT(p, m, N)
		for _, threads := range []int{1, 3} {
			old := SetThreads(threads)
			dst := make([]float32, PackedLen(m, N))
			for i := range dst {
				dst[i] = float32(math.NaN())
			}
			MatMulPacked(dst, x, m, w)
			SetThreads(old)
			if !slices.Equal(dst, want.Float32s()) {
				t.Errorf("%d rows, %d×%d, %d threads: MatMulPacked differs from MatMul packed", m, K, N, threads)
			}
		}
	}
}

// TestSetTransposed checks SetTransposed against NewMatrixT of the
// transpose, for shapes with partial panels on either side, one matrix
// reused from shape to shape over values that are not zero (its padding
// must be set), and that it refuses to transpose a matrix into itself.
func TestSetTransposed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m := &Matrix{}
	for _, sh := range [][2]int{{384, 1024}, {1, 1}, {5, 70}, {64, 64}, {130, 97}} {
		out, in := sh[0], sh[1]
		wv := randSlice(rng, out*in, 1)
		w := NewMatrix(wv, out, in) // K = in, N = out
		for i := range m.f32[:cap(m.f32)] {
			m.f32[:cap(m.f32)][i] = float32(math.NaN())
		}
		m.SetTransposed(w)
		// W[k][n] = wv[n*in+k]; the transpose's weight from input n to
		// output k is that: NewMatrixT of wv (out×in) row-major.
		want := NewMatrixT(wv, out, in)
		if m.K != want.K || m.N != want.N || !slices.Equal(m.f32, want.f32) {
			t.Errorf("%d×%d: SetTransposed packs differently", out, in)
		}
	}
	for _, same := range []func(w *Matrix) *Matrix{
		func(w *Matrix) *Matrix { return w },
		func(w *Matrix) *Matrix { c := *w; return &c },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("SetTransposed of a matrix into one that shares its values did not panic")
				}
			}()
			w := NewMatrix(randSlice(rng, 70*5, 1), 70, 5)
			same(w).SetTransposed(w)
		}()
	}
}

// TestColumn checks Column against At.
func TestColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	w := NewMatrix(randSlice(rng, 130*7, 1), 130, 7)
	dst := make([]float32, 7)
	for n := range 130 {
		w.Column(dst, n)
		for k := range 7 {
			if dst[k] != w.At(k, n) {
				t.Fatalf("column %d, input %d: %v, not %v", n, k, dst[k], w.At(k, n))
			}
		}
	}
}

// BenchmarkSetTransposed transposes lmzip-base's output matrix (16384
// outputs of 384 inputs), as dynamic evaluation's backward pass does after
// every step.
func BenchmarkSetTransposed(b *testing.B) {
	const out, in = 16384, 384
	w := NewMatrix(make([]float32, out*in), out, in)
	var m Matrix
	b.SetBytes(int64(4 * out * in))
	for b.Loop() {
		m.SetTransposed(w)
	}
}
