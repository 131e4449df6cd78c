package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(r *rand.Rand, n int, scale float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = (r.Float32()*2 - 1) * scale
	}
	return s
}

func TestExpAccuracy(t *testing.T) {
	worst := 0.0
	for x := float32(-87); x <= 88; x += 0.00731 {
		got := float64(Exp(x))
		want := math.Exp(float64(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 4e-7 {
		t.Fatalf("Exp: worst relative error %g", worst)
	}
	if Exp(-100) != 0 || Exp(0) != 1 {
		t.Fatalf("Exp(-100)=%g Exp(0)=%g", Exp(-100), Exp(0))
	}
	if v := Exp(float32(math.NaN())); !math.IsNaN(float64(v)) {
		t.Fatalf("Exp(NaN) = %g", v)
	}
}

func TestMatMulAgainstFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][3]int{{1, 1, 1}, {3, 17, 5}, {7, 64, 33}, {5, 100, 129}, {33, 384, 70}} {
		m, k, n := sh[0], sh[1], sh[2]
		x := randSlice(r, m*k, 1)
		w := randSlice(r, n*k, 1)
		W := NewMatrix(w, n, k)
		dst := make([]float32, m*n)
		MatMul(dst, x, m, W)
		for i := 0; i < m; i++ {
			for o := 0; o < n; o++ {
				var want float64
				for j := 0; j < k; j++ {
					want += float64(x[i*k+j]) * float64(w[o*k+j])
				}
				if d := math.Abs(float64(dst[i*n+o]) - want); d > 1e-5*float64(k) {
					t.Fatalf("%v: [%d][%d] = %g, want %g", sh, i, o, dst[i*n+o], want)
				}
			}
		}
	}
}

// TestMatMulRowIndependence checks the property the engine relies on: a row's
// result does not depend on the other rows of the batch, on the number of
// rows, or on the number of threads.
func TestMatMulRowIndependence(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	k, n := 384, 1000
	w := NewMatrix(randSlice(r, n*k, 0.1), n, k)
	x := randSlice(r, 37*k, 2)
	full := make([]float32, 37*n)
	MatMul(full, x, 37, w)
	old := SetThreads(1)
	defer SetThreads(old)
	for i := 0; i < 37; i += 5 {
		one := make([]float32, n)
		MatMul(one, x[i*k:(i+1)*k], 1, w)
		for o := range one {
			if math.Float32bits(one[o]) != math.Float32bits(full[i*n+o]) {
				t.Fatalf("row %d col %d: batched %g, alone %g", i, o, full[i*n+o], one[o])
			}
		}
	}
}

func TestSumOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 100; n++ {
		x := randSlice(r, n, 1e3)
		var acc [Lanes]float32
		for i, v := range x {
			acc[i%Lanes] += v
		}
		a := (((acc[0] + acc[8]) + (acc[4] + acc[12])) + ((acc[2] + acc[10]) + (acc[6] + acc[14]))) +
			(((acc[1] + acc[9]) + (acc[5] + acc[13])) + ((acc[3] + acc[11]) + (acc[7] + acc[15])))
		if got := Sum(x); math.Float32bits(got) != math.Float32bits(a) {
			t.Fatalf("n=%d: Sum %g, tree %g", n, got, a)
		}
	}
}
