package model

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// fixtureConfig returns the config.json of a tiny model as a map, to edit.
func fixtureConfig(t *testing.T, arch string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.Data(t, "archs", arch), "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConfigShapes(t *testing.T) {
	kvHeads := map[string]int{"gpt2": 4, "phi": 4, "gpt_neox": 4, "gemma": 1}
	for _, arch := range tinyArchs {
		c, err := ParseConfig(mustJSON(t, fixtureConfig(t, arch)))
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		kv := 2
		if n, ok := kvHeads[arch]; ok {
			kv = n
		}
		want := Config{ModelType: c.ModelType, VocabSize: 320, HiddenSize: 64, NumLayers: 2, NumHeads: 4, NumKVHeads: kv, HeadDim: 16, MaxPositions: 64, Params: c.Params}
		if *c != want || !strings.HasPrefix(arch, c.ModelType) {
			t.Errorf("%s: %+v, want %+v", arch, *c, want)
		}
	}
}

func TestConfigKeys(t *testing.T) {
	edit := func(arch string, f func(m map[string]any)) []byte {
		m := fixtureConfig(t, arch)
		f(m)
		return mustJSON(t, m)
	}
	// The gpt2 config as OpenAI's checkpoint on the Hub has it.
	published := []byte(`{"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1, "bos_token_id": 50256,
		"embd_pdrop": 0.1, "eos_token_id": 50256, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "gpt2",
		"n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 1024, "resid_pdrop": 0.1,
		"summary_activation": null, "summary_first_dropout": 0.1, "summary_proj_to_labels": true, "summary_type": "cls_index",
		"summary_use_proj": true, "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}}, "vocab_size": 50257}`)
	c, err := ParseConfig(published)
	if err != nil {
		t.Fatal(err)
	}
	if c.HiddenSize != 768 || c.NumLayers != 12 || c.NumHeads != 12 || c.HeadDim != 64 || c.MaxPositions != 1024 || c.VocabSize != 50257 {
		t.Errorf("published gpt2: %+v", c)
	}
	if p := c.Params.(*gpt2Params); *p.NInner != 3072 || !p.TieWordEmbeddings || p.LayerNormEpsilon != 1e-5 {
		t.Errorf("published gpt2 parameters: %+v", p)
	}

	for _, tc := range []struct {
		name string
		b    []byte
		want int // MaxPositions
	}{
		{"mistral window", edit("mistral", func(m map[string]any) { m["sliding_window"] = 16 }), 16},
		{"mistral no window", edit("mistral", func(m map[string]any) { m["sliding_window"] = nil }), 64},
		{"qwen2 window off", edit("qwen2", func(m map[string]any) { m["sliding_window"] = 16 }), 64},
		{"qwen2 window on", edit("qwen2", func(m map[string]any) { m["sliding_window"] = 16; m["use_sliding_window"] = true }), 16},
		{"phi3 window", edit("phi3", func(m map[string]any) { m["sliding_window"] = 47 }), 47},
	} {
		c, err := ParseConfig(tc.b)
		if err != nil || c.MaxPositions != tc.want {
			t.Errorf("%s: %v, positions %d, want %d", tc.name, err, c.MaxPositions, tc.want)
		}
	}

	// GPT-NeoX's older rotary keys, and the newer ones over them.
	old := edit("gpt_neox", func(m map[string]any) {
		delete(m, "rope_parameters")
		m["rotary_pct"] = 0.5
		m["rotary_emb_base"] = 20000
	})
	c, err = ParseConfig(old)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Params.(*gptNeoXParams).rope; r.PartialRotaryFactor != 0.5 || r.Theta != 20000 {
		t.Errorf("gpt_neox old keys: %+v", r)
	}
	c, _ = ParseConfig(edit("gpt_neox", func(m map[string]any) { m["rotary_pct"] = 0.5 }))
	if r := c.Params.(*gptNeoXParams).rope; r.PartialRotaryFactor != 0.25 {
		t.Errorf("gpt_neox: rope_parameters should override rotary_pct: %+v", r)
	}
	// Phi's default partial rotary factor is 0.5.
	c, _ = ParseConfig(edit("phi", func(m map[string]any) {
		delete(m, "partial_rotary_factor")
		delete(m, "rope_parameters")
	}))
	if r := c.Params.(*phiParams).rope; r.PartialRotaryFactor != 0.5 || r.Theta != 10000 {
		t.Errorf("phi defaults: %+v", r)
	}
	// rope_theta and rope_scaling in the older spelling.
	c, err = ParseConfig(edit("llama3-rope-scaling", func(m map[string]any) {
		p := m["rope_parameters"].(map[string]any)
		delete(m, "rope_parameters")
		m["rope_theta"] = p["rope_theta"]
		delete(p, "rope_theta")
		m["rope_scaling"] = p
	}))
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Params.(*hfParams).rope; r.Type != "llama3" || r.Theta != 500000 || r.Factor != 8 || r.OriginalMaxPositions != 16 {
		t.Errorf("llama3 in rope_scaling: %+v", r)
	}

	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"gpt2 without n_embd", "n_embd = 0", edit("gpt2", func(m map[string]any) { delete(m, "n_embd") })},
		{"gpt2 odd heads", "not a multiple of n_head", edit("gpt2", func(m map[string]any) { m["n_head"] = 3 })},
		{"gpt2 cross-attention", "add_cross_attention", edit("gpt2", func(m map[string]any) { m["add_cross_attention"] = true })},
		{"gpt2 activation", "activation", edit("gpt2", func(m map[string]any) { m["activation_function"] = "tanh" })},
		{"llama without hidden_size", "hidden_size = 0", edit("llama", func(m map[string]any) { delete(m, "hidden_size") })},
		{"llama kv heads", "num_key_value_heads", edit("llama", func(m map[string]any) { m["num_key_value_heads"] = 3 })},
		{"llama rope", "rope type \"yarn\"", edit("llama", func(m map[string]any) { m["rope_parameters"] = map[string]any{"rope_type": "yarn"} })},
		{"llama eps", "rms_norm_eps", edit("llama", func(m map[string]any) { m["rms_norm_eps"] = -1 })},
		{"phi3 longrope", "longrope", edit("phi3", func(m map[string]any) {
			delete(m, "rope_parameters")
			m["rope_scaling"] = map[string]any{"type": "longrope"}
		})},
		{"phi qk_layernorm", "qk_layernorm", edit("phi", func(m map[string]any) { m["qk_layernorm"] = true })},
		{"neox eps", "layer_norm_eps", edit("gpt_neox", func(m map[string]any) { m["layer_norm_eps"] = 0 })},
		{"partial rotary", "rope", edit("phi", func(m map[string]any) { m["rope_parameters"].(map[string]any)["partial_rotary_factor"] = 2 })},
		{"intermediate", "intermediate_size", edit("qwen3", func(m map[string]any) { delete(m, "intermediate_size") })},
		{"unknown", "supported: gemma, gpt2, gpt_neox, llama, mistral, olmo2, phi, phi3, qwen2, qwen3", []byte(`{"model_type":"rwkv"}`)},
		{"no type", "no model_type", []byte(`{}`)},
		{"not json", "config.json", []byte(`{`)},
	} {
		_, err := ParseConfig(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}
