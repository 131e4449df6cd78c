package model

// Mistral: the Llama network (no biases) with a sliding attention window.
// A window of w tokens computes what full attention computes on sequences
// of up to w tokens, so the engine runs no longer ones.

func init() {
	Register("mistral", Architecture{Config: mistralConfig, New: newMistral})
}

func mistralConfig(b []byte) (*Config, error) {
	var p hfParams
	if err := readHF(b, &p, &p, defaultRope); err != nil {
		return nil, err
	}
	p.MaxPositions = slidingWindow(p.MaxPositions, p.SlidingWindow)
	return p.llamaShape(1e-6)
}

func newMistral(c *Config, w *Weights) (Model, error) {
	p := c.Params.(*hfParams)
	return loadLlama(c, w, llamaSpec{hf: p, tied: p.tie(false)})
}
