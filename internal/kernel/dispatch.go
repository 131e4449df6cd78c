package kernel

import "math"

// The implementations in use. They start as the plain Go ones; the
// architecture files replace them at init when the CPU supports faster ones
// (unless built with the noasm tag). Every replacement computes bit-identical
// results.
var (
	matmulImpl     = matmulGeneric
	sumImpl        = sumGeneric
	sumSquaresImpl = sumSquaresGeneric
	expShiftImpl   = expShiftGeneric
	expFixedImpl   = expFixedGeneric
	swigluImpl     = swigluGeneric
	scoresImpl     = scoresGeneric
	mixImpl        = mixGeneric
	implementation = "go"
)

// Implementation names the kernels in use: "go" for the plain Go code, or
// the instruction set of the assembly ones (for example "avx512").
func Implementation() string { return implementation }

// UseGeneric switches every kernel to the plain Go implementation and
// returns a function that restores the previous ones. It exists for tests
// and benchmarks that compare implementations.
func UseGeneric() (restore func()) {
	saved := [...]any{matmulImpl, sumImpl, sumSquaresImpl, expShiftImpl, expFixedImpl, swigluImpl, scoresImpl, mixImpl, implementation}
	matmulImpl, sumImpl, sumSquaresImpl = matmulGeneric, sumGeneric, sumSquaresGeneric
	expShiftImpl, expFixedImpl, swigluImpl = expShiftGeneric, expFixedGeneric, swigluGeneric
	scoresImpl, mixImpl, implementation = scoresGeneric, mixGeneric, "go"
	return func() {
		matmulImpl = saved[0].(func([]float32, []float32, int, *Matrix, int, int))
		sumImpl = saved[1].(func([]float32) float32)
		sumSquaresImpl = saved[2].(func([]float32) float32)
		expShiftImpl = saved[3].(func([]float32, []float32, float32) float32)
		expFixedImpl = saved[4].(func([]uint32, []float32, float32) uint64)
		swigluImpl = saved[5].(func([]float32, []float32))
		scoresImpl = saved[6].(func([]float32, []float32, []float32, int, int, int))
		mixImpl = saved[7].(func([]float32, []float32, []float32, int, int))
		implementation = saved[8].(string)
	}
}

func float32frombits(b uint32) float32 { return math.Float32frombits(b) }
