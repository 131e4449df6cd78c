package kernel

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMatrixTAndSetFloat32 checks that NewMatrixT and SetFloat32 pack the
// same bits as the general constructors, for shapes that fill panels
// partly, and one large enough to be shared among goroutines.
func TestMatrixTAndSetFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][2]int{{1, 1}, {3, 70}, {65, 64}, {130, 7}, {300, 257}} {
		rows, cols := sh[0], sh[1]
		x := make([]float32, rows*cols)
		for i := range x {
			x[i] = rng.Float32() - 0.5
		}
		want := NewMatrixFunc(Float32, cols, rows, func(o, i int) float32 { return x[i*cols+o] })
		if got := NewMatrixT(x, rows, cols); !slices.Equal(got.f32, want.f32) || got.K != want.K || got.N != want.N {
			t.Errorf("%d×%d: NewMatrixT packs differently", rows, cols)
		}
		m := NewMatrix(make([]float32, rows*cols), rows, cols)
		m.SetFloat32(x)
		if want := NewMatrix(x, rows, cols); !slices.Equal(m.f32, want.f32) {
			t.Errorf("%d×%d: SetFloat32 packs differently", rows, cols)
		}
	}
}

// TestTranspose checks Transpose against the definition, for shapes that
// fill its blocks partly and one large enough to be shared among
// goroutines, and that it leaves the rest of dst alone.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range [][2]int{{0, 5}, {1, 1}, {1, 40}, {33, 2}, {65, 97}, {300, 257}} {
		rows, cols := sh[0], sh[1]
		x := randSlice(rng, rows*cols, 1)
		dst := make([]float32, rows*cols+1)
		dst[rows*cols] = 7
		Transpose(dst, x, rows, cols)
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				if dst[c*rows+r] != x[r*cols+c] {
					t.Fatalf("%d×%d: [%d][%d] is %v, not %v", rows, cols, c, r, dst[c*rows+r], x[r*cols+c])
				}
			}
		}
		if dst[rows*cols] != 7 {
			t.Errorf("%d×%d: wrote past the matrix", rows, cols)
		}
	}
}

// BenchmarkTranspose transposes the logits of 128 rows of lmzip-base's
// vocabulary, as dynamic evaluation's backward pass does.
func BenchmarkTranspose(b *testing.B) {
	const rows, cols = 128, 16384
	x := make([]float32, rows*cols)
	dst := make([]float32, rows*cols)
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		Transpose(dst, x, rows, cols)
	}
}

// BenchmarkSetT packs lmzip-base's output matrix (16384×384) for a product
// with its transpose, as dynamic evaluation's backward pass does.
func BenchmarkSetT(b *testing.B) {
	const rows, cols = 16384, 384
	x := make([]float32, rows*cols)
	var m Matrix
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		m.SetT(x, rows, cols)
	}
}

// BenchmarkSetFloat32 packs a 2048×768 matrix (an MLP's projection of
// lmzip-base's size), as dynamic evaluation does after every step.
func BenchmarkSetFloat32(b *testing.B) {
	const out, in = 2048, 768
	x := make([]float32, out*in)
	m := NewMatrix(make([]float32, out*in), out, in)
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		m.SetFloat32(x)
	}
}
