package model

// Qwen 3: the Llama network with an RMSNorm over each head of the queries
// and of the keys (q_norm, k_norm) before the rotation, and optional
// attention biases.

func init() {
	Register("qwen3", Architecture{Config: qwen3Config, New: newQwen3})
}

type qwen3Params struct {
	hfParams
	UseSlidingWindow bool `json:"use_sliding_window"`
}

func qwen3Config(b []byte) (*Config, error) {
	var p qwen3Params
	if err := readHF(b, &p, &p.hfParams, defaultRope); err != nil {
		return nil, err
	}
	if p.UseSlidingWindow {
		p.MaxPositions = slidingWindow(p.MaxPositions, p.SlidingWindow)
	}
	c, err := p.llamaShape(1e-6)
	if c != nil {
		c.Params = &p
	}
	return c, err
}

func newQwen3(c *Config, w *Weights) (Model, error) {
	p := &c.Params.(*qwen3Params).hfParams
	return loadLlama(c, w, llamaSpec{hf: p, tied: p.tie(false),
		qkvBias: p.AttentionBias, oBias: p.AttentionBias, qkNorm: true})
}
