// Package lmcoder codes segments of tokens with a language model and rANS.
//
// Every segment is an independent sequence that starts from the model's
// start token, so segments can be run through the model in any grouping.
// A group of segments is coded as one rANS stream in which the tokens are
// interleaved by position (token 0 of every segment, then token 1 of every
// segment that has one, ...), so that the decoder can advance all segments
// of the group in lockstep as one batch of the model.
package lmcoder

import (
	"fmt"
	"math/bits"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/rans"
	"github.com/lmzip/lmzip/internal/recipe"
)

// Sym is how one token is coded: its slice of the quantised distribution.
type Sym struct{ Start, Freq uint32 }

// Cost returns the code length of the symbol in 1/65536 bits.
func (s Sym) Cost() uint64 { return CostOfFreq(s.Freq) }

// CostOfFreq returns -log2(freq / rans.ProbScale) in 1/65536 bits, computed
// with integers only.
func CostOfFreq(freq uint32) uint64 {
	return uint64(rans.ProbBits)<<16 - log2Fixed(freq)
}

// log2Fixed returns log2(f) for f ≥ 1 in 1/65536 units (truncated).
func log2Fixed(f uint32) uint64 {
	n := bits.Len32(f) - 1
	// x in [1, 2) with 30 fractional bits.
	var x uint64
	if n <= 30 {
		x = uint64(f) << (30 - n)
	} else {
		x = uint64(f) >> (n - 30)
	}
	r := uint64(n) << 16
	for i := 15; i >= 0; i-- {
		x = (x * x) >> 30
		if x >= 2<<30 {
			x >>= 1
			r |= 1 << i
		}
	}
	return r
}

// Coder runs a model over segments. It is not safe for concurrent use: it
// keeps caches and buffers between calls.
type Coder struct {
	m      model.Model
	start  int32
	recipe *recipe.Recipe
	caches []*model.Cache
	q      []rans.Quantizer
	freqs  [][]uint32
	steps  int64
	valid  int // tokens ≥ valid are a corrupt stream (0: no limit)
}

// LimitTokens makes Decode fail as soon as it decodes a token id ≥ n: the
// model may have more outputs than its tokenizer has tokens, and a stream
// that decodes to one of those is corrupt.
func (c *Coder) LimitTokens(n int) { c.valid = n }

// Steps returns how many batched model steps Decode has run in all.
func (c *Coder) Steps() int64 { return c.steps }

// New returns a coder for model m whose segments begin with token start,
// computing probabilities by recipe r (encoder and decoder must agree). m
// must be the model built for r (lm.LM.Network).
func New(m model.Model, start int32, r *recipe.Recipe) *Coder {
	return &Coder{m: m, start: start, recipe: r}
}

// Recipe returns the numeric recipe the coder follows.
func (c *Coder) Recipe() *recipe.Recipe { return c.recipe }

// MaxSegment returns the largest number of tokens in a segment: one per
// position of the model's context (the start token takes position 0 and
// the last token is predicted but never fed).
func (c *Coder) MaxSegment() int { return c.m.Config().MaxPositions }

func (c *Coder) ensureCaches(n, capacity int) {
	for i := range c.caches {
		if c.caches[i].Capacity() < capacity {
			c.caches[i] = c.m.NewCache(capacity, c.recipe.KV)
		}
	}
	for len(c.caches) < n {
		c.caches = append(c.caches, c.m.NewCache(capacity, c.recipe.KV))
	}
}

func (c *Coder) ensureWorkers(n int) {
	V := c.m.Config().VocabSize
	for len(c.q) < n {
		c.q = append(c.q, rans.Quantizer{})
		c.freqs = append(c.freqs, make([]uint32, V+1))
	}
}

// logitRows is how many rows of logits Analyze computes at a time.
const logitRows = 64

// Analyze runs one segment through the model in a single pass and returns
// how each of its tokens would be coded.
func (c *Coder) Analyze(seg []int32, syms []Sym) ([]Sym, error) {
	n := len(seg)
	if n == 0 {
		return syms[:0], nil
	}
	if n > c.MaxSegment() {
		return nil, fmt.Errorf("segment of %d tokens exceeds the model's %d positions", n, c.MaxSegment())
	}
	cfg := c.m.Config()
	d, V := cfg.HiddenSize, cfg.VocabSize
	c.ensureCaches(1, n) // a cache as long as the segment, not the model's context
	cache := c.caches[0]
	cache.Reset()
	input := make([]int32, n)
	input[0] = c.start
	copy(input[1:], seg[:n-1])
	hidden := make([]float32, n*d)
	if err := c.m.Forward([]model.Input{{Cache: cache, Tokens: input}}, hidden); err != nil {
		return nil, err
	}
	syms = append(syms[:0], make([]Sym, n)...)
	workers := kernel.Threads()
	c.ensureWorkers(workers)
	logits := make([]float32, logitRows*V)
	for r0 := 0; r0 < n; r0 += logitRows {
		rows := min(logitRows, n-r0)
		c.m.Logits(logits, hidden[r0*d:(r0+rows)*d], rows)
		kernel.Parallel(min(workers, rows), func(w int) {
			freq := c.freqs[w][:V]
			for r := w; r < rows; r += workers {
				c.q[w].Freqs(freq, logits[r*V:(r+1)*V])
				tok := seg[r0+r]
				var start uint32
				for _, f := range freq[:tok] {
					start += f
				}
				syms[r0+r] = Sym{start, freq[tok]}
			}
		})
	}
	return syms, nil
}

// Encode codes a group of analysed segments as one interleaved stream and
// appends it to dst.
func Encode(dst []byte, group [][]Sym) []byte {
	longest := 0
	for _, s := range group {
		longest = max(longest, len(s))
	}
	e := rans.NewEncoder()
	for t := longest - 1; t >= 0; t-- {
		for s := len(group) - 1; s >= 0; s-- {
			if t < len(group[s]) {
				e.Put(group[s][t].Start, group[s][t].Freq)
			}
		}
	}
	return e.Finish(dst)
}

// Decode decodes a group of segments of the given lengths (in tokens) from
// stream, advancing all of them in lockstep.
func (c *Coder) Decode(stream []byte, lengths []int) ([][]int32, error) {
	longest := 0
	for _, n := range lengths {
		if n < 0 || n > c.MaxSegment() {
			return nil, fmt.Errorf("segment of %d tokens exceeds the model's %d positions", n, c.MaxSegment())
		}
		longest = max(longest, n)
	}
	out := make([][]int32, len(lengths))
	for i, n := range lengths {
		out[i] = make([]int32, 0, n)
	}
	if longest == 0 {
		if len(stream) != 0 {
			return nil, rans.ErrCorrupt
		}
		return out, nil
	}
	dec, err := rans.NewDecoder(stream)
	if err != nil {
		return nil, err
	}
	cfg := c.m.Config()
	d, V := cfg.HiddenSize, cfg.VocabSize
	B := len(lengths)
	c.ensureCaches(B, longest)
	for _, ca := range c.caches[:B] {
		ca.Reset()
	}
	c.ensureWorkers(B)
	prev := make([]int32, B)
	for i := range prev {
		prev[i] = c.start
	}
	inputs := make([]model.Input, 0, B)
	active := make([]int, 0, B)
	hidden := make([]float32, B*d)
	logits := make([]float32, B*V)
	cums := make([][]uint32, B)
	for t := 0; t < longest; t++ {
		inputs, active = inputs[:0], active[:0]
		for s, n := range lengths {
			if t < n {
				active = append(active, s)
				inputs = append(inputs, model.Input{Cache: c.caches[s], Tokens: prev[s : s+1]})
			}
		}
		c.steps++
		if err := model.ForwardSteps(c.m, inputs, hidden); err != nil {
			return nil, err
		}
		rows := len(active)
		c.m.Logits(logits, hidden, rows)
		workers := min(kernel.Threads(), rows)
		kernel.Parallel(workers, func(w int) {
			for i := w; i < rows; i += workers {
				s := active[i]
				freq := c.freqs[s][:V]
				c.q[s].Freqs(freq, logits[i*V:(i+1)*V])
				cums[s] = cumulativeInPlace(c.freqs[s][:V+1])
			}
		})
		for _, s := range active {
			cum := cums[s]
			tok := rans.Find(cum, dec.Slot())
			if c.valid > 0 && tok >= c.valid {
				return nil, fmt.Errorf("token %d outside the tokenizer's %d: %w", tok, c.valid, rans.ErrCorrupt)
			}
			dec.Advance(cum[tok], cum[tok+1]-cum[tok])
			out[s] = append(out[s], int32(tok))
			prev[s] = int32(tok)
		}
		// A stream that has run out of words is bad: stop before running
		// the model again.
		if err := dec.Err(); err != nil {
			return nil, err
		}
	}
	if err := dec.Close(); err != nil {
		return nil, err
	}
	return out, nil
}

// cumulativeInPlace turns V frequencies (followed by one spare entry) into
// the V+1 cumulative starts.
func cumulativeInPlace(f []uint32) []uint32 {
	var s uint32
	for i := 0; i < len(f)-1; i++ {
		v := f[i]
		f[i] = s
		s += v
	}
	f[len(f)-1] = s
	return f
}
