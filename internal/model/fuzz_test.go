package model

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lmzip/lmzip/internal/safetensors"
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

// FuzzNew builds models from hostile configs against the tiny models'
// checkpoints: any config must give a model or an error, never a panic, and
// a model it gives must run.
func FuzzNew(f *testing.F) {
	var sets []*safetensors.Set
	for _, arch := range tinyArchs {
		dir := filepath.Join(testutil.RepoRoot(f), "testdata", "archs", arch)
		b, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		set, err := safetensors.OpenDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		sets = append(sets, set)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, set := range sets {
			m, err := New(b, set, nil)
			if err != nil {
				continue
			}
			c := m.Config()
			n := min(3, c.MaxPositions)
			hidden := make([]float32, n*c.HiddenSize)
			if err := m.Forward([]Input{{Cache: m.NewCache(n, KVFloat16), Tokens: make([]int32, n)}}, hidden); err != nil {
				t.Fatal(err)
			}
			m.Logits(make([]float32, c.VocabSize), hidden[(n-1)*c.HiddenSize:], 1)
		}
	})
}
