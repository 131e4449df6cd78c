package kernel

import "math"

// LayerNorm sets dst[i] = float32(float32(x[i]-mean)*inv)*w[i] + b[i], the
// layer normalisation of GPT-2, GPT-NeoX and Phi, where
//
//	mean = Sum(x) / n
//	v    = SumSquares(x - mean) / n   (the variance, in Sum's order)
//	inv  = 1 / sqrt(v + eps)
//
// all in float32 with every product rounded before it is added. b may be
// nil (no bias); dst may be x. Like RMSNorm it is plain Go in every
// implementation.
func LayerNorm(dst, x, w, b []float32, eps float32) {
	n := len(x)
	dst = dst[:n]
	w = w[:n]
	mean := Sum(x) / float32(n)
	for i, v := range x {
		dst[i] = v - mean
	}
	variance := SumSquares(dst) / float32(n)
	inv := 1 / float32(math.Sqrt(float64(variance+eps)))
	if b == nil {
		for i, v := range dst {
			dst[i] = float32(v*inv) * w[i]
		}
		return
	}
	b = b[:n]
	for i, v := range dst {
		dst[i] = float32(float32(v*inv)*w[i]) + b[i]
	}
}
