package kernel

import (
	"fmt"
	"math"
)

// Kind is how a Matrix stores its weights. The storage kind is part of what
// a product computes: a float32 matrix and a bfloat16 matrix of the same
// (bfloat16) values give identical products, but rounding weights to
// bfloat16 or quantizing them to int8 changes the results, so an engine
// that does so follows its own recipe (see the package documentation).
type Kind uint8

// The storage kinds. Adding one is one entry in the kinds table (how to pack,
// read back and size it, and how to prepare the rows it is multiplied with)
// and one matmul entry in genericImpl.
const (
	// Float32 stores the weights as they are.
	Float32 Kind = iota
	// BFloat16 stores each weight as bfloat16 (the top 16 bits of its
	// float32), rounded to nearest even if it is not already one (RoundBF16);
	// products widen the weights exactly.
	BFloat16
	// Int8 stores each output's weights (a row of the Hugging Face matrix)
	// as int8 values with a float32 scale (QuantizeRow); products quantize
	// the input rows the same way and multiply in exact integer arithmetic
	// (see MatMul).
	Int8
	numKinds
)

// kindInfo is one storage kind's entry in the kinds table.
type kindInfo struct {
	name string
	// pack stores the weights, given as at(o, i) for output o < w.N and
	// input i < w.K, in w (whose K, N and kind are set).
	pack func(w *Matrix, at func(o, i int) float32)
	// at returns W[k][n] as stored (for Int8, the value float32(q)·scale).
	at func(w *Matrix, k, n int) float32
	// bytes is the memory w's storage takes.
	bytes func(w *Matrix) int
	// prepare, if not nil, sets the kind's form of the m rows of a.x
	// (K values each) in a, before the product (see lhs).
	prepare func(a *lhs, m, K int)
}

var kinds = [numKinds]kindInfo{
	Float32: {
		name: "float32",
		pack: packFloat32,
		at: func(w *Matrix, k, n int) float32 {
			return w.f32[(n/panelWidth)*w.K*panelWidth+k*panelWidth+n%panelWidth]
		},
		bytes: func(w *Matrix) int { return 4 * len(w.f32) },
	},
	BFloat16: {
		name: "bfloat16",
		pack: func(w *Matrix, at func(o, i int) float32) {
			packBF16(w, func(o, i int) uint16 { return RoundBF16(at(o, i)) })
		},
		at: func(w *Matrix, k, n int) float32 {
			return BF16ToFloat32(w.u16[(n/panelWidth)*w.K*panelWidth+k*panelWidth+int(bf16Pos[n%panelWidth])])
		},
		bytes: func(w *Matrix) int { return 2 * len(w.u16) },
	},
	Int8: {
		name:    "int8",
		pack:    packInt8,
		at:      atInt8,
		bytes:   func(w *Matrix) int { return len(w.i8) + 4*len(w.scale) + 4*len(w.corr) },
		prepare: prepareInt8,
	},
}

// String returns the kind's name: "float32", "bfloat16" or "int8".
func (k Kind) String() string {
	if k < numKinds {
		return kinds[k].name
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind returns the kind that String names.
func ParseKind(s string) (Kind, error) {
	for k := range numKinds {
		if kinds[k].name == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("kernel: unknown matrix kind %q", s)
}

// Matrix is a weight matrix W with K rows (inputs) and N columns (outputs),
// packed for MatMul in one of the storage kinds. It is safe for concurrent
// use, and read-only after construction except through SetFloat32,
// Float32s and SetTransposed, for weights that change between products
// (no product may run with the matrix meanwhile).
//
// Every kind stores W in panels of panelWidth columns: panel p holds
// columns p*panelWidth ... (p+1)*panelWidth-1, zero-padded past N, so that
// the kernels compute a panel's columns side by side.
type Matrix struct {
	K, N int
	kind Kind
	// Float32: panel p is a K×panelWidth row-major block; W[k][n] is at
	// f32[(n/panelWidth)*K*panelWidth + k*panelWidth + n%panelWidth].
	f32 []float32
	// BFloat16: bfloat16 bit patterns in the same panel layout except that
	// within each group of 32 columns the values are interleaved (see
	// bf16Pos), so that the assembly widens them with a shift and a mask.
	u16 []uint16
	// Int8: panel p is K4/4 groups of 4 inputs (K4 = K rounded up to a
	// multiple of 4, padded with zeros); a group holds, for each of the
	// panelWidth columns in turn, the column's 4 weights: W[k][n] is at
	// i8[(n/panelWidth)*K4*panelWidth + (k/4)*4*panelWidth + (n%panelWidth)*4 + k%4].
	i8 []int8
	// Int8: the scale of column n (0 past N), and corr[n] = -128·Σ_k W[k][n]
	// (the correction for inputs offset by +128, see lhs).
	scale []float32
	corr  []int32
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
func NewMatrix(w []float32, out, in int) *Matrix { return NewMatrixOf(Float32, w, out, in) }

// NewMatrixOf packs w (out rows of in values, as NewMatrix takes it) in
// storage kind k: as is (Float32), rounded to bfloat16 (BFloat16, see
// RoundBF16) or quantized per output row (Int8, see QuantizeRow). All
// matrix constructors come here.
func NewMatrixOf(k Kind, w []float32, out, in int) *Matrix {
	if len(w) < out*in {
		panic(fmt.Sprintf("kernel.NewMatrixOf: %d values for a %d×%d matrix", len(w), out, in))
	}
	return newMatrix(k, out, in, func(o, i int) float32 { return w[o*in+i] })
}

// NewMatrixFunc is NewMatrixOf for weights given as at(o, i), the weight
// from input i to output o, read once each in an order of the kind's
// choosing: for large matrices read straight from a checkpoint, without a
// float32 copy.
func NewMatrixFunc(k Kind, out, in int, at func(o, i int) float32) *Matrix {
	return newMatrix(k, out, in, at)
}

// NewMatrixBF16 is NewMatrix for weights stored as bfloat16 bit patterns
// (the matrix holds them as float32; see NewMatrixBF16Packed).
func NewMatrixBF16(w []uint16, out, in int) *Matrix {
	if len(w) < out*in {
		panic(fmt.Sprintf("kernel.NewMatrixBF16: %d values for a %d×%d matrix", len(w), out, in))
	}
	return newMatrix(Float32, out, in, func(o, i int) float32 { return BF16ToFloat32(w[o*in+i]) })
}

// NewMatrixBF16Packed is NewMatrixBF16 keeping the weights as bfloat16
// (kind BFloat16): the matrix takes half the memory, and MatMul widens each
// weight exactly (bits<<16) before using it, so that its results are
// bit-identical to those of NewMatrixBF16(w, out, in).
func NewMatrixBF16Packed(w []uint16, out, in int) *Matrix {
	if len(w) < out*in {
		panic(fmt.Sprintf("kernel.NewMatrixBF16Packed: %d values for a %d×%d matrix", len(w), out, in))
	}
	return newMatrix(BFloat16, out, in, func(o, i int) float32 { return BF16ToFloat32(w[o*in+i]) })
}

func newMatrix(k Kind, out, in int, at func(o, i int) float32) *Matrix {
	if k >= numKinds {
		panic(fmt.Sprintf("kernel: matrix kind %v", k))
	}
	if out < 0 || in < 0 {
		panic(fmt.Sprintf("kernel: a %d×%d matrix", out, in))
	}
	w := &Matrix{K: in, N: out, kind: k}
	kinds[k].pack(w, at)
	return w
}

// panels returns the number of panels of a matrix with N columns.
func panels(N int) int { return (N + panelWidth - 1) / panelWidth }

func packFloat32(w *Matrix, at func(o, i int) float32) {
	out, in := w.N, w.K
	w.f32 = make([]float32, panels(out)*in*panelWidth)
	for p := range panels(out) {
		block := w.f32[p*in*panelWidth : (p+1)*in*panelWidth]
		for c := 0; c < panelWidth && p*panelWidth+c < out; c++ {
			o := p*panelWidth + c
			for i := 0; i < in; i++ {
				block[i*panelWidth+c] = at(o, i)
			}
		}
	}
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

func packBF16(w *Matrix, at func(o, i int) uint16) {
	out, in := w.N, w.K
	w.u16 = make([]uint16, panels(out)*in*panelWidth)
	for p := range panels(out) {
		block := w.u16[p*in*panelWidth : (p+1)*in*panelWidth]
		for c := 0; c < panelWidth && p*panelWidth+c < out; c++ {
			o := p*panelWidth + c
			for i := 0; i < in; i++ {
				block[i*panelWidth+int(bf16Pos[c])] = at(o, i)
			}
		}
	}
}

// RoundBF16 rounds x to bfloat16, to nearest with ties to even, and returns
// its bit pattern: a bfloat16 value (low 16 bits zero, NaNs included) is
// kept exactly,
// values beyond the largest bfloat16 round to ±Inf, subnormals are rounded
// like the rest (no flush to zero), and a NaN gives a quiet NaN of the same
// sign with the top of its payload. It is integer arithmetic on the bits,
// the same on every machine.
func RoundBF16(x float32) uint16 {
	b := math.Float32bits(x)
	if b&0xffff == 0 {
		return uint16(b >> 16) // a bfloat16 already, NaNs included
	}
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// Kind returns how w stores its weights.
func (w *Matrix) Kind() Kind { return w.kind }

// BF16 returns w with its weights stored as bfloat16, for which MatMul
// computes bit-identical results at half the memory traffic, or nil if w
// is not a float32 or bfloat16 matrix or some weight is not exactly a
// bfloat16 value (its low 16 bits are not zero). A matrix already stored
// as bfloat16 is returned as is.
func (w *Matrix) BF16() *Matrix {
	switch w.kind {
	case BFloat16:
		return w
	case Float32:
		for _, v := range w.f32 {
			if math.Float32bits(v)&0xffff != 0 {
				return nil
			}
		}
		return newMatrix(BFloat16, w.N, w.K, func(o, i int) float32 { return w.At(i, o) })
	}
	return nil
}

// IsBF16 reports whether w stores its weights as bfloat16.
func (w *Matrix) IsBF16() bool { return w.kind == BFloat16 }

// At returns W[k][n] (the weight from input k to output n) as stored; for
// an Int8 matrix, float32(q)·scale of its column.
func (w *Matrix) At(k, n int) float32 { return kinds[w.kind].at(w, k, n) }

// Bytes returns the memory the packed matrix occupies.
func (w *Matrix) Bytes() int { return kinds[w.kind].bytes(w) }

// NewMatrixT packs the transpose of x, a row-major matrix of rows×cols
// values, as a float32 matrix of cols outputs of rows inputs (the weight
// from input i to output o is x[i*cols+o]): MatMul(dst, v, m, NewMatrixT(x,
// rows, cols)) computes dst = v·x. Its bits are those of NewMatrixFunc with
// the same weights, packed faster.
func NewMatrixT(x []float32, rows, cols int) *Matrix {
	w := &Matrix{}
	w.SetT(x, rows, cols)
	return w
}

// SetT makes m (which may be a zero Matrix) the matrix NewMatrixT(x, rows,
// cols) returns, reusing its memory.
func (m *Matrix) SetT(x []float32, rows, cols int) {
	if len(x) < rows*cols {
		panic(fmt.Sprintf("kernel.NewMatrixT: %d values for a %d×%d matrix", len(x), rows, cols))
	}
	*m = Matrix{K: rows, N: cols, kind: Float32, f32: m.f32[:0]}
	n := panels(cols) * rows * panelWidth
	if cap(m.f32) < n {
		m.f32 = make([]float32, n)
	}
	m.f32 = m.f32[:n]
	np := panels(cols)
	pack := func(p0, p1 int) {
		for p := p0; p < p1; p++ {
			block := m.f32[p*rows*panelWidth : (p+1)*rows*panelWidth]
			n := min(panelWidth, cols-p*panelWidth)
			for i := 0; i < rows; i++ {
				copy(block[i*panelWidth:i*panelWidth+n], x[i*cols+p*panelWidth:i*cols+p*panelWidth+n])
				clear(block[i*panelWidth+n : (i+1)*panelWidth])
			}
		}
	}
	// A copy of a large matrix: the panels on Threads() goroutines.
	split(np, rows*cols >= parallelCopy, pack)
}

// parallelCopy is the number of values from which SetT, Transpose and
// SetTransposed share their work among goroutines.
const parallelCopy = 1 << 16

// split runs f over [0, n) cut into Threads() ranges, one goroutine each,
// when parallel, or as one range here.
func split(n int, parallel bool, f func(lo, hi int)) {
	workers := min(Threads(), n)
	if !parallel || workers <= 1 {
		f(0, n)
		return
	}
	Parallel(workers, func(t int) { f(t*n/workers, (t+1)*n/workers) })
}

// Transpose sets dst (cols×rows) to the transpose of x (rows×cols, row
// major): dst[c*rows+r] = x[r*cols+c]. It goes through the matrix in
// blocks of transposeTile×transposeTile values, so that both the reads and
// the writes of a block stay in the first-level cache, on Threads()
// goroutines when the matrix is large.
func Transpose(dst, x []float32, rows, cols int) {
	if rows < 0 || cols < 0 || len(x) < rows*cols || len(dst) < rows*cols {
		panic(fmt.Sprintf("kernel.Transpose: %d and %d values for a %d×%d matrix", len(x), len(dst), rows, cols))
	}
	bands := (cols + transposeTile - 1) / transposeTile
	band := func(b0, b1 int) { // the columns [b0, b1)·transposeTile of x
		for c0 := b0 * transposeTile; c0 < min(cols, b1*transposeTile); c0 += transposeTile {
			c1 := min(cols, c0+transposeTile)
			for r0 := 0; r0 < rows; r0 += transposeTile {
				r1 := min(rows, r0+transposeTile)
				for c := c0; c < c1; c++ {
					d := dst[c*rows+r0 : c*rows+r1]
					for i := range d {
						d[i] = x[(r0+i)*cols+c]
					}
				}
			}
		}
	}
	split(bands, rows*cols >= parallelCopy, band)
}

// transposeTile is the side of Transpose's blocks: 32×32 float32 values
// read and 32×32 written are 8 KiB.
const transposeTile = 32

// SetFloat32 packs w (out rows of in values, as NewMatrix takes it) into
// m, a float32 matrix of that shape, in place: for weights that change
// between products (no product may run with m meanwhile). Panels are
// packed on Threads() goroutines, each in tiles of setTile inputs, so that
// a tile's writes (setTile rows of a panel) stay in the first-level cache
// while it reads setTile values of each of the panel's rows, four rows at a
// time.
func (m *Matrix) SetFloat32(w []float32) {
	if m.kind != Float32 || len(w) < m.N*m.K {
		panic(fmt.Sprintf("kernel.SetFloat32: %v matrix %d×%d, %d values", m.kind, m.N, m.K, len(w)))
	}
	out, in := m.N, m.K
	np := panels(out)
	workers := min(Threads(), np)
	Parallel(workers, func(t int) {
		for p := t * np / workers; p < (t+1)*np/workers; p++ {
			block := m.f32[p*in*panelWidth : (p+1)*in*panelWidth]
			n := min(panelWidth, out-p*panelWidth)
			rows := w[p*panelWidth*in : (p*panelWidth+n)*in]
			for i0 := 0; i0 < in; i0 += setTile {
				i1 := min(in, i0+setTile)
				c := 0
				for ; c+4 <= n; c += 4 {
					r0, r1 := rows[c*in:(c+1)*in], rows[(c+1)*in:(c+2)*in]
					r2, r3 := rows[(c+2)*in:(c+3)*in], rows[(c+3)*in:(c+4)*in]
					for i := i0; i < i1; i++ {
						b := block[i*panelWidth+c : i*panelWidth+c+4]
						b[0], b[1], b[2], b[3] = r0[i], r1[i], r2[i], r3[i]
					}
				}
				for ; c < n; c++ {
					row := rows[c*in : (c+1)*in]
					for i := i0; i < i1; i++ {
						block[i*panelWidth+c] = row[i]
					}
				}
			}
		}
	})
}

// setTile is the inputs SetFloat32 packs at a time.
const setTile = 32
