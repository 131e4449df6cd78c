package kernel

import (
	"fmt"
	"runtime"
	"sync"
)

// MatMul computes dst[r*N+n] = Σ_k x[r*K+k]·W[k][n] for r < m, n < N.
//
// For a Float32 or BFloat16 matrix the terms are added in order of k
// starting from zero, each product rounded to float32 before it is added;
// a BFloat16 matrix gives the same results as the Float32 matrix of its
// (widened) values, reading half the bytes.
//
// For an Int8 matrix each row of x is quantized as QuantizeRow does, to
// q[r][k] with scale sx[r]; with the matrix's int8 weights qw[k][n] and
// column scales sw[n] the result is
//
//	dst[r][n] = float32(float32(acc)·sx[r]) · sw[n],  acc = Σ_k q[r][k]·qw[k][n]
//
// where acc is computed exactly in integers (K is at most MaxInt8K).
//
// The work is shared among the goroutines of the package's pool; the
// result does not depend on how it is shared, nor on the other rows.
func MatMul(dst, x []float32, m int, w *Matrix) {
	if m == 0 {
		return
	}
	if m < 0 || len(x) < m*w.K || len(dst) < m*w.N {
		panic(fmt.Sprintf("kernel.MatMul: x has %d values, dst %d, for %d rows of %d×%d", len(x), len(dst), m, w.K, w.N))
	}
	work.matmul[w.kind].Add(2 * uint64(m) * uint64(w.K) * uint64(w.N))
	work.bytes.Add(uint64(w.Bytes())) // what a product reads at least
	a := &lhs{x: x[:m*w.K]}
	if prep := kinds[w.kind].prepare; prep != nil {
		prep(a, m, w.K)
		defer a.release()
	}
	f := active.matmul[w.kind]
	panels := panels(w.N)
	flops := 2 * m * w.K * w.N
	workers := Threads()
	if flops < 1<<17 || workers == 1 {
		f(dst, a, m, w, 0, panels)
		return
	}
	if panels%workers != 0 && m >= 4*matmulRowTile*workers {
		// The panels do not split evenly but there are many rows: give each
		// worker a band of rows (whole tiles) and all the panels. Each output
		// is computed by the same sequence of operations either way.
		tiles := (m + matmulRowTile - 1) / matmulRowTile
		N := w.N
		Parallel(workers, func(t int) {
			r0 := min(m, t*tiles/workers*matmulRowTile)
			r1 := min(m, (t+1)*tiles/workers*matmulRowTile)
			if r1 > r0 {
				f(dst[r0*N:r1*N], a.rows(r0, r1, w.K), r1-r0, w, 0, panels)
			}
		})
		return
	}
	if workers > panels {
		workers = panels
	}
	Parallel(workers, func(t int) {
		p0, p1 := t*panels/workers, (t+1)*panels/workers
		f(dst, a, m, w, p0, p1)
	})
}

// lhs is the left operand of a matrix product, m rows of K values, in the
// forms the kernels of the matrix's kind take: x as given, and for Int8
// (prepareInt8) the rows quantized to q (int8, each row k4 values long,
// K rounded up to a multiple of 4 and padded with zeros), the same as
// u = q+128 (unsigned bytes, for the AVX-512 VNNI kernel, whose
// multiplications take one unsigned operand) and their scales.
type lhs struct {
	x     []float32
	k4    int
	q     []int8
	u     []uint8
	scale []float32
	buf   *int8Rows // where q, u and scale came from, to be released
}

// rows returns the operand made of rows [r0, r1) of a.
func (a *lhs) rows(r0, r1, K int) *lhs {
	b := &lhs{x: a.x[r0*K : r1*K], k4: a.k4}
	if a.q != nil {
		b.q, b.u = a.q[r0*a.k4:r1*a.k4], a.u[r0*a.k4:r1*a.k4]
		b.scale = a.scale[r0:r1]
	}
	return b
}

func matmulGeneric(dst []float32, a *lhs, m int, w *Matrix, p0, p1 int) {
	K, N, x := w.K, w.N, a.x
	var acc [panelWidth]float32
	for p := p0; p < p1; p++ {
		block := w.f32[p*K*panelWidth : (p+1)*K*panelWidth]
		cols := min(panelWidth, N-p*panelWidth)
		for r := 0; r < m; r++ {
			acc = [panelWidth]float32{}
			xr := x[r*K : r*K+K]
			for k, xv := range xr {
				wk := block[k*panelWidth : k*panelWidth+panelWidth]
				for c := range acc {
					acc[c] += float32(xv * wk[c])
				}
			}
			copy(dst[r*N+p*panelWidth:r*N+p*panelWidth+cols], acc[:cols])
		}
	}
}

func matmulBF16Generic(dst []float32, a *lhs, m int, w *Matrix, p0, p1 int) {
	K, N, x := w.K, w.N, a.x
	var acc [panelWidth]float32
	for p := p0; p < p1; p++ {
		block := w.u16[p*K*panelWidth : (p+1)*K*panelWidth]
		cols := min(panelWidth, N-p*panelWidth)
		for r := 0; r < m; r++ {
			acc = [panelWidth]float32{}
			xr := x[r*K : r*K+K]
			for k, xv := range xr {
				wk := block[k*panelWidth : k*panelWidth+panelWidth]
				for c := range acc {
					acc[c] += float32(xv * BF16ToFloat32(wk[bf16Pos[c]]))
				}
			}
			copy(dst[r*N+p*panelWidth:r*N+p*panelWidth+cols], acc[:cols])
		}
	}
}

// BF16ToFloat32 converts a bfloat16 bit pattern to float32 (exactly).
func BF16ToFloat32(b uint16) float32 {
	return float32frombits(uint32(b) << 16)
}

var (
	threadsMu sync.Mutex
	threads   = runtime.GOMAXPROCS(0)
)

// SetThreads sets how many goroutines MatMul and Parallel use (at least 1).
// It returns the previous value. Results never depend on it.
func SetThreads(n int) int {
	threadsMu.Lock()
	defer threadsMu.Unlock()
	old := threads
	threads = max(n, 1)
	return old
}

// Threads returns the number of goroutines the kernels use.
func Threads() int {
	threadsMu.Lock()
	defer threadsMu.Unlock()
	return threads
}
