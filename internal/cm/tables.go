package cm

import "math/bits"

// Fixed-point conventions used throughout the package:
//
//   - A probability in the mixing domain is a 12-bit integer p in [1, 4095]
//     standing for p/4096, the probability that the next bit is a 1.
//   - The logistic ("stretch") domain holds ln(p/(1-p)) scaled by 256 and
//     clamped to [-2047, 2047].
//   - The arithmetic coder takes 16-bit probabilities in [1, 65535].
//
// Every table below is computed at start-up with integer arithmetic only,
// so the model behaves bit-identically on every platform.

var (
	squashTab  [4096]int32 // squashTab[x+2048] = 4096/(1+exp(-x/256))
	squash16   [4096]int32 // the same with 16-bit precision
	stretchTab [4096]int32 // inverse of squash
	// costTab[p] = -log2(p/65536) in 1/65536 bits, for a 16-bit probability p.
	costTab [65536]uint32
)

func init() {
	initSquash()
	initCost()
	initStates()
}

// mulFix60 multiplies two 2^60-scaled fixed-point numbers.
func mulFix60(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi<<4 | lo>>60
}

func initSquash() {
	const one = uint64(1) << 60
	// r = exp(-1/256) by its Taylor series, in 2^60 fixed point.
	r, term := one, one
	for n := uint64(1); n < 24; n++ {
		term /= 256 * n
		if n&1 == 1 {
			r -= term
		} else {
			r += term
		}
	}
	// e = exp(-d/256) for d = 0..2047; squash(d) = 4096/(1+e).
	e := one
	for d := 0; d < 2048; d++ {
		den := one + e
		q, _ := bits.Div64(1<<8, den/2, den) // (2^72 + den/2) / den
		if q > 4095 {
			q = 4095
		}
		squashTab[2048+d] = int32(q)
		if d > 0 {
			squashTab[2048-d] = 4096 - int32(q)
		}
		q, _ = bits.Div64(1<<12, den/2, den) // (2^76 + den/2) / den
		q = min(q, 65535)
		squash16[2048+d] = int32(q)
		if d > 0 {
			squash16[2048-d] = 65536 - int32(q)
		}
		e = mulFix60(e, r)
	}
	squashTab[0] = 1
	squash16[0] = 1
	// stretch(p) = smallest x with squash(x) >= p, so that
	// squash(stretch(p)) is as close to p as the table allows.
	pi := 0
	for x := -2047; x <= 2047; x++ {
		v := int(squash(int32(x)))
		for j := pi; j <= v; j++ {
			stretchTab[j] = int32(x)
		}
		pi = v + 1
	}
	for j := pi; j < 4096; j++ {
		stretchTab[j] = 2047
	}
}

// log2Fix returns log2(x) in 16.16 fixed point for x >= 1, computed by
// repeated squaring of the mantissa.
func log2Fix(x uint64) uint64 {
	k := uint64(bits.Len64(x) - 1)
	m := x << (62 - k) // mantissa in [1,2) scaled by 2^62
	res := k << 16
	for i := 15; i >= 0; i-- {
		hi, lo := bits.Mul64(m, m)
		m = hi<<2 | lo>>62 // m*m, scaled by 2^62, in [1,4)
		if m >= 2<<62 {
			m >>= 1
			res |= 1 << uint(i)
		}
	}
	return res
}

func initCost() {
	for p := 1; p < 65536; p++ {
		costTab[p] = uint32(16<<16 - log2Fix(uint64(p)))
	}
	costTab[0] = costTab[1]
}

// squash maps the logistic domain to a 12-bit probability.
func squash(x int32) int32 {
	if x > 2047 {
		x = 2047
	}
	if x < -2047 {
		x = -2047
	}
	return squashTab[x+2048]
}

// stretch maps a 12-bit probability to the logistic domain.

// Bit-history states.
//
// A state summarises what was seen in one bit context as a pair of counts
// (n0, n1) of zeros and ones. When a bit is seen its count grows by one and
// the opposite count, if larger than 2, is cut to about half, so that the
// state favours recent history. Counts are bounded by a limit that shrinks
// as the smaller count grows, which keeps the number of states under 256.
// The states are enumerated breadth-first from (0,0), which gets number 0.

var (
	nextState  [512]uint8 // [s<<1|y]
	stateN0    [256]uint8
	stateN1    [256]uint8
	stateCount [256]uint8 // n0+n1, saturated: used as slot priority
)

// stateLimit is the largest allowed value of the larger count given the
// smaller one.
func stateLimit(mn int) int {
	switch mn {
	case 0:
		return 48
	case 1:
		return 28
	case 2:
		return 18
	case 3:
		return 12
	case 4:
		return 9
	case 5:
		return 7
	case 6:
		return 6
	}
	return -1
}

func stateValid(n0, n1 int) bool {
	mn, mx := n0, n1
	if mn > mx {
		mn, mx = mx, mn
	}
	return mx <= stateLimit(mn)
}

func stateStep(n0, n1, y int) (int, int) {
	disc := func(n int) int {
		if n > 2 {
			return n/2 + 1
		}
		return n
	}
	if y == 1 {
		n1++
		n0 = disc(n0)
		for !stateValid(n0, n1) {
			n1--
		}
	} else {
		n0++
		n1 = disc(n1)
		for !stateValid(n0, n1) {
			n0--
		}
	}
	return n0, n1
}

func initStates() {
	type pair struct{ n0, n1 int }
	id := map[pair]int{{0, 0}: 0}
	list := []pair{{0, 0}}
	for i := 0; i < len(list); i++ {
		s := list[i]
		for y := 0; y < 2; y++ {
			a, b := stateStep(s.n0, s.n1, y)
			p := pair{a, b}
			j, ok := id[p]
			if !ok {
				j = len(list)
				id[p] = j
				list = append(list, p)
			}
			nextState[i<<1|y] = uint8(j)
		}
	}
	if len(list) > 256 {
		panic("cm: too many bit-history states")
	}
	for i, s := range list {
		stateN0[i] = uint8(s.n0)
		stateN1[i] = uint8(s.n1)
		c := s.n0 + s.n1
		if c > 255 {
			c = 255
		}
		stateCount[i] = uint8(c)
	}
}
