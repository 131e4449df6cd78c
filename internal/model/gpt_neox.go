package model

import (
	"encoding/json"
	"fmt"

	"github.com/lmzip/lmzip/internal/kernel"
)

// GPT-NeoX (Pythia, GPT-NeoX-20B, ...): LayerNorms with bias, one fused
// query_key_value projection laid out head by head ([q, k, v] of head 0,
// then of head 1, ...), rotary embedding on the first rotary_pct of each
// head, a plain GELU MLP, biases, and by default a parallel residual
// (x = x + attention(norm1(x)) + mlp(norm2(x))).

func init() {
	Register("gpt_neox", Architecture{Config: gptNeoXConfig, New: newGPTNeoX})
}

type gptNeoXParams struct {
	hfParams
	LayerNormEps        float64  `json:"layer_norm_eps"`
	UseParallelResidual bool     `json:"use_parallel_residual"`
	RotaryPct           *float64 `json:"rotary_pct"`      // older configs
	RotaryEmbBase       *float64 `json:"rotary_emb_base"` // older configs
}

func gptNeoXConfig(b []byte) (*Config, error) {
	p := gptNeoXParams{LayerNormEps: 1e-5, UseParallelResidual: true}
	p.AttentionBias = true
	// The older keys rotary_pct and rotary_emb_base are the defaults that
	// newer ones (partial_rotary_factor, rope_theta) override.
	var old gptNeoXParams
	if err := json.Unmarshal(b, &old); err != nil {
		return nil, fmt.Errorf("config.json: %v", err)
	}
	rope := defaultRope
	rope.PartialRotaryFactor = 0.25
	if old.RotaryPct != nil {
		rope.PartialRotaryFactor = *old.RotaryPct
	}
	if old.RotaryEmbBase != nil {
		rope.Theta = *old.RotaryEmbBase
	}
	if err := readHF(b, &p, &p.hfParams, rope); err != nil {
		return nil, err
	}
	if err := checkEps("layer_norm_eps", p.LayerNormEps); err != nil {
		return nil, err
	}
	var err error
	if p.act, err = activation(p.HiddenAct, "gelu"); err != nil {
		return nil, err
	}
	return p.shape(&p)
}

type gptNeoX struct {
	core
	parallel bool
	layers   []gptNeoXLayer
	norm     *norm
}

type gptNeoXLayer struct {
	attnNorm, mlpNorm *norm
	attn              attention
	mlp               mlp
}

func newGPTNeoX(c *Config, w *Weights) (Model, error) {
	p := c.Params.(*gptNeoXParams)
	d, hd, I, eps := c.HiddenSize, c.HeadDim, p.IntermediateSize, p.LayerNormEps
	r, err := newRope(p.rope, hd)
	if err != nil {
		return nil, err
	}
	m := &gptNeoX{core: core{cfg: c, rope: r}, parallel: p.UseParallelResidual}
	m.embed = w.Embedding("gpt_neox.embed_in", c.VocabSize, d)
	m.norm = w.LayerNorm("gpt_neox.final_layer_norm", d, eps, true)
	m.loadHead(w, "embed_out", "gpt_neox.embed_in", p.tie(false), false)
	// query_key_value holds, for each head h, the rows of its query, key
	// and value: select them as all the queries, all the keys, all the values.
	heads := c.NumHeads
	var qRows, kRows, vRows []int
	for h := 0; h < heads; h++ {
		for j := 0; j < hd; j++ {
			qRows = append(qRows, h*3*hd+j)
			kRows = append(kRows, h*3*hd+hd+j)
			vRows = append(vRows, h*3*hd+2*hd+j)
		}
	}
	m.layers = make([]gptNeoXLayer, c.NumLayers)
	for i := range m.layers {
		l := &m.layers[i]
		pre := fmt.Sprintf("gpt_neox.layers.%d.", i)
		w.Skip(pre+"attention.bias", pre+"attention.masked_bias") // mask buffers of older checkpoints
		l.attnNorm = w.LayerNorm(pre+"input_layernorm", d, eps, true)
		l.mlpNorm = w.LayerNorm(pre+"post_attention_layernorm", d, eps, true)
		l.attn = newAttention(c, r)
		qkv := pre + "attention.query_key_value"
		l.attn.qkv = w.Linear(d, p.AttentionBias,
			Part{Name: qkv, Out: heads * hd, Rows: qRows, Total: 3 * heads * hd},
			Part{Name: qkv, Out: heads * hd, Rows: kRows, Total: 3 * heads * hd},
			Part{Name: qkv, Out: heads * hd, Rows: vRows, Total: 3 * heads * hd})
		l.attn.o = w.Linear(heads*hd, p.AttentionBias, Part{Name: pre + "attention.dense", Out: d})
		l.mlp = mlp{act: p.act, inner: I}
		l.mlp.up = w.Linear(d, true, Part{Name: pre + "mlp.dense_h_to_4h", Out: I})
		l.mlp.down = w.Linear(I, true, Part{Name: pre + "mlp.dense_4h_to_h", Out: d})
	}
	return m, w.Err()
}

func (m *gptNeoX) Forward(inputs []Input, hidden []float32) error {
	b, x, err := m.begin(inputs, hidden)
	if err != nil {
		return err
	}
	xn := b.buf(bufNorm, len(x))
	att := b.buf(bufOut, len(x))
	ff := b.buf(bufOut2, len(x))
	for li := range m.layers {
		l := &m.layers[li]
		l.attnNorm.forward(b, xn, x)
		l.attn.forward(b, li, att, xn)
		if m.parallel {
			l.mlpNorm.forward(b, xn, x)
			l.mlp.forward(b, ff, xn)
			kernel.Add(ff, att) // (mlp + attention) + residual, in transformers' order
			kernel.Add(x, ff)
			continue
		}
		kernel.Add(x, att)
		l.mlpNorm.forward(b, xn, x)
		l.mlp.forward(b, ff, xn)
		kernel.Add(x, ff)
	}
	m.norm.forward(b, x, x)
	b.commit()
	return nil
}
