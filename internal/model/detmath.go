package model

import "math"

// Deterministic float64 functions for the tables the model precomputes
// (rotary frequencies and angles). They use only IEEE +, -, *, / with every
// intermediate rounded explicitly (float64(...) conversions forbid fused
// multiply-adds), so that the tables are bit-identical on every machine;
// the math package's versions use architecture-specific assembly on some
// platforms.

const (
	ln2Hi = 6.93147180369123816490e-01 // high bits of ln 2 (exact product with small integers)
	ln2Lo = 1.90821492927058770002e-10
)

// detExp returns e**x for |x| < 700.
func detExp(x float64) float64 {
	if x == 0 {
		return 1
	}
	k := math.Floor(x/math.Ln2 + 0.5) // Floor is exact and pure Go on every architecture
	r := float64(x-float64(k*ln2Hi)) - float64(k*ln2Lo)
	// Taylor series of e**r for |r| <= 0.35: 25 terms is far past float64 precision.
	sum, term := 1.0, 1.0
	for n := 1; n <= 25; n++ {
		term = float64(term*r) / float64(n)
		sum = sum + term
	}
	return sum * pow2(int(k))
}

// pow2 returns 2**k for -1022 <= k <= 1023.
func pow2(k int) float64 {
	return math.Float64frombits(uint64(k+1023) << 52)
}

// detLog returns the natural logarithm of x > 0 (normal numbers only).
func detLog(x float64) float64 {
	bits := math.Float64bits(x)
	e := int(bits>>52&0x7ff) - 1023
	m := math.Float64frombits(bits&^(0x7ff<<52) | 1023<<52) // m in [1, 2)
	if m > math.Sqrt2 {
		m /= 2
		e++
	}
	// ln m = 2 atanh(z) with z = (m-1)/(m+1), |z| < 0.172.
	z := (m - 1) / (m + 1)
	z2 := float64(z * z)
	sum, p := 0.0, z
	for n := 1; n <= 41; n += 2 {
		sum = sum + p/float64(n)
		p = float64(p * z2)
	}
	return float64(2*sum) + float64(float64(e)*ln2Hi) + float64(float64(e)*ln2Lo)
}

// detPow returns b**x for b > 0.
func detPow(b, x float64) float64 {
	return detExp(float64(x * detLog(b)))
}

// detSinCos returns sin(x) and cos(x) for |x| < 1e6.
func detSinCos(x float64) (sin, cos float64) {
	// Reduce by 2π in three parts (Cody–Waite), then by quadrant.
	const (
		twoPi1 = 6.28318500518798828125 // first 24 bits of 2π
		twoPi2 = 3.0199157663446385e-07 // next 24 bits
		twoPi3 = 2.1561211432632476e-14 // the rest
	)
	k := math.Floor(x/(2*math.Pi) + 0.5)
	r := float64(x - float64(k*twoPi1))
	r = float64(r - float64(k*twoPi2))
	r = float64(r - float64(k*twoPi3))
	// r in [-π, π]; Taylor series converge (30 terms are plenty).
	r2 := float64(r * r)
	s, c := 0.0, 0.0
	ts, tc := r, 1.0
	for n := 0; n < 30; n++ {
		s = s + ts
		c = c + tc
		ts = float64(-ts*r2) / float64((2*n+2)*(2*n+3))
		tc = float64(-tc*r2) / float64((2*n+1)*(2*n+2))
	}
	return s, c
}
