package lmcoder

import (
	"errors"
	"fmt"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/mix"
	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/rans"
	"github.com/lmzip/lmzip/internal/recipe"
)

// Slide says how a lane's context slides once the model's window is full.
type Slide struct {
	// Window is the number of positions the model sees (the start token
	// included), at most its context.
	Window int
	// Keep is the number of positions kept when the window is full: the
	// start token (an attention sink) and the Keep−1 most recent tokens.
	// 1 ≤ Keep < Window; 1 starts every window cold.
	Keep int
	// Recompute recomputes the kept tokens in a fresh cache, rather than
	// shifting the cache (which re-rotates the kept keys and needs a model
	// with rotary positions, model.Shifter).
	Recompute bool
}

// Lanes codes lanes: long runs of tokens, each run through the model with
// a sliding window and mixed with a mix.Mixer, all lanes of a group
// advancing in lockstep (one token of every lane per step), as one
// interleaved rANS stream (see Encode).
//
// Step t of a lane feeds the start token (t = 0) or token t−1 and codes
// token t. Before it, if the cache holds Window positions, the window
// slides: the cache keeps the start token and the Keep−1 most recent
// tokens (by shifting, or by recomputing them). The schedule is the same
// for every lane, so the encoder runs each stretch between slides as one
// batch and the decoder one token at a time, with the same results.
type Lanes struct {
	m      model.Model
	start  int32
	recipe *recipe.Recipe
	slide  Slide
	mixer  *mix.Mixer
	valid  int // tokens ≥ valid are a corrupt stream (0: no limit)

	// Shadow mixers see the same logits as mixer in Analyze, each with
	// its own state; ShadowCost adds up their code lengths (in 1/65536
	// bits). For measuring several mixers with one run of the model.
	Shadow     []*mix.Mixer
	ShadowCost []uint64
	// ShadowSyms, after Analyze, holds how each shadow mixer codes each
	// lane's tokens.
	ShadowSyms [][][]Sym
	shadowRows [][]*mix.Row
	// Tap, if not nil, sees every step's model logits in Analyze (lane
	// stepLanes[j]'s at logits[j*V:]) with the tokens coded.
	Tap func(stepLanes []int, logits []float32, tokens []int32)

	caches []*model.Cache
	rows   []*mix.Row

	// The second model (SetSecond), run beside m on the same tokens with
	// caches of its own, and its buffers.
	m2      model.Model
	caches2 []*model.Cache
	inputs2 []model.Input
	hidden2 []float32
	last2   []float32
	logits2 []float32
	// Dynamic evaluation (SetAdapter): the model learns the lanes every
	// `every` steps; targets[i] are the tokens lane i's rows recorded since
	// the last step predicted (-1: a row that predicts none).
	adapter *model.Adapter
	every   int
	targets [][]int32
	// per-step buffers of the decoder
	inputs []model.Input
	feed   [][]int32
	active []int
	hidden []float32
	last   []float32
	logits []float32
	prev   []int32
}

// NewLanes returns a lane coder. The mixer carries what it learns from
// group to group; encoder and decoder must start from the same state.
func NewLanes(m model.Model, start int32, r *recipe.Recipe, s Slide, mx *mix.Mixer) (*Lanes, error) {
	ctx := m.Config().MaxPositions
	if s.Window < 2 || s.Window > ctx {
		return nil, fmt.Errorf("window of %d positions (the model has %d)", s.Window, ctx)
	}
	if s.Keep < 1 || s.Keep >= s.Window {
		return nil, fmt.Errorf("window keeps %d of %d positions", s.Keep, s.Window)
	}
	if !s.Recompute && s.Keep > 1 {
		if !model.CanShift(m) {
			return nil, errors.New("the model cannot shift its cache (no rotary positions): use recompute")
		}
	}
	if mx == nil {
		return nil, errors.New("no mixer")
	}
	return &Lanes{m: m, start: start, recipe: r, slide: s, mixer: mx}, nil
}

// Mixer returns the coder's mixer.
func (c *Lanes) Mixer() *mix.Mixer { return c.mixer }

// SetSecond makes the coder run m2 beside its model, on the same tokens
// with the same window, and give the mixer and the shadow mixers both
// models' logits (those whose Config has Second mix them; the others
// ignore them). A mixer with Second needs it. m2 must have the model's
// vocabulary size; it should share its tokenizer, or its predictions only
// cost ratio.
func (c *Lanes) SetSecond(m2 model.Model) error {
	cfg, cfg2 := c.m.Config(), m2.Config()
	if cfg2.VocabSize != cfg.VocabSize {
		return fmt.Errorf("the second model's vocabulary of %d tokens is not the model's %d", cfg2.VocabSize, cfg.VocabSize)
	}
	if c.slide.Window > cfg2.MaxPositions {
		return fmt.Errorf("window of %d positions (the second model has %d)", c.slide.Window, cfg2.MaxPositions)
	}
	if !c.slide.Recompute && c.slide.Keep > 1 && !model.CanShift(m2) {
		return errors.New("the second model cannot shift its cache (no rotary positions): use recompute")
	}
	c.m2 = m2
	return nil
}

// SetAdapter makes the coder's model learn the lanes as they are coded:
// ad must be the Adapter of the coder's model (model.NewAdapter returned
// both), and it takes a step every `every` steps of the lanes, on the
// tokens of those steps, and at the end of each group. Encoder and decoder
// must set the same.
func (c *Lanes) SetAdapter(ad *model.Adapter, every int) error {
	if every < 1 {
		return fmt.Errorf("dynamic evaluation every %d steps", every)
	}
	c.adapter, c.every = ad, every
	return nil
}

// State is a copy of what a lane coder learns from group to group: its
// mixer and, with dynamic evaluation, its model's weights.
type State struct {
	mixer   mix.Mixer
	adapter model.AdapterState
}

// SaveTo copies the coder's state to s, reusing s's memory.
func (c *Lanes) SaveTo(s *State) {
	c.mixer.CopyTo(&s.mixer)
	if c.adapter != nil {
		c.adapter.SaveTo(&s.adapter)
	}
}

// Restore puts the coder back in state s, saved from it.
func (c *Lanes) Restore(s *State) {
	c.mixer.Restore(&s.mixer)
	if c.adapter != nil {
		c.adapter.Restore(&s.adapter)
	}
}

// learned notes what lane i's rows just fed predict: prefix rows none,
// then the lane's tokens ys.
func (c *Lanes) learned(i, prefix int, ys []int32) {
	if c.adapter == nil {
		return
	}
	for range prefix {
		c.targets[i] = append(c.targets[i], -1)
	}
	c.targets[i] = append(c.targets[i], ys...)
}

// learn takes a step of dynamic evaluation on what the B lanes recorded.
func (c *Lanes) learn(B int) error {
	if c.adapter == nil {
		return nil
	}
	err := c.adapter.Step(c.caches[:B], c.targets[:B])
	for i := range c.targets {
		c.targets[i] = c.targets[i][:0]
	}
	return err
}

func (c *Lanes) ensure(B int) {
	if c.mixer.Config().Second && c.m2 == nil {
		panic("lmcoder: a mixer of two models without SetSecond")
	}
	for len(c.caches) < B {
		c.caches = append(c.caches, c.m.NewCache(c.slide.Window, c.recipe.KV))
		c.rows = append(c.rows, c.mixer.NewRow())
	}
	for c.m2 != nil && len(c.caches2) < B {
		c.caches2 = append(c.caches2, c.m2.NewCache(c.slide.Window, c.recipe.KV))
	}
	for len(c.targets) < len(c.caches) {
		c.targets = append(c.targets, nil)
	}
	for i := range c.targets {
		c.targets[i] = c.targets[i][:0]
	}
	if c.adapter != nil {
		c.adapter.Forget()
	}
}

// reset empties lane i's caches.
func (c *Lanes) reset(i int) {
	c.caches[i].Reset()
	if c.m2 != nil {
		c.caches2[i].Reset()
	}
}

// shift slides lane i's caches by shifting them.
func (c *Lanes) shift(i int) error {
	n := c.slide.Window - c.slide.Keep
	if err := c.m.(model.Shifter).Shift(c.caches[i], 1, n); err != nil {
		return err
	}
	if c.m2 != nil {
		return c.m2.(model.Shifter).Shift(c.caches2[i], 1, n)
	}
	return nil
}

// forward runs the model (and the second) on inputs, whose caches are the
// model's: the second runs on the same tokens with the lanes' caches of
// its own. hidden and hidden2 must hold the rows of all inputs.
// With steps, each model runs as model.ForwardSteps (the decoder's
// steps), else as one pass.
func (c *Lanes) forward(inputs []model.Input, lanes []int, hidden, hidden2 []float32, steps bool) error {
	if err := run(c.m, inputs, hidden, steps); err != nil {
		return err
	}
	if c.m2 == nil {
		return nil
	}
	c.inputs2 = c.inputs2[:0]
	for j, in := range inputs {
		c.inputs2 = append(c.inputs2, model.Input{Cache: c.caches2[lanes[j]], Tokens: in.Tokens})
	}
	return run(c.m2, c.inputs2, hidden2, steps)
}

// run runs m on inputs as model.ForwardSteps with steps, else as one pass.
func run(m model.Model, inputs []model.Input, hidden []float32, steps bool) error {
	if steps {
		return model.ForwardSteps(m, inputs, hidden)
	}
	return m.Forward(inputs, hidden)
}

// slides reports whether the window slides before step t: the cache then
// holds Window positions.
func (c *Lanes) slides(t int) bool {
	W, K := c.slide.Window, c.slide.Keep
	return t >= W && (t-W)%(W-K) == 0
}

// input appends to dst what lane (with tokens seq) feeds at step t, after
// sliding its caches if the window is full. With all, it feeds every token
// up to step end (exclusive) without sliding again (the encoder); it
// returns the tokens and the number of rows before the one of step t (the
// recomputed prefix).
func (c *Lanes) input(dst []int32, lane int, seq []int32, t, end int) ([]int32, int, error) {
	dst = dst[:0]
	prefix := 0
	switch {
	case t == 0:
		c.reset(lane)
		dst = append(dst, c.start)
	case c.slides(t) && c.slide.Recompute:
		c.reset(lane)
		dst = append(dst, c.start)
		dst = append(dst, seq[t-c.slide.Keep:t-1]...)
		prefix = len(dst)
		dst = append(dst, seq[t-1])
	case c.slides(t):
		if err := c.shift(lane); err != nil {
			return nil, 0, err
		}
		dst = append(dst, seq[t-1])
	default:
		dst = append(dst, seq[t-1])
	}
	if end > t+1 {
		dst = append(dst, seq[t:end-1]...)
	}
	return dst, prefix, nil
}

// nextSlide returns the first step after t before which the window
// slides.
func (c *Lanes) nextSlide(t int) int {
	W, K := c.slide.Window, c.slide.Keep
	if t < W {
		return W
	}
	return W + ((t-W)/(W-K)+1)*(W-K)
}

// encodeRows is how many rows of logits the encoder computes at a time,
// and forwardRows about the most rows of one forward pass.
const encodeRows = 128

var forwardRows = 2048 // a variable for the tests

// Analyze runs the lanes through the model and the mixer, as the decoder
// will, and returns how each token is coded. It advances the mixer: the
// caller must code exactly these lanes as one group, or restore the mixer.
func (c *Lanes) Analyze(lanes [][]int32) ([][]Sym, error) {
	B := len(lanes)
	longest := 0
	for _, l := range lanes {
		longest = max(longest, len(l))
	}
	c.ensure(B)
	c.mixer.StartLanes(B)
	for len(c.ShadowCost) < len(c.Shadow) {
		c.ShadowCost = append(c.ShadowCost, 0)
	}
	c.ShadowSyms = make([][][]Sym, len(c.Shadow))
	for si, sm := range c.Shadow {
		c.ShadowSyms[si] = make([][]Sym, B)
		for i, l := range lanes {
			c.ShadowSyms[si][i] = make([]Sym, 0, len(l))
		}
		sm.StartLanes(B)
		if len(c.shadowRows) <= si {
			c.shadowRows = append(c.shadowRows, nil)
		}
		for len(c.shadowRows[si]) < B {
			c.shadowRows[si] = append(c.shadowRows[si], sm.NewRow())
		}
	}
	cfg := c.m.Config()
	d, V := cfg.HiddenSize, cfg.VocabSize
	d2 := 0
	if c.m2 != nil {
		d2 = c.m2.Config().HiddenSize
	}
	syms := make([][]Sym, B)
	for i, l := range lanes {
		syms[i] = make([]Sym, len(l))
	}
	var (
		inputs  []model.Input
		prefix  = make([]int, B)
		offset  = make([]int, B) // first hidden row of each lane's input
		feeds   = make([][]int32, B)
		active  []int
		hidden  []float32
		hidden2 []float32
		gather  []float32
		gather2 []float32
		logits  []float32
		logits2 []float32
		rowLane []int
		rowsAt  = make([]*mix.Row, B)
		toks    = make([]int32, B)
	)
	for t0 := 0; t0 < longest; {
		// Steps t0 to t1 run between two slides of the windows, in
		// stretches of at most forwardRows rows (the model's buffers grow
		// with the rows of a pass; a stretch is the same arithmetic as one
		// pass, as it is for the decoder's steps).
		t1 := min(c.nextSlide(t0), longest)
		for c0 := t0; c0 < t1; {
			lanesAt := 0
			for _, seq := range lanes {
				if c0 < len(seq) {
					lanesAt++
				}
			}
			c1 := min(t1, c0+max(1, forwardRows/lanesAt))
			if c.adapter != nil {
				c1 = min(c1, (c0/c.every+1)*c.every)
			}
			inputs, active = inputs[:0], active[:0]
			n := 0
			for i, seq := range lanes {
				if c0 >= len(seq) {
					continue
				}
				var err error
				feeds[i], prefix[i], err = c.input(feeds[i], i, seq, c0, min(c1, len(seq)))
				if err != nil {
					return nil, err
				}
				inputs = append(inputs, model.Input{Cache: c.caches[i], Tokens: feeds[i]})
				active = append(active, i)
				c.learned(i, prefix[i], seq[c0:min(c1, len(seq))])
				offset[i] = n
				n += len(feeds[i])
			}
			if cap(hidden) < n*d {
				hidden = make([]float32, n*d)
			}
			if cap(hidden2) < n*d2 {
				hidden2 = make([]float32, n*d2)
			}
			if err := c.forward(inputs, active, hidden[:n*d], hidden2[:n*d2], false); err != nil {
				return nil, err
			}
			// Logits for a few steps of all lanes at a time, then the mixer
			// step by step.
			per := max(1, encodeRows/len(active))
			for s0 := c0; s0 < c1; s0 += per {
				s1 := min(c1, s0+per)
				rowLane = rowLane[:0]
				gather, gather2 = gather[:0], gather2[:0]
				for t := s0; t < s1; t++ {
					for _, i := range active {
						if t < len(lanes[i]) {
							r := offset[i] + prefix[i] + (t - c0)
							gather = append(gather, hidden[r*d:(r+1)*d]...)
							gather2 = append(gather2, hidden2[r*d2:(r+1)*d2]...)
							rowLane = append(rowLane, i)
						}
					}
				}
				rows := len(rowLane)
				if cap(logits) < rows*V {
					logits = make([]float32, rows*V)
				}
				c.m.Logits(logits[:rows*V], gather, rows)
				var second []float32 // the second model's logits, nil without one
				if c.m2 != nil {
					if cap(logits2) < rows*V {
						logits2 = make([]float32, rows*V)
					}
					second = logits2[:rows*V]
					c.m2.Logits(second, gather2, rows)
				}
				r0 := 0
				for t := s0; t < s1; t++ {
					k := 0
					for r0+k < rows && (k == 0 || rowLane[r0+k] > rowLane[r0+k-1]) {
						k++
					}
					stepLanes := rowLane[r0 : r0+k]
					step, step2 := logits[r0*V:(r0+k)*V], part(second, r0*V, (r0+k)*V)
					c.predict(stepLanes, step, step2, V)
					for j, i := range stepLanes {
						row := c.rows[i]
						y := lanes[i][t]
						syms[i][t] = Sym{row.Cum[y], row.Cum[y+1] - row.Cum[y]}
						rowsAt[j], toks[j] = row, y
					}
					c.mixer.Update(rowsAt[:k], toks[:k])
					c.shadow(stepLanes, step, step2, toks[:k], V)
					if c.Tap != nil {
						c.Tap(stepLanes, step, toks[:k])
					}
					r0 += k
				}
			}
			if c1%max(1, c.every) == 0 {
				if err := c.learn(B); err != nil {
					return nil, err
				}
			}
			c0 = c1
		}
		t0 = t1
	}
	if err := c.learn(B); err != nil {
		return nil, err
	}
	return syms, nil
}

// predict runs the mixer for the lanes of one step (in parallel): lane
// stepLanes[j]'s logits are logits[j*V:], and the second model's (nil
// without one) second[j*V:].
func (c *Lanes) predict(stepLanes []int, logits, second []float32, V int) {
	workers := min(kernel.Threads(), len(stepLanes))
	kernel.Parallel(workers, func(w int) {
		for j := w; j < len(stepLanes); j += workers {
			i := stepLanes[j]
			c.mixer.PredictWith(c.rows[i], i, logits[j*V:(j+1)*V], part(second, j*V, (j+1)*V))
		}
	})
}

// grow makes *buf hold at least n values.
func grow(buf *[]float32, n int) {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
}

// part returns x[i:j], or nil for a nil x.
func part(x []float32, i, j int) []float32 {
	if x == nil {
		return nil
	}
	return x[i:j]
}

// Decode decodes lanes of the given lengths from stream, advancing all of
// them in lockstep, with the mixer in the state the encoder's Analyze
// started from.
func (c *Lanes) Decode(stream []byte, lengths []int) ([][]int32, error) {
	B := len(lengths)
	longest := 0
	for _, n := range lengths {
		if n < 0 {
			return nil, fmt.Errorf("lane of %d tokens", n)
		}
		longest = max(longest, n)
	}
	out := make([][]int32, B)
	for i, n := range lengths {
		out[i] = make([]int32, 0, n)
	}
	c.mixer.StartLanes(B)
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
	d2 := 0
	if c.m2 != nil {
		d2 = c.m2.Config().HiddenSize
	}
	c.ensure(B)
	maxFeed := 1
	if c.slide.Recompute {
		maxFeed = c.slide.Keep + 1
	}
	grow(&c.hidden, B*maxFeed*d)
	grow(&c.last, B*d)
	grow(&c.logits, B*V)
	if c.m2 != nil {
		grow(&c.hidden2, B*maxFeed*d2)
		grow(&c.last2, B*d2)
		grow(&c.logits2, B*V)
	}
	for len(c.feed) < B {
		c.feed = append(c.feed, make([]int32, 0, maxFeed))
	}
	rowsAt := make([]*mix.Row, B)
	toks := make([]int32, B)
	for t := 0; t < longest; t++ {
		c.inputs, c.active = c.inputs[:0], c.active[:0]
		for i, n := range lengths {
			if t >= n {
				continue
			}
			var err error
			var prefix int
			c.feed[i], prefix, err = c.input(c.feed[i], i, out[i], t, t+1)
			if err != nil {
				return nil, err
			}
			c.inputs = append(c.inputs, model.Input{Cache: c.caches[i], Tokens: c.feed[i]})
			c.active = append(c.active, i)
			c.learned(i, prefix, nil)
		}
		n := 0
		for _, in := range c.inputs {
			n += len(in.Tokens)
		}
		if err := c.forward(c.inputs, c.active, c.hidden[:n*d], c.hidden2[:n*d2], true); err != nil {
			return nil, err
		}
		r := 0
		for j, in := range c.inputs {
			r += len(in.Tokens)
			copy(c.last[j*d:(j+1)*d], c.hidden[(r-1)*d:r*d])
			copy(c.last2[j*d2:(j+1)*d2], c.hidden2[(r-1)*d2:r*d2])
		}
		k := len(c.active)
		c.m.Logits(c.logits[:k*V], c.last[:k*d], k)
		var second []float32
		if c.m2 != nil {
			second = c.logits2[:k*V]
			c.m2.Logits(second, c.last2[:k*d2], k)
		}
		c.predict(c.active, c.logits[:k*V], second, V)
		for j, i := range c.active {
			row := c.rows[i]
			tok := rans.Find(row.Cum, dec.Slot())
			dec.Advance(row.Cum[tok], row.Cum[tok+1]-row.Cum[tok])
			if c.valid > 0 && tok >= c.valid {
				return nil, rans.ErrCorrupt // a token no text stands for: stop now
			}
			out[i] = append(out[i], int32(tok))
			rowsAt[j], toks[j] = row, int32(tok)
			c.learned(i, 0, toks[j:j+1])
		}
		c.mixer.Update(rowsAt[:k], toks[:k])
		if dec.Err() != nil {
			return nil, rans.ErrCorrupt
		}
		if (t+1)%max(1, c.every) == 0 {
			if err := c.learn(B); err != nil {
				return nil, err
			}
		}
	}
	if err := c.learn(B); err != nil {
		return nil, err
	}
	if err := dec.Close(); err != nil {
		return nil, err
	}
	return out, nil
}

// LimitTokens makes Decode fail as soon as it decodes a token id ≥ n (the
// tokenizer's vocabulary, when the model's is larger), rather than run the
// model on for a stream that is known to be corrupt.
func (c *Lanes) LimitTokens(n int) { c.valid = n }

// shadow runs the shadow mixers over one step.
func (c *Lanes) shadow(stepLanes []int, logits, second []float32, toks []int32, V int) {
	if len(c.Shadow) == 0 {
		return
	}
	kernel.Parallel(min(kernel.Threads(), len(c.Shadow)), func(w int) {
		for si := w; si < len(c.Shadow); si += kernel.Threads() {
			sm, rows := c.Shadow[si], c.shadowRows[si]
			at := make([]*mix.Row, len(stepLanes))
			for j, i := range stepLanes {
				sm.PredictWith(rows[i], i, logits[j*V:(j+1)*V], part(second, j*V, (j+1)*V))
				at[j] = rows[i]
				y := toks[j]
				sym := Sym{rows[i].Cum[y], rows[i].Cum[y+1] - rows[i].Cum[y]}
				c.ShadowCost[si] += sym.Cost()
				c.ShadowSyms[si][i] = append(c.ShadowSyms[si][i], sym)
			}
			sm.Update(at, toks)
		}
	})
}
