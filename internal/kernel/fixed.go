package kernel

// FixedOne is the fixed-point value of probability weight 1 in ExpFixed.
const FixedOne = 1 << 30

// ExpFixed sets u[i] = uint32(Exp(x[i]-shift) * FixedOne) (truncated; a NaN
// weight becomes 0) and returns the exact integer sum of u. With shift the
// maximum of x, the u are the softmax weights in fixed point: integers,
// so that what is built from them does not depend on summation order.
func ExpFixed(u []uint32, x []float32, shift float32) uint64 {
	return active.expFixed(u[:len(x)], x, shift)
}

func expFixedGeneric(u []uint32, x []float32, shift float32) uint64 {
	var total uint64
	for i, v := range x {
		e := Exp(v-shift) * FixedOne
		var q uint32
		switch {
		case e > FixedOne:
			q = FixedOne
		case e >= 0:
			q = uint32(e)
		}
		u[i] = q
		total += uint64(q)
	}
	return total
}
