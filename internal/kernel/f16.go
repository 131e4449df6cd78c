package kernel

import (
	"math"
	"math/bits"
)

// Float16 attention kernels: a key/value cache stored as IEEE-754 binary16
// ("half", bit patterns in uint16). Values are rounded to float16 once, when
// they enter the cache (RoundF16), and widened exactly (every float16 is a
// float32) when they are read; the arithmetic on the widened values is that
// of Scores and Mix. An engine using them computes different results from
// one with a float32 cache, so it is a different recipe (its archives must
// say so), but every implementation here computes the same bits.

// F16Max is the largest finite float16, 65504. RoundF16 saturates to it.
const F16Max = 65504

// Float32ToF16 rounds x to float16 (round to nearest, ties to even) and
// returns its bit pattern. It saturates: values beyond ±F16Max, including
// ±Inf, give ±F16Max (0x7bff, 0xfbff), never an infinity. Results below the
// smallest normal float16 are subnormal float16s, rounded exactly (no flush
// to zero), and the sign of zero is kept. A NaN gives a quiet NaN of the
// same sign carrying the top 9 bits of the payload: sign<<15 | 0x7e00 |
// (bits>>13)&0x1ff (what the x86 conversion VCVTPS2PH produces).
func Float32ToF16(x float32) uint16 {
	b := math.Float32bits(x)
	sign := uint16(b>>16) & 0x8000
	a := b & 0x7fffffff
	switch {
	case a > 0x7f800000: // NaN
		return sign | 0x7e00 | uint16(a>>13)&0x1ff
	case a >= 0x477fe000: // ≥ 65504, Inf included
		return sign | 0x7bff
	case a >= 0x38800000: // ≥ 2^-14: a normal float16
		// Rebias the exponent (127 → 15) and drop 13 mantissa bits,
		// rounding to nearest even; a carry into the exponent is correct,
		// and cannot reach Inf as a < 65504 + half an ulp.
		h := (a - 112<<23) >> 13
		if r := a & 0x1fff; r > 0x1000 || r == 0x1000 && h&1 != 0 {
			h++
		}
		return sign | uint16(h)
	case a < 0x33000000: // < 2^-25, at most half the smallest subnormal: ±0
		return sign
	}
	// A subnormal float16: x = m·2^(e-150) with the implicit bit in m, and
	// the result counts units of 2^-24: m >> s with s = 126-e in [14, 24].
	e := a >> 23
	m := a&0x7fffff | 0x800000
	s := 126 - e
	q := m >> s
	r := m & (1<<s - 1)
	if half := uint32(1) << (s - 1); r > half || r == half && q&1 != 0 {
		q++ // may become 0x400, the smallest normal: the encoding carries over
	}
	return sign | uint16(q)
}

// F16ToFloat32 widens the float16 bit pattern h to float32, exactly. A NaN
// becomes a quiet NaN of the same sign with the payload shifted into the
// top of the float32 one.
func F16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	e := uint32(h>>10) & 0x1f
	m := uint32(h) & 0x3ff
	switch {
	case e == 0x1f:
		if m == 0 {
			return math.Float32frombits(sign | 0x7f800000)
		}
		return math.Float32frombits(sign | 0x7fc00000 | m<<13)
	case e == 0:
		if m == 0 {
			return math.Float32frombits(sign)
		}
		// m·2^-24 with the top bit of m at p: exponent p-24.
		p := uint32(31 - bits.LeadingZeros32(m))
		return math.Float32frombits(sign | (p+103)<<23 | (m<<(23-p))&0x7fffff)
	}
	return math.Float32frombits(sign | (e+112)<<23 | m<<13)
}

// RoundF16 sets dst[i] = Float32ToF16(src[i]).
func RoundF16(dst []uint16, src []float32) {
	active.roundF16(dst[:len(src)], src)
}

func roundF16Generic(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = Float32ToF16(v)
	}
}

// ScoresF16 is Scores with the keys stored as float16 in the blocked layout
// of KeyIndex: s[j] = Σ_{d<D} q[d]·F16ToFloat32(k(j, d)), each product
// rounded to float32 and added in order of d starting from zero. kb must
// hold whole blocks (⌈n/KeyBlock⌉·D·KeyBlock values).
func ScoresF16(s, q []float32, kb []uint16, D, n int) {
	if n <= 0 {
		return
	}
	active.scoresF16(s[:n], q[:D], kb[:(n+KeyBlock-1)/KeyBlock*D*KeyBlock], D, n)
}

func scoresF16Generic(s, q []float32, kb []uint16, D, n int) {
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
				out[j] += float32(qd * F16ToFloat32(k))
			}
		}
	}
}

// MixF16 is Mix with the values stored as float16: out[d] = Σ_{j<n}
// p[j]·F16ToFloat32(v[j*D+d]) for d < D, each product rounded to float32
// and added in order of j starting from zero.
func MixF16(out, p []float32, v []uint16, D, n int) {
	active.mixF16(out[:D], p[:n], v[:n*D], D, n)
}

func mixF16Generic(out, p []float32, v []uint16, D, n int) {
	mixF16Cols(out, p, v, D, n, 0)
}

// MixF16From continues MixF16's sums with the terms from <= j < n:
// out[d] += p[j]·F16ToFloat32(v[j*D+d]), each product rounded to float32
// and added in order of j, so that MixF16 over from terms followed by
// MixF16From computes exactly what MixF16 over n terms computes: attention
// over a cache stored in pages mixes one page at a time.
func MixF16From(out, p []float32, v []uint16, D, from, n int) {
	if from >= n {
		return
	}
	active.mixF16From(out[:D], p[from:n], v[from*D:n*D], D, n-from)
}

// mixF16FromGeneric adds the n terms of p and v to out.
func mixF16FromGeneric(out, p []float32, v []uint16, D, n int) {
	mixF16FromCols(out, p, v, D, n, 0)
}

// mixF16FromCols is mixF16FromGeneric for the columns d0 <= d < len(out).
func mixF16FromCols(out, p []float32, v []uint16, D, n, d0 int) {
	for j := 0; j < n; j++ {
		pj := p[j]
		for d, x := range v[j*D+d0 : j*D+len(out)] {
			out[d0+d] += float32(pj * F16ToFloat32(x))
		}
	}
}

// mixF16Asm returns the MixF16 entry (with acc, MixF16From's) of an
// assembly kernel that computes the first cols outputs, a multiple of
// step (see mixEntry).
func mixF16Asm(mix func(out, p *float32, v *uint16, D, n, cols int), step int, acc bool) func(out, p []float32, v []uint16, D, n int) {
	if acc {
		return mixEntry(mix, step, mixF16FromGeneric, mixF16FromCols)
	}
	return mixEntry(mix, step, mixF16Generic, mixF16Cols)
}

// mixEntry returns the entry of an assembly kernel over float16 or int8
// values that computes the first cols outputs, a multiple of step: rest,
// the Go twin for columns d0 on, computes the last D%step; whole, the Go
// twin, takes the calls the kernel cannot (nothing to do, or slices too
// short, which panic as the reference does).
func mixEntry[T int8 | uint16](mix func(out, p *float32, v *T, D, n, cols int), step int, whole func(out, p []float32, v []T, D, n int), rest func(out, p []float32, v []T, D, n, d0 int)) func(out, p []float32, v []T, D, n int) {
	return func(out, p []float32, v []T, D, n int) {
		if n <= 0 || D <= 0 || len(out) < D || len(p) < n || len(v) < n*D {
			whole(out, p, v, D, n)
			return
		}
		out = out[:D]
		cols := D &^ (step - 1)
		if cols > 0 {
			mix(&out[0], &p[0], &v[0], D, n, cols)
		}
		if cols < D {
			rest(out, p, v, D, n, cols)
		}
	}
}

// mixF16Cols is mixF16Generic for the columns d0 <= d < len(out) only.
func mixF16Cols(out, p []float32, v []uint16, D, n, d0 int) {
	for d := d0; d < len(out); d++ {
		out[d] = 0
	}
	for j, pj := range p[:n] {
		row := v[j*D+d0 : j*D+len(out)]
		for d, x := range row {
			out[d0+d] += float32(pj * F16ToFloat32(x))
		}
	}
}
