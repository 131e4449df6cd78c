package seed

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/lmzip/lmzip/internal/model"
)

// Window runs a model over a sequence with a KV cache and a sliding
// context window.
//
// The seed recomputes the whole window tokens[max(0,p−w):p] for every
// position p. A KV cache cannot slide that way, because the rotary
// positions are absolute; so Window keeps the context between h = w − w/2
// (about w/2) and w tokens:
//
//	s(1) = 0
//	s(p) = s(p−1)   while p − s(p−1) ≤ w
//	s(p) = p − h    otherwise (the cache is rebuilt)
//
// and the context of position p is Prefix + tokens[s(p):p]. Until p
// exceeds w this is exactly the seed's context; after that the context
// shrinks to h tokens and grows back to w, and each rebuild is one forward
// pass over h tokens. The model's full pass and its incremental pass give
// bit-identical results for the same token at the same position, so the
// encoder (which runs whole windows in one pass) and the decoder (one token
// at a time) see the same logits. w is capped at the model's positions
// minus len(Prefix).
type Window struct {
	m      model.Model
	Prefix []int32 // tokens before every context (none for the seed's stages)
	W, H   int

	cache  *model.Cache
	s      int // sequence index at cache position len(Prefix)
	last   int // the last position the rule was applied to
	hidden []float32
}

// NewWindow returns a window of w tokens (≤ 0: the model's positions) over
// model m, with prefix before every context.
func NewWindow(m model.Model, w int, prefix []int32) (*Window, error) {
	maxW := m.Config().MaxPositions - len(prefix)
	if maxW < 1 {
		return nil, errors.New("the model has no room for a context")
	}
	if w <= 0 || w > maxW {
		w = maxW
	}
	return &Window{m: m, Prefix: prefix, W: w, H: w - w/2, cache: m.NewCache(w+len(prefix), model.KVFloat32), last: 0}, nil
}

// Reset starts a new sequence.
func (w *Window) Reset() {
	w.s, w.last = 0, 0
	w.cache.Reset()
}

// start applies the window rule up to position p and returns s(p).
func (w *Window) start(p int) int {
	for q := w.last + 1; q <= p; q++ {
		if q-w.s > w.W {
			w.s = q - w.H
		}
	}
	if p > w.last {
		w.last = p
	}
	return w.s
}

// Logits writes to dst the model's logits for position p of seq, given
// seq[:p] (p ≥ 1, or p ≥ 0 with a prefix). Calls must come in increasing order of p; the tokens
// seq[:p] must not change between calls.
func (w *Window) Logits(dst []float32, seq []int32, p int) error {
	if p < 1 && len(w.Prefix) == 0 || p < 0 || p > len(seq) {
		return fmt.Errorf("position %d out of range", p)
	}
	if p < w.last {
		return fmt.Errorf("position %d after %d", p, w.last)
	}
	old := w.s
	s := w.start(p)
	np := len(w.Prefix)
	var feed []int32
	if s != old || w.cache.Len == 0 {
		w.cache.Reset()
		feed = append(append([]int32(nil), w.Prefix...), seq[s:p]...)
	} else {
		fed := s + w.cache.Len - np
		if fed > p {
			return fmt.Errorf("position %d was already passed", p)
		}
		if fed == p {
			// Logits of the same position again: the last hidden row.
			w.m.Logits(dst, w.hidden, 1)
			return nil
		}
		feed = seq[fed:p]
	}
	d := w.m.Config().HiddenSize
	h := make([]float32, len(feed)*d)
	if err := w.m.Forward([]model.Input{{Cache: w.cache, Tokens: feed}}, h); err != nil {
		return err
	}
	w.hidden = h[(len(feed)-1)*d:]
	w.m.Logits(dst, w.hidden, 1)
	return nil
}

// blockRows is how many rows of logits AllLogits computes at a time.
const blockRows = 32

// AllLogits calls f with the logits of every position p = 1..len(seq)−1
// in order, running each window in one forward pass (the encoder's fast
// path; same logits as Logits).
func (w *Window) AllLogits(seq []int32, f func(p int, logits []float32) error) error {
	w.Reset()
	n := len(seq)
	cfg := w.m.Config()
	d, V := cfg.HiddenSize, cfg.VocabSize
	np := len(w.Prefix)
	logits := make([]float32, blockRows*V)
	for p := 1; p < n; {
		s := w.start(p)
		end := min(n-1, s+w.W) // last position of this window
		w.last = end
		feed := append(append([]int32(nil), w.Prefix...), seq[s:end]...)
		hidden := make([]float32, len(feed)*d)
		w.cache.Reset()
		if err := w.m.Forward([]model.Input{{Cache: w.cache, Tokens: feed}}, hidden); err != nil {
			return err
		}
		// Row np+j−1 holds token s+j−1 and predicts position s+j.
		for p0 := p; p0 <= end; p0 += blockRows {
			rows := min(blockRows, end-p0+1)
			r0 := np + p0 - 1 - s
			w.m.Logits(logits, hidden[r0*d:(r0+rows)*d], rows)
			for r := range rows {
				if err := f(p0+r, logits[r*V:(r+1)*V]); err != nil {
					return err
				}
			}
		}
		w.hidden = hidden[(len(feed)-1)*d:]
		p = end + 1
	}
	return nil
}

// key orders logits with NaN below everything.
func key(x float32) float32 {
	if x != x {
		return float32(math.Inf(-1))
	}
	return x
}

// Rank returns the 0-based position of token tok in the model's ranking:
// descending logit, ties by lower token id.
func Rank(logits []float32, tok int32) int {
	lt := key(logits[tok])
	r := 0
	for i, l := range logits {
		l = key(l)
		if l > lt || (l == lt && int32(i) < tok) {
			r++
		}
	}
	return r
}

// TopK returns the k best tokens, best first (descending logit, ties by
// lower id).
func TopK(logits []float32, k int) []int32 {
	k = min(k, len(logits))
	if k <= 0 {
		return nil
	}
	better := func(a, b int32) bool {
		la, lb := key(logits[a]), key(logits[b])
		return la > lb || (la == lb && a < b)
	}
	// A min-heap (worst on top) of the best k seen.
	h := make([]int32, 0, k)
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && better(h[c], h[c+1]) {
				c++
			}
			if !better(h[i], h[c]) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := range logits {
		id := int32(i)
		if len(h) < k {
			h = append(h, id)
			for j := len(h) - 1; j > 0; {
				p := (j - 1) / 2
				if !better(h[p], h[j]) {
					break
				}
				h[p], h[j] = h[j], h[p]
				j = p
			}
			continue
		}
		if better(id, h[0]) {
			h[0] = id
			down(0)
		}
	}
	sort.Slice(h, func(a, b int) bool { return better(h[a], h[b]) })
	return h
}

// Prob returns the softmax probability of token tok, computed in float64.
func Prob(logits []float32, tok int32) float64 {
	mx := math.Inf(-1)
	for _, l := range logits {
		mx = math.Max(mx, float64(key(l)))
	}
	var sum float64
	for _, l := range logits {
		sum += math.Exp(float64(key(l)) - mx)
	}
	return math.Exp(float64(key(logits[tok]))-mx) / sum
}

// RankOptions are the settings of the rank transform.
type RankOptions struct {
	TopN   int // K of the top-K list (the seed's -t, default 128)
	Window int // the context window w (the seed's -w)
	// StopAt is the seed's -s N: the model handles positions 1..N−1 only
	// (0: all; negative: none), and every entry is still written, the
	// others as they came in. N beyond the list means all (the seed
	// fails there).
	StopAt   int
	Progress func(done, total int) // called now and then; may be nil
}

// modelled returns how many leading positions of an n-entry list the model
// handles (position 0 never is): the seed's range(1, count).
func (o RankOptions) modelled(n int) int {
	return max(0, min(stopCount(o.StopAt, n), n))
}

// rankEach calls hit(p, rank, prob) for every position p the model handles
// (see RankOptions.StopAt) whose token ids[p] is among the model's TopN
// best (see Rank), with its probability.
func rankEach(m model.Model, ids []int32, o RankOptions, hit func(p, rank int, prob float64)) error {
	w, err := NewWindow(m, o.Window, nil)
	if err != nil {
		return err
	}
	seq := ids[:o.modelled(len(ids))]
	err = w.AllLogits(seq, func(p int, lg []float32) error {
		tok := seq[p]
		if r := Rank(lg, tok); r < o.TopN {
			hit(p, r, Prob(lg, tok))
		}
		if o.Progress != nil && p%256 == 0 {
			o.Progress(p+1, len(seq))
		}
		return nil
	})
	if err == nil && o.Progress != nil {
		o.Progress(len(seq), len(seq))
	}
	return err
}

// Ranks computes the seed's rank transform of a token sequence: entry 0 is
// a literal; for p ≥ 1, if the true token is among the model's TopN best
// (see Rank) the entry is [id, rank, prob] with prob rounded by RoundProb,
// otherwise a literal [id, -1, 0.0]. Entries the model does not handle
// (StopAt) are literals too.
func Ranks(m model.Model, ids []int32, o RankOptions) ([]Entry, error) {
	out := make([]Entry, len(ids))
	for i, id := range ids {
		out[i] = Entry{int64(id), -1, 0.0} // the seed writes every probability as a float
	}
	err := rankEach(m, ids, o, func(p, r int, prob float64) {
		out[p] = Entry{int64(ids[p]), int64(r), RoundProb(prob)}
	})
	return out, err
}

// Unrank is the inverse of Ranks (the seed's modelOfInx): entry 0 and every
// literal keep their id; for a rank r at p ≥ 1 the token becomes the r-th
// best of the model given the tokens before it, and prob its rounded
// probability. It also serves generation: tokensOfData's nibble ranks.
// Entries the model does not handle (entry 0, literals, those past StopAt)
// are written as they came in, their probability cut to 1e-6 as the seed's
// integer array cuts it.
func Unrank(m model.Model, list []Entry, o RankOptions) ([]Entry, error) {
	w, err := NewWindow(m, o.Window, nil)
	if err != nil {
		return nil, err
	}
	V := m.Config().VocabSize
	out := make([]Entry, len(list))
	for i, e := range list {
		out[i] = Entry{e.Token, e.Rank, math.Trunc(e.ProbFloat()*1e6) / 1e6}
	}
	count := o.modelled(len(list))
	ids := make([]int32, count)
	logits := make([]float32, V)
	for p, e := range list[:count] {
		if p == 0 || e.IsLiteral() {
			if e.Token < 0 || e.Token >= int64(V) {
				return nil, fmt.Errorf("tokenList[%d]: token id %d is outside the model's vocabulary (%d)", p, e.Token, V)
			}
			ids[p] = int32(e.Token)
			continue
		}
		if e.Rank >= int64(o.TopN) {
			return nil, fmt.Errorf("tokenList[%d]: rank %d is not below topN %d", p, e.Rank, o.TopN)
		}
		if err := w.Logits(logits, ids, p); err != nil {
			return nil, err
		}
		top := TopK(logits, int(e.Rank)+1)
		if int(e.Rank) >= len(top) {
			return nil, fmt.Errorf("tokenList[%d]: rank %d but the model has %d tokens", p, e.Rank, V)
		}
		tok := top[e.Rank]
		ids[p] = tok
		out[p] = Entry{int64(tok), e.Rank, RoundProb(Prob(logits, tok))}
		if o.Progress != nil && p%64 == 0 {
			o.Progress(p+1, count)
		}
	}
	if o.Progress != nil {
		o.Progress(count, count)
	}
	return out, nil
}
