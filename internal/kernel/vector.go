package kernel

import "math"

// Lanes is the number of interleaved partial sums that Sum and SumSquares
// keep. It is part of the numeric recipe.
const Lanes = 16

// Sum returns the sum of x, accumulated in Lanes interleaved partial sums
// folded in a fixed tree (see the package documentation).
func Sum(x []float32) float32 { return active.sum(x) }

// SumSquares returns the sum of float32(x[i]*x[i]) in the order of Sum.
func SumSquares(x []float32) float32 { return active.sumSquares(x) }

func sumGeneric(x []float32) float32 {
	var acc [Lanes]float32
	for i, v := range x {
		acc[i%Lanes] += v
	}
	return fold(&acc)
}

func sumSquaresGeneric(x []float32) float32 {
	var acc [Lanes]float32
	for i, v := range x {
		acc[i%Lanes] += float32(v * v)
	}
	return fold(&acc)
}

// fold adds the lanes in the fixed tree: l += l+8, l += l+4, l += l+2, l += l+1.
func fold(acc *[Lanes]float32) float32 {
	for w := Lanes / 2; w >= 1; w /= 2 {
		for l := 0; l < w; l++ {
			acc[l] += acc[l+w]
		}
	}
	return acc[0]
}

// Max returns the largest element of x, or -Inf for an empty slice, as a
// loop comparing v > m from -Inf finds it: NaN elements are ignored, and
// of equal values (+0 and -0) the first counts.
func Max(x []float32) float32 { return active.max(x) }

func maxGeneric(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// Constants of Exp (Cephes expf).
const (
	expLo     = -87.0
	expHi     = 88.0
	log2e     = 1.44269504088896341
	roundBias = 12582912.0 // 1.5 * 2^23: adding and subtracting it rounds to an integer, ties to even
	expC1     = 0.693359375
	expC2     = -2.12194440e-4
	expP0     = 1.9875691500e-4
	expP1     = 1.3981999507e-3
	expP2     = 8.3334519073e-3
	expP3     = 4.1665795894e-2
	expP4     = 1.6666665459e-1
	expP5     = 5.0000001201e-1
)

// Exp returns e**x in the recipe's own float32 arithmetic (relative error
// about 2e-7). Inputs below -87 give 0; inputs above 88 are treated as 88.
// A NaN input gives NaN.
func Exp(x float32) float32 {
	if x < expLo {
		return 0
	}
	if x > expHi {
		x = expHi
	}
	k := float32(float32(x*log2e)+roundBias) - roundBias
	r := x - float32(k*expC1)
	r = r - float32(k*expC2)
	p := float32(expP0)
	p = float32(p*r) + expP1
	p = float32(p*r) + expP2
	p = float32(p*r) + expP3
	p = float32(p*r) + expP4
	p = float32(p*r) + expP5
	z := float32(r * r)
	y := float32(float32(p*z)+r) + 1
	// k is in [-126, 127]: 2^k is a normal float32.
	scale := math.Float32frombits(uint32(int32(k)+127) << 23)
	return y * scale
}

// ExpShift sets dst[i] = Exp(src[i] - shift) and returns their Sum.
// dst and src may be the same slice.
func ExpShift(dst, src []float32, shift float32) float32 {
	return active.expShift(dst[:len(src)], src, shift)
}

func expShiftGeneric(dst, src []float32, shift float32) float32 {
	var acc [Lanes]float32
	for i, v := range src {
		e := Exp(v - shift)
		dst[i] = e
		acc[i%Lanes] += e
	}
	return fold(&acc)
}

// Scale sets x[i] = x[i] * s.
func Scale(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

// Add sets dst[i] = dst[i] + src[i].
func Add(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}

// Mul sets dst[i] = dst[i] * src[i].
func Mul(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] *= src[i]
	}
}

// SiLU returns x * sigmoid(x), computed as x / (1 + Exp(-x)).
func SiLU(x float32) float32 {
	return x / (1 + Exp(-x))
}

// SwiGLU sets gate[i] = SiLU(gate[i]) * up[i], the gated activation of the
// Llama MLP.
func SwiGLU(gate, up []float32) { active.swiglu(gate, up[:len(gate)]) }

func swigluGeneric(gate, up []float32) {
	for i, g := range gate {
		gate[i] = SiLU(g) * up[i]
	}
}

// RMSNorm sets dst[i] = float32(x[i]*inv) * w[i] where
// inv = 1 / sqrt(SumSquares(x)/n + eps), all in float32.
func RMSNorm(dst, x, w []float32, eps float32) {
	n := len(x)
	ss := SumSquares(x)
	mean := ss / float32(n)
	inv := 1 / float32(math.Sqrt(float64(mean+eps)))
	w = w[:n]
	dst = dst[:n]
	for i, v := range x {
		dst[i] = float32(v*inv) * w[i]
	}
}

// KeyBlock is the number of keys that Scores' blocked layout stores
// together.
const KeyBlock = 16

// KeyIndex returns where dimension d of key j lies in the blocked layout of
// keys with D dimensions: blocks of KeyBlock keys, each holding D rows of
// KeyBlock values (the keys' values of one dimension side by side), so that
// the scores of a block read one contiguous run of memory.
func KeyIndex(j, d, D int) int { return (j/KeyBlock)*D*KeyBlock + d*KeyBlock + j%KeyBlock }

// Scores sets s[j] = Σ_{d<D} q[d]·k(j, d) for j < n: the attention scores
// of one query against n keys in the blocked layout of KeyIndex. kb must
// hold whole blocks (⌈n/KeyBlock⌉·D·KeyBlock values). Terms are added in
// order of d, starting from zero.
func Scores(s, q, kb []float32, D, n int) {
	if n <= 0 {
		return
	}
	active.scores(s[:n], q[:D], kb[:(n+KeyBlock-1)/KeyBlock*D*KeyBlock], D, n)
}

func scoresGeneric(s, q, kb []float32, D, n int) {
	for j := range s[:n] {
		s[j] = 0
	}
	for b0 := 0; b0 < n; b0 += KeyBlock {
		block := kb[b0*D:]
		out := s[b0:min(n, b0+KeyBlock)]
		for d := 0; d < D; d++ {
			qd := q[d]
			row := block[d*KeyBlock : d*KeyBlock+len(out)]
			for j, k := range row {
				out[j] += float32(qd * k)
			}
		}
	}
}

// Mix sets out[d] = Σ_{j<n} p[j]·v[j*D+d] for d < D: the attention-weighted
// sum of n value rows. Terms are added in order of j, starting from zero.
func Mix(out, p, v []float32, D, n int) {
	active.mix(out[:D], p[:n], v[:n*D], D, n)
}

func mixGeneric(out, p, v []float32, D, n int) {
	for d := range out {
		out[d] = 0
	}
	for j, pj := range p {
		row := v[j*D : j*D+D]
		for d, x := range row {
			out[d] += float32(pj * x)
		}
	}
}

// Rotate turns each pair (lo[i], hi[i]) by the angle whose cosine and sine
// are cos[i] and sin[i]: lo[i] ← float32(lo[i]·cos[i]) − float32(hi[i]·sin[i]),
// hi[i] ← float32(hi[i]·cos[i]) + float32(lo[i]·sin[i]) (the old values on
// the right), each product rounded to float32: the rotary embedding of one
// head. hi, cos and sin hold at least len(lo) values.
func Rotate(lo, hi, cos, sin []float32) {
	n := len(lo)
	active.rotate(lo, hi[:n], cos[:n], sin[:n])
}

func rotateGeneric(lo, hi, cos, sin []float32) {
	for i := range lo {
		a, b := lo[i], hi[i]
		lo[i] = float32(a*cos[i]) - float32(b*sin[i])
		hi[i] = float32(b*cos[i]) + float32(a*sin[i])
	}
}
