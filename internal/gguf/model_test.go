package gguf

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/kernel"
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
	m, err := model.New(cfg, set, nil)
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
	ids := greedy(t, m, bos, 48)
	text := string(tok.Decode(ids))
	const want = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball."
	if !strings.HasPrefix(strings.TrimPrefix(text, " "), want) {
		t.Fatalf("greedy generation gives %q, want %q...", text, want)
	}
}

// requantize rewrites a GGUF file with its matrices stored as typ (F16,
// BF16 or Q8_0 where rows allow; Q8_0 as ggml quantizes: scale
// max|x|/127 rounded to float16, values rounded to the nearest integer).
func requantize(t *testing.T, f *File, typ GGMLType) []byte {
	t.Helper()
	var tensors []*Tensor
	for _, src := range f.Tensors {
		v, err := src.Float32()
		if err != nil {
			t.Fatal(err)
		}
		dst := &Tensor{Name: src.Name, Dims: src.Dims, Type: F32, Data: f32Bytes(v...)}
		switch {
		case len(src.Dims) < 2:
		case typ == F16:
			dst.Type, dst.Data = F16, nil
			for _, x := range v {
				dst.Data = binary.LittleEndian.AppendUint16(dst.Data, kernel.Float32ToF16(x))
			}
		case typ == BF16:
			dst.Type, dst.Data = BF16, nil
			for _, x := range v {
				dst.Data = binary.LittleEndian.AppendUint16(dst.Data, uint16(math.Float32bits(x)>>16))
			}
		case typ == Q8_0 && src.Dims[0]%32 == 0:
			dst.Type, dst.Data = Q8_0, nil
			for b := 0; b < len(v); b += 32 {
				amax := float32(0)
				for _, x := range v[b : b+32] {
					amax = max(amax, float32(math.Abs(float64(x))))
				}
				d := amax / 127
				id := float32(0)
				if d != 0 {
					id = 1 / d
				}
				dst.Data = binary.LittleEndian.AppendUint16(dst.Data, kernel.Float32ToF16(d))
				for _, x := range v[b : b+32] {
					dst.Data = append(dst.Data, byte(int8(math.Round(float64(x*id)))))
				}
			}
		}
		tensors = append(tensors, dst)
	}
	return buildGGUF(3, f.KVs, tensors)
}

// TestStoriesStorageTypes stores stories260K's matrices as F16, BF16 and
// Q8_0 and checks that the model still tells its story: the storage types
// are read, and the row order of Q and K is undone for each.
func TestStoriesStorageTypes(t *testing.T) {
	f, _ := stories(t)
	tok, err := f.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []GGMLType{F16, BF16, Q8_0} {
		g, err := Parse(requantize(t, f, typ))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, tt := range g.Tensors {
			if tt.Type == typ {
				n++
			}
		}
		if n < 30 {
			t.Fatalf("%s: only %d tensors of that type", typ, n)
		}
		cfg, set, err := g.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.New(cfg, set, nil)
		if err != nil {
			t.Fatal(err)
		}
		text := string(tok.Decode(greedy(t, m, 1, 15)))
		if want := " Once upon a time, there was a little girl named Lily."; text != want {
			t.Errorf("%s: %q, want %q", typ, text, want)
		}
	}
}

// TestCheckpointRejects checks that what the llama adapter cannot run is
// an error naming it.
func TestCheckpointRejects(t *testing.T) {
	f, _ := stories(t)
	with := func(change func(kvs []KV, ts []*Tensor) ([]KV, []*Tensor)) []byte {
		kvs := append([]KV(nil), f.KVs...)
		ts := append([]*Tensor(nil), f.Tensors...)
		kvs, ts = change(kvs, ts)
		return buildGGUF(3, kvs, ts)
	}
	set := func(key string, v Value) func([]KV, []*Tensor) ([]KV, []*Tensor) {
		return func(kvs []KV, ts []*Tensor) ([]KV, []*Tensor) {
			for i := range kvs {
				if kvs[i].Key == key {
					kvs[i].Value = v
					return kvs, ts
				}
			}
			return append(kvs, kv(key, v)), ts
		}
	}
	for name, c := range map[string]struct {
		file []byte
		want string
	}{
		"architecture": {with(set("general.architecture", vStr("gpt2"))), "architecture"},
		"rope scaling": {with(set("llama.rope.scaling.type", vStr("yarn"))), "yarn"},
		"partial rope": {with(set("llama.rope.dimension_count", vU32(4))), "partial rotary"},
		"experts":      {with(set("llama.expert_count", vU32(8))), "mixture-of-experts"},
		"no heads":     {with(set("llama.attention.head_count", vU32(0))), "head_count"},
		"heads type":   {with(set("llama.attention.head_count", vStr("8"))), "not a non-negative integer"},
		"extra tensor": {with(func(kvs []KV, ts []*Tensor) ([]KV, []*Tensor) {
			return kvs, append(ts, &Tensor{Name: "blk.0.attn_rot_embd", Type: F32, Dims: []int{1}, Data: make([]byte, 4)})
		}), "not one of a llama model"},
		"rope freqs": {with(func(kvs []KV, ts []*Tensor) ([]KV, []*Tensor) {
			return kvs, append(ts, &Tensor{Name: "rope_freqs.weight", Type: F32, Dims: []int{4}, Data: make([]byte, 16)})
		}), "rope_freqs"},
		"q4_k": {with(func(kvs []KV, ts []*Tensor) ([]KV, []*Tensor) {
			return kvs, append(ts[:len(ts):len(ts)], &Tensor{Name: "blk.9.ffn_up.weight", Type: Q4_K, Dims: []int{256}, Data: make([]byte, 144)})
		}), "Q4_K"},
	} {
		g, err := Parse(c.file)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, _, err := g.Checkpoint(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %q", name, err, c.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	f, _ := stories(t)
	s := f.Summarize()
	n := int64(0)
	for _, tt := range f.Tensors {
		p := int64(1)
		for _, d := range tt.Dims {
			p *= int64(d)
		}
		n += p
	}
	if s.Architecture != "llama" || s.Runnable != nil || s.Parameters != n || n < 200000 || s.Types[F32] != len(f.Tensors) {
		t.Errorf("%+v (parameters %d)", s, n)
	}
	v, err := Open(testutil.Data(t, "tokenizers", "ggml-vocab", "ggml-vocab-falcon.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if s := v.Summarize(); s.Runnable == nil || s.Architecture != "falcon" || s.Parameters != 0 {
		t.Errorf("falcon vocabulary: %+v", s)
	}
}
