package kernel

//go:generate go run asm_gen.go asm_gen_arm64.go

import (
	"fmt"
	"math"
	"os"
)

// An impl is one complete implementation of the kernels: each entry is a
// kernel. The plain Go one (genericImpl) defines the results; an
// architecture's implementation starts as a copy of it (derive) and
// replaces the entries it has assembly for, so that adding a kernel is one
// field, one Go entry and one line per architecture that speeds it up, and
// adding an implementation is one derive call.
type impl struct {
	name string
	// matmul computes the output columns of panels [p0, p1) of a matrix
	// product for all m rows of a, one entry per storage kind.
	matmul [numKinds]matmulFunc
	// quantize is QuantizeRow that also sets u[i] = q[i]+128 (for the
	// Int8 product's rows).
	quantize   func(q []int8, u []uint8, x []float32) float32
	sum        func([]float32) float32
	sumSquares func([]float32) float32
	expShift   func(dst, src []float32, shift float32) float32
	expFixed   func(u []uint32, x []float32, shift float32) uint64
	swiglu     func(gate, up []float32)
	scores     func(s, q, kb []float32, D, n int)
	mix        func(out, p, v []float32, D, n int)
	roundF16   func(dst []uint16, src []float32)
	scoresF16  func(s, q []float32, kb []uint16, D, n int)
	mixF16     func(out, p []float32, v []uint16, D, n int)
	mixF16From func(out, p []float32, v []uint16, D, n int)
	scoresI8   func(s, q []float32, kb []int8, D, n int)
	mixI8      func(out, p []float32, v []int8, D, n int)
	scoresI8N  func(s []float32, ldS int, q []float32, nq int, kb []int8, D, n int)
	mixI8N     func(out []float32, p []float32, ldP, nq int, v []int8, D, n int)
	mixI8From  func(out, p []float32, v []int8, D, n int)
	mixI8NFrom func(out []float32, p []float32, ldP, nq int, v []int8, D, n int)
	// mulScaleMax and scaleMul apply an int8 cache's scales around the
	// softmax (MulScaleMax, ScaleMul).
	mulScaleMax func(s, k []float32, c float32) float32
	scaleMul    func(s []float32, c float32, v []float32)
	// max, scaleAddMax and biasStep serve the softmax and the mixer (Max,
	// ScaleAddMax, BiasStep).
	max         func(x []float32) float32
	scaleAddMax func(z, x, b []float32, s float32) float32
	biasStep    func(b []float32, cum []uint32, unit, rate float32)
	// scaleFreqs turns softmax weights into a coder's frequencies
	// (ScaleFreqs).
	scaleFreqs func(f, u []uint32, scale uint32) (uint32, int)
	// rotate is the rotary embedding of one head (Rotate).
	rotate func(lo, hi, cos, sin []float32)
	// fixedDot is the mixer's expected logit (FixedDot).
	fixedDot func(f []uint32, x []float32) int64
	// adam is a step of dynamic evaluation's optimiser (Adam).
	adam func(w, g, m, v []float32, c *AdamStep)
}

// A matmulFunc computes dst[r*N+n] for r < m and the columns n of panels
// [p0, p1) of w, from the left operand a (see lhs).
type matmulFunc func(dst []float32, a *lhs, m int, w *Matrix, p0, p1 int)

// genericImpl is the plain Go implementation, which defines the recipe.
var genericImpl = impl{
	name: "go",
	matmul: [numKinds]matmulFunc{
		Float32:  matmulGeneric,
		BFloat16: matmulBF16Generic,
		Int8:     matmulInt8Generic,
	},
	quantize:   quantizeGeneric,
	sum:        sumGeneric,
	sumSquares: sumSquaresGeneric,
	expShift:   expShiftGeneric,
	expFixed:   expFixedGeneric,
	swiglu:     swigluGeneric,
	scores:     scoresGeneric,
	mix:        mixGeneric,
	roundF16:   roundF16Generic,
	scoresF16:  scoresF16Generic,
	mixF16:     mixF16Generic,
	mixF16From: mixF16FromGeneric,
	scoresI8:   scoresI8Generic,
	mixI8:      mixI8Generic,
	scoresI8N:  scoresI8NGeneric,
	mixI8N:     mixI8NGeneric,
	mixI8From:  mixI8FromGeneric,
	mixI8NFrom: mixI8NFromGeneric,

	mulScaleMax: mulScaleMaxGeneric,
	scaleMul:    scaleMulGeneric,
	max:         maxGeneric,
	scaleAddMax: scaleAddMaxGeneric,
	biasStep:    biasStepGeneric,
	scaleFreqs:  scaleFreqsGeneric,
	rotate:      rotateGeneric,
	fixedDot:    fixedDotGeneric,
	adam:        adamGeneric,
}

// derive returns a copy of the plain Go implementation named name, for an
// architecture to replace the entries it implements.
func derive(name string) impl {
	s := genericImpl
	s.name = name
	return s
}

// impls lists the implementations this machine can run, preferred first:
// the architecture's (archImpls, none when built with the noasm tag) and
// the plain Go one last.
var impls = []*impl{&genericImpl}

// active is the implementation in use: the first of impls, or the one the
// environment variable LMZIP_KERNELS names (when this machine can run it),
// for tests and benchmarks of whole programs. Every implementation computes
// bit-identical results.
var active = &genericImpl

func init() {
	impls = append(archImpls(), &genericImpl)
	active = impls[0]
	if name := os.Getenv("LMZIP_KERNELS"); name != "" {
		for _, s := range impls {
			if s.name == name {
				active = s
			}
		}
	}
}

// Implementation names the kernels in use: "go" for the plain Go code, or
// the instruction set of the assembly ones ("avx512", "avx2", "neon").
func Implementation() string { return active.name }

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
			saved := active
			active = s
			return func() { active = saved }, nil
		}
	}
	return nil, fmt.Errorf("kernel: implementation %q not available (have %v)", name, Implementations())
}

// UseGeneric switches every kernel to the plain Go implementation and
// returns a function that restores the previous ones. It exists for tests
// and benchmarks that compare implementations.
func UseGeneric() (restore func()) {
	saved := active
	active = &genericImpl
	return func() { active = saved }
}

func float32frombits(b uint32) float32 { return math.Float32frombits(b) }
