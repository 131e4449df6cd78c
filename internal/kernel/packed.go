package kernel

import "fmt"

// Float32 matrices whose weights change in place: dynamic evaluation keeps
// a model's adapted weights, their gradients and the optimizer's moments in
// the packed layout of the matrices the forward pass multiplies by, so that
// an optimizer step (elementwise) updates the matrix itself and nothing has
// to be packed again after it. These are the operations that layout needs.

// Float32s returns the values of a float32 matrix as it stores them: panel
// p of W's columns is a K×panelWidth row-major block, W[k][n] at
// [(n/64)·K·64 + k·64 + n%64], the columns past N zero. Changing them
// changes the matrix (no product may run with it meanwhile); an
// elementwise update that keeps zeros zero (as an optimizer step with zero
// gradients does) keeps the padding zero. It panics for other kinds.
func (m *Matrix) Float32s() []float32 {
	if m.kind != Float32 {
		panic(fmt.Sprintf("kernel.Float32s: a %v matrix", m.kind))
	}
	return m.f32
}

// PackedLen returns the number of values Float32s holds for a float32
// matrix of N outputs of K inputs (NewMatrixT(x, K, N) and MatMulPacked's
// dst for K rows of x).
func PackedLen(K, N int) int { return panels(N) * K * panelWidth }

// Column sets dst[k] to W[k][n] for every input k of a float32 matrix: the
// weights of output n (for a matrix made by NewMatrix(w, out, in), the row
// w[n*in:(n+1)*in]).
func (m *Matrix) Column(dst []float32, n int) {
	if m.kind != Float32 || n < 0 || n >= m.N || len(dst) < m.K {
		panic(fmt.Sprintf("kernel.Column: column %d of a %v matrix %d×%d into %d values", n, m.kind, m.K, m.N, len(dst)))
	}
	src := m.f32[(n/panelWidth)*m.K*panelWidth+n%panelWidth:]
	for k := range dst[:m.K] {
		dst[k] = src[k*panelWidth]
	}
}

// AddToColumn adds v to column n of packed, the Float32s of a matrix of K
// inputs (or its gradient, kept in that layout): packed's W[k][n] +=
// v[k] for every k < K, each a float32 addition.
func AddToColumn(packed []float32, K, n int, v []float32) {
	if n < 0 || K < 0 || len(v) < K || len(packed) < PackedLen(K, n+1) {
		panic(fmt.Sprintf("kernel.AddToColumn: column %d of %d values of %d inputs, from %d", n, len(packed), K, len(v)))
	}
	col := packed[(n/panelWidth)*K*panelWidth+n%panelWidth:]
	for k, x := range v[:K] {
		col[k*panelWidth] += x
	}
}

// MatMulPacked computes the product of MatMul(p, x, m, w) for a float32
// matrix w, the same bits, and stores it in dst packed as NewMatrixT(p, m,
// w.N) would pack it: dst (PackedLen(m, w.N) values) is then the Float32s
// of a matrix of w.N outputs of m inputs. The padding past w.N is set to
// zero.
func MatMulPacked(dst, x []float32, m int, w *Matrix) {
	if w.kind != Float32 || m < 0 || len(x) < m*w.K || len(dst) < PackedLen(m, w.N) {
		panic(fmt.Sprintf("kernel.MatMulPacked: %v matrix %d×%d, x %d values, dst %d, %d rows", w.kind, w.K, w.N, len(x), len(dst), m))
	}
	if m == 0 {
		return
	}
	work.matmul[w.kind].Add(2 * uint64(m) * uint64(w.K) * uint64(w.N))
	work.bytes.Add(uint64(w.Bytes()))
	a := &lhs{x: x[:m*w.K]}
	f := active.matmul[Float32]
	np := panels(w.N)
	// Each panel of w is a matrix of panelWidth outputs, whose product
	// MatMul's kernels write as m rows of panelWidth values: that block is
	// the product's panel in dst.
	run := func(p0, p1 int) {
		view := &Matrix{K: w.K, N: panelWidth, kind: Float32}
		for p := p0; p < p1; p++ {
			view.f32 = w.f32[p*w.K*panelWidth : (p+1)*w.K*panelWidth]
			block := dst[p*m*panelWidth : (p+1)*m*panelWidth]
			f(block, a, m, view, 0, 1)
			if cols := w.N - p*panelWidth; cols < panelWidth {
				for r := 0; r < m; r++ {
					clear(block[r*panelWidth+cols : (r+1)*panelWidth])
				}
			}
		}
	}
	split(np, 2*m*w.K*w.N >= 1<<17, run) // (MatMul's threshold)
}

// SetTransposed makes m (which may be a zero Matrix) the float32 matrix
// of w's transpose, reusing its memory: w.N inputs and w.K outputs, the
// weight from input n to output k being w's from k to n, so that
// MatMul(dst, v, m, SetTransposed(w)) computes v·Wᵀ. w must be a float32
// matrix whose values m does not share (m is not w, nor a copy of it); the
// result is NewMatrixT(t, w.N, w.K) with t[n*K+k] = W[k][n].
func (m *Matrix) SetTransposed(w *Matrix) {
	if w.kind != Float32 {
		panic(fmt.Sprintf("kernel.SetTransposed: a %v matrix", w.kind))
	}
	if m == w || len(m.f32) > 0 && len(w.f32) > 0 && &m.f32[:cap(m.f32)][cap(m.f32)-1] == &w.f32[:cap(w.f32)][cap(w.f32)-1] {
		panic("kernel.SetTransposed: the matrix and its transpose share their values")
	}
	K, N := w.K, w.N // of w; m has N inputs and K outputs
	n := PackedLen(N, K)
	*m = Matrix{K: N, N: K, kind: Float32, f32: m.f32[:0]}
	if cap(m.f32) < n {
		m.f32 = make([]float32, n)
	}
	m.f32 = m.f32[:n]
	// w's panel p, rows [q·64, q·64+64) is a 64×64 block (columns n of
	// the panel, inputs k); transposed, it is m's panel q, rows [p·64,
	// p·64+64): m's weight (n → k) at [q·N·64 + n·64 + k%64].
	srcPanels, dstPanels := panels(N), panels(K)
	run := func(p0, p1 int) {
		for p := p0; p < p1; p++ {
			cols := min(panelWidth, N-p*panelWidth)
			src := w.f32[p*K*panelWidth : (p+1)*K*panelWidth]
			for q := range dstPanels {
				ks := min(panelWidth, K-q*panelWidth)
				dst := m.f32[q*N*panelWidth+p*panelWidth*panelWidth:]
				block := src[q*panelWidth*panelWidth:]
				block = block[:(ks-1)*panelWidth+cols]
				c := 0
				for ; c+8 <= cols; c += 8 {
					// Eight columns at a time: eight values read side by
					// side, written to eight rows.
					r0 := dst[c*panelWidth : c*panelWidth+ks]
					r1 := dst[(c+1)*panelWidth : (c+1)*panelWidth+ks]
					r2 := dst[(c+2)*panelWidth : (c+2)*panelWidth+ks]
					r3 := dst[(c+3)*panelWidth : (c+3)*panelWidth+ks]
					r4 := dst[(c+4)*panelWidth : (c+4)*panelWidth+ks]
					r5 := dst[(c+5)*panelWidth : (c+5)*panelWidth+ks]
					r6 := dst[(c+6)*panelWidth : (c+6)*panelWidth+ks]
					r7 := dst[(c+7)*panelWidth : (c+7)*panelWidth+ks]
					for k := range r0 {
						v := block[k*panelWidth+c : k*panelWidth+c+8]
						r0[k], r1[k], r2[k], r3[k] = v[0], v[1], v[2], v[3]
						r4[k], r5[k], r6[k], r7[k] = v[4], v[5], v[6], v[7]
					}
				}
				for ; c < cols; c++ {
					row := dst[c*panelWidth : c*panelWidth+ks]
					for k := range row {
						row[k] = block[k*panelWidth+c]
					}
				}
				if ks < panelWidth {
					for c := 0; c < cols; c++ {
						clear(dst[c*panelWidth+ks : (c+1)*panelWidth])
					}
				}
			}
		}
	}
	split(srcPanels, K*N >= parallelCopy, run)
}
