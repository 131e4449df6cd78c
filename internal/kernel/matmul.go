package kernel

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Matrix is a weight matrix W with K rows (inputs) and N columns (outputs),
// packed for MatMul. It is read-only after construction and safe for
// concurrent use.
type Matrix struct {
	K, N int
	// data holds W in panels of panelWidth columns: panel p is a K×panelWidth
	// row-major block holding columns p*panelWidth ... (p+1)*panelWidth-1,
	// zero-padded past N. Element W[k][n] is at
	// data[(n/panelWidth)*K*panelWidth + k*panelWidth + n%panelWidth].
	data []float32
	// bf16, when not nil, holds the panels instead of data, as bfloat16 bit
	// patterns in the same panel layout except that within each group of 32
	// columns the values are interleaved (see bf16Pos), so that the
	// assembly widens them with a shift and a mask.
	bf16 []uint16
}

// panelWidth is the number of output columns a panel holds: four AVX-512
// vectors (eight AVX2 ones), the width of the assembly micro-kernels' tiles.
const panelWidth = 64

// matmulRowTile is the number of rows the assembly micro-kernels compute at
// once. MatMul aligns row splits to it.
const matmulRowTile = 6

// NewMatrix packs a weight stored as Hugging Face stores a Linear layer:
// out rows of in values each (W[o][i] at w[o*in+i]). The product
// MatMul(dst, x, m, W) then computes dst = x·Wᵀ, i.e. dst[r][o] = Σ_i x[r][i]·w[o][i].
func NewMatrix(w []float32, out, in int) *Matrix {
	if len(w) < out*in {
		panic(fmt.Sprintf("kernel.NewMatrix: %d values for a %d×%d matrix", len(w), out, in))
	}
	return newMatrix(out, in, func(o, i int) float32 { return w[o*in+i] })
}

// NewMatrixBF16 is NewMatrix for weights stored as bfloat16 bit patterns.
func NewMatrixBF16(w []uint16, out, in int) *Matrix {
	if len(w) < out*in {
		panic(fmt.Sprintf("kernel.NewMatrixBF16: %d values for a %d×%d matrix", len(w), out, in))
	}
	return newMatrix(out, in, func(o, i int) float32 { return BF16ToFloat32(w[o*in+i]) })
}

func newMatrix(out, in int, at func(o, i int) float32) *Matrix {
	panels := (out + panelWidth - 1) / panelWidth
	m := &Matrix{K: in, N: out, data: make([]float32, panels*in*panelWidth)}
	for p := 0; p < panels; p++ {
		block := m.data[p*in*panelWidth : (p+1)*in*panelWidth]
		for c := 0; c < panelWidth; c++ {
			o := p*panelWidth + c
			if o >= out {
				break
			}
			for i := 0; i < in; i++ {
				block[i*panelWidth+c] = at(o, i)
			}
		}
	}
	return m
}

// NewMatrixBF16Packed is NewMatrixBF16 keeping the weights as bfloat16:
// the matrix takes half the memory, and MatMul widens each weight exactly
// (bits<<16) before using it, so that its results are bit-identical to
// those of NewMatrixBF16(w, out, in).
func NewMatrixBF16Packed(w []uint16, out, in int) *Matrix {
	if len(w) < out*in {
		panic(fmt.Sprintf("kernel.NewMatrixBF16Packed: %d values for a %d×%d matrix", len(w), out, in))
	}
	return newMatrixBF16(out, in, func(o, i int) uint16 { return w[o*in+i] })
}

// bf16Pos[c] is where column c of a panel row lies in a bfloat16 panel row:
// within each group of 32 columns, column i (< 16) is at 2i and column 16+i
// at 2i+1, so that a 32-bit lane holds columns i (low half) and 16+i (high
// half).
var bf16Pos = func() (p [panelWidth]uint8) {
	for c := range p {
		g, i := c/32, c%32
		p[c] = uint8(g*32 + 2*(i%16) + i/16)
	}
	return p
}()

func newMatrixBF16(out, in int, at func(o, i int) uint16) *Matrix {
	panels := (out + panelWidth - 1) / panelWidth
	m := &Matrix{K: in, N: out, bf16: make([]uint16, panels*in*panelWidth)}
	for p := 0; p < panels; p++ {
		block := m.bf16[p*in*panelWidth : (p+1)*in*panelWidth]
		for c := 0; c < panelWidth; c++ {
			o := p*panelWidth + c
			if o >= out {
				break
			}
			for i := 0; i < in; i++ {
				block[i*panelWidth+int(bf16Pos[c])] = at(o, i)
			}
		}
	}
	return m
}

// BF16 returns w with its weights stored as bfloat16, for which MatMul
// computes bit-identical results at half the memory traffic, or nil if some
// weight is not exactly a bfloat16 value (its low 16 bits are not zero).
// A matrix already stored as bfloat16 is returned as is.
func (w *Matrix) BF16() *Matrix {
	if w.bf16 != nil {
		return w
	}
	for _, v := range w.data {
		if math.Float32bits(v)&0xffff != 0 {
			return nil
		}
	}
	return newMatrixBF16(w.N, w.K, func(o, i int) uint16 { return uint16(math.Float32bits(w.At(i, o)) >> 16) })
}

// IsBF16 reports whether w stores its weights as bfloat16.
func (w *Matrix) IsBF16() bool { return w.bf16 != nil }

// At returns W[k][n] (the weight from input k to output n).
func (w *Matrix) At(k, n int) float32 {
	p, c := n/panelWidth, n%panelWidth
	if w.bf16 != nil {
		return BF16ToFloat32(w.bf16[p*w.K*panelWidth+k*panelWidth+int(bf16Pos[c])])
	}
	return w.data[p*w.K*panelWidth+k*panelWidth+c]
}

// Bytes returns the memory the packed matrix occupies.
func (w *Matrix) Bytes() int { return 4*len(w.data) + 2*len(w.bf16) }

// MatMul computes dst[r*N+n] = Σ_k x[r*K+k]·W[k][n] for r < m, n < N, with
// the terms added in order of k starting from zero and each product rounded
// to float32 before it is added. A matrix stored as bfloat16 (BF16,
// NewMatrixBF16Packed) gives the same results as its float32 counterpart,
// reading half the bytes. The work is shared among the goroutines of
// the package's pool; the result does not depend on how it is shared.
func MatMul(dst, x []float32, m int, w *Matrix) {
	if m == 0 {
		return
	}
	if len(x) < m*w.K || len(dst) < m*w.N {
		panic(fmt.Sprintf("kernel.MatMul: x has %d values, dst %d, for %d rows of %d×%d", len(x), len(dst), m, w.K, w.N))
	}
	panels := (w.N + panelWidth - 1) / panelWidth
	flops := 2 * m * w.K * w.N
	workers := Threads()
	if flops < 1<<17 || workers == 1 {
		matmulPanels(dst, x, m, w, 0, panels)
		return
	}
	if panels%workers != 0 && m >= 4*matmulRowTile*workers {
		// The panels do not split evenly but there are many rows: give each
		// worker a band of rows (whole tiles) and all the panels. Each output
		// is computed by the same sequence of operations either way.
		tiles := (m + matmulRowTile - 1) / matmulRowTile
		K, N := w.K, w.N
		Parallel(workers, func(t int) {
			r0 := min(m, t*tiles/workers*matmulRowTile)
			r1 := min(m, (t+1)*tiles/workers*matmulRowTile)
			if r1 > r0 {
				matmulPanels(dst[r0*N:r1*N], x[r0*K:r1*K], r1-r0, w, 0, panels)
			}
		})
		return
	}
	if workers > panels {
		workers = panels
	}
	Parallel(workers, func(t int) {
		p0, p1 := t*panels/workers, (t+1)*panels/workers
		matmulPanels(dst, x, m, w, p0, p1)
	})
}

// matmulPanels computes the output columns of panels [p0, p1) for all rows.
func matmulPanels(dst, x []float32, m int, w *Matrix, p0, p1 int) {
	if w.bf16 != nil {
		matmulBF16Impl(dst, x, m, w, p0, p1)
		return
	}
	matmulImpl(dst, x, m, w, p0, p1)
}

func matmulGeneric(dst, x []float32, m int, w *Matrix, p0, p1 int) {
	K, N := w.K, w.N
	var acc [panelWidth]float32
	for p := p0; p < p1; p++ {
		block := w.data[p*K*panelWidth : (p+1)*K*panelWidth]
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

func matmulBF16Generic(dst, x []float32, m int, w *Matrix, p0, p1 int) {
	K, N := w.K, w.N
	var acc [panelWidth]float32
	for p := p0; p < p1; p++ {
		block := w.bf16[p*K*panelWidth : (p+1)*K*panelWidth]
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
