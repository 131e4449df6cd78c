package model

// Phi-3: the Llama network with the query, key and value projections fused
// into one qkv_proj tensor (rows: all query heads, then the key heads, then
// the value heads) and the gate and up projections into one gate_up_proj
// (gate first), and a sliding attention window. Its long-context variants
// (rope_scaling "longrope") are not supported.

func init() {
	Register("phi3", Architecture{Config: phi3Config, New: newPhi3})
}

func phi3Config(b []byte) (*Config, error) {
	var p hfParams
	if err := readHF(b, &p, &p, defaultRope); err != nil {
		return nil, err
	}
	p.MaxPositions = slidingWindow(p.MaxPositions, p.SlidingWindow)
	return p.llamaShape(1e-5)
}

func newPhi3(c *Config, w *Weights) (Model, error) {
	p := c.Params.(*hfParams)
	return loadLlama(c, w, llamaSpec{hf: p, tied: p.tie(false),
		qkvBias: p.AttentionBias, oBias: p.AttentionBias, fusedQKV: true, fusedGateUp: true})
}
