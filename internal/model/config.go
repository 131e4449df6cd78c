package model

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/lmzip/lmzip/internal/kernel"
)

// Config is the shape of a model that the engine around it needs: what
// every architecture reports, whatever config.json keys it read it from.
// Each architecture reads and checks its own keys (see Architecture) and
// keeps what only it needs in Params.
type Config struct {
	// ModelType is config.json's model_type, the architecture's name.
	ModelType  string
	VocabSize  int
	HiddenSize int // width of the residual stream and of Forward's hidden rows
	NumLayers  int
	NumHeads   int
	NumKVHeads int
	HeadDim    int
	// MaxPositions is the longest sequence the engine runs: the model's
	// max_position_embeddings (or its like), or its attention window where
	// that is shorter.
	MaxPositions int

	// Params is the architecture's own reading of config.json (for
	// example *gpt2Params), which its constructor uses.
	Params any
}

// shapeKeys are the config.json keys an architecture reads the shape
// from, for error messages.
type shapeKeys struct {
	vocab, hidden, layers, heads, kvHeads, headDim, positions string
}

// hfKeys are the keys of most Hugging Face configs.
var hfKeys = shapeKeys{"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings"}

// check tests the shape against limits, so that a hostile config cannot
// request absurd allocations or divide by zero; errors name the keys.
func (c *Config) check(k shapeKeys) error {
	bad := func(what string, v, lo, hi int) error {
		if v < lo || v > hi {
			return fmt.Errorf("config.json: %s = %d is out of range [%d, %d]", what, v, lo, hi)
		}
		return nil
	}
	for _, e := range []error{
		bad(k.vocab, c.VocabSize, 1, maxVocab),
		bad(k.hidden, c.HiddenSize, 1, maxDim),
		bad(k.layers, c.NumLayers, 1, maxLayers),
		bad(k.heads, c.NumHeads, 1, maxDim),
		bad(k.kvHeads, c.NumKVHeads, 1, c.NumHeads),
		bad(k.headDim, c.HeadDim, 1, maxDim),
		bad(k.positions, c.MaxPositions, 1, maxPositions),
	} {
		if e != nil {
			return e
		}
	}
	if c.NumHeads%c.NumKVHeads != 0 {
		return fmt.Errorf("config.json: %s %d is not a multiple of %s %d", k.heads, c.NumHeads, k.kvHeads, c.NumKVHeads)
	}
	if c.NumHeads*c.HeadDim > maxDim {
		return fmt.Errorf("config.json: %d heads of %d dimensions exceed %d", c.NumHeads, c.HeadDim, maxDim)
	}
	return nil
}

// Limits on sizes.
const (
	maxDim       = 1 << 16
	maxVocab     = 1 << 22
	maxLayers    = 1 << 10
	maxPositions = 1 << 22
)

// checkInner checks the width of an MLP's hidden layer.
func checkInner(name string, n int) error {
	if n < 1 || n > 4*maxDim {
		return fmt.Errorf("config.json: %s = %d is out of range [1, %d]", name, n, 4*maxDim)
	}
	return nil
}

// checkEps checks a normalisation epsilon.
func checkEps(name string, eps float64) error {
	if !(eps > 0 && eps < 1) {
		return fmt.Errorf("config.json: %s = %g is out of range (0, 1)", name, eps)
	}
	return nil
}

// hfParams holds the config.json keys that most Hugging Face decoder
// architectures share (Llama and its descendants). An architecture embeds it
// in its own parameters, adds its own keys, and says which it requires.
type hfParams struct {
	ModelType         string  `json:"model_type"`
	VocabSize         int     `json:"vocab_size"`
	HiddenSize        int     `json:"hidden_size"`
	IntermediateSize  int     `json:"intermediate_size"`
	NumLayers         int     `json:"num_hidden_layers"`
	NumHeads          int     `json:"num_attention_heads"`
	NumKVHeads        int     `json:"num_key_value_heads"` // 0: as many as heads
	HeadDim           int     `json:"head_dim"`            // 0: hidden_size / heads
	MaxPositions      int     `json:"max_position_embeddings"`
	RMSNormEps        float64 `json:"rms_norm_eps"`
	HiddenAct         string  `json:"hidden_act"`
	TieWordEmbeddings *bool   `json:"tie_word_embeddings"` // nil: the architecture's default
	AttentionBias     bool    `json:"attention_bias"`
	MLPBias           bool    `json:"mlp_bias"`
	SlidingWindow     *int    `json:"sliding_window"`

	rope RopeConfig
	act  kernel.Activation // the MLP's activation (from hidden_act)
}

// readHF reads the shared keys (and the rotary embedding, see readRope) of
// config.json into p, which may be the hfParams embedded in an
// architecture's own parameters: b is unmarshalled into p itself.
func readHF(b []byte, p any, hf *hfParams, rope RopeConfig) error {
	if err := json.Unmarshal(b, p); err != nil {
		return fmt.Errorf("config.json: %v", err)
	}
	rope, err := readRope(b, rope)
	if err != nil {
		return err
	}
	hf.rope = rope
	if hf.NumKVHeads == 0 {
		hf.NumKVHeads = hf.NumHeads
	}
	if hf.HeadDim == 0 && hf.NumHeads > 0 {
		hf.HeadDim = hf.HiddenSize / hf.NumHeads
	}
	return nil
}

// shape returns the common Config of the shared keys, checked.
func (hf *hfParams) shape(params any) (*Config, error) {
	c := &Config{
		ModelType:    hf.ModelType,
		VocabSize:    hf.VocabSize,
		HiddenSize:   hf.HiddenSize,
		NumLayers:    hf.NumLayers,
		NumHeads:     hf.NumHeads,
		NumKVHeads:   hf.NumKVHeads,
		HeadDim:      hf.HeadDim,
		MaxPositions: hf.MaxPositions,
		Params:       params,
	}
	if err := c.check(hfKeys); err != nil {
		return nil, err
	}
	return c, checkInner("intermediate_size", hf.IntermediateSize)
}

// tie returns tie_word_embeddings, or def where config.json does not say.
func (hf *hfParams) tie(def bool) bool {
	if hf.TieWordEmbeddings == nil {
		return def
	}
	return *hf.TieWordEmbeddings
}

// activation returns the MLP activation that a hidden_act value names (def
// where it is empty).
func activation(name, def string) (kernel.Activation, error) {
	if name == "" {
		name = def
	}
	a, ok := kernel.ActivationByName(name)
	if !ok {
		return 0, fmt.Errorf("config.json: activation %q is not supported (supported: silu, gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, quick_gelu, relu)", name)
	}
	return a, nil
}

// slidingWindow caps positions at an attention window: a model whose
// attention looks back only w tokens computes exactly what full attention
// computes on sequences of up to w tokens, so the engine runs no longer
// ones. A window of 0 or nil means none.
func slidingWindow(positions int, w *int) int {
	if w != nil && *w > 0 && *w < positions {
		return *w
	}
	return positions
}

// RopeConfig describes a rotary position embedding.
type RopeConfig struct {
	Theta float64
	// Type is "default", "linear" or "llama3".
	Type string
	// Factor scales positions ("linear") or long wavelengths ("llama3").
	Factor float64
	// Llama 3 frequency-dependent scaling.
	LowFreqFactor, HighFreqFactor float64
	OriginalMaxPositions          int
	// PartialRotaryFactor is the fraction of each head's dimensions that
	// rotate (1 for Llama).
	PartialRotaryFactor float64
}

type ropeParams struct {
	RopeType             string   `json:"rope_type"`
	Type                 string   `json:"type"`
	RopeTheta            *float64 `json:"rope_theta"`
	Factor               float64  `json:"factor"`
	LowFreqFactor        float64  `json:"low_freq_factor"`
	HighFreqFactor       float64  `json:"high_freq_factor"`
	OriginalMaxPositions int      `json:"original_max_position_embeddings"`
	PartialRotaryFactor  *float64 `json:"partial_rotary_factor"`
}

// defaultRope is the rotary embedding where config.json says nothing.
var defaultRope = RopeConfig{Theta: 10000, Type: "default", Factor: 1, PartialRotaryFactor: 1}

// readRope reads the rotary embedding of a config.json over the defaults r:
// rope_theta and partial_rotary_factor at the top level, then the
// rope_scaling block (most published configs) or transformers 5's
// rope_parameters block.
func readRope(b []byte, r RopeConfig) (RopeConfig, error) {
	var top ropeParams
	var blocks struct {
		Scaling    json.RawMessage `json:"rope_scaling"`
		Parameters json.RawMessage `json:"rope_parameters"`
	}
	if err := json.Unmarshal(b, &top); err != nil {
		return r, fmt.Errorf("config.json: %v", err)
	}
	if err := json.Unmarshal(b, &blocks); err != nil {
		return r, fmt.Errorf("config.json: %v", err)
	}
	apply := func(p *ropeParams) {
		if p.RopeTheta != nil {
			r.Theta = *p.RopeTheta
		}
		t := p.RopeType
		if t == "" {
			t = p.Type
		}
		if t != "" {
			r.Type = t
		}
		if p.Factor != 0 {
			r.Factor = p.Factor
		}
		if p.LowFreqFactor != 0 {
			r.LowFreqFactor = p.LowFreqFactor
		}
		if p.HighFreqFactor != 0 {
			r.HighFreqFactor = p.HighFreqFactor
		}
		if p.OriginalMaxPositions != 0 {
			r.OriginalMaxPositions = p.OriginalMaxPositions
		}
		if p.PartialRotaryFactor != nil {
			r.PartialRotaryFactor = *p.PartialRotaryFactor
		}
	}
	top.RopeType, top.Type, top.Factor = "", "", 0 // only rope_theta and partial_rotary_factor count at the top
	top.LowFreqFactor, top.HighFreqFactor, top.OriginalMaxPositions = 0, 0, 0
	apply(&top)
	for _, block := range []struct {
		key string
		raw json.RawMessage
	}{{"rope_scaling", blocks.Scaling}, {"rope_parameters", blocks.Parameters}} {
		key, raw := block.key, block.raw
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var p ropeParams
		if err := json.Unmarshal(raw, &p); err != nil {
			return r, fmt.Errorf("config.json: %s: %v", key, err)
		}
		apply(&p)
	}
	if r.Type == "" || r.Type == "rope" {
		r.Type = "default"
	}
	switch r.Type {
	case "default", "linear", "llama3":
	default:
		return r, fmt.Errorf("config.json: rope type %q is not supported (supported: default, linear, llama3)", r.Type)
	}
	if !(r.Theta > 0) || math.IsInf(r.Theta, 0) || !(r.Factor > 0) || math.IsInf(r.Factor, 0) || !(r.PartialRotaryFactor > 0 && r.PartialRotaryFactor <= 1) {
		return r, fmt.Errorf("config.json: bad rope parameters %+v", r)
	}
	return r, nil
}
