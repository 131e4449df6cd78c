package kernel

import (
	"fmt"
	"math"
	"sync"
)

// The int8 storage kind: weights quantized per output, inputs quantized
// per row, exact integer dot products, and the two scales applied in a
// fixed float32 order (see MatMul and QuantizeRow).

// MaxInt8K is the largest number of inputs (K) of an Int8 matrix: the
// integer dot products, and the sums the kernels form on the way
// (Σ (q+128)·w, at most 255·127·K in magnitude), fit in an int32.
const MaxInt8K = 1 << 16

// quantTiny is the bit pattern of 2^-120: a row whose largest magnitude is
// below it quantizes to zeros with scale 0, so that 127/max is finite.
const quantTiny = 0x03800000

// QuantizeRow quantizes x symmetrically to int8 and returns the scale, so
// that x[i] ≈ float32(q[i])·scale. It is the quantizer of the Int8 kind,
// for weights (each output's row, when the matrix is made) and for the
// rows a product multiplies them with (at every product), defined exactly:
//
//   - a = max |x[i]|, found by comparing the magnitudes' bit patterns
//     (exact; no float32 arithmetic).
//   - If a is Inf or NaN, q is all zeros and the scale is NaN (so every
//     product with the row is NaN). If a < 2^-120 (including a row of
//     zeros), q is all zeros and the scale is 0.
//   - Otherwise, in float32 arithmetic: inv = 127/a, scale = a/127, and
//     q[i] = round(float32(x[i]·inv)) with round to nearest, ties to even,
//     done as float32(t+1.5·2^23) - 1.5·2^23. As inv is within half an
//     ulp of 127/a, |t| < 127.5 and q[i] is in [-127, 127]: -128 never
//     occurs.
//
// Only correctly rounded float32 multiplication, division and addition are
// used, so every machine computes the same q and scale. len(q) must be at
// least len(x).
func QuantizeRow(q []int8, x []float32) (scale float32) {
	if len(x) > quantizeFast && active != &genericImpl {
		return quantizeRowKernel(q, x)
	}
	if s, ok := quantizeRowArch(q, x); ok {
		return s
	}
	return quantizeRowGo(q, x)
}

// quantizeFast is the longest row QuantizeRow quantizes in plain Go: a KV
// cache's head vectors, quantized one at a time, would cost more in heap
// allocations than the kernels save.
const quantizeFast = 256

// quantizeRowKernel is QuantizeRow by the implementation's kernel, which
// computes the same q and scale. The kernel writes into buffers of its own
// and q gets a copy, so that q does not escape to the heap: callers keep
// their buffers on the stack.
func quantizeRowKernel(q []int8, x []float32) float32 {
	q8, u := make([]int8, len(x)), make([]uint8, len(x))
	s := active.quantize(q8, u, x)
	copy(q, q8)
	return s
}

// quantizeRowGo is QuantizeRow in plain Go, the definition.
func quantizeRowGo(q []int8, x []float32) (scale float32) {
	q = q[:len(x)]
	var amax uint32
	for _, v := range x {
		if b := math.Float32bits(v) & 0x7fffffff; b > amax {
			amax = b
		}
	}
	inv, scale, ok := quantScale(amax)
	if !ok {
		clear(q)
		return scale
	}
	quantizeTo(q, nil, x, inv)
	return scale
}

// quantScale returns, for a row whose largest magnitude has the bit
// pattern amax, 127/a and the scale a/127, or ok false and the scale of a
// row that quantizes to zeros (NaN or 0; see QuantizeRow).
func quantScale(amax uint32) (inv, scale float32, ok bool) {
	switch {
	case amax >= 0x7f800000:
		return 0, float32(math.NaN()), false
	case amax < quantTiny:
		return 0, 0, false
	}
	a := math.Float32frombits(amax)
	return 127 / a, a / 127, true
}

// quantizeTo sets q[i] = round-to-nearest-even(float32(x[i]·inv)) and, if
// u is not nil, u[i] = q[i]+128.
func quantizeTo(q []int8, u []uint8, x []float32, inv float32) {
	q = q[:len(x)]
	for i, v := range x {
		t := float32(v * inv)
		q[i] = int8(float32(t+roundBias) - roundBias)
	}
	if u != nil {
		u = u[:len(x)]
		for i, v := range q {
			u[i] = uint8(v) ^ 0x80
		}
	}
}

// quantizeGeneric is QuantizeRow that also sets u[i] = q[i]+128: the
// implementations' quantize entry, by which the Int8 product prepares its
// rows.
func quantizeGeneric(q []int8, u []uint8, x []float32) float32 {
	s := quantizeRowGo(q, x)
	u = u[:len(x)]
	for i, v := range q[:len(x)] {
		u[i] = uint8(v) ^ 0x80
	}
	return s
}

// k4 returns K rounded up to a multiple of 4.
func k4(K int) int { return (K + 3) &^ 3 }

// packInt8 quantizes each output o's weights at(o, 0..K-1) with
// QuantizeRow into the Int8 layout (see Matrix).
func packInt8(w *Matrix, at func(o, i int) float32) {
	out, in := w.N, w.K
	if in > MaxInt8K {
		panic(fmt.Sprintf("kernel: an int8 matrix with %d inputs (at most %d)", in, MaxInt8K))
	}
	K4, np := k4(in), panels(out)
	w.i8 = make([]int8, np*K4*panelWidth)
	w.scale = make([]float32, np*panelWidth)
	w.corr = make([]int32, np*panelWidth)
	row := make([]float32, in)
	q := make([]int8, in)
	for o := 0; o < out; o++ {
		for i := range row {
			row[i] = at(o, i)
		}
		w.scale[o] = QuantizeRow(q, row)
		p, c := o/panelWidth, o%panelWidth
		block := w.i8[p*K4*panelWidth : (p+1)*K4*panelWidth]
		var sum int32
		for i, v := range q {
			block[(i/4)*4*panelWidth+c*4+i%4] = v
			sum += int32(v)
		}
		w.corr[o] = -128 * sum
	}
}

func atInt8(w *Matrix, k, n int) float32 {
	p, c := n/panelWidth, n%panelWidth
	K4 := k4(w.K)
	return float32(w.i8[p*K4*panelWidth+(k/4)*4*panelWidth+c*4+k%4]) * w.scale[n]
}

// int8Rows holds the quantized forms of a product's rows (see lhs); they
// are pooled so that products do not allocate.
type int8Rows struct {
	q     []int8
	u     []uint8
	scale []float32
}

var int8Pool = sync.Pool{New: func() any { return new(int8Rows) }}

// prepareInt8 quantizes the m rows of a.x (K values each) with QuantizeRow.
func prepareInt8(a *lhs, m, K int) {
	b := int8Pool.Get().(*int8Rows)
	K4 := k4(K)
	n := m * K4
	if cap(b.q) < n {
		b.q, b.u = make([]int8, n), make([]uint8, n)
	}
	if cap(b.scale) < m {
		b.scale = make([]float32, m)
	}
	q, u, scale := b.q[:n], b.u[:n], b.scale[:m]
	quantize := func(r0, r1 int) {
		for r := r0; r < r1; r++ {
			qr, ur := q[r*K4:r*K4+K4], u[r*K4:r*K4+K4]
			scale[r] = active.quantize(qr, ur, a.x[r*K:r*K+K])
			clear(qr[K:])
			for i := K; i < K4; i++ {
				ur[i] = 0x80
			}
		}
	}
	// Many rows are shared among the threads (each row's result is the same).
	if workers := min(Threads(), m*K/(16<<10)); workers > 1 {
		Parallel(workers, func(t int) { quantize(t*m/workers, (t+1)*m/workers) })
	} else {
		quantize(0, m)
	}
	a.k4, a.q, a.u, a.scale, a.buf = K4, q, u, scale, b
}

// release returns a's quantized rows to the pool.
func (a *lhs) release() {
	if a.buf != nil {
		int8Pool.Put(a.buf)
		a.buf, a.q, a.u, a.scale = nil, nil, nil, nil
	}
}

// matmulInt8Generic is the Int8 product (see MatMul): for each output, the
// exact integer dot product of the quantized row and column, then
// float32(float32(acc)·sx[r])·sw[n].
func matmulInt8Generic(dst []float32, a *lhs, m int, w *Matrix, p0, p1 int) {
	N, K4 := w.N, a.k4
	var acc [panelWidth]int32
	for p := p0; p < p1; p++ {
		block := w.i8[p*K4*panelWidth : (p+1)*K4*panelWidth]
		cols := min(panelWidth, N-p*panelWidth)
		sw := w.scale[p*panelWidth : p*panelWidth+cols]
		for r := 0; r < m; r++ {
			acc = [panelWidth]int32{}
			xr := a.q[r*K4 : r*K4+K4]
			for g := 0; g < K4; g += 4 {
				x0, x1, x2, x3 := int32(xr[g]), int32(xr[g+1]), int32(xr[g+2]), int32(xr[g+3])
				wg := block[g*panelWidth : g*panelWidth+4*panelWidth]
				for c := range acc {
					wc := wg[4*c : 4*c+4]
					acc[c] += x0*int32(wc[0]) + x1*int32(wc[1]) + x2*int32(wc[2]) + x3*int32(wc[3])
				}
			}
			sx := a.scale[r]
			out := dst[r*N+p*panelWidth : r*N+p*panelWidth+cols]
			for c := range out {
				out[c] = float32(float32(acc[c])*sx) * sw[c]
			}
		}
	}
}
