// Command smolshape writes a model directory with SmolLM2-135M's shape
// (hidden 576, 30 layers, 9 heads, 3 KV heads, intermediate 1536,
// vocabulary 49152, tied embeddings) and random bfloat16 weights, with
// lmzip-base's tokenizer: a stand-in for speed and memory measurements
// (its predictions are noise). scripts/smolshape.sh runs lmzip bench on it.
//
//	go run ./scripts/smolshape DIR
package main

import (
	"fmt"
	"os"

	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"

	"github.com/lmzip/lmzip/internal/safetensors"
	"github.com/lmzip/lmzip/models"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: smolshape DIR")
		os.Exit(2)
	}
	f, ok := models.Get("lmzip-base")
	if !ok {
		fmt.Fprintln(os.Stderr, "smolshape: no embedded lmzip-base")
		os.Exit(1)
	}
	if err := writeRandomLlama(os.Args[1], SmolLM2, f.Tokenizer); err != nil {
		fmt.Fprintln(os.Stderr, "smolshape:", err)
		os.Exit(1)
	}
}

// LlamaShape is the shape of a Llama-architecture model.
type LlamaShape struct {
	Hidden, Layers, Heads, KVHeads, Intermediate, Vocab, Context int
}

// SmolLM2 is the shape of SmolLM2-135M (tied embeddings), the model behind
// the best published ratios of LLM compressors.
var SmolLM2 = LlamaShape{Hidden: 576, Layers: 30, Heads: 9, KVHeads: 3, Intermediate: 1536, Vocab: 49152, Context: 8192}

// WriteRandomLlama writes a Llama model of shape s with random bfloat16
// weights (normal, σ 0.02; norms 1) and tied embeddings to the model
// directory dir, with the given tokenizer.json (whose vocabulary must not
// exceed s.Vocab). For speed measurements: its predictions are noise.
func writeRandomLlama(dir string, s LlamaShape, tokenizerJSON []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	hd := s.Hidden / s.Heads
	cfg := map[string]any{
		"model_type": "llama", "architectures": []string{"LlamaForCausalLM"},
		"vocab_size": s.Vocab, "hidden_size": s.Hidden, "intermediate_size": s.Intermediate,
		"num_hidden_layers": s.Layers, "num_attention_heads": s.Heads, "num_key_value_heads": s.KVHeads,
		"head_dim": hd, "hidden_act": "silu", "max_position_embeddings": s.Context, "rms_norm_eps": 1e-5,
		"rope_theta": 100000.0, "tie_word_embeddings": true, "bos_token_id": 0, "eos_token_id": 0, "torch_dtype": "bfloat16",
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tokenizerJSON, 0o644); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(135, 576))
	var tensors []*safetensors.Tensor
	add := func(name string, ones bool, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]byte, 2*n)
		for i := 0; i < n; i++ {
			v := float32(1)
			if !ones {
				v = float32(rng.NormFloat64() * 0.02)
			}
			binary.LittleEndian.PutUint16(data[2*i:], uint16(math.Float32bits(v)>>16))
		}
		tensors = append(tensors, &safetensors.Tensor{Name: name, DType: safetensors.BF16, Shape: shape, Data: data})
	}
	add("model.embed_tokens.weight", false, s.Vocab, s.Hidden)
	add("model.norm.weight", true, s.Hidden)
	for l := 0; l < s.Layers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		add(p+"input_layernorm.weight", true, s.Hidden)
		add(p+"post_attention_layernorm.weight", true, s.Hidden)
		add(p+"self_attn.q_proj.weight", false, s.Heads*hd, s.Hidden)
		add(p+"self_attn.k_proj.weight", false, s.KVHeads*hd, s.Hidden)
		add(p+"self_attn.v_proj.weight", false, s.KVHeads*hd, s.Hidden)
		add(p+"self_attn.o_proj.weight", false, s.Hidden, s.Heads*hd)
		add(p+"mlp.gate_proj.weight", false, s.Intermediate, s.Hidden)
		add(p+"mlp.up_proj.weight", false, s.Intermediate, s.Hidden)
		add(p+"mlp.down_proj.weight", false, s.Hidden, s.Intermediate)
	}
	f, err := os.Create(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return err
	}
	if err := safetensors.Write(f, tensors, nil); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
