// Package mix adapts a language model's predictions to the file being
// coded. Cheap models of the file itself, updated as tokens are coded,
// propose candidate tokens: hashed token n-gram contexts of orders 1 to 4
// and a match model (the token that followed the last occurrence of the
// current context). A mixer adds to the model's logits a learned boost for
// each candidate, chosen by the kind of evidence (order, counts, match
// length) and by how far the model already ranks the candidate below its
// favourite; it also learns an online bias per token and a scale (inverse
// temperature) of the model's logits. Everything is learned online by
// gradient steps on the code length of the tokens coded so far, so a
// decoder that sees the same tokens learns the same.
//
// The text is coded as lanes: long runs of tokens that advance in lockstep,
// one token of every lane per step. All lanes of a step are predicted from
// the state left by the previous step (so their predictions can be computed
// in parallel), then the state is updated with their tokens in lane order.
//
// Determinism: all learned values are float32, updated element by element
// with every product rounded explicitly (no fused multiply-add), and every
// sum over the vocabulary is an integer sum. Counts and tables are
// integers. The result is the same on every machine, thread count and
// batch shape; the final distribution is quantised by rans.Quantizer.
package mix

import (
	"fmt"
	"math"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/rans"
)

// Config selects the parts of the mixer. Its zero value does nothing: the
// model's distribution is coded as it is.
type Config struct {
	// Orders is the highest order of the token n-gram models (0: none,
	// 1..4: orders 1 to Orders).
	Orders int
	// Match enables the match model.
	Match bool
	// Bias enables the online bias on every token's logit.
	Bias bool
	// Scale enables the learned scale of the model's logits.
	Scale bool
	// Second mixes a second model's logits (PredictWith), with a learned
	// weight of its own beside the first model's scale: the mixture is
	// the product s·x + s2·x2 of the two distributions' logits (a
	// geometric mixture), to which the bias and boosts add.
	Second bool
}

// Enabled reports whether the configuration changes anything.
func (c Config) Enabled() bool { return c.Orders > 0 || c.Match || c.Bias || c.Scale || c.Second }

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Orders < 0 || c.Orders > MaxOrder {
		return fmt.Errorf("mix: n-gram orders %d out of range 0..%d", c.Orders, MaxOrder)
	}
	return nil
}

// Mixer is the adaptive state. Predict may be called concurrently for
// different rows; Update must not run concurrently with anything else.
type Mixer struct {
	cfg   Config
	vocab int

	bias   []float32 // per token, in nats
	scale  float32   // multiplies the model's logits
	second float32   // multiplies the second model's logits

	ngram [MaxOrder + 1]*ngramTable // index = order
	match *matchModel

	boost  []float32 // learned logit boosts, by feature class
	bcount []uint32  // updates of each boost (for its learning rate)

	lanes []*lane
}

// New returns a mixer for a vocabulary of vocab tokens.
func New(cfg Config, vocab int) (*Mixer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if vocab <= 0 || vocab >= rans.ProbScale/2 {
		return nil, fmt.Errorf("mix: vocabulary of %d tokens", vocab)
	}
	m := &Mixer{cfg: cfg, vocab: vocab, scale: 1}
	if cfg.Second {
		m.scale, m.second = firstWeight, secondWeight
	}
	if cfg.Bias {
		m.bias = make([]float32, vocab)
	}
	for k := 1; k <= cfg.Orders; k++ {
		m.ngram[k] = newNgramTable(k, vocab)
	}
	if cfg.Match {
		m.match = newMatchModel()
	}
	m.boost = make([]float32, numBoosts)
	m.bcount = make([]uint32, numBoosts)
	return m, nil
}

// Config returns the mixer's configuration.
func (m *Mixer) Config() Config { return m.cfg }

// StartLanes begins n new lanes (cold: no context of their own); lanes
// of earlier calls end. What was learned from them is kept.
func (m *Mixer) StartLanes(n int) {
	for _, l := range m.lanes {
		m.retire(l)
	}
	m.lanes = m.lanes[:0]
	for i := 0; i < n; i++ {
		m.lanes = append(m.lanes, m.newLane())
	}
}

// ResetLane makes lane i cold again (as after StartLanes), for a lane that
// continues with text unrelated to what it coded so far.
func (m *Mixer) ResetLane(i int) {
	m.retire(m.lanes[i])
	m.lanes[i] = m.newLane()
}

// Row is the per-prediction scratch of one lane's step. A Row may be
// reused for any lane; its buffers are allocated once.
type Row struct {
	// Cum is the quantised cumulative distribution after Predict:
	// token t is coded as [Cum[t], Cum[t+1]) of rans.ProbScale.
	Cum []uint32

	lane   int
	logits []float32 // the model's, kept for Update
	logit2 []float32 // the second model's
	z      []float32
	u      []uint32
	mean   float32 // Σ p·x of the model's logits x
	mean2  float32 // Σ p·x2 of the second model's logits x2
	feats  []feature
}

// feature is one boost applied to one candidate token.
type feature struct {
	tok   int32
	boost int32 // index into Mixer.boost
}

// NewRow returns a row for m's vocabulary.
func (m *Mixer) NewRow() *Row {
	return &Row{Cum: make([]uint32, m.vocab+1), z: make([]float32, m.vocab), feats: make([]feature, 0, 32)}
}

// Predict computes the distribution of lane's next token from the model's
// logits (len(logits) ≥ vocabulary) into r.Cum. logits must stay unchanged
// until Update. It reads the mixer's state and writes only r. A mixer
// configured with a second model takes its logits by PredictWith.
func (m *Mixer) Predict(r *Row, lane int, logits []float32) {
	m.PredictWith(r, lane, logits, nil)
}

// PredictWith is Predict with the second model's logits (nil, or at least
// the vocabulary), which a mixer whose Config has Second requires and
// others ignore. Both must stay unchanged until Update.
func (m *Mixer) PredictWith(r *Row, lane int, logits, second []float32) {
	V := m.vocab
	logits = logits[:V]
	r.lane, r.logits, r.logit2 = lane, logits, nil
	if m.cfg.Second {
		r.logit2 = second[:V]
	}
	r.feats = r.feats[:0]
	z := r.z[:V]
	var top float32
	scaled := m.cfg.Scale || m.cfg.Second
	switch {
	case scaled && m.cfg.Bias:
		top = scaleBias(z, logits, m.bias[:V], m.scale)
	case scaled:
		top = scaleBias(z, logits, nil, m.scale)
	case m.cfg.Bias:
		top = scaleBias(z, logits, m.bias[:V], 1)
	default:
		copy(z, logits)
		if m.cfg.Orders > 0 || m.cfg.Match {
			top = kernel.Max(logits)
		}
	}
	if r.logit2 != nil {
		kernel.ScaleAddMax(z, r.logit2, z, m.second)
	}
	if m.cfg.Orders > 0 || m.cfg.Match {
		m.candidates(r, m.lanes[lane], logits, top)
		for _, f := range r.feats {
			z[f.tok] += m.boost[f.boost]
		}
	}
	r.quantize(z, scaled)
}

// scaleBias sets z[i] = s·x[i] + b[i] (b may be nil) and returns the
// largest x.
func scaleBias(z, x, b []float32, s float32) float32 {
	if b != nil {
		return kernel.ScaleAddMax(z, x, b, s)
	}
	top := float32(math.Inf(-1))
	z = z[:len(x)]
	for i, v := range x {
		z[i] = s * v
		if v > top {
			top = v
		}
	}
	return top
}

// quantize turns logits z into r.Cum as rans.Quantizer.Freqs followed by
// the running sum would (the frequencies by kernel.ScaleFreqs into r.Cum,
// then summed in place). With mean, it also computes Σ p·x of the model's
// logits x (for the scale's gradient; kernel.FixedDot), and Σ p·x2 of the
// second model's when the row has them.
func (r *Row) quantize(z []float32, mean bool) {
	V := len(z)
	if cap(r.u) < V {
		r.u = make([]uint32, V)
	}
	u := r.u[:V]
	cum := r.Cum[:V+1]
	total := kernel.ExpFixed(u, z, kernel.Max(z))
	if total == 0 {
		for i := range cum {
			cum[i] = uint32(i * (rans.ProbScale / V))
		}
		for i := 1; i <= V; i++ {
			cum[i] += rans.ProbScale % uint32(V)
		}
		r.mean, r.mean2 = 0, 0
		return
	}
	scale := (uint64(rans.ProbScale-V) << 32) / total // < 2^32 (see rans.Quantizer.Freqs)
	// The frequencies into cum first, then their running sum in place.
	c := cum[:V]
	sum, top := kernel.ScaleFreqs(c, u, uint32(scale))
	var acc, acc2 int64
	if mean {
		acc = kernel.FixedDot(c, r.logits[:V])
		if r.logit2 != nil {
			acc2 = kernel.FixedDot(c, r.logit2[:V])
		}
	}
	var run uint32
	for i, f := range c {
		c[i] = run
		run += f
	}
	delta := rans.ProbScale - sum
	for i := top + 1; i < V; i++ {
		cum[i] += delta
	}
	cum[V] = rans.ProbScale
	if mean {
		acc += int64(delta) * int64(kernel.FixedLogit(r.logits[top]))
		r.mean = float32(acc>>12) * (1.0 / (1 << 24)) // Σ p·x with p = f/2^28, x = X/256
		if r.logit2 != nil {
			acc2 += int64(delta) * int64(kernel.FixedLogit(r.logit2[top]))
			r.mean2 = float32(acc2>>12) * (1.0 / (1 << 24))
		}
	}
}

// gapBucket classes how far below the model's favourite a candidate's
// logit is.
func gapBucket(gap float32) int {
	switch {
	case gap < 0.5:
		return 0
	case gap < 1.5:
		return 1
	case gap < 3:
		return 2
	case gap < 5:
		return 3
	case gap < 8:
		return 4
	}
	return 5
}

const numGaps = 6

// Update learns from one step: rows[i] was predicted by Predict and its
// lane's token is tokens[i]. Lanes must be distinct; they are updated in
// the order given, which must be the same for encoder and decoder.
func (m *Mixer) Update(rows []*Row, tokens []int32) {
	// Boosts: gradient of -log p(y) with respect to a boost on c is
	// p(c) - [c == y].
	for i, r := range rows {
		y := tokens[i]
		for _, f := range r.feats {
			p := prob(r.Cum, f.tok)
			g := p
			if f.tok == y {
				g = p - 1
			}
			n := m.bcount[f.boost]
			lr := boostRate(n)
			m.boost[f.boost] -= float32(lr * g)
			if n < math.MaxUint32 {
				m.bcount[f.boost] = n + 1
			}
		}
	}
	if m.cfg.Scale || m.cfg.Second {
		for i, r := range rows {
			m.updateScale(r, tokens[i])
		}
	}
	if m.cfg.Bias {
		// In parallel over ranges of the vocabulary: each token's bias
		// takes the rows' steps in row order whatever the ranges.
		V := m.vocab
		parts := min(kernel.Threads(), 1+V/4096)
		kernel.Parallel(parts, func(w int) {
			m.updateBias(rows, tokens, w*V/parts, (w+1)*V/parts)
		})
	}
	for i, r := range rows {
		m.observe(m.lanes[r.lane], tokens[i])
	}
}

// prob returns p(t) from a cumulative table as a float32.
func prob(cum []uint32, t int32) float32 {
	return float32(cum[t+1]-cum[t]) * (1.0 / rans.ProbScale)
}

// boostRate is the learning rate of a boost updated n times before.
func boostRate(n uint32) float32 {
	r := 1 / (float32(n) + 1)
	return max(r, boostFloor)
}

// Learning rates of the bias and the scale.
const (
	biasRate   = 0.16
	boostFloor = 0.1
	scaleRate  = 0.0005
	// scale bounds
	scaleMin = 0.25
	scaleMax = 4
	// The weights of the first and second model's logits at the start,
	// and the bounds of the second's.
	firstWeight  = 0.75
	secondWeight = 0.25
	secondMin    = -1
	secondMax    = 2
)

// updateScale takes a gradient step on the scale s of the model's logits
// x: d(-log p(y))/ds = Σ p(i)·x(i) − x(y). The sum is computed by quantize,
// as an integer sum of frequencies times logits in fixed point (1/256), so
// it does not depend on the order of addition.
//
// With a second model, its weight s2 takes the same step with its logits
// x2; the first model's scale is learned with it whether or not Scale is
// set (a mixture of two models needs both weights).
func (m *Mixer) updateScale(r *Row, y int32) {
	g := r.mean - r.logits[y]
	s := m.scale - float32(scaleRate*g)
	m.scale = min(max(s, scaleMin), scaleMax)
	if r.logit2 != nil {
		g2 := r.mean2 - r.logit2[y]
		s2 := m.second - float32(scaleRate*g2)
		m.second = min(max(s2, secondMin), secondMax)
	}
}

// updateBias steps the bias of tokens [lo, hi) for every row, rows in
// order: b(i) += rate·([i == y] − p(i)).
func (m *Mixer) updateBias(rows []*Row, tokens []int32, lo, hi int) {
	b := m.bias[lo:hi]
	for k, r := range rows {
		kernel.BiasStep(b, r.Cum[lo:hi+1], 1.0/rans.ProbScale, biasRate)
		if y := int(tokens[k]); y >= lo && y < hi {
			b[y-lo] += biasRate
		}
	}
}

// Clone returns a copy of m's state.
func (m *Mixer) Clone() *Mixer {
	c := &Mixer{}
	m.CopyTo(c)
	return c
}

// CopyTo makes dst a copy of m, reusing dst's memory where it can.
func (m *Mixer) CopyTo(dst *Mixer) {
	dst.cfg, dst.vocab, dst.scale, dst.second = m.cfg, m.vocab, m.scale, m.second
	dst.bias = append(dst.bias[:0], m.bias...)
	dst.boost = append(dst.boost[:0], m.boost...)
	dst.bcount = append(dst.bcount[:0], m.bcount...)
	for k, t := range m.ngram {
		if t == nil {
			dst.ngram[k] = nil
			continue
		}
		if dst.ngram[k] == nil {
			dst.ngram[k] = &ngramTable{}
		}
		d := dst.ngram[k]
		d.k, d.bits = t.k, t.bits
		d.slots.copyFrom(&t.slots)
	}
	// Lanes are shared: a lane is copied when it is current (it may still
	// change); retired lanes never change.
	dst.lanes = dst.lanes[:0]
	remap := map[*lane]*lane{}
	for _, l := range m.lanes {
		c := *l
		c.hist = append([]int32(nil), l.hist...)
		remap[l] = &c
		dst.lanes = append(dst.lanes, &c)
	}
	for _, c := range dst.lanes {
		if r := remap[c.matchLane]; r != nil {
			c.matchLane = r
		}
	}
	if m.match == nil {
		dst.match = nil
		return
	}
	if dst.match == nil {
		dst.match = &matchModel{}
	}
	mm, dm := m.match, dst.match
	dm.table.copyFrom(&mm.table)
	dm.order = append(dm.order[:0], mm.order...)
	dm.nextID, dm.kept = mm.nextID, mm.kept
	dm.lanes = make(map[uint64]*lane, len(mm.lanes))
	for id, l := range mm.lanes {
		if r := remap[l]; r != nil {
			l = r
		}
		dm.lanes[id] = l
	}
}

// Restore makes m a copy of snapshot (from Clone), which stays unchanged.
func (m *Mixer) Restore(snapshot *Mixer) { snapshot.CopyTo(m) }

// Prime feeds tokens to the n-gram and match models as a lane of text
// that ended before the current lanes began: their contexts find it as
// they would an earlier lane's. The learned weights (boosts, bias, scale)
// do not change. Encoder and decoder must prime alike, at the same point.
func (m *Mixer) Prime(tokens []int32) {
	l := m.newLane()
	for _, y := range tokens {
		m.observe(l, y)
	}
	m.retire(l)
}
