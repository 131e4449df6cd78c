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
	before, bytesBefore := work.matmul[k].Load(), work.bytes.Load()
	rate := repeatFor(d, now, func() { MatMul(dst, x, ceilingRows, m) })
	work.matmul[k].Store(before) // the measurement is not the program's work
	work.bytes.Store(bytesBefore)
	return rate * 2 * ceilingRows * ceilingK * ceilingN
}

// repeatFor runs f once to warm up (pools, caches), then again and again
// until about d has passed as measured by now (a clock that only goes
// forward; nil means the wall clock), and returns how many times a second
// it ran.
func repeatFor(d time.Duration, now func() time.Duration, f func()) float64 {
	if now == nil {
		t0 := time.Now()
		now = func() time.Duration { return time.Since(t0) }
	}
	f()
	start := now()
	n := 0
	for n == 0 || now()-start < d {
		f()
		n++
	}
	return float64(n) / (now() - start).Seconds()
}

// The shape of Ceiling's products: about a transformer layer's
// projections, with rows enough for every thread.
const (
	ceilingRows = 16 * matmulRowTile
	ceilingK    = 768
	ceilingN    = 2048
)

// MemoryCeiling measures how fast threads threads read memory, in bytes
// per second: each sums its share of a buffer of MemoryCeilingBytes (far
// larger than the processor's caches) with the vector kernels, over and
// over for about d as measured by now (nil: the wall clock).
func MemoryCeiling(threads int, d time.Duration, now func() time.Duration) float64 {
	old := SetThreads(threads)
	defer SetThreads(old)
	buf := make([]float32, MemoryCeilingBytes/4)
	for i := range buf {
		buf[i] = 1 // touched, so that every page is real memory
	}
	part := len(buf) / threads
	pass := func() {
		Parallel(threads, func(w int) { Sum(buf[w*part : (w+1)*part]) })
	}
	return repeatFor(d, now, pass) * float64(threads*part*4)
}

// MemoryCeilingBytes is the size of MemoryCeiling's buffer.
const MemoryCeilingBytes = 256 << 20
