package kernel

import (
	"math/rand/v2"
	"time"
)

// Ceiling measures how fast MatMul runs on this machine with matrices of
// kind k on threads threads, in operations per second (a multiply-add is
// two): the products of ceilingRows rows with a ceilingK×ceilingN matrix,
// repeated for about d as measured by now (a clock that only goes forward;
// nil means the wall clock). It is the ceiling that lmzip bench compares a
// model's arithmetic with: products of many rows, whose weights the
// kernels reuse from cache, run as fast as these kernels can.
func Ceiling(k Kind, threads int, d time.Duration, now func() time.Duration) float64 {
	if now == nil {
		t0 := time.Now()
		now = func() time.Duration { return time.Since(t0) }
	}
	old := SetThreads(threads)
	defer SetThreads(old)
	rng := rand.New(rand.NewPCG(1, 2))
	w := make([]float32, ceilingN*ceilingK)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	x := make([]float32, ceilingRows*ceilingK)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	m := NewMatrixOf(k, w, ceilingN, ceilingK)
	dst := make([]float32, ceilingRows*ceilingN)
	MatMul(dst, x, ceilingRows, m) // warm up: pools, caches
	before := work.matmul[k].Load()
	start := now()
	n := 0
	for n == 0 || now()-start < d {
		MatMul(dst, x, ceilingRows, m)
		n++
	}
	el := now() - start
	work.matmul[k].Store(before) // the measurement is not the program's work
	return float64(n) * 2 * ceilingRows * ceilingK * ceilingN / el.Seconds()
}

// The shape of Ceiling's products: about a transformer layer's
// projections, with rows enough for every thread.
const (
	ceilingRows = 16 * matmulRowTile
	ceilingK    = 768
	ceilingN    = 2048
)
