package kernel

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMatrixTAndSetFloat32 checks that NewMatrixT and SetFloat32 pack the
// same bits as the general constructors, for shapes that fill panels
// partly.
func TestMatrixTAndSetFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][2]int{{1, 1}, {3, 70}, {65, 64}, {130, 7}} {
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
