package kernel

import (
	"fmt"
	"math"
)

// implSet is one complete implementation of the kernels.
type implSet struct {
	name       string
	matmul     func(dst, x []float32, m int, w *Matrix, p0, p1 int)
	sum        func([]float32) float32
	sumSquares func([]float32) float32
	expShift   func(dst, src []float32, shift float32) float32
	expFixed   func(u []uint32, x []float32, shift float32) uint64
	swiglu     func(gate, up []float32)
	scores     func(s, q, kb []float32, D, n int)
	mix        func(out, p, v []float32, D, n int)
	matmulBF16 func(dst, x []float32, m int, w *Matrix, p0, p1 int)
	roundF16   func(dst []uint16, src []float32)
	scoresF16  func(s, q []float32, kb []uint16, D, n int)
	mixF16     func(out, p []float32, v []uint16, D, n int)
}

// genericImpl is the plain Go implementation, which defines the recipe.
var genericImpl = implSet{
	name:       "go",
	matmul:     matmulGeneric,
	sum:        sumGeneric,
	sumSquares: sumSquaresGeneric,
	expShift:   expShiftGeneric,
	expFixed:   expFixedGeneric,
	swiglu:     swigluGeneric,
	scores:     scoresGeneric,
	mix:        mixGeneric,
	matmulBF16: matmulBF16Generic,
	roundF16:   roundF16Generic,
	scoresF16:  scoresF16Generic,
	mixF16:     mixF16Generic,
}

// impls lists the implementations this machine can run, preferred first.
// The architecture files prepend theirs at init (unless built with noasm);
// the plain Go one is always last.
var impls = []implSet{genericImpl}

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
	matmulBF16Impl = matmulBF16Generic
	roundF16Impl   = roundF16Generic
	scoresF16Impl  = scoresF16Generic
	mixF16Impl     = mixF16Generic
	implementation = "go"
)

func setImpl(s implSet) {
	matmulImpl, sumImpl, sumSquaresImpl = s.matmul, s.sum, s.sumSquares
	expShiftImpl, expFixedImpl, swigluImpl = s.expShift, s.expFixed, s.swiglu
	scoresImpl, mixImpl, implementation = s.scores, s.mix, s.name
	matmulBF16Impl, roundF16Impl, scoresF16Impl, mixF16Impl = s.matmulBF16, s.roundF16, s.scoresF16, s.mixF16
}

func currentImpl() implSet {
	return implSet{
		name:       implementation,
		matmul:     matmulImpl,
		sum:        sumImpl,
		sumSquares: sumSquaresImpl,
		expShift:   expShiftImpl,
		expFixed:   expFixedImpl,
		swiglu:     swigluImpl,
		scores:     scoresImpl,
		mix:        mixImpl,
		matmulBF16: matmulBF16Impl,
		roundF16:   roundF16Impl,
		scoresF16:  scoresF16Impl,
		mixF16:     mixF16Impl,
	}
}

// Implementation names the kernels in use: "go" for the plain Go code, or
// the instruction set of the assembly ones ("avx512", "avx2").
func Implementation() string { return implementation }

// Implementations lists the implementations this machine can run, the
// default first and "go" last.
func Implementations() []string {
	names := make([]string, len(impls))
	for i, s := range impls {
		names[i] = s.name
	}
	return names
}

// UseImplementation switches every kernel to the named implementation (one
// of Implementations) and returns a function that restores the previous
// ones. All implementations compute bit-identical results; it exists for
// tests and benchmarks. It must not be called while kernels are running.
func UseImplementation(name string) (restore func(), err error) {
	for _, s := range impls {
		if s.name == name {
			saved := currentImpl()
			setImpl(s)
			return func() { setImpl(saved) }, nil
		}
	}
	return nil, fmt.Errorf("kernel: implementation %q not available (have %v)", name, Implementations())
}

// UseGeneric switches every kernel to the plain Go implementation and
// returns a function that restores the previous ones. It exists for tests
// and benchmarks that compare implementations.
func UseGeneric() (restore func()) {
	saved := currentImpl()
	setImpl(genericImpl)
	return func() { setImpl(saved) }
}

func float32frombits(b uint32) float32 { return math.Float32frombits(b) }
