package gguf

import (
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/testutil"
)

// stories returns the model and tokenizer of testdata/gguf/stories260K.gguf.
func stories(t *testing.T) (*File, model.Model) {
	t.Helper()
	f, err := Open(testutil.Data(t, "gguf", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cfg, set, err := f.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(cfg, set)
	if err != nil {
		t.Fatalf("%v\nconfig.json: %s", err, cfg)
	}
	return f, m
}

// greedy generates n tokens after BOS, taking the most probable each time.
func greedy(t *testing.T, m model.Model, bos int32, n int) []int32 {
	t.Helper()
	c := m.Config()
	hidden := make([]float32, c.HiddenSize)
	logits := make([]float32, c.VocabSize)
	cache := m.NewCache(n+1, model.KVFloat32)
	var out []int32
	tok := bos
	for len(out) < n {
		if err := m.Forward([]model.Input{{Cache: cache, Tokens: []int32{tok}}}, hidden); err != nil {
			t.Fatal(err)
		}
		m.Logits(logits, hidden, 1)
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		tok = int32(best)
		out = append(out, tok)
	}
	return out
}

// TestStoriesGreedy checks the model read from GGUF (llama.cpp's row order
// of the query and key projections undone) by greedy generation from BOS:
// stories260K tells its known story.
func TestStoriesGreedy(t *testing.T) {
	f, m := stories(t)
	tok, err := f.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config()
	if c.HiddenSize != 64 || c.NumLayers != 5 || c.NumHeads != 8 || c.NumKVHeads != 4 || c.VocabSize != 512 {
		t.Fatalf("config %+v", c)
	}
	bos, ok := f.TokenID("bos", tok.VocabSize())
	if !ok || bos != 1 {
		t.Fatalf("bos %d %v", bos, ok)
	}
	ids := greedy(t, m, bos, 40)
	text := string(tok.Decode(ids))
	const want = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
	if !strings.HasPrefix(strings.TrimPrefix(text, " "), want) {
		t.Fatalf("greedy generation gives %q, want %q...", text, want)
	}
}
