package model

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"model_type":"llama","vocab_size":320,"hidden_size":64,"intermediate_size":160,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"max_position_embeddings":64,"rope_parameters":{"rope_type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4,"original_max_position_embeddings":16,"rope_theta":500000}}`))
	f.Add([]byte(`{"model_type":"llama","vocab_size":16384,"hidden_size":384,"num_hidden_layers":8,"num_attention_heads":6,"head_dim":64,"max_position_embeddings":1024,"rope_theta":10000.0,"rope_scaling":null}`))
	f.Add([]byte(`{"model_type":"gpt2","vocab_size":50257,"n_embd":768,"n_layer":12,"n_head":12,"n_positions":1024}`))
	f.Add([]byte(`{"rope_scaling":{"type":"linear","factor":2}}`))
	for _, arch := range tinyArchs {
		if b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(f), "testdata", "archs", arch, "config.json")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			return
		}
		if c.VocabSize <= 0 || c.HiddenSize <= 0 || c.NumLayers <= 0 || c.NumHeads <= 0 || c.NumKVHeads <= 0 ||
			c.NumHeads%c.NumKVHeads != 0 || c.HeadDim <= 0 || c.MaxPositions <= 0 || c.Params == nil {
			t.Fatalf("accepted a bad config: %+v", c)
		}
		if r, err := readRope(b, defaultRope); err == nil {
			newRope(r, c.HeadDim)
		}
	})
}
