package model

import (
	"fmt"
	"math"

	"github.com/lmzip/lmzip/internal/kernel"
)

// The layers architectures are built from. Each works on a batch's rows
// (one row per new token) and computes every row by the same sequence of
// kernel operations whatever the batch holds, so a full pass and one-token
// decoding agree bit for bit.

// norm is a normalisation layer over vectors of len(w) values: RMSNorm, or
// LayerNorm (mean subtracted, optional bias).
type norm struct {
	w, b  []float32
	eps   float32
	layer bool
}

// RMSNorm returns the RMSNorm whose weight is name+".weight".
func (w *Weights) RMSNorm(name string, n int, eps float64) *norm {
	return &norm{w: w.Vector(name+".weight", n), eps: float32(eps)}
}

// RMSNormPlusOne returns an RMSNorm that scales by 1 + weight (Gemma),
// computed once in float32 as transformers does.
func (w *Weights) RMSNormPlusOne(name string, n int, eps float64) *norm {
	nm := w.RMSNorm(name, n, eps)
	for i, v := range nm.w {
		nm.w[i] = 1 + v
	}
	return nm
}

// LayerNorm returns the LayerNorm with weight name+".weight" and, if bias,
// bias name+".bias".
func (w *Weights) LayerNorm(name string, n int, eps float64, bias bool) *norm {
	nm := &norm{w: w.Vector(name+".weight", n), eps: float32(eps), layer: true}
	if bias {
		nm.b = w.Vector(name+".bias", n)
	}
	return nm
}

// apply normalises one vector x into dst (which may be x).
func (n *norm) apply(dst, x []float32) {
	if n.layer {
		kernel.LayerNorm(dst, x, n.w, n.b, n.eps)
	} else {
		kernel.RMSNorm(dst, x, n.w, n.eps)
	}
}

// forward normalises each of b's rows of x into dst (which may be x).
func (n *norm) forward(b *batch, dst, x []float32) {
	d := len(n.w)
	if b.rows < 64 {
		for r := 0; r < b.rows; r++ {
			n.apply(dst[r*d:(r+1)*d], x[r*d:(r+1)*d])
		}
		return
	}
	parallelTasks(b.rows, 16, func(r, _ int) { n.apply(dst[r*d:(r+1)*d], x[r*d:(r+1)*d]) })
}

// linear is a linear layer: a packed weight matrix and an optional bias.
type linear struct {
	w *kernel.Matrix
	b []float32
}

// Linear returns the linear layer of parts stacked (see Matrix), with their
// biases if bias.
func (w *Weights) Linear(in int, bias bool, parts ...Part) linear {
	l := linear{w: w.Matrix(RoleLinear, in, parts...)}
	if bias {
		l.b = w.Vectors(parts...)
	}
	return l
}

// forward sets dst = x·Wᵀ + bias for rows rows.
func (l *linear) forward(dst, x []float32, rows int) {
	kernel.MatMul(dst, x, rows, l.w)
	if l.b != nil {
		n := len(l.b)
		for r := 0; r < rows; r++ {
			kernel.Add(dst[r*n:(r+1)*n], l.b)
		}
	}
}

// attention is a causal self-attention layer over the KV cache: one
// projection to queries, keys and values (stacked in that order), optional
// query/key normalisation, a rotary embedding on the leading dimensions of
// each head, grouped-query attention and an output projection.
type attention struct {
	qkv, o                  linear
	heads, kvHeads, headDim int
	// qNorm and kNorm, when not nil, normalise the queries and keys
	// before the rotation: each head on its own (Qwen3, Phi) if perHead,
	// else the whole projection (OLMo 2).
	qNorm, kNorm *norm
	perHead      bool
	rope         *rope // nil: no rotary embedding (GPT-2)
	scale        float32
}

// newAttention returns the attention of shape c with scores scaled by
// 1/sqrt(head_dim); the caller loads its projections.
func newAttention(c *Config, r *rope) attention {
	return attention{heads: c.NumHeads, kvHeads: c.NumKVHeads, headDim: c.HeadDim, rope: r,
		scale: float32(1 / math.Sqrt(float64(c.HeadDim)))}
}

// qkvParts returns the parts of separate q, k and v projections named
// prefix+q, prefix+k and prefix+v.
func (a *attention) qkvParts(prefix, q, k, v string) []Part {
	qOut, kvOut := a.heads*a.headDim, a.kvHeads*a.headDim
	return []Part{{Name: prefix + q, Out: qOut}, {Name: prefix + k, Out: kvOut}, {Name: prefix + v, Out: kvOut}}
}

// forward computes the attention of b's rows of x (layer li) into out.
func (a *attention) forward(b *batch, li int, out, x []float32) {
	R, hd := b.rows, a.headDim
	qOut, kvOut := a.heads*hd, a.kvHeads*hd
	stride := qOut + 2*kvOut
	qkv := b.buf(bufQKV, R*stride)
	a.qkv.forward(qkv, x, R)
	b.keyScratch(hd)
	if a.qNorm != nil || a.rope != nil {
		b.eachRow(func(r int) {
			row := qkv[r*stride : (r+1)*stride]
			q, k := row[:qOut], row[qOut:qOut+kvOut]
			switch {
			case a.qNorm != nil && a.perHead:
				for h := 0; h < a.heads; h++ {
					a.qNorm.apply(q[h*hd:(h+1)*hd], q[h*hd:(h+1)*hd])
				}
				for h := 0; h < a.kvHeads; h++ {
					a.kNorm.apply(k[h*hd:(h+1)*hd], k[h*hd:(h+1)*hd])
				}
			case a.qNorm != nil:
				a.qNorm.apply(q, q)
				a.kNorm.apply(k, k)
			}
			if a.rope != nil {
				pos := b.pos[r]
				for h := 0; h < a.heads+a.kvHeads; h++ { // the query heads, then the key heads
					a.rope.apply(row[h*hd:(h+1)*hd], pos)
				}
			}
			b.storeRow(li, r, qkv, qOut, kvOut, hd)
		})
	} else {
		b.storeKV(li, qkv, qOut, kvOut, hd)
	}
	att := b.buf(bufAtt, R*qOut)
	b.attention(li, att, qkv, stride, a.heads, a.kvHeads, hd, a.scale)
	a.o.forward(out, att, R)
}

// mlp is a feed-forward layer: gated (SwiGLU, GeGLU: down(f(gate(x)) ·
// up(x))) or plain (down(f(up(x)))).
type mlp struct {
	up    linear // gated: the gate and up projections stacked, 2·inner outputs
	down  linear
	act   kernel.Activation
	gated bool
	inner int
}

// forward computes the MLP of b's rows of x into out.
func (m *mlp) forward(b *batch, out, x []float32) {
	R, I := b.rows, m.inner
	if !m.gated {
		h := b.buf(bufMLP, R*I)
		m.up.forward(h, x, R)
		b.eachRow(func(r int) { m.act.Apply(h[r*I : (r+1)*I]) })
		m.down.forward(out, h, R)
		return
	}
	gu := b.buf(bufMLP, R*2*I)
	m.up.forward(gu, x, R)
	h := b.buf(bufAct, R*I)
	b.eachRow(func(r int) {
		row := gu[r*2*I : (r+1)*2*I]
		m.act.Gated(row[:I], row[I:])
		copy(h[r*I:(r+1)*I], row[:I])
	})
	m.down.forward(out, h, R)
}

// core is what every architecture's model has: its shape, the token
// embedding, the output head and the rotary tables. Architectures embed it
// and add their layers and Forward.
type core struct {
	cfg   *Config
	embed embedding
	head  linear
	rope  *rope // nil without a rotary embedding
}

func (m *core) Config() *Config { return m.cfg }

func (m *core) NewCache(capacity int, kv KV) *Cache {
	capacity = min(capacity, m.cfg.MaxPositions)
	if m.rope != nil {
		m.rope.ensure(capacity)
	}
	return newCache(m.cfg.NumLayers, m.cfg.NumKVHeads, m.cfg.HeadDim, capacity, kv)
}

func (m *core) Logits(dst, hidden []float32, rows int) {
	m.head.forward(dst, hidden, rows)
}

// loadHead loads the output head: the module name (with its bias if
// bias), or, if tied, the token embedding module embed (a separate head
// tensor, which some checkpoints carry anyway, is then skipped).
func (m *core) loadHead(w *Weights, name, embed string, tied, bias bool) {
	c := m.cfg
	if tied {
		w.Skip(name + ".weight")
		name = embed
	}
	m.head = linear{w: w.Matrix(RoleHead, c.HiddenSize, Part{Name: name, Out: c.VocabSize})}
	if bias && !tied {
		m.head.b = w.Vectors(Part{Name: name, Out: c.VocabSize})
	}
}

// begin starts a forward pass: it checks the inputs and writes each new
// token's embedding into the residual stream x, the first rows·hidden
// values of hidden.
func (m *core) begin(inputs []Input, hidden []float32) (*batch, []float32, error) {
	c := m.cfg
	b, err := newBatch(inputs, c)
	if err != nil {
		return nil, nil, err
	}
	d := c.HiddenSize
	if len(hidden) < b.rows*d {
		return nil, nil, fmt.Errorf("hidden buffer holds %d values, need %d", len(hidden), b.rows*d)
	}
	x := hidden[:b.rows*d]
	for r, tok := range b.tokens {
		m.embed.row(x[r*d:(r+1)*d], int(tok))
	}
	return b, x, nil
}
