package kernel

import "math"

// AdamStep holds the constants of one Adam step (see Adam).
type AdamStep struct {
	Beta1, OneMinusBeta1 float32 // β1 and 1−β1, each rounded to float32
	Beta2, OneMinusBeta2 float32 // β2 and 1−β2
	Rate                 float32 // the step's rate, with its bias correction: lr/(1−β1^t)
	Corr                 float32 // the second moment's correction: √(1−β2^t)
	Eps                  float32
	_                    float32 // (to 32 bytes)
}

// Adam takes one Adam step of the weights w with gradients g, updating the
// first and second moments m and v in place (all of len(w) values):
//
//	m[i] = β1·m[i] + (1−β1)·g[i]
//	v[i] = β2·v[i] + (1−β2)·g[i]·g[i]
//	w[i] = w[i] − Rate·(m[i] / (√v[i]/Corr + Eps))
//
// with every product, quotient, square root and sum rounded to float32 in
// the order written (no fused multiply-add), so that every implementation
// gives the same bits.
func Adam(w, g, m, v []float32, c *AdamStep) {
	n := len(w)
	active.adam(w, g[:n], m[:n], v[:n], c)
}

func adamGeneric(w, g, m, v []float32, c *AdamStep) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i, gi := range g {
		mi := float32(c.Beta1*m[i]) + float32(c.OneMinusBeta1*gi)
		vi := float32(c.Beta2*v[i]) + float32(float32(c.OneMinusBeta2*gi)*gi)
		m[i], v[i] = mi, vi
		den := float32(float32(math.Sqrt(float64(vi)))/c.Corr) + c.Eps
		w[i] -= float32(c.Rate * (mi / den))
	}
}
