package model

// Qwen 2 (and 2.5): the Llama network with biases on the query, key and
// value projections (always; the output projection has none).

func init() {
	Register("qwen2", Architecture{Config: qwen2Config, New: newQwen2})
}

// qwen2Params adds Qwen's sliding-window switch: sliding_window applies
// only where use_sliding_window is true.
type qwen2Params struct {
	hfParams
	UseSlidingWindow bool `json:"use_sliding_window"`
}

func qwen2Config(b []byte) (*Config, error) {
	var p qwen2Params
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

func newQwen2(c *Config, w *Weights) (Model, error) {
	p := &c.Params.(*qwen2Params).hfParams
	return loadLlama(c, w, llamaSpec{hf: p, tied: p.tie(false), qkvBias: true})
}
