package model

import (
	"fmt"
	"math"

	"github.com/lmzip/lmzip/internal/kernel"
)

// Gemma (the first generation): the Llama layout with three differences.
// Every RMSNorm scales by 1 + weight; the token embedding is multiplied by
// sqrt(hidden_size), rounded to the compute precision (float32 here); and
// the MLP is GeGLU with the tanh approximation of GELU. Embeddings are tied.

func init() {
	Register("gemma", Architecture{Config: gemmaConfig, New: newGemma})
}

type gemmaParams struct {
	hfParams
	// HiddenActivation is the MLP's activation. transformers ignores
	// hidden_act for Gemma and uses gelu_pytorch_tanh unless
	// hidden_activation says otherwise.
	HiddenActivation string `json:"hidden_activation"`
}

func gemmaConfig(b []byte) (*Config, error) {
	var p gemmaParams
	if err := readHF(b, &p, &p.hfParams, defaultRope); err != nil {
		return nil, err
	}
	c, err := p.llamaShape(1e-6)
	if err != nil {
		return nil, err
	}
	c.Params = &p
	p.act, err = activation(p.HiddenActivation, "gelu_pytorch_tanh")
	return c, err
}

type gemma struct {
	core
	embedScale float32
	layers     []llamaLayer
	norm       *norm
}

func newGemma(c *Config, w *Weights) (Model, error) {
	p := c.Params.(*gemmaParams)
	d, hd, I, eps := c.HiddenSize, c.HeadDim, p.IntermediateSize, p.RMSNormEps
	r, err := newRope(p.rope, hd)
	if err != nil {
		return nil, err
	}
	m := &gemma{core: core{cfg: c, rope: r}, embedScale: float32(math.Sqrt(float64(d)))}
	m.embed = w.Embedding("model.embed_tokens", c.VocabSize, d)
	m.norm = w.RMSNormPlusOne("model.norm", d, eps)
	m.loadHead(w, "lm_head", "model.embed_tokens", p.tie(true), false)
	m.layers = make([]llamaLayer, c.NumLayers)
	for i := range m.layers {
		l := &m.layers[i]
		pre := fmt.Sprintf("model.layers.%d.", i)
		l.attnNorm = w.RMSNormPlusOne(pre+"input_layernorm", d, eps)
		l.mlpNorm = w.RMSNormPlusOne(pre+"post_attention_layernorm", d, eps)
		l.attn = newAttention(c, r)
		l.attn.qkv = w.Linear(d, p.AttentionBias, l.attn.qkvParts(pre+"self_attn.", "q_proj", "k_proj", "v_proj")...)
		l.attn.o = w.Linear(c.NumHeads*hd, p.AttentionBias, Part{Name: pre + "self_attn.o_proj", Out: d})
		l.mlp = mlp{act: p.act, gated: true, inner: I}
		l.mlp.up = w.Linear(d, false, Part{Name: pre + "mlp.gate_proj", Out: I}, Part{Name: pre + "mlp.up_proj", Out: I})
		l.mlp.down = w.Linear(I, false, Part{Name: pre + "mlp.down_proj", Out: d})
	}
	return m, w.Err()
}

func (m *gemma) Forward(inputs []Input, hidden []float32) error {
	b, x, err := m.begin(inputs, hidden)
	if err != nil {
		return err
	}
	kernel.Scale(x, m.embedScale)
	xn := b.buf(bufNorm, len(x))
	h := b.buf(bufOut, len(x))
	for li := range m.layers {
		l := &m.layers[li]
		l.attnNorm.forward(b, xn, x)
		l.attn.forward(b, li, h, xn)
		kernel.Add(x, h)
		l.mlpNorm.forward(b, xn, x)
		l.mlp.forward(b, h, xn)
		kernel.Add(x, h)
	}
	m.norm.forward(b, x, x)
	b.commit()
	return nil
}
