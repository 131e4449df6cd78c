package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamImplementations checks Adam of every implementation against the
// Go code bit for bit (weights and both moments), on lengths around the
// vectors' widths, specials included, and that it writes nothing past the
// weights.
func TestAdamImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for trial := 0; trial < 300; trial++ {
		n := r.IntN(70)
		if trial%4 == 0 {
			n = 16*r.IntN(8) + r.IntN(3)
		}
		special := trial%3 == 0
		w, g, m, v := fill(r, n, special), fill(r, n, special), fill(r, n, special), fill(r, n, special)
		for i := range v {
			if !special || r.IntN(8) != 0 {
				v[i] = float32(math.Abs(float64(v[i]))) // (a second moment is not negative)
			}
		}
		steps := 1 + r.IntN(200)
		const b1, b2 = 0.9, 0.999
		c := &AdamStep{
			Beta1: b1, OneMinusBeta1: 1 - b1, Beta2: b2, OneMinusBeta2: 1 - b2,
			Rate: float32(1e-4 / (1 - math.Pow(b1, float64(steps)))),
			Corr: float32(math.Sqrt(1 - math.Pow(b2, float64(steps)))),
			Eps:  1e-8,
		}
		ww, wm, wv := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
		adamGeneric(ww, g, wm, wv, c)
		for _, im := range asmImpls(t) {
			gw, gm, gv := append(append([]float32(nil), w...), 42), append(append([]float32(nil), m...), 42), append(append([]float32(nil), v...), 42)
			im.adam(gw[:n], g, gm[:n], gv[:n], c)
			for i := 0; i < n; i++ {
				if !same(gw[i], ww[i]) || !same(gm[i], wm[i]) || !same(gv[i], wv[i]) {
					t.Fatalf("%s Adam n=%d [%d]: w %g m %g v %g, want %g %g %g (g %g)", im.name, n, i, gw[i], gm[i], gv[i], ww[i], wm[i], wv[i], g[i])
				}
			}
			if gw[n] != 42 || gm[n] != 42 || gv[n] != 42 {
				t.Fatalf("%s Adam n=%d wrote past the values", im.name, n)
			}
		}
	}
}

// BenchmarkAdam steps 2^20 weights (one of lmzip-base's MLP projections
// is about that size): memory-bound at seven float32 streams per weight.
func BenchmarkAdam(b *testing.B) {
	const n = 1 << 20
	r := rand.New(rand.NewPCG(1, 2))
	w, g, m, v := fill(r, n, false), fill(r, n, false), fill(r, n, false), make([]float32, n)
	c := &AdamStep{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 1 - 0.999, Rate: 1e-4, Corr: 0.5, Eps: 1e-8}
	for _, im := range impls {
		b.Run(im.name, func(b *testing.B) {
			b.SetBytes(7 * 4 * n)
			for b.Loop() {
				im.adam(w, g, m, v, c)
			}
		})
	}
}
