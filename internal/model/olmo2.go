package model

import (
	"fmt"

	"github.com/lmzip/lmzip/internal/kernel"
)

// OLMo 2: the Llama layers with the norms moved after the sublayers, inside
// the residual (x = x + norm(attention(x)); x = x + norm(mlp(x))), and an
// RMSNorm over the whole query projection and over the whole key projection
// (q_norm, k_norm) before the rotation.

func init() {
	Register("olmo2", Architecture{Config: olmo2Config, New: newOlmo2})
}

func olmo2Config(b []byte) (*Config, error) {
	var p hfParams
	if err := readHF(b, &p, &p, defaultRope); err != nil {
		return nil, err
	}
	return p.llamaShape(1e-5)
}

type olmo2 struct {
	core
	layers []olmo2Layer
	norm   *norm
}

type olmo2Layer struct {
	attn              attention
	attnNorm, mlpNorm *norm // applied to the sublayers' outputs
	mlp               mlp
}

func newOlmo2(c *Config, w *Weights) (Model, error) {
	p := c.Params.(*hfParams)
	d, hd, I, eps := c.HiddenSize, c.HeadDim, p.IntermediateSize, p.RMSNormEps
	r, err := newRope(p.rope, hd)
	if err != nil {
		return nil, err
	}
	m := &olmo2{core: core{cfg: c, rope: r}}
	m.embed = w.Embedding("model.embed_tokens", c.VocabSize, d)
	m.norm = w.RMSNorm("model.norm", d, eps)
	m.loadHead(w, "lm_head", "model.embed_tokens", p.tie(false), false)
	m.layers = make([]olmo2Layer, c.NumLayers)
	for i := range m.layers {
		l := &m.layers[i]
		pre := fmt.Sprintf("model.layers.%d.", i)
		l.attn = newAttention(c, r)
		l.attn.qkv = w.Linear(d, p.AttentionBias, l.attn.qkvParts(pre+"self_attn.", "q_proj", "k_proj", "v_proj")...)
		l.attn.o = w.Linear(c.NumHeads*hd, p.AttentionBias, Part{Name: pre + "self_attn.o_proj", Out: d})
		l.attn.qNorm = w.RMSNorm(pre+"self_attn.q_norm", c.NumHeads*hd, eps)
		l.attn.kNorm = w.RMSNorm(pre+"self_attn.k_norm", c.NumKVHeads*hd, eps)
		l.attnNorm = w.RMSNorm(pre+"post_attention_layernorm", d, eps)
		l.mlp = mlp{act: p.act, gated: true, inner: I}
		l.mlp.up = w.Linear(d, false, Part{Name: pre + "mlp.gate_proj", Out: I}, Part{Name: pre + "mlp.up_proj", Out: I})
		l.mlp.down = w.Linear(I, false, Part{Name: pre + "mlp.down_proj", Out: d})
		l.mlpNorm = w.RMSNorm(pre+"post_feedforward_layernorm", d, eps)
	}
	return m, w.Err()
}

func (m *olmo2) Forward(inputs []Input, hidden []float32) error {
	b, x, err := m.begin(inputs, hidden)
	if err != nil {
		return err
	}
	h := b.buf(bufOut, len(x))
	for li := range m.layers {
		l := &m.layers[li]
		l.attn.forward(b, li, h, x)
		l.attnNorm.forward(b, h, h)
		kernel.Add(x, h)
		l.mlp.forward(b, h, x)
		l.mlpNorm.forward(b, h, h)
		kernel.Add(x, h)
	}
	m.norm.forward(b, x, x)
	b.commit()
	return nil
}
