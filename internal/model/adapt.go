package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/lmzip/lmzip/internal/kernel"
)

// Dynamic evaluation: a model that learns the text it codes. After each
// segment of coded tokens, the code length of the segment's tokens is
// back-propagated through the network and the weights take one Adam step
// (Krause et al. 2018), so that the next tokens are predicted by a model
// that has seen these. Encoder and decoder take the same steps on the same
// tokens and keep the same weights.
//
// The gradient flows through the MLPs, the norms before them, the final
// norm and the token embedding (input and output), along the residual
// stream; the attention layers' outputs are constants of the step (their
// weights are not adapted, and no gradient crosses from one position to
// another). That is most of the gain (on alice29.txt 7.3% of the model's
// code length where adapting every weight gives 8.9%, docs/RATIO.md) for a
// backward pass that is row by row and a few matrix products.
//
// All of it is float32 arithmetic in a fixed order with explicit rounding
// (no fused multiply-add), and the products are kernel.MatMul's, whose
// results do not depend on the kernel, the threads or the batch: the
// weights after any number of steps are the same bits on every machine.
//
// An adapted matrix's weights, gradient and Adam moments are kept in the
// packed layout of the matrix the forward pass multiplies by
// (kernel.Matrix.Float32s), so that Adam's step, elementwise, updates the
// matrix in place; the backward pass computes the gradients in that layout
// (kernel.MatMulPacked) and transposes the matrices it multiplies by
// (kernel.Matrix.SetTransposed).

// headRows is the most rows whose logits the backward pass holds at once
// (a variable for the tests; a change of it changes the arithmetic).
var headRows = 128

// Adam's constants (torch's defaults).
const (
	adamBeta1 = 0.9
	adamBeta2 = 0.999
	adamEps   = 1e-8
)

// Adapter adapts a model's weights to the text it has run on.
type Adapter struct {
	m     *llama
	lr    float32
	b1t   float32 // adamBeta1^steps
	b2t   float32 // adamBeta2^steps
	steps int

	params []*adaptParam
	embed  *adaptParam // the token embedding (and the tied output head)
	head   *adaptParam // the output head when not tied; else embed
	norm   *adaptParam // the final norm
	layers []adaptLayer

	mu   sync.Mutex
	recs map[*Cache]*adaptRecord

	// scratch space of the backward pass, reused from step to step (as
	// are the records' slices)
	toks, ys []int32
	xs       []float32
	bufs     [numAdaptBufs][]float32
	mats     [numAdaptMats]kernel.Matrix
}

// The backward pass's scratch buffers and matrices.
const (
	abH = iota
	abLogits
	abHT
	abDH
	abDX
	abXN
	abGU
	abAct
	abDAct
	abDGU
	abDXN
	abT
	numAdaptBufs
)

const (
	amDL = iota
	amHeadT
	amDX
	amDownT
	amDGU
	amUpT
	numAdaptMats
)

// buf returns scratch buffer i with n values (contents unspecified).
func (a *Adapter) buf(i, n int) []float32 {
	if cap(a.bufs[i]) < n {
		a.bufs[i] = make([]float32, n)
	}
	return a.bufs[i][:n]
}

// matT returns scratch matrix i set to x (rows×cols) as a matrix of cols
// outputs of rows inputs, whose product with a row vector v is v·x
// (kernel.NewMatrixT).
func (a *Adapter) matT(i int, x []float32, rows, cols int) *kernel.Matrix {
	a.mats[i].SetT(x, rows, cols)
	return &a.mats[i]
}

// transposed returns scratch matrix i set to w's transpose
// (kernel.Matrix.SetTransposed).
func (a *Adapter) transposed(i int, w *kernel.Matrix) *kernel.Matrix {
	a.mats[i].SetTransposed(w)
	return &a.mats[i]
}

// transpose returns x (rows×cols) transposed, in scratch buffer i.
func (a *Adapter) transpose(i int, x []float32, rows, cols int) []float32 {
	t := a.buf(i, rows*cols)
	kernel.Transpose(t, x, rows, cols)
	return t
}

type adaptLayer struct {
	norm     *adaptParam // the norm before the MLP
	up, down *adaptParam // gate and up stacked (2I×d), down (d×I)
}

// adaptParam is one adapted tensor: its float32 weights, gradient and
// Adam moments, all in the layout the model reads the weights in (a
// matrix's: packed, see Adapter), the weights being the model's own.
type adaptParam struct {
	w, g, m, v []float32
}

// adaptRecord is what the forward passes recorded of one cache's rows
// since the last step: each row's token and its residual stream before
// every layer's MLP and before the final norm ((layers+1)·d values).
type adaptRecord struct {
	tokens []int32
	x      []float32
}

// CanAdapt reports whether NewAdapter can adapt m.
func CanAdapt(m Model) bool {
	l, ok := m.(*llama)
	return ok && adaptable(l) == nil
}

// adaptable says why l cannot adapt, or nil.
func adaptable(l *llama) error {
	for _, ly := range l.layers {
		if !ly.mlp.gated || ly.mlp.act != kernel.ActSiLU || ly.mlp.up.b != nil || ly.mlp.down.b != nil || ly.mlpNorm.layer {
			return errors.New("dynamic evaluation needs gated SiLU MLPs without biases after RMSNorm")
		}
	}
	if l.norm.layer || l.head.b != nil {
		return errors.New("dynamic evaluation needs a final RMSNorm and an output head without bias")
	}
	return nil
}

// NewAdapter returns a copy of m that adapts by dynamic evaluation with
// Adam's learning rate lr, and its Adapter: the copy's forward passes
// record what a step needs (see Step), and its steps change the copy's
// weights, not m's (the copy shares the weights it does not adapt). The
// adapted matrices are float32 whatever the recipe stored. Only
// Llama-family models with gated SiLU MLPs without biases after RMSNorm
// can adapt.
func NewAdapter(m Model, lr float32) (Model, *Adapter, error) {
	orig, ok := m.(*llama)
	if !ok {
		return nil, nil, fmt.Errorf("dynamic evaluation needs a Llama-family model, not %s", m.Config().ModelType)
	}
	if !(lr > 0 && lr < 1) {
		return nil, nil, fmt.Errorf("dynamic evaluation's learning rate %v", lr)
	}
	if err := adaptable(orig); err != nil {
		return nil, nil, err
	}
	l := new(llama)
	*l = *orig
	l.layers = slices.Clone(orig.layers)
	c := l.cfg
	d, V := c.HiddenSize, c.VocabSize
	a := &Adapter{m: l, lr: lr, b1t: 1, b2t: 1, recs: map[*Cache]*adaptRecord{}}
	ownNorm := func(n **norm) []float32 {
		cp := **n
		cp.w = slices.Clone(cp.w)
		*n = &cp
		return cp.w
	}
	newParam := func(w []float32) *adaptParam {
		p := &adaptParam{w: w, g: make([]float32, len(w)), m: make([]float32, len(w)), v: make([]float32, len(w))}
		a.params = append(a.params, p)
		return p
	}
	// A matrix becomes float32, its packed values the parameter's weights.
	matrix := func(lin *linear) *adaptParam {
		w := lin.w
		lin.w = kernel.NewMatrixFunc(kernel.Float32, w.N, w.K, func(o, i int) float32 { return w.At(i, o) })
		return newParam(lin.w.Float32s())
	}
	// The embedding becomes float32: a table of its own, or, when the head
	// is tied to it, the head's matrix, whose column t is token t's row.
	e := &l.embed
	table := make([]float32, V*d)
	for r := 0; r < V; r++ {
		orig.embed.row(table[r*d:(r+1)*d], r)
	}
	e.f32, e.bf16 = table, nil
	if l.tied {
		l.head.w = kernel.NewMatrix(table, V, d)
		e.f32, e.packed = nil, l.head.w
		p := newParam(l.head.w.Float32s())
		a.embed, a.head = p, p
	} else {
		a.embed = newParam(e.f32)
		a.head = matrix(&l.head)
	}
	a.norm = newParam(ownNorm(&l.norm))
	for i := range l.layers {
		ly := &l.layers[i]
		a.layers = append(a.layers, adaptLayer{
			norm: newParam(ownNorm(&ly.mlpNorm)),
			up:   matrix(&ly.mlp.up),
			down: matrix(&ly.mlp.down),
		})
	}
	l.rec = a
	return l, a, nil
}

// record keeps, for each row of a forward pass, its token and x: the
// residual stream before each layer's MLP and before the final norm, row
// r at x[r·(layers+1)·d:].
func (a *Adapter) record(b *batch, x []float32) {
	n := (len(a.layers) + 1) * a.m.cfg.HiddenSize
	a.mu.Lock()
	defer a.mu.Unlock()
	for r := 0; r < b.rows; r++ {
		rec := a.recs[b.cache[r]]
		if rec == nil {
			rec = &adaptRecord{}
			a.recs[b.cache[r]] = rec
		}
		rec.tokens = append(rec.tokens, b.tokens[r])
		rec.x = append(rec.x, x[r*n:(r+1)*n]...)
	}
}

// forget empties the records, keeping their memory.
func (a *Adapter) forget() {
	for _, rec := range a.recs {
		rec.tokens, rec.x = rec.tokens[:0], rec.x[:0]
	}
}

// Forget drops what was recorded since the last step.
func (a *Adapter) Forget() {
	a.mu.Lock()
	a.forget()
	a.mu.Unlock()
}

// Step takes one step of dynamic evaluation on the rows recorded since the
// last step: targets[i][j] is the token that row j of caches[i] predicted
// (-1: none, the row is left out). Every recorded row must be given a
// target (its cache among caches), in the order the rows were recorded
// within their cache; the order of the caches is the order of the sum, so
// the same caches must come in the same order on both sides. The loss is
// the mean code length (in nats) of the targets.
func (a *Adapter) Step(caches []*Cache, targets [][]int32) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	ok, err := a.gradient(caches, targets)
	if ok {
		a.adam()
	}
	return err
}

// gradient gathers the recorded rows as Step describes and sets every
// parameter's gradient; it reports whether there was a target.
func (a *Adapter) gradient(caches []*Cache, targets [][]int32) (bool, error) {
	if len(targets) != len(caches) {
		return false, errors.New("adapter: one list of targets per cache")
	}
	c := a.m.cfg
	d, V, L := c.HiddenSize, c.VocabSize, len(a.layers)
	n := (L + 1) * d
	toks, ys := a.toks[:0], a.ys[:0]
	xs := a.xs[:0]
	seen := 0
	for i, cc := range caches {
		rec := a.recs[cc]
		got := 0
		if rec != nil && len(rec.tokens) > 0 {
			got = len(rec.tokens)
			seen++
		}
		if len(targets[i]) != got {
			return false, fmt.Errorf("adapter: %d targets for %d rows recorded", len(targets[i]), got)
		}
		for j, y := range targets[i] {
			if y < 0 {
				continue
			}
			if int(y) >= V {
				return false, fmt.Errorf("adapter: target %d", y)
			}
			toks, ys = append(toks, rec.tokens[j]), append(ys, y)
			xs = append(xs, rec.x[j*n:(j+1)*n]...)
		}
	}
	with := 0
	for _, rec := range a.recs {
		if len(rec.tokens) > 0 {
			with++
		}
	}
	if seen != with {
		return false, errors.New("adapter: rows recorded for a cache not given")
	}
	a.toks, a.ys, a.xs = toks, ys, xs // (their memory, for the next step)
	a.forget()
	if len(ys) == 0 {
		return false, nil
	}
	a.backward(toks, ys, xs)
	return true, nil
}

// backward sets every parameter's gradient of the mean code length of ys,
// the rows' targets (tokens toks, recorded residuals xs).
func (a *Adapter) backward(toks, ys []int32, xs []float32) {
	l := a.m
	c := l.cfg
	d, V, L, I := c.HiddenSize, c.VocabSize, len(a.layers), l.layers[0].mlp.inner
	R := len(ys)
	n := (L + 1) * d
	// The gradients that are sums: the norms' and, when it is not the
	// head (whose gradient the first product sets), the embedding's. The
	// MLPs' are set by one product each.
	clear(a.norm.g)
	for _, ap := range a.layers {
		clear(ap.norm.g)
	}
	if a.embed != a.head {
		clear(a.embed.g)
	}
	at := func(r, li int) []float32 { return xs[r*n+li*d : r*n+(li+1)*d] }

	// Output: h = norm(x_final), logits = h·Eᵀ, dlogits = (softmax − onehot)/R.
	h := a.buf(abH, R*d)
	for r := 0; r < R; r++ {
		kernel.RMSNorm(h[r*d:(r+1)*d], at(r, L), l.norm.w, l.norm.eps)
	}
	// The head, headRows rows at a time (the logits of all rows would take
	// R·V values): dlogits = (softmax − onehot)/R, dE = Σ dlᵀ·h chunk by
	// chunk in order (packed as the head: the products hᵀ·dl), dh = dl·E.
	inv := 1 / float32(R)
	dh := a.buf(abDH, R*d)
	headT := a.transposed(amHeadT, l.head.w)
	for r0 := 0; r0 < R; r0 += headRows {
		r1 := min(R, r0+headRows)
		c := r1 - r0
		dl := a.buf(abLogits, c*V)
		kernel.MatMul(dl, h[r0*d:r1*d], c, l.head.w)
		parallelTasks(c, 4, func(r, _ int) {
			row := dl[r*V : (r+1)*V]
			s := kernel.ExpShift(row, row, kernel.Max(row))
			k := inv / s
			for i := range row {
				row[i] = float32(row[i] * k)
			}
			row[ys[r0+r]] -= inv
		})
		hT, dlm := a.transpose(abHT, h[r0*d:r1*d], c, d), a.matT(amDL, dl, c, V)
		if r0 == 0 { // (the head's gradient is the first its parameter gets)
			kernel.MatMulPacked(a.head.g, hT, d, dlm)
		} else {
			t := a.buf(abT, len(a.head.g))
			kernel.MatMulPacked(t, hT, d, dlm)
			kernel.Add(a.head.g, t)
		}
		kernel.MatMul(dh[r0*d:r1*d], dl, c, headT)
	}
	// Final norm: dx, the gradient of the residual stream.
	dx := a.buf(abDX, R*d)
	normBackward(dx, a.norm.g, dh, xs, n, L*d, l.norm.w, l.norm.eps, R)

	xn := a.buf(abXN, R*d)
	gu := a.buf(abGU, R*2*I)
	act := a.buf(abAct, R*I)
	dact := a.buf(abDAct, R*I)
	dgu := a.buf(abDGU, R*2*I)
	dxn := a.buf(abDXN, R*d)
	for li := L - 1; li >= 0; li-- {
		ly, ap := &l.layers[li], &a.layers[li]
		// The layer's MLP again: xn = norm(x), gu = xn·Wᵀ, act = silu(g)·u.
		for r := 0; r < R; r++ {
			ly.mlpNorm.apply(xn[r*d:(r+1)*d], at(r, li))
		}
		kernel.MatMul(gu, xn, R, ly.mlp.up.w)
		for r := 0; r < R; r++ {
			row := gu[r*2*I : (r+1)*2*I]
			copy(act[r*I:(r+1)*I], row[:I])
			kernel.SwiGLU(act[r*I:(r+1)*I], row[I:])
		}
		// down: dWd = dxᵀ·act (packed: actᵀ·dx), dact = dx·Wd.
		kernel.MatMulPacked(ap.down.g, a.transpose(abT, act, R, I), I, a.matT(amDX, dx, R, d))
		kernel.MatMul(dact, dx, R, a.transposed(amDownT, ly.mlp.down.w))
		// The gate: d/dg silu(g)·u = u·s·(1 + g·(1−s)), s = sigmoid(g).
		for r := 0; r < R; r++ {
			g, u := gu[r*2*I:r*2*I+I], gu[r*2*I+I:(r+1)*2*I]
			dg, du := dgu[r*2*I:r*2*I+I], dgu[r*2*I+I:(r+1)*2*I]
			for i := 0; i < I; i++ {
				s := 1 / (1 + kernel.Exp(-g[i]))
				da := dact[r*I+i]
				du[i] = float32(da * float32(g[i]*s))
				ds := float32(s * (1 + float32(g[i]*(1-s))))
				dg[i] = float32(float32(da*u[i]) * ds)
			}
		}
		// up: dWgu = dguᵀ·xn (packed: xnᵀ·dgu), dxn = dgu·Wgu.
		kernel.MatMulPacked(ap.up.g, a.transpose(abT, xn, R, d), d, a.matT(amDGU, dgu, R, 2*I))
		kernel.MatMul(dxn, dgu, R, a.transposed(amUpT, ly.mlp.up.w))
		// The norm before the MLP, into the residual stream's gradient
		// (which the attention passes through unchanged).
		normBackward(dxn, ap.norm.g, dxn, xs, n, li*d, ly.mlpNorm.w, ly.mlpNorm.eps, R)
		kernel.Add(dx, dxn)
	}
	// The input embedding: row t of its own table, or column t of the
	// tied head's packed matrix.
	g := a.embed.g
	if a.embed != a.head {
		for r, t := range toks {
			kernel.Add(g[int(t)*d:(int(t)+1)*d], dx[r*d:(r+1)*d])
		}
		return
	}
	for r, t := range toks {
		kernel.AddToColumn(g, d, int(t), dx[r*d:(r+1)*d])
	}
}

// normBackward sets dx to the gradient of RMSNorm's input, row r's input
// at xs[r·stride+off:], from dy, the gradient of its output (dx may be
// dy), and adds the gradient of its weight w to dw, summing the rows in
// order.
func normBackward(dx, dw, dy, xs []float32, stride, off int, w []float32, eps float32, R int) {
	d := len(w)
	for r := 0; r < R; r++ {
		x := xs[r*stride+off : r*stride+off+d]
		g, o := dy[r*d:(r+1)*d], dx[r*d:(r+1)*d]
		ss := kernel.SumSquares(x)
		inv := 1 / float32(math.Sqrt(float64(ss/float32(d)+eps)))
		// y_i = x_i·inv·w_i: dw_i += dy_i·x_i·inv; dx_i = inv·w_i·dy_i −
		// x_i·inv³·Σ_j dy_j·w_j·x_j / d.
		var dot float32
		for i, v := range x {
			xi := float32(v * inv)
			dw[i] += float32(g[i] * xi)
			dot += float32(float32(g[i]*w[i]) * v)
		}
		k := float32(float32(float32(inv*inv)*inv)*dot) / float32(d)
		for i, v := range x {
			o[i] = float32(inv*float32(w[i]*g[i])) - float32(v*k)
		}
	}
}

// adam takes one Adam step of every parameter (the model's weights).
func (a *Adapter) adam() {
	a.steps++
	a.b1t = float32(a.b1t * adamBeta1)
	a.b2t = float32(a.b2t * adamBeta2)
	c := &kernel.AdamStep{
		Beta1: adamBeta1, OneMinusBeta1: 1 - adamBeta1,
		Beta2: adamBeta2, OneMinusBeta2: 1 - adamBeta2,
		Rate: a.lr / (1 - a.b1t),
		Corr: float32(math.Sqrt(float64(1 - a.b2t))),
		Eps:  adamEps,
	}
	for _, p := range a.params {
		const chunk = 1 << 14
		parallelTasks((len(p.w)+chunk-1)/chunk, 1, func(t, _ int) {
			lo, hi := t*chunk, min(len(p.w), (t+1)*chunk)
			kernel.Adam(p.w[lo:hi], p.g[lo:hi], p.m[lo:hi], p.v[lo:hi], c)
		})
	}
}

// Steps returns the number of steps taken.
func (a *Adapter) Steps() int { return a.steps }

// AdapterState is a copy of an Adapter's state: its weights, moments and
// step count (see SaveTo, Restore).
type AdapterState struct {
	w, m, v  [][]float32
	b1t, b2t float32
	steps    int
}

// SaveTo copies the adapter's state to s, reusing s's memory.
func (a *Adapter) SaveTo(s *AdapterState) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cp := func(dst *[][]float32, get func(*adaptParam) []float32) {
		for len(*dst) < len(a.params) {
			*dst = append(*dst, nil)
		}
		for i, p := range a.params {
			(*dst)[i] = append((*dst)[i][:0], get(p)...)
		}
	}
	cp(&s.w, func(p *adaptParam) []float32 { return p.w })
	cp(&s.m, func(p *adaptParam) []float32 { return p.m })
	cp(&s.v, func(p *adaptParam) []float32 { return p.v })
	s.b1t, s.b2t, s.steps = a.b1t, a.b2t, a.steps
}

// Restore puts the adapter (and its model's weights) back in state s,
// saved from it, and drops what was recorded since the last step.
func (a *Adapter) Restore(s *AdapterState) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(s.w) != len(a.params) {
		panic("model: restoring an adapter from another's state")
	}
	for i, p := range a.params {
		copy(p.w, s.w[i])
		copy(p.m, s.m[i])
		copy(p.v, s.v[i])
	}
	a.b1t, a.b2t, a.steps = s.b1t, s.b2t, s.steps
	a.forget()
}
