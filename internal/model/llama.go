package model

import (
	"fmt"

	"github.com/lmzip/lmzip/internal/kernel"
)

// Llama: RMSNorm before attention and before the MLP, rotary position
// embedding (optionally with Llama 3's frequency-dependent scaling),
// grouped-query attention, SwiGLU MLP, optionally tied embeddings.
//
// Mistral, Qwen 2, Qwen 3 and Phi-3 run this same network; their files read
// their own config.json keys and describe their tensors with a llamaSpec.

func init() {
	Register("llama", Architecture{Config: llamaConfig, New: newLlama})
}

// llamaSpec says how a checkpoint of the Llama family names and shapes its
// tensors.
type llamaSpec struct {
	hf                    *hfParams
	tied                  bool
	qkvBias, oBias        bool // biases of the q, k, v and of the output projections
	mlpBias               bool
	qkNorm                bool // per-head RMSNorm of queries and keys (Qwen 3)
	fusedQKV, fusedGateUp bool // one qkv_proj and one gate_up_proj tensor (Phi-3)
}

func llamaConfig(b []byte) (*Config, error) {
	var p hfParams
	if err := readHF(b, &p, &p, defaultRope); err != nil {
		return nil, err
	}
	return p.llamaShape(1e-6)
}

// llamaShape completes and checks the shared keys of a Llama-family config,
// with eps the default rms_norm_eps (and SiLU the default activation).
func (p *hfParams) llamaShape(eps float64) (*Config, error) {
	if p.RMSNormEps == 0 {
		p.RMSNormEps = eps
	}
	if err := checkEps("rms_norm_eps", p.RMSNormEps); err != nil {
		return nil, err
	}
	var err error
	if p.act, err = activation(p.HiddenAct, "silu"); err != nil {
		return nil, err
	}
	return p.shape(p)
}

func newLlama(c *Config, w *Weights) (Model, error) {
	p := c.Params.(*hfParams)
	return loadLlama(c, w, llamaSpec{hf: p, tied: p.tie(false),
		qkvBias: p.AttentionBias, oBias: p.AttentionBias, mlpBias: p.MLPBias})
}

type llama struct {
	core
	layers []llamaLayer
	norm   *norm
	tied   bool     // the output head is the token embedding
	rec    *Adapter // not nil: record each row for dynamic evaluation
}

type llamaLayer struct {
	attnNorm, mlpNorm *norm
	attn              attention
	mlp               mlp
}

// loadLlama builds a Llama-family model from the tensors s describes.
func loadLlama(c *Config, w *Weights, s llamaSpec) (*llama, error) {
	d, hd, I, eps := c.HiddenSize, c.HeadDim, s.hf.IntermediateSize, s.hf.RMSNormEps
	r, err := newRope(s.hf.rope, hd)
	if err != nil {
		return nil, err
	}
	m := &llama{core: core{cfg: c, rope: r}, tied: s.tied}
	m.embed = w.Embedding("model.embed_tokens", c.VocabSize, d)
	m.norm = w.RMSNorm("model.norm", d, eps)
	m.loadHead(w, "lm_head", "model.embed_tokens", s.tied, false)
	m.layers = make([]llamaLayer, c.NumLayers)
	for i := range m.layers {
		l := &m.layers[i]
		p := fmt.Sprintf("model.layers.%d.", i)
		l.attnNorm = w.RMSNorm(p+"input_layernorm", d, eps)
		l.mlpNorm = w.RMSNorm(p+"post_attention_layernorm", d, eps)

		l.attn = newAttention(c, r)
		qkv := l.attn.qkvParts(p+"self_attn.", "q_proj", "k_proj", "v_proj")
		if s.fusedQKV {
			qkv = []Part{{Name: p + "self_attn.qkv_proj", Out: (c.NumHeads + 2*c.NumKVHeads) * hd}}
		}
		l.attn.qkv = w.Linear(d, s.qkvBias, qkv...)
		l.attn.o = w.Linear(c.NumHeads*hd, s.oBias, Part{Name: p + "self_attn.o_proj", Out: d})
		if s.qkNorm {
			l.attn.qNorm = w.RMSNorm(p+"self_attn.q_norm", hd, eps)
			l.attn.kNorm = w.RMSNorm(p+"self_attn.k_norm", hd, eps)
			l.attn.perHead = true
		}

		l.mlp = mlp{act: s.hf.act, gated: true, inner: I}
		gateUp := []Part{{Name: p + "mlp.gate_proj", Out: I}, {Name: p + "mlp.up_proj", Out: I}}
		if s.fusedGateUp {
			gateUp = []Part{{Name: p + "mlp.gate_up_proj", Out: 2 * I}}
		}
		l.mlp.up = w.Linear(d, s.mlpBias, gateUp...)
		l.mlp.down = w.Linear(I, s.mlpBias, Part{Name: p + "mlp.down_proj", Out: d})
	}
	return m, w.Err()
}

func (m *llama) Forward(inputs []Input, hidden []float32) error {
	b, x, err := m.begin(inputs, hidden)
	if err != nil {
		return err
	}
	xn := b.buf(bufNorm, len(x))
	h := b.buf(bufOut, len(x))
	var rec []float32 // each row's residual stream before each MLP and the final norm
	d, n := m.cfg.HiddenSize, (len(m.layers)+1)*m.cfg.HiddenSize
	if m.rec != nil {
		rec = b.buf(bufRec, b.rows*n)
	}
	keep := func(li int) {
		for r := 0; r < len(rec)/n; r++ {
			copy(rec[r*n+li*d:r*n+(li+1)*d], x[r*d:(r+1)*d])
		}
	}
	for li := range m.layers {
		l := &m.layers[li]
		l.attnNorm.forward(b, xn, x)
		l.attn.forward(b, li, h, xn)
		kernel.Add(x, h)
		keep(li)
		l.mlpNorm.forward(b, xn, x)
		l.mlp.forward(b, h, xn)
		kernel.Add(x, h)
	}
	keep(len(m.layers))
	m.norm.forward(b, x, x)
	if m.rec != nil {
		m.rec.record(b, rec)
	}
	b.commit()
	return nil
}
