package model

import (
	"encoding/json"
	"fmt"
	"math"
)

// Config is the part of a Hugging Face config.json that the engine uses.
// Architecture files read further keys from Raw.
type Config struct {
	ModelType         string   `json:"model_type"`
	Architectures     []string `json:"architectures"`
	VocabSize         int      `json:"vocab_size"`
	HiddenSize        int      `json:"hidden_size"`
	IntermediateSize  int      `json:"intermediate_size"`
	NumLayers         int      `json:"num_hidden_layers"`
	NumHeads          int      `json:"num_attention_heads"`
	NumKVHeads        int      `json:"num_key_value_heads"`
	HeadDim           int      `json:"head_dim"`
	MaxPositions      int      `json:"max_position_embeddings"`
	RMSNormEps        float64  `json:"rms_norm_eps"`
	HiddenAct         string   `json:"hidden_act"`
	TieWordEmbeddings bool     `json:"tie_word_embeddings"`
	AttentionBias     bool     `json:"attention_bias"`
	MLPBias           bool     `json:"mlp_bias"`

	// Rope is the rotary embedding, from rope_theta/rope_scaling or from
	// the newer rope_parameters block.
	Rope RopeConfig `json:"-"`

	// Raw holds every key of config.json.
	Raw map[string]json.RawMessage `json:"-"`
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

// ParseConfig reads a config.json. It fills derived defaults (head_dim,
// num_key_value_heads, rope_theta) and checks that the sizes are sane.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("config.json: %v", err)
	}
	if err := json.Unmarshal(b, &c.Raw); err != nil {
		return nil, fmt.Errorf("config.json: %v", err)
	}
	if err := c.parseRope(); err != nil {
		return nil, err
	}
	if c.NumKVHeads == 0 {
		c.NumKVHeads = c.NumHeads
	}
	if c.HeadDim == 0 && c.NumHeads > 0 {
		c.HeadDim = c.HiddenSize / c.NumHeads
	}
	if c.RMSNormEps == 0 {
		c.RMSNormEps = 1e-6
	}
	return &c, c.check()
}

func (c *Config) parseRope() error {
	c.Rope = RopeConfig{Theta: 10000, Type: "default", Factor: 1, PartialRotaryFactor: 1}
	var top ropeParams
	if err := json.Unmarshal(mustJSON(c.Raw), &top); err != nil {
		return fmt.Errorf("config.json: %v", err)
	}
	apply := func(p *ropeParams) {
		if p.RopeTheta != nil {
			c.Rope.Theta = *p.RopeTheta
		}
		t := p.RopeType
		if t == "" {
			t = p.Type
		}
		if t != "" {
			c.Rope.Type = t
		}
		if p.Factor != 0 {
			c.Rope.Factor = p.Factor
		}
		if p.LowFreqFactor != 0 {
			c.Rope.LowFreqFactor = p.LowFreqFactor
		}
		if p.HighFreqFactor != 0 {
			c.Rope.HighFreqFactor = p.HighFreqFactor
		}
		if p.OriginalMaxPositions != 0 {
			c.Rope.OriginalMaxPositions = p.OriginalMaxPositions
		}
		if p.PartialRotaryFactor != nil {
			c.Rope.PartialRotaryFactor = *p.PartialRotaryFactor
		}
	}
	apply(&top) // rope_theta, partial_rotary_factor at the top level
	for _, key := range []string{"rope_scaling", "rope_parameters"} {
		raw, ok := c.Raw[key]
		if !ok || string(raw) == "null" {
			continue
		}
		var p ropeParams
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("config.json: %s: %v", key, err)
		}
		apply(&p)
	}
	if c.Rope.Type == "" || c.Rope.Type == "rope" {
		c.Rope.Type = "default"
	}
	switch c.Rope.Type {
	case "default", "linear", "llama3":
	default:
		return fmt.Errorf("config.json: rope type %q is not supported (supported: default, linear, llama3)", c.Rope.Type)
	}
	if !(c.Rope.Theta > 0) || math.IsInf(c.Rope.Theta, 0) || !(c.Rope.Factor > 0) {
		return fmt.Errorf("config.json: bad rope parameters %+v", c.Rope)
	}
	return nil
}

func mustJSON(m map[string]json.RawMessage) []byte {
	b, _ := json.Marshal(m)
	return b
}

// limits on sizes, so that a hostile config cannot request absurd
// allocations.
const (
	maxDim    = 1 << 16
	maxVocab  = 1 << 22
	maxLayers = 1 << 10
)

func (c *Config) check() error {
	bad := func(what string, v, lo, hi int) error {
		if v < lo || v > hi {
			return fmt.Errorf("config.json: %s = %d is out of range [%d, %d]", what, v, lo, hi)
		}
		return nil
	}
	for _, e := range []error{
		bad("vocab_size", c.VocabSize, 1, maxVocab),
		bad("hidden_size", c.HiddenSize, 1, maxDim),
		bad("num_hidden_layers", c.NumLayers, 1, maxLayers),
		bad("num_attention_heads", c.NumHeads, 1, maxDim),
		bad("num_key_value_heads", c.NumKVHeads, 1, c.NumHeads),
		bad("head_dim", c.HeadDim, 1, maxDim),
		bad("max_position_embeddings", c.MaxPositions, 1, 1<<22),
	} {
		if e != nil {
			return e
		}
	}
	if c.NumHeads%c.NumKVHeads != 0 {
		return fmt.Errorf("config.json: num_attention_heads %d is not a multiple of num_key_value_heads %d", c.NumHeads, c.NumKVHeads)
	}
	if !(c.RMSNormEps > 0) {
		return fmt.Errorf("config.json: bad rms_norm_eps %g", c.RMSNormEps)
	}
	return nil
}

// Float reads a numeric key of config.json, or returns def.
func (c *Config) Float(key string, def float64) float64 {
	var v float64
	if raw, ok := c.Raw[key]; ok && json.Unmarshal(raw, &v) == nil {
		return v
	}
	return def
}

// Bool reads a boolean key of config.json, or returns def.
func (c *Config) Bool(key string, def bool) bool {
	var v bool
	if raw, ok := c.Raw[key]; ok && json.Unmarshal(raw, &v) == nil {
		return v
	}
	return def
}
