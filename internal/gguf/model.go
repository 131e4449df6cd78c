package gguf

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/lmzip/lmzip/internal/safetensors"
)

// Checkpoint maps a llama-architecture GGUF model onto what package model
// reads from a Hugging Face checkpoint: a config.json (from the llama.*
// metadata) and the tensors under their Hugging Face names and layouts.
//
// GGUF stores a matrix with dims [in, out], which is PyTorch's [out, in]
// row-major layout, so the data is used as it is. llama.cpp's converter
// reorders the rows of the query and key projections of each head from
// Hugging Face's rotate-half layout to ggml's interleaved pairs (its
// permute); Checkpoint undoes that. Q8_0 tensors are dequantized to
// float32; F32, F16 and BF16 tensors keep their type (and, unless
// reordered, alias the file's bytes: the Set must not outlive the File).
func (f *File) Checkpoint() (configJSON []byte, set *safetensors.Set, err error) {
	arch, _, err := f.String("general.architecture")
	if err != nil {
		return nil, nil, err
	}
	if arch != "llama" {
		return nil, nil, fmt.Errorf("gguf: architecture %q is not supported (llama)", arch)
	}
	c, err := f.llamaConfig()
	if err != nil {
		return nil, nil, err
	}
	var tensors []*safetensors.Tensor
	for _, t := range f.Tensors {
		name, kind, err := hfName(t.Name)
		if err != nil {
			return nil, nil, err
		}
		heads := 0
		switch kind {
		case "q":
			heads = c.NumHeads
		case "k":
			heads = c.NumKVHeads
		}
		st, err := convert(t, name, heads)
		if err != nil {
			return nil, nil, err
		}
		tensors = append(tensors, st)
		if name == "lm_head.weight" {
			c.TieWordEmbeddings = false
		}
	}
	if set, err = safetensors.SetOf(tensors...); err != nil {
		return nil, nil, err
	}
	if configJSON, err = json.Marshal(c); err != nil {
		return nil, nil, err
	}
	return configJSON, set, nil
}

// hfConfig is the config.json written for a GGUF model.
type hfConfig struct {
	ModelType         string          `json:"model_type"`
	VocabSize         int             `json:"vocab_size"`
	HiddenSize        int             `json:"hidden_size"`
	IntermediateSize  int             `json:"intermediate_size"`
	NumLayers         int             `json:"num_hidden_layers"`
	NumHeads          int             `json:"num_attention_heads"`
	NumKVHeads        int             `json:"num_key_value_heads"`
	HeadDim           int             `json:"head_dim"`
	MaxPositions      int             `json:"max_position_embeddings"`
	RMSNormEps        float64         `json:"rms_norm_eps"`
	RopeTheta         float64         `json:"rope_theta"`
	RopeScaling       json.RawMessage `json:"rope_scaling,omitempty"`
	TieWordEmbeddings bool            `json:"tie_word_embeddings"`
	AttentionBias     bool            `json:"attention_bias"`
	BOS               *int32          `json:"bos_token_id,omitempty"`
	EOS               *int32          `json:"eos_token_id,omitempty"`
}

// maxConfigValue bounds the sizes read from the metadata (model's own
// checks are tighter).
const maxConfigValue = 1 << 30

func (f *File) llamaConfig() (*hfConfig, error) {
	get := func(key string, def int, required bool) (int, error) {
		v, ok, err := f.Uint("llama." + key)
		if err != nil {
			return 0, err
		}
		if !ok {
			if required {
				return 0, fmt.Errorf("gguf: llama.%s is missing", key)
			}
			return def, nil
		}
		if v > maxConfigValue {
			return 0, fmt.Errorf("gguf: llama.%s = %d is too large", key, v)
		}
		return int(v), nil
	}
	c := &hfConfig{ModelType: "llama", TieWordEmbeddings: true}
	var err error
	for _, p := range []struct {
		key      string
		dst      *int
		required bool
	}{
		{"context_length", &c.MaxPositions, true},
		{"embedding_length", &c.HiddenSize, true},
		{"block_count", &c.NumLayers, true},
		{"feed_forward_length", &c.IntermediateSize, true},
		{"attention.head_count", &c.NumHeads, true},
	} {
		if *p.dst, err = get(p.key, 0, p.required); err != nil {
			return nil, err
		}
	}
	if c.NumKVHeads, err = get("attention.head_count_kv", c.NumHeads, false); err != nil {
		return nil, err
	}
	if c.NumHeads <= 0 || c.HiddenSize%c.NumHeads != 0 {
		return nil, fmt.Errorf("gguf: embedding_length %d is not a multiple of head_count %d", c.HiddenSize, c.NumHeads)
	}
	if c.HeadDim, err = get("attention.key_length", c.HiddenSize/c.NumHeads, false); err != nil {
		return nil, err
	}
	if vl, err := get("attention.value_length", c.HeadDim, false); err != nil {
		return nil, err
	} else if vl != c.HeadDim {
		return nil, fmt.Errorf("gguf: key_length %d and value_length %d differ", c.HeadDim, vl)
	}
	if rd, err := get("rope.dimension_count", c.HeadDim, false); err != nil {
		return nil, err
	} else if rd != c.HeadDim {
		return nil, fmt.Errorf("gguf: rope.dimension_count %d is not the head size %d (partial rotary is not supported)", rd, c.HeadDim)
	}
	if n, err := get("expert_count", 0, false); err != nil {
		return nil, err
	} else if n > 0 {
		return nil, fmt.Errorf("gguf: mixture-of-experts models (expert_count %d) are not supported", n)
	}
	c.RMSNormEps = 1e-5
	if v, ok, err := f.Float("llama.attention.layer_norm_rms_epsilon"); err != nil {
		return nil, err
	} else if ok {
		c.RMSNormEps = v
	}
	c.RopeTheta = 10000
	if v, ok, err := f.Float("llama.rope.freq_base"); err != nil {
		return nil, err
	} else if ok {
		c.RopeTheta = v
	}
	if typ, ok, err := f.String("llama.rope.scaling.type"); err != nil {
		return nil, err
	} else if ok && typ != "none" {
		factor, _, err := f.Float("llama.rope.scaling.factor")
		if err != nil {
			return nil, err
		}
		if typ != "linear" || !(factor > 0) || math.IsInf(factor, 0) {
			return nil, fmt.Errorf("gguf: rope scaling %q with factor %g is not supported (linear)", typ, factor)
		}
		c.RopeScaling, _ = json.Marshal(map[string]any{"type": "linear", "factor": factor})
	}
	if f.Tensor("rope_freqs.weight") != nil {
		return nil, fmt.Errorf("gguf: rope_freqs.weight (Llama 3 frequency scaling) is not supported")
	}
	tokens, _, err := f.Strings("tokenizer.ggml.tokens")
	if err != nil {
		return nil, err
	}
	c.VocabSize = len(tokens)
	if v, err := get("vocab_size", c.VocabSize, false); err != nil {
		return nil, err
	} else if v != 0 {
		c.VocabSize = v
	}
	if t := f.Tensor("token_embd.weight"); t != nil && len(t.Dims) == 2 {
		c.VocabSize = t.Dims[1]
	}
	if id, ok := f.TokenID("bos", c.VocabSize); ok {
		c.BOS = &id
	}
	if id, ok := f.TokenID("eos", c.VocabSize); ok {
		c.EOS = &id
	}
	c.AttentionBias = f.Tensor("blk.0.attn_q.bias") != nil
	return c, nil
}

var blockTensor = regexp.MustCompile(`^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$`)

// hfName maps a GGUF tensor name onto its Hugging Face name; kind is "q"
// or "k" for the projections whose rows llama.cpp reorders.
func hfName(name string) (hf, kind string, err error) {
	switch name {
	case "token_embd.weight":
		return "model.embed_tokens.weight", "", nil
	case "output_norm.weight":
		return "model.norm.weight", "", nil
	case "output.weight":
		return "lm_head.weight", "", nil
	}
	m := blockTensor.FindStringSubmatch(name)
	if m == nil {
		return "", "", fmt.Errorf("gguf: tensor %q is not one of a llama model", name)
	}
	layer, err := strconv.Atoi(m[1])
	if err != nil || layer > 1<<16 {
		return "", "", fmt.Errorf("gguf: tensor %q: bad layer", name)
	}
	parts := map[string]string{
		"attn_norm":   "input_layernorm",
		"ffn_norm":    "post_attention_layernorm",
		"attn_q":      "self_attn.q_proj",
		"attn_k":      "self_attn.k_proj",
		"attn_v":      "self_attn.v_proj",
		"attn_output": "self_attn.o_proj",
		"ffn_gate":    "mlp.gate_proj",
		"ffn_up":      "mlp.up_proj",
		"ffn_down":    "mlp.down_proj",
	}
	p, ok := parts[m[2]]
	if !ok {
		return "", "", fmt.Errorf("gguf: tensor %q is not one of a llama model", name)
	}
	switch m[2] {
	case "attn_q":
		kind = "q"
	case "attn_k":
		kind = "k"
	}
	return fmt.Sprintf("model.layers.%d.%s.%s", layer, p, m[3]), kind, nil
}

// convert makes the safetensors tensor of a GGUF tensor, undoing the row
// order of llama.cpp's permute when heads > 0.
func convert(t *Tensor, name string, heads int) (*safetensors.Tensor, error) {
	st := &safetensors.Tensor{Name: name, Shape: t.Shape()}
	switch t.Type {
	case F32:
		st.DType, st.Data = safetensors.F32, t.Data
	case F16:
		st.DType, st.Data = safetensors.F16, t.Data
	case BF16:
		st.DType, st.Data = safetensors.BF16, t.Data
	case Q8_0:
		v, err := t.Float32()
		if err != nil {
			return nil, err
		}
		st.DType, st.Data = safetensors.F32, make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(st.Data[4*i:], math.Float32bits(x))
		}
	default:
		return nil, fmt.Errorf("gguf: tensor %q: type %s is not supported (F32, F16, BF16, Q8_0)", t.Name, t.Type)
	}
	if heads > 0 {
		rows := st.Shape[0]
		if rows%(2*heads) != 0 {
			return nil, fmt.Errorf("gguf: tensor %q: %d rows do not split into %d heads of pairs", t.Name, rows, heads)
		}
		rowBytes := len(st.Data) / rows
		st.Data = unpermute(st.Data, rows, rowBytes, heads)
	}
	return st, nil
}

// unpermute undoes llama.cpp's permute of the rows of a query or key
// projection (or bias): within each head of hd rows, ggml's row 2i+j is
// Hugging Face's row j*hd/2+i.
func unpermute(data []byte, rows, rowBytes, heads int) []byte {
	out := make([]byte, len(data))
	hd := rows / heads
	for h := 0; h < heads; h++ {
		for i := 0; i < hd/2; i++ {
			for j := 0; j < 2; j++ {
				src := h*hd + 2*i + j
				dst := h*hd + j*hd/2 + i
				copy(out[dst*rowBytes:(dst+1)*rowBytes], data[src*rowBytes:(src+1)*rowBytes])
			}
		}
	}
	return out
}

// Summary describes a GGUF model for listings (lmzip models).
type Summary struct {
	Architecture string // general.architecture
	Name         string // general.name
	Parameters   int64  // elements of all tensors
	// Types counts the tensors of each storage type.
	Types map[GGMLType]int
	// Runnable is nil when Checkpoint can map the model for package
	// model, else the reason it cannot.
	Runnable error
}

// Summarize describes the file without converting any tensor.
func (f *File) Summarize() Summary {
	s := Summary{Types: map[GGMLType]int{}}
	s.Architecture, _, _ = f.String("general.architecture")
	s.Name, _, _ = f.String("general.name")
	for _, t := range f.Tensors {
		s.Parameters += int64(t.Elements())
		s.Types[t.Type]++
	}
	s.Runnable = f.checkRunnable()
	return s
}

// checkRunnable makes Checkpoint's checks that need no conversion.
func (f *File) checkRunnable() error {
	arch, _, err := f.String("general.architecture")
	if err != nil {
		return err
	}
	if arch != "llama" {
		return fmt.Errorf("gguf: architecture %q is not supported (llama)", arch)
	}
	if _, err := f.llamaConfig(); err != nil {
		return err
	}
	if len(f.Tensors) == 0 {
		return fmt.Errorf("gguf: no tensors (a vocabulary-only file)")
	}
	for _, t := range f.Tensors {
		if _, _, err := hfName(t.Name); err != nil {
			return err
		}
		switch t.Type {
		case F32, F16, BF16, Q8_0:
		default:
			return fmt.Errorf("gguf: tensor %q: type %s is not supported (F32, F16, BF16, Q8_0)", t.Name, t.Type)
		}
	}
	if _, err := f.Tokenizer(); err != nil {
		return err
	}
	return nil
}
