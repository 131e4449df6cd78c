package model

import (
	"fmt"
	"math"

	"github.com/lmzip/lmzip/internal/kernel"
)

// Llama: RMSNorm before attention and MLP, rotary position embedding,
// grouped-query attention, SwiGLU MLP, optional tied embeddings.

func init() {
	Register("llama", newLlama)
}

type llama struct {
	cfg    *Config
	embed  []float32 // [vocab][hidden]
	layers []llamaLayer
	norm   []float32
	lmHead *kernel.Matrix
	rope   *rope
	eps    float32
	scale  float32 // attention score scale, 1/sqrt(head_dim)
}

type llamaLayer struct {
	attnNorm, mlpNorm []float32
	qkv               *kernel.Matrix // q, k and v projections stacked
	qkvBias           []float32      // optional
	o                 *kernel.Matrix
	gateUp            *kernel.Matrix // gate and up projections stacked
	down              *kernel.Matrix
}

func newLlama(c *Config, w *Weights) (Model, error) {
	if c.HiddenAct != "" && c.HiddenAct != "silu" {
		return nil, fmt.Errorf("hidden_act %q is not supported (silu only)", c.HiddenAct)
	}
	if c.MLPBias {
		return nil, fmt.Errorf("mlp_bias is not supported")
	}
	if c.IntermediateSize <= 0 || c.IntermediateSize > maxDim*4 {
		return nil, fmt.Errorf("bad intermediate_size %d", c.IntermediateSize)
	}
	d, hd := c.HiddenSize, c.HeadDim
	qOut, kvOut := c.NumHeads*hd, c.NumKVHeads*hd
	m := &llama{cfg: c, eps: float32(c.RMSNormEps), scale: float32(1 / math.Sqrt(float64(hd)))}
	var err error
	if m.rope, err = newRope(c.Rope, hd); err != nil {
		return nil, err
	}
	if m.embed, err = w.Tensor("model.embed_tokens.weight", c.VocabSize, d); err != nil {
		return nil, err
	}
	if m.norm, err = w.Vector("model.norm.weight", d); err != nil {
		return nil, err
	}
	if w.Has("lm_head.weight") && !c.TieWordEmbeddings {
		m.lmHead, err = w.Matrix("lm_head.weight", c.VocabSize, d)
	} else if c.TieWordEmbeddings || !w.Has("lm_head.weight") {
		m.lmHead = kernel.NewMatrix(m.embed, c.VocabSize, d)
	}
	if err != nil {
		return nil, err
	}
	m.layers = make([]llamaLayer, c.NumLayers)
	for i := range m.layers {
		l := &m.layers[i]
		p := fmt.Sprintf("model.layers.%d.", i)
		if l.attnNorm, err = w.Vector(p+"input_layernorm.weight", d); err != nil {
			return nil, err
		}
		if l.mlpNorm, err = w.Vector(p+"post_attention_layernorm.weight", d); err != nil {
			return nil, err
		}
		if l.qkv, err = w.Stacked(d,
			Part{p + "self_attn.q_proj.weight", qOut},
			Part{p + "self_attn.k_proj.weight", kvOut},
			Part{p + "self_attn.v_proj.weight", kvOut}); err != nil {
			return nil, err
		}
		if c.AttentionBias {
			l.qkvBias = make([]float32, 0, qOut+2*kvOut)
			for _, b := range []Part{{p + "self_attn.q_proj.bias", qOut}, {p + "self_attn.k_proj.bias", kvOut}, {p + "self_attn.v_proj.bias", kvOut}} {
				v, err := w.Vector(b.Name, b.Out)
				if err != nil {
					return nil, err
				}
				l.qkvBias = append(l.qkvBias, v...)
			}
		}
		if l.o, err = w.Matrix(p+"self_attn.o_proj.weight", d, qOut); err != nil {
			return nil, err
		}
		if l.gateUp, err = w.Stacked(d,
			Part{p + "mlp.gate_proj.weight", c.IntermediateSize},
			Part{p + "mlp.up_proj.weight", c.IntermediateSize}); err != nil {
			return nil, err
		}
		if l.down, err = w.Matrix(p+"mlp.down_proj.weight", d, c.IntermediateSize); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *llama) Config() *Config { return m.cfg }

func (m *llama) NewCache(capacity int, kv KV) *Cache {
	capacity = min(capacity, m.cfg.MaxPositions)
	m.rope.ensure(capacity)
	return newCache(m.cfg.NumLayers, m.cfg.NumKVHeads, m.cfg.HeadDim, capacity, kv)
}

func (m *llama) Logits(dst, hidden []float32, rows int) {
	kernel.MatMul(dst, hidden, rows, m.lmHead)
}

func (m *llama) Forward(inputs []Input, hidden []float32) error {
	c := m.cfg
	b, err := newBatch(inputs, c)
	if err != nil {
		return err
	}
	d, hd := c.HiddenSize, c.HeadDim
	qOut, kvOut := c.NumHeads*hd, c.NumKVHeads*hd
	qkvOut := qOut + 2*kvOut
	R := b.rows
	if len(hidden) < R*d {
		return fmt.Errorf("hidden buffer holds %d values, need %d", len(hidden), R*d)
	}
	x := hidden[:R*d] // the residual stream lives in the output buffer
	for r, tok := range b.tokens {
		copy(x[r*d:(r+1)*d], m.embed[int(tok)*d:int(tok+1)*d])
	}
	xn := make([]float32, R*d)
	qkv := make([]float32, R*qkvOut)
	att := make([]float32, R*qOut)
	I := c.IntermediateSize
	mlp := make([]float32, R*2*I)
	act := make([]float32, R*I)
	for li := range m.layers {
		l := &m.layers[li]
		rmsNormRows(xn, x, l.attnNorm, R, d, m.eps)
		kernel.MatMul(qkv, xn, R, l.qkv)
		if l.qkvBias != nil {
			addRows(qkv, l.qkvBias, R)
		}
		b.eachRow(func(r int) {
			row := qkv[r*qkvOut : (r+1)*qkvOut]
			pos := b.pos[r]
			for h := 0; h < c.NumHeads+c.NumKVHeads; h++ {
				m.rope.apply(row[h*hd:(h+1)*hd], pos)
			}
		})
		b.storeKV(li, qkv, qOut, kvOut, hd)
		b.attention(li, att, qkv, qkvOut, c.NumHeads, c.NumKVHeads, hd, m.scale)
		kernel.MatMul(xn, att, R, l.o)
		kernel.Add(x, xn)
		rmsNormRows(xn, x, l.mlpNorm, R, d, m.eps)
		kernel.MatMul(mlp, xn, R, l.gateUp)
		b.eachRow(func(r int) {
			row := mlp[r*2*I : (r+1)*2*I]
			kernel.SwiGLU(row[:I], row[I:])
			copy(act[r*I:(r+1)*I], row[:I])
		})
		kernel.MatMul(xn, act, R, l.down)
		kernel.Add(x, xn)
	}
	rmsNormRows(x, x, m.norm, R, d, m.eps)
	b.commit()
	return nil
}

// rmsNormRows normalises each of rows rows of x into dst (which may be x).
func rmsNormRows(dst, x, w []float32, rows, d int, eps float32) {
	for r := 0; r < rows; r++ {
		kernel.RMSNorm(dst[r*d:(r+1)*d], x[r*d:(r+1)*d], w, eps)
	}
}

// addRows adds bias to each row of x.
func addRows(x, bias []float32, rows int) {
	n := len(bias)
	for r := 0; r < rows; r++ {
		kernel.Add(x[r*n:(r+1)*n], bias)
	}
}
