package model

import (
	"errors"
	"fmt"

	"github.com/lmzip/lmzip/internal/kernel"
)

// Phi (phi-1, phi-1.5, phi-2): one LayerNorm (with bias) per layer feeds
// attention and the MLP in parallel, whose outputs join the residual
// together (x = x + attention(n) + mlp(n), n = norm(x)). Rotary embedding on
// the first partial_rotary_factor of each head; biases everywhere,
// the output head included; plain MLP with gelu_new.

func init() {
	Register("phi", Architecture{Config: phiConfig, New: newPhi})
}

type phiParams struct {
	hfParams
	LayerNormEps float64 `json:"layer_norm_eps"`
	QKLayerNorm  bool    `json:"qk_layernorm"`
}

func phiConfig(b []byte) (*Config, error) {
	p := phiParams{LayerNormEps: 1e-5}
	rope := defaultRope
	rope.PartialRotaryFactor = 0.5 // PhiConfig's default
	if err := readHF(b, &p, &p.hfParams, rope); err != nil {
		return nil, err
	}
	if p.QKLayerNorm {
		return nil, errors.New("qk_layernorm is not supported")
	}
	if err := checkEps("layer_norm_eps", p.LayerNormEps); err != nil {
		return nil, err
	}
	var err error
	if p.act, err = activation(p.HiddenAct, "gelu_new"); err != nil {
		return nil, err
	}
	return p.shape(&p)
}

type phi struct {
	core
	layers []phiLayer
	norm   *norm
}

type phiLayer struct {
	norm *norm
	attn attention
	mlp  mlp
}

func newPhi(c *Config, w *Weights) (Model, error) {
	p := c.Params.(*phiParams)
	d, hd, I, eps := c.HiddenSize, c.HeadDim, p.IntermediateSize, p.LayerNormEps
	r, err := newRope(p.rope, hd)
	if err != nil {
		return nil, err
	}
	m := &phi{core: core{cfg: c, rope: r}}
	m.embed = w.Embedding("model.embed_tokens", c.VocabSize, d)
	m.norm = w.LayerNorm("model.final_layernorm", d, eps, true)
	m.loadHead(w, "lm_head", "model.embed_tokens", p.tie(false), true)
	m.layers = make([]phiLayer, c.NumLayers)
	for i := range m.layers {
		l := &m.layers[i]
		pre := fmt.Sprintf("model.layers.%d.", i)
		l.norm = w.LayerNorm(pre+"input_layernorm", d, eps, true)
		l.attn = newAttention(c, r)
		l.attn.qkv = w.Linear(d, true, l.attn.qkvParts(pre+"self_attn.", "q_proj", "k_proj", "v_proj")...)
		l.attn.o = w.Linear(c.NumHeads*hd, true, Part{Name: pre + "self_attn.dense", Out: d})
		l.mlp = mlp{act: p.act, inner: I}
		l.mlp.up = w.Linear(d, true, Part{Name: pre + "mlp.fc1", Out: I})
		l.mlp.down = w.Linear(I, true, Part{Name: pre + "mlp.fc2", Out: d})
	}
	return m, w.Err()
}

func (m *phi) Forward(inputs []Input, hidden []float32) error {
	b, x, err := m.begin(inputs, hidden)
	if err != nil {
		return err
	}
	xn := b.buf(bufNorm, len(x))
	att := b.buf(bufOut, len(x))
	ff := b.buf(bufOut2, len(x))
	for li := range m.layers {
		l := &m.layers[li]
		l.norm.forward(b, xn, x)
		l.attn.forward(b, li, att, xn)
		l.mlp.forward(b, ff, xn)
		kernel.Add(att, ff) // (attention + mlp) + residual, in transformers' order
		kernel.Add(x, att)
	}
	m.norm.forward(b, x, x)
	b.commit()
	return nil
}
