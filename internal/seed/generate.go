package seed

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"

	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/rans"
	"github.com/lmzip/lmzip/internal/tokenizer"
)

// Generation as decompression: Generate reads any byte string as if it
// were the output of an arithmetic coder driven by the model, and decodes
// it into tokens, so that random bytes give samples of the model, zero
// bytes its most probable continuations, and the same bytes always the same
// text. Reverse is the encoder: it gives the bytes back from the text.
//
// The scheme, exact in big-integer arithmetic:
//
//  1. The input b (n bytes) becomes an interval J of [0, 1) under a fixed
//     input model of 2^24: at each position each byte value has frequency
//     65535 and an end mark, coded after the last byte, has 256, so a byte
//     costs 8.00002 bits and the end 16 bits. The intervals of different
//     inputs are disjoint, because the end mark makes the input code
//     prefix-free. The input is whitened first, so that zero bytes or
//     text read like random bytes: byte i is XORed with a fixed key byte
//     and the end mark sits among the byte values at a fixed pseudo-random
//     place (both from SHA-256 in counter mode, see keystream). Without
//     that, zero bytes would keep x at the bottom of every interval, where
//     a small model's first choices repeat with ever growing confidence
//     and carry almost no information, so generation would hardly end.
//  2. x is the midpoint of J. Tokens are decoded from x: at each step the
//     model's distribution over the next token (rans.Quantizer
//     frequencies, restricted to the allowed tokens, see 4) divides the
//     current interval I, most probable token first (ties by lower id),
//     and the token whose part holds x is emitted. The most probable
//     token's share is capped at 15/16 (see capShare).
//  3. Stopping rule: generation stops at the first step at which I ⊆ J
//     (never before the first token). Since x is interior to J and I
//     shrinks around x, this happens as soon as the tokens have carried
//     about as much information as J (8n+17 bits).
//  4. Only canonical continuations are allowed: a token t may follow the
//     generated tokens S only if the tokenizer encodes the text of S+t as
//     exactly S+t. Otherwise the text could come back as other tokens. The
//     check is local: the encoding is recomputed from the last token that
//     begins with a space and an ASCII letter, which is always a
//     pre-token boundary of GPT-2-style tokenizers.
//
// Reverse tokenizes the text (without the prompt), recomputes I, decodes
// the input model from I to find the unique b with J ⊇ I, and checks that
// Generate(b) stops with exactly these tokens. So Reverse(Generate(b)) = b
// for every b, including the empty string, and Reverse rejects any text
// that Generate cannot produce.
//
// The context is the model's start token, the prompt's tokens and the
// generated tokens, in a Window of the given size.

const (
	inputBits  = 24
	byteFreq   = 65535
	endFreq    = 1<<inputBits - 256*byteFreq // 256
	tokenLimit = 1000
	// capShare caps the most probable token at (capShare−1)/capShare of
	// the distribution. A small model that starts to repeat itself grows
	// ever surer of the next repetition; uncapped, such a loop carries
	// almost no information and generation would hardly reach its end.
	// With the cap each token carries at least H(1/16) ≈ 0.34 bits on
	// average, and a loop is left with probability 1/16 at each token.
	capShare = 16
)

// keystream returns the whitening bytes of input position i: the mask of
// the byte and the place of the end mark among the 256 byte values.
// They come from SHA-256 in counter mode, a fixed function of i.
func keystream(i int) (mask, endAt byte) {
	var blk [12]byte
	copy(blk[:], "lmzipgen")
	binary.BigEndian.PutUint32(blk[8:], uint32(i/16))
	h := sha256.Sum256(blk[:])
	return h[2*(i%16)], h[2*(i%16)+1]
}

// symbolRange returns the cumulative frequency and the frequency, under
// the input model at position i, of byte value v (v < 256) or of the end
// mark (v = 256).
func symbolRange(i int, v int) (cum, freq uint64) {
	_, r := keystream(i)
	switch {
	case v == 256:
		return uint64(r) * byteFreq, endFreq
	case v < int(r):
		return uint64(v) * byteFreq, byteFreq
	}
	return uint64(v)*byteFreq + endFreq, byteFreq
}

// symbolAt returns the symbol (byte value, or 256 for the end mark) whose
// range at position i holds slot.
func symbolAt(i int, slot uint64) int {
	_, r := keystream(i)
	switch e := uint64(r) * byteFreq; {
	case slot < e:
		return int(slot / byteFreq)
	case slot < e+endFreq:
		return 256
	default:
		return int((slot - endFreq) / byteFreq)
	}
}

// inputInterval returns J = [L, L+W) / 2^m for data.
func inputInterval(data []byte) (L, W *big.Int, m uint) {
	L, W = new(big.Int), big.NewInt(1)
	t := new(big.Int)
	step := func(cum, freq uint64) {
		L.Lsh(L, inputBits)
		L.Add(L, t.Mul(W, new(big.Int).SetUint64(cum)))
		W.Mul(W, new(big.Int).SetUint64(freq))
		m += inputBits
	}
	for i, b := range data {
		mask, _ := keystream(i)
		step(symbolRange(i, int(b^mask)))
	}
	step(symbolRange(len(data), 256))
	return L, W, m
}

// genModel gives the distribution of the next generated token.
type genModel struct {
	tok    *tokenizer.Tokenizer
	win    *Window
	seq    []int32 // prompt and generated tokens
	np     int     // prompt tokens
	logits []float32
	freq   []uint32
	q      rans.Quantizer

	selfOK    []bool // Encode(bytes(t)) == [t]
	spaceWord []bool // bytes(t) start with a space and an ASCII letter
	buf       []byte
	enc       []int32
	order     []int32 // allowed tokens in coding order
}

func newGenModel(l *lm.LM, prompt []byte, window int) (*genModel, error) {
	m, err := l.Model()
	if err != nil {
		return nil, err
	}
	win, err := NewWindow(m, window, []int32{l.Start})
	if err != nil {
		return nil, err
	}
	V := m.Config().VocabSize
	g := &genModel{tok: l.Tokenizer, win: win, logits: make([]float32, V), freq: make([]uint32, V),
		selfOK: make([]bool, V), spaceWord: make([]bool, V)}
	g.seq = l.Tokenizer.EncodeWithSpecial(prompt)
	g.np = len(g.seq)
	for t := range V {
		u := l.Tokenizer.TokenBytes(int32(t))
		if len(u) == 0 {
			continue
		}
		e := l.Tokenizer.Encode(u)
		g.selfOK[t] = len(e) == 1 && e[0] == int32(t)
		g.spaceWord[t] = len(u) >= 2 && u[0] == ' ' && isASCIILetter(u[1])
	}
	return g, nil
}

// next returns the frequencies of the next token (zero for tokens that
// are not allowed) and their total.
func (g *genModel) next() ([]uint32, uint64, error) {
	if err := g.win.Logits(g.logits, g.seq, len(g.seq)); err != nil {
		return nil, 0, err
	}
	g.q.Freqs(g.freq, g.logits)
	gen := g.seq[g.np:]
	j := 0
	for i := len(gen) - 1; i >= 0; i-- {
		if g.spaceWord[gen[i]] {
			j = i
			break
		}
	}
	tail := gen[j:]
	g.buf = g.tok.AppendDecode(g.buf[:0], tail)
	nt := len(g.buf)
	var total uint64
	for t := range g.freq {
		ok := g.selfOK[t] && (g.spaceWord[t] || len(tail) == 0)
		if !ok && !g.spaceWord[t] && len(tail) > 0 {
			g.buf = append(g.buf[:nt], g.tok.TokenBytes(int32(t))...)
			g.enc = g.tok.AppendEncode(g.enc[:0], g.buf)
			ok = len(g.enc) == len(tail)+1 && g.enc[len(tail)] == int32(t) && slices.Equal(g.enc[:len(tail)], tail)
		}
		if !ok {
			g.freq[t] = 0
		}
		total += uint64(g.freq[t])
	}
	if total == 0 {
		return nil, 0, errors.New("generate: no token can follow the text canonically")
	}
	// Cap the most probable token at 15/16 of the total (see capShare).
	top, topF := 0, uint32(0)
	for t, f := range g.freq {
		if f > topF {
			top, topF = t, f
		}
	}
	if rest := total - uint64(topF); uint64(topF) > (capShare-1)*rest && rest > 0 {
		total -= uint64(topF) - (capShare-1)*rest
		g.freq[top] = uint32((capShare - 1) * rest)
	}
	// The order of the tokens in the interval: most probable first, ties
	// by id.
	g.order = g.order[:0]
	var ones []int32
	for t, f := range g.freq {
		switch {
		case f > 1:
			g.order = append(g.order, int32(t))
		case f == 1:
			ones = append(ones, int32(t))
		}
	}
	sort.Slice(g.order, func(a, b int) bool {
		fa, fb := g.freq[g.order[a]], g.freq[g.order[b]]
		return fa > fb || fa == fb && g.order[a] < g.order[b]
	})
	g.order = append(g.order, ones...)
	return g.freq, total, nil
}

// step is one token's coding: its cumulative frequency, frequency and the
// total of the distribution.
type step struct{ cum, freq, total uint64 }

// decider replays the generator's decisions for an input interval.
type decider struct {
	R, S, WD *big.Int
	t        *big.Int
}

func newDecider(data []byte) *decider {
	L, W, m := inputInterval(data)
	d := &decider{R: new(big.Int).Lsh(L, 1), S: new(big.Int).Lsh(big.NewInt(1), m+1), WD: W, t: new(big.Int)}
	d.R.Add(d.R, W) // x = (2L+W)/2^(m+1); R = x·2^(m+1)·D − lo·2^(m+1) with lo = 0, D = 1
	return d
}

// done reports whether I ⊆ J: R ≤ W·D and S − R ≤ W·D.
func (d *decider) done() bool {
	if d.R.Cmp(d.WD) > 0 {
		return false
	}
	return d.t.Sub(d.S, d.R).Cmp(d.WD) <= 0
}

// slot returns floor(R·total / S), the cumulative frequency that x falls on.
func (d *decider) slot(total uint64) uint64 {
	d.t.Mul(d.R, new(big.Int).SetUint64(total))
	d.t.Quo(d.t, d.S)
	return d.t.Uint64()
}

func (d *decider) advance(s step) {
	d.R.Mul(d.R, new(big.Int).SetUint64(s.total))
	d.R.Sub(d.R, d.t.Mul(d.S, new(big.Int).SetUint64(s.cum)))
	d.S.Mul(d.S, new(big.Int).SetUint64(s.freq))
	d.WD.Mul(d.WD, new(big.Int).SetUint64(s.total))
}

// Generate decodes data into a continuation of prompt (see the scheme
// above) and returns the continuation's bytes and tokens. window ≤ 0 uses
// the model's whole context. progress, if not nil, is called after each
// token.
func Generate(l *lm.LM, prompt, data []byte, window int, progress func(tokens int)) ([]byte, []int32, error) {
	g, err := newGenModel(l, prompt, window)
	if err != nil {
		return nil, nil, err
	}
	d := newDecider(data)
	limit := tokenLimit + 100*(8*len(data)+24)
	for !d.done() {
		if len(g.seq)-g.np >= limit {
			return l.Tokenizer.Decode(g.seq[g.np:]), nil, fmt.Errorf("generate: no end after %d tokens (the model is too sure of itself)", limit)
		}
		freq, total, err := g.next()
		if err != nil {
			return nil, nil, err
		}
		slot := d.slot(total)
		var cum uint64
		var t int32
		for _, t = range g.order {
			if slot < cum+uint64(freq[t]) {
				break
			}
			cum += uint64(freq[t])
		}
		d.advance(step{cum, uint64(freq[t]), total})
		g.seq = append(g.seq, t)
		if progress != nil {
			progress(len(g.seq) - g.np)
		}
	}
	gen := g.seq[g.np:]
	text := l.Tokenizer.Decode(gen)
	if !slices.Equal(l.Tokenizer.Encode(text), gen) {
		return nil, nil, errors.New("generate: internal error: the output does not tokenize back to its tokens")
	}
	return text, gen, nil
}

// ErrNotGenerated reports a text that Generate cannot have produced with
// this model, prompt and window.
var ErrNotGenerated = errors.New("the text is not an output of generate with this model, prompt and window")

// Reverse gives back the bytes from which Generate produced text (the
// continuation, without the prompt).
func Reverse(l *lm.LM, prompt, text []byte, window int, progress func(tokens int)) ([]byte, error) {
	g, err := newGenModel(l, prompt, window)
	if err != nil {
		return nil, err
	}
	toks := l.Tokenizer.Encode(text)
	if len(toks) == 0 {
		return nil, ErrNotGenerated
	}
	steps := make([]step, len(toks))
	lo, w, D := new(big.Int), big.NewInt(1), big.NewInt(1)
	t := new(big.Int)
	for i, tk := range toks {
		freq, total, err := g.next()
		if err != nil {
			return nil, err
		}
		if int(tk) >= len(freq) || freq[tk] == 0 {
			return nil, ErrNotGenerated
		}
		var cum uint64
		for _, o := range g.order {
			if o == tk {
				break
			}
			cum += uint64(freq[o])
		}
		steps[i] = step{cum, uint64(freq[tk]), total}
		lo.Mul(lo, new(big.Int).SetUint64(total))
		lo.Add(lo, t.Mul(w, new(big.Int).SetUint64(cum)))
		w.Mul(w, new(big.Int).SetUint64(uint64(freq[tk])))
		D.Mul(D, new(big.Int).SetUint64(total))
		g.seq = append(g.seq, tk)
		if progress != nil {
			progress(i + 1)
		}
	}
	// Decode the input model from I = [lo, lo+w) / D.
	hi := new(big.Int).Add(lo, w)
	L, W := new(big.Int), big.NewInt(1)
	var out []byte
	a, b := new(big.Int), new(big.Int)
	for j := uint(1); ; j++ {
		// slot = floor((lo·2^(24j) − L·2^24·D) / (W·D))
		a.Lsh(lo, inputBits*j)
		a.Sub(a, b.Mul(b.Lsh(L, inputBits), D))
		if a.Sign() < 0 {
			return nil, ErrNotGenerated
		}
		a.Quo(a, b.Mul(W, D))
		slot := a.Uint64()
		i := int(j - 1)
		v := symbolAt(i, slot)
		cum, freq := symbolRange(i, v)
		L.Lsh(L, inputBits)
		L.Add(L, t.Mul(W, new(big.Int).SetUint64(cum)))
		W.Mul(W, new(big.Int).SetUint64(freq))
		// hi·2^(24j) ≤ (L+W)·D ?
		a.Lsh(hi, inputBits*j)
		if a.Cmp(b.Mul(b.Add(L, W), D)) > 0 {
			return nil, ErrNotGenerated
		}
		if v == 256 {
			break
		}
		mask, _ := keystream(i)
		out = append(out, byte(v)^mask)
	}
	// Check that Generate(out) makes exactly these decisions.
	d := newDecider(out)
	for _, s := range steps {
		if d.done() {
			return nil, ErrNotGenerated
		}
		if sl := d.slot(s.total); sl < s.cum || sl >= s.cum+s.freq {
			return nil, ErrNotGenerated
		}
		d.advance(s)
	}
	if !d.done() {
		return nil, ErrNotGenerated
	}
	if !bytes.Equal(l.Tokenizer.Decode(toks), text) {
		return nil, ErrNotGenerated
	}
	return out, nil
}
