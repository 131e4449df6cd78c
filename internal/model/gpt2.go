package model

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lmzip/lmzip/internal/kernel"
)

// GPT-2: learned position embeddings added to the token embeddings,
// LayerNorms with bias before attention and before the MLP, a plain MLP
// with gelu_new, biases everywhere but the head, and the head tied to the
// token embedding. Its linear layers are Conv1D modules, which store their
// weights transposed ([in, out]); c_attn holds the query, key and value
// projections side by side.
//
// Checkpoints come in two spellings: transformers writes the tensors of
// GPT2LMHeadModel under "transformer." (transformer.h.0.attn.c_attn.weight),
// while the gpt2 checkpoint published by OpenAI on the Hub has no prefix
// (h.0.attn.c_attn.weight) and also carries the attention mask buffers
// h.N.attn.bias and h.N.attn.masked_bias, which are not weights.

func init() {
	Register("gpt2", Architecture{Config: gpt2Config, New: newGPT2})
}

type gpt2Params struct {
	VocabSize             int     `json:"vocab_size"`
	NEmbd                 int     `json:"n_embd"`
	NLayer                int     `json:"n_layer"`
	NHead                 int     `json:"n_head"`
	NInner                *int    `json:"n_inner"` // nil: 4 × n_embd
	NPositions            int     `json:"n_positions"`
	LayerNormEpsilon      float64 `json:"layer_norm_epsilon"`
	ActivationFunction    string  `json:"activation_function"`
	ScaleAttnWeights      bool    `json:"scale_attn_weights"`
	ScaleAttnByLayerIndex bool    `json:"scale_attn_by_inverse_layer_idx"`
	TieWordEmbeddings     bool    `json:"tie_word_embeddings"`
	AddCrossAttention     bool    `json:"add_cross_attention"`

	act kernel.Activation
}

func gpt2Config(b []byte) (*Config, error) {
	p := gpt2Params{LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new", ScaleAttnWeights: true, TieWordEmbeddings: true}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("config.json: %v", err)
	}
	if p.AddCrossAttention {
		return nil, errors.New("add_cross_attention is not supported")
	}
	if p.NHead < 1 || p.NHead > maxDim || p.NEmbd%p.NHead != 0 {
		return nil, fmt.Errorf("config.json: n_embd %d is not a multiple of n_head %d", p.NEmbd, p.NHead)
	}
	c := &Config{
		ModelType:    "gpt2",
		VocabSize:    p.VocabSize,
		HiddenSize:   p.NEmbd,
		NumLayers:    p.NLayer,
		NumHeads:     p.NHead,
		NumKVHeads:   p.NHead,
		HeadDim:      p.NEmbd / p.NHead,
		MaxPositions: p.NPositions,
		Params:       &p,
	}
	if err := c.check(shapeKeys{"vocab_size", "n_embd", "n_layer", "n_head", "n_head", "n_embd / n_head", "n_positions"}); err != nil {
		return nil, err
	}
	if p.NInner == nil {
		inner := 4 * p.NEmbd
		p.NInner = &inner
	}
	if err := checkInner("n_inner", *p.NInner); err != nil {
		return nil, err
	}
	if err := checkEps("layer_norm_epsilon", p.LayerNormEpsilon); err != nil {
		return nil, err
	}
	var err error
	p.act, err = activation(p.ActivationFunction, "gelu_new")
	return c, err
}

type gpt2 struct {
	core
	positions embedding // wpe: one row per position
	layers    []gpt2Layer
	norm      *norm
}

type gpt2Layer struct {
	attnNorm, mlpNorm *norm
	attn              attention
	mlp               mlp
}

func newGPT2(c *Config, w *Weights) (Model, error) {
	p := c.Params.(*gpt2Params)
	d, I, eps := c.HiddenSize, *p.NInner, p.LayerNormEpsilon
	pre := ""
	if w.Has("transformer.wte.weight") {
		pre = "transformer."
	}
	m := &gpt2{core: core{cfg: c}}
	m.embed = w.Embedding(pre+"wte", c.VocabSize, d)
	m.positions = w.Embedding(pre+"wpe", c.MaxPositions, d)
	m.norm = w.LayerNorm(pre+"ln_f", d, eps, true)
	m.loadHead(w, "lm_head", pre+"wte", p.TieWordEmbeddings, false)
	m.layers = make([]gpt2Layer, c.NumLayers)
	for i := range m.layers {
		l := &m.layers[i]
		h := fmt.Sprintf("%sh.%d.", pre, i)
		w.Skip(h+"attn.bias", h+"attn.masked_bias")
		l.attnNorm = w.LayerNorm(h+"ln_1", d, eps, true)
		l.mlpNorm = w.LayerNorm(h+"ln_2", d, eps, true)
		l.attn = newAttention(c, nil)
		if !p.ScaleAttnWeights {
			l.attn.scale = 1
		}
		if p.ScaleAttnByLayerIndex {
			l.attn.scale = float32(float64(l.attn.scale) / float64(i+1))
		}
		l.attn.qkv = w.Linear(d, true, Part{Name: h + "attn.c_attn", Out: 3 * d, Conv1D: true})
		l.attn.o = w.Linear(d, true, Part{Name: h + "attn.c_proj", Out: d, Conv1D: true})
		l.mlp = mlp{act: p.act, inner: I}
		l.mlp.up = w.Linear(d, true, Part{Name: h + "mlp.c_fc", Out: I, Conv1D: true})
		l.mlp.down = w.Linear(I, true, Part{Name: h + "mlp.c_proj", Out: d, Conv1D: true})
	}
	return m, w.Err()
}

func (m *gpt2) Forward(inputs []Input, hidden []float32) error {
	b, x, err := m.begin(inputs, hidden)
	if err != nil {
		return err
	}
	d := m.cfg.HiddenSize
	pos := b.buf(bufTmp, d)
	for r := 0; r < b.rows; r++ {
		m.positions.row(pos, b.pos[r])
		kernel.Add(x[r*d:(r+1)*d], pos)
	}
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
