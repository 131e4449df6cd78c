package kernel

import "math"

// Int8 keys and values: attention over a KV cache that stores each key and
// value vector quantized by QuantizeRow (int8 values and a float32 scale
// per vector), at a quarter of float32's memory traffic and half of
// float16's. The kernels here compute on the int8 values widened exactly;
// the engine applies the scales (see ScoresI8 and MixI8).

// ScoresI8 is Scores with int8 keys in the blocked layout of KeyIndex:
// s[j] = Σ_{d<D} q[d]·float32(k(j, d)), each product rounded to float32
// and added in order of d starting from zero. The key's scale is not
// applied: the engine multiplies s[j] by it. kb must hold whole blocks
// (⌈n/KeyBlock⌉·D·KeyBlock values).
func ScoresI8(s, q []float32, kb []int8, D, n int) {
	if n <= 0 {
		return
	}
	active.scoresI8(s[:n], q[:D], kb[:(n+KeyBlock-1)/KeyBlock*D*KeyBlock], D, n)
}

func scoresI8Generic(s, q []float32, kb []int8, D, n int) {
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
				out[j] += float32(qd * float32(k))
			}
		}
	}
}

// MixI8 is Mix with int8 values: out[d] = Σ_{j<n} p[j]·float32(v[j*D+d])
// for d < D, each product rounded to float32 and added in order of j
// starting from zero. The values' scales are not applied: the engine
// folds them into p.
func MixI8(out, p []float32, v []int8, D, n int) {
	active.mixI8(out[:D], p[:n], v[:n*D], D, n)
}

func mixI8Generic(out, p []float32, v []int8, D, n int) {
	mixI8Cols(out, p, v, D, n, 0)
}

// mixI8Cols is mixI8Generic for the columns d0 <= d < len(out) only.
func mixI8Cols(out, p []float32, v []int8, D, n, d0 int) {
	for d := d0; d < len(out); d++ {
		out[d] = 0
	}
	for j, pj := range p[:n] {
		row := v[j*D+d0 : j*D+len(out)]
		for d, x := range row {
			out[d0+d] += float32(pj * float32(x))
		}
	}
}

// MixI8From continues MixI8's sums with the terms from <= j < n:
// out[d] += p[j]·float32(v[j*D+d]), each product rounded to float32 and
// added in order of j, so that MixI8 over from terms followed by
// MixI8From computes exactly what MixI8 over n terms computes. It serves
// the few terms by which one query's sum outruns another's that shared
// MixI8N with it.
func MixI8From(out, p []float32, v []int8, D, from, n int) {
	if from >= n {
		return
	}
	active.mixI8From(out[:D], p[from:n], v[from*D:n*D], D, n-from)
}

// mixI8FromGeneric adds the n terms of p and v to out.
func mixI8FromGeneric(out, p []float32, v []int8, D, n int) {
	mixI8FromCols(out, p, v, D, n, 0)
}

// mixI8FromCols is mixI8FromGeneric for the columns d0 <= d < len(out).
func mixI8FromCols(out, p []float32, v []int8, D, n, d0 int) {
	for j := 0; j < n; j++ {
		pj := p[j]
		for d, x := range v[j*D+d0 : j*D+len(out)] {
			out[d0+d] += float32(pj * float32(x))
		}
	}
}

// ScoresI8N is ScoresI8 for nq queries against the same keys (the query
// heads that share a key head): query i is q[i*D:(i+1)*D] and its scores go
// to s[i*ldS : i*ldS+n]. Each score is computed exactly as ScoresI8
// computes it; the keys are read once for all the queries.
func ScoresI8N(s []float32, ldS int, q []float32, nq int, kb []int8, D, n int) {
	if n <= 0 || nq <= 0 {
		return
	}
	if ldS < n {
		panic("kernel.ScoresI8N: score rows overlap")
	}
	active.scoresI8N(s[:(nq-1)*ldS+n], ldS, q[:nq*D], nq, kb[:(n+KeyBlock-1)/KeyBlock*D*KeyBlock], D, n)
}

func scoresI8NGeneric(s []float32, ldS int, q []float32, nq int, kb []int8, D, n int) {
	for i := 0; i < nq; i++ {
		scoresI8Generic(s[i*ldS:i*ldS+n], q[i*D:(i+1)*D], kb, D, n)
	}
}

// MixI8N is MixI8 for nq rows of weights over the same values: row i of
// weights is p[i*ldP : i*ldP+n] and its output out[i*D:(i+1)*D]. Each output
// is computed exactly as MixI8 computes it; the values are read once for
// all the rows.
func MixI8N(out []float32, p []float32, ldP, nq int, v []int8, D, n int) {
	if nq <= 0 {
		return
	}
	if ldP < n {
		panic("kernel.MixI8N: weight rows overlap")
	}
	active.mixI8N(out[:nq*D], p[:(nq-1)*ldP+n], ldP, nq, v[:n*D], D, n)
}

func mixI8NGeneric(out []float32, p []float32, ldP, nq int, v []int8, D, n int) {
	for i := 0; i < nq; i++ {
		mixI8Generic(out[i*D:(i+1)*D], p[i*ldP:i*ldP+n], v, D, n)
	}
}

// MixI8NFrom is MixI8From for nq rows of weights over the same values, as
// MixI8N is MixI8's: row i of weights is p[i*ldP : i*ldP+n], and its terms
// from <= j < n are added to out[i*D:(i+1)*D] in order of j, the values read
// once for all the rows. MixI8N over a first run of positions continued by
// MixI8NFrom over the next computes exactly what MixI8N over both computes:
// attention over a cache stored in pages mixes one page at a time.
func MixI8NFrom(out []float32, p []float32, ldP, nq int, v []int8, D, from, n int) {
	if nq <= 0 || from >= n {
		return
	}
	if ldP < n {
		panic("kernel.MixI8NFrom: weight rows overlap")
	}
	active.mixI8NFrom(out[:nq*D], p[from:(nq-1)*ldP+n], ldP, nq, v[from*D:n*D], D, n-from)
}

func mixI8NFromGeneric(out []float32, p []float32, ldP, nq int, v []int8, D, n int) {
	for i := 0; i < nq; i++ {
		mixI8FromGeneric(out[i*D:(i+1)*D], p[i*ldP:i*ldP+n], v, D, n)
	}
}

// MulScaleMax sets s[j] = float32(s[j]·k[j])·c, two roundings, and returns
// the largest s[j] as a loop comparing v > m from -Inf finds it: NaNs are
// passed over, and of equal values (+0 and -0) the first counts. It
// applies the keys' scales and the attention scale to int8 scores and
// finds the softmax's shift in one pass.
func MulScaleMax(s, k []float32, c float32) float32 {
	return active.mulScaleMax(s, k[:len(s)], c)
}

func mulScaleMaxGeneric(s, k []float32, c float32) float32 {
	m := float32(math.Inf(-1))
	k = k[:len(s)]
	for j, x := range s {
		v := float32(x*k[j]) * c
		s[j] = v
		if v > m {
			m = v
		}
	}
	return m
}

// ScaleMul sets s[j] = float32(s[j]·c)·v[j], two roundings: it normalises
// softmax weights and applies the values' scales in one pass.
func ScaleMul(s []float32, c float32, v []float32) {
	active.scaleMul(s, c, v[:len(s)])
}

func scaleMulGeneric(s []float32, c float32, v []float32) {
	v = v[:len(s)]
	for j, x := range s {
		s[j] = float32(x*c) * v[j]
	}
}

// ScaleAddMax sets z[i] = float32(s·x[i]) + b[i], two roundings, and returns
// Max(x): a mixer's scale and bias applied to a model's logits, and their
// largest, in one pass. z must not overlap x.
func ScaleAddMax(z, x, b []float32, s float32) float32 {
	return active.scaleAddMax(z[:len(x)], x, b[:len(x)], s)
}

func scaleAddMaxGeneric(z, x, b []float32, s float32) float32 {
	top := float32(math.Inf(-1))
	z, b = z[:len(x)], b[:len(x)]
	for i, v := range x {
		z[i] = float32(s*v) + b[i]
		if v > top {
			top = v
		}
	}
	return top
}

// BiasStep sets b[i] = b[i] − float32(rate·p) with p = float32(cum[i+1] −
// cum[i])·unit for i < len(b): a gradient step of biases against the
// probabilities of a cumulative frequency table (cum non-decreasing, its
// steps below 2^31).
func BiasStep(b []float32, cum []uint32, unit, rate float32) {
	active.biasStep(b, cum[:len(b)+1], unit, rate)
}

func biasStepGeneric(b []float32, cum []uint32, unit, rate float32) {
	cum = cum[:len(b)+1]
	for i := range b {
		p := float32(cum[i+1]-cum[i]) * unit
		b[i] -= float32(rate * p)
	}
}

// ScaleFreqs sets f[i] = uint32((uint64(u[i])·scale) >> 32) + 1 for every
// u[i] (f holds at least len(u) values) and returns the sum of the f
// (modulo 2^32) and the index of the first largest u (0 when u is empty).
// It turns fixed-point softmax weights (ExpFixed) into the frequencies of
// an entropy coder's table, exact integer arithmetic in any order.
func ScaleFreqs(f, u []uint32, scale uint32) (sum uint32, top int) {
	return active.scaleFreqs(f[:len(u)], u, scale)
}

func scaleFreqsGeneric(f, u []uint32, scale uint32) (uint32, int) {
	return scaleFreqsFrom(f, u, scale, 0, 0, 0)
}

// scaleFreqsFrom is ScaleFreqs for u[from:], continuing a sum and a top
// index found over u[:from].
func scaleFreqsFrom(f, u []uint32, scale uint32, from int, sum uint32, top int) (uint32, int) {
	topU := uint32(0)
	if from > 0 {
		topU = u[top]
	}
	for i := from; i < len(u); i++ {
		v := u[i]
		x := uint32((uint64(v)*uint64(scale))>>32) + 1
		f[i] = x
		sum += x
		if v > topU {
			top, topU = i, v
		}
	}
	return sum, top
}

// FixedLogit returns x in units of 1/256 as an integer: the float32
// x·256 truncated toward zero, clamped to ±2^20, a NaN as 0.
func FixedLogit(x float32) int32 {
	v := x * 256
	switch {
	case v > 1<<20:
		return 1 << 20
	case v < -(1 << 20):
		return -(1 << 20)
	case v != v: // NaN
		return 0
	}
	return int32(v)
}

// FixedDot returns Σ f[i]·FixedLogit(x[i]) over the len(x) values (f holds
// at least as many, each below 2^31), exactly: the expected logit under a
// coder's frequencies, in integers, so that it does not depend on the
// order of addition.
func FixedDot(f []uint32, x []float32) int64 {
	return active.fixedDot(f[:len(x)], x)
}

func fixedDotGeneric(f []uint32, x []float32) int64 {
	var acc int64
	for i, v := range x {
		acc += int64(f[i]) * int64(FixedLogit(v))
	}
	return acc
}
