// Package model runs decoder-only transformer language models from Hugging
// Face checkpoints (config.json and safetensors weights) in float32 on the
// CPU.
//
// Each architecture lives in a file of its own (gpt2.go, llama.go, ...),
// reads its own config.json keys and registers under its model_type (see
// Register); it is built from the shared layers of layers.go (norms, linear
// layers, attention over the KV cache, MLPs) and its forward pass reads top
// to bottom. Weights keeps each matrix in the storage Options choose
// (bfloat16 checkpoints stay bfloat16 in memory). Every model implements
// the same batched forward pass over KV caches: a batch may hold a whole
// sequence (compression runs each segment in one pass) or one new token for
// each of many sequences (decompression advances many segments in
// lockstep). Both give bit-identical results for the same token at the same
// position, because every row of a batch is computed by the same sequence of
// kernel operations (see package kernel).
package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/safetensors"
)

// Model is a loaded language model.
type Model interface {
	// Config returns the model's configuration.
	Config() *Config
	// NewCache returns an empty KV cache for one sequence of up to
	// capacity tokens, storing keys and values as kv says.
	NewCache(capacity int, kv KV) *Cache
	// Forward appends each input's tokens to its cache and writes the
	// final hidden state (after the final norm) of every new token to
	// hidden, input after input: len(hidden) must be at least the total
	// number of tokens times Config().HiddenSize.
	Forward(inputs []Input, hidden []float32) error
	// Logits computes the vocabulary logits of rows hidden states into dst
	// (rows × VocabSize).
	Logits(dst, hidden []float32, rows int)
}

// Input is one sequence's part of a forward batch.
type Input struct {
	Cache  *Cache
	Tokens []int32
}

// Architecture is one family of models, registered under its config.json
// model_type. It reads and checks its own keys of config.json (every family
// names its sizes differently: GPT-2's n_embd is Llama's hidden_size) and
// builds models from a checkpoint with the shared layers of this package.
type Architecture struct {
	// Config reads and checks config.json and returns the model's shape,
	// with the architecture's own parameters in Params.
	Config func(configJSON []byte) (*Config, error)
	// New builds the model that c (from Config) describes from a
	// checkpoint's weights. Before it returns, it must have read every
	// tensor the model uses; New refuses a checkpoint that has more.
	New func(c *Config, w *Weights) (Model, error)
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Architecture{}
)

// Register makes an architecture available under a config.json model_type.
func Register(modelType string, a Architecture) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[modelType] = a
}

// Architectures lists the registered model types.
func Architectures() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// lookup reads config.json's model_type and returns its architecture.
func lookup(configJSON []byte) (string, Architecture, error) {
	var head struct {
		ModelType string `json:"model_type"`
	}
	if err := json.Unmarshal(configJSON, &head); err != nil {
		return "", Architecture{}, fmt.Errorf("config.json: %v", err)
	}
	if head.ModelType == "" {
		return "", Architecture{}, errors.New("config.json: no model_type")
	}
	registryMu.RLock()
	a, ok := registry[head.ModelType]
	registryMu.RUnlock()
	if !ok {
		return "", Architecture{}, fmt.Errorf("model_type %q is not supported (supported: %s)", head.ModelType, strings.Join(Architectures(), ", "))
	}
	return head.ModelType, a, nil
}

// ParseConfig reads a config.json with the architecture its model_type
// names, and checks it.
func ParseConfig(configJSON []byte) (*Config, error) {
	typ, a, err := lookup(configJSON)
	if err != nil {
		return nil, err
	}
	c, err := a.Config(configJSON)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	c.ModelType = typ
	return c, nil
}

// New builds the model that config.json describes from its tensors, with
// the weights stored as opts says (nil: the defaults, which keep the
// checkpoint's precision).
func New(configJSON []byte, tensors *safetensors.Set, opts *Options) (Model, error) {
	return build(configJSON, tensors, opts, false)
}

// Check reports the error New would, without reading a weight: config.json
// is valid and the checkpoint has every tensor its architecture needs, in
// the shapes it needs and a supported element type, and no other. It takes
// the memory of the norms' weights only.
func Check(configJSON []byte, tensors *safetensors.Set) error {
	_, err := build(configJSON, tensors, nil, true)
	return err
}

func build(configJSON []byte, tensors *safetensors.Set, opts *Options, check bool) (Model, error) {
	c, err := ParseConfig(configJSON)
	if err != nil {
		return nil, err
	}
	_, a, _ := lookup(configJSON)
	w := newWeights(tensors, opts)
	w.check = check
	w.SkipSuffix("rotary_emb.inv_freq") // a buffer older checkpoints carry
	m, err := a.New(c, w)
	if err == nil {
		err = w.Err()
	}
	if err == nil {
		err = w.unused()
	}
	if err != nil {
		return nil, fmt.Errorf("%s model: %w", c.ModelType, err)
	}
	return m, nil
}

// KV is how a cache stores keys and values. The choice is part of the
// numeric recipe: the same tokens give different (but, for each choice,
// reproducible) logits.
type KV int

const (
	// KVFloat32 keeps keys and values exactly: the reference, which
	// matches transformers.
	KVFloat32 KV = iota
	// KVFloat16 rounds keys and values to IEEE float16 (kernel.RoundF16)
	// as they are stored: half the memory and memory traffic.
	KVFloat16
	// KVInt8 quantizes each head's key and value vectors to int8 with a
	// float32 scale (kernel.QuantizeRow) as they are stored: a little over
	// a quarter of float32's memory and traffic. A score is the dot
	// product of the query with the int8 key (kernel.ScoresI8) times the
	// key's scale; each attention weight is multiplied by its value's
	// scale before the weighted sum of the int8 values (kernel.MixI8).
	KVInt8
)

func (kv KV) String() string {
	switch kv {
	case KVFloat32:
		return "float32"
	case KVFloat16:
		return "float16"
	case KVInt8:
		return "int8"
	}
	return fmt.Sprintf("KV(%d)", int(kv))
}

// Cache is the key/value cache of one sequence. Keys are stored in the
// blocked layout of kernel.Scores (blocks of kernel.KeyBlock keys, each
// headDim rows of KeyBlock values), so that the scores of one query
// against a run of keys read memory in one sequential run.
//
// Positions are stored in pages: per layer, page after page, each holding
// every KV head's keys (and values) of its positions, head after head. A
// decoding step reads a layer's keys for all heads, and then their
// values, page by page, so that what it reads is one run of memory
// however far the cache is filled: heads laid out each over the whole
// capacity, a decoding step read a short run per head, each starting
// cold, with the unfilled rest of the head between it and the next (see
// kernel.BenchmarkAttentionI8Streams). Int8 and float16 caches have pages
// of cachePage positions; a float32 cache has one page of the whole
// capacity (its attention has no kernel to continue a mix from page to
// page).
type Cache struct {
	// Len is the number of tokens the cache holds.
	Len int

	limit    int // positions the cache may hold
	capacity int // positions of its storage (limit rounded up to whole key blocks, and pages)
	page     int // positions per page
	kvHeads  int
	kv       KV
	layers   []layerCache
}

// cachePage is the positions of a cache's page. Any size lets a decoding
// step read one run; a page of 256 (16 KiB of int8 keys of a head of 64
// dimensions) makes compression's calls per page few enough to cost
// nothing measurable (BenchmarkPrefill), where 128 cost 3-4%. A variable
// so that tests can make pages small enough for tiny models to span
// several.
var cachePage = 256

// layerCache holds one layer's keys ([capacity/page][kvHeads]
// [page/KeyBlock][headDim][KeyBlock]) and values ([capacity/page][kvHeads]
// [page][headDim]), in k and v or, for KVFloat16, in k16 and v16, or for
// KVInt8 in k8 and v8 with the scale of each key and value vector in ks and
// vs ([kvHeads][capacity]: a head's scales are read in one run for its
// softmax).
type layerCache struct {
	k, v     []float32
	k16, v16 []uint16
	k8, v8   []int8
	ks, vs   []float32
}

// bytesPerPosition returns the bytes of one layer's keys and values (and
// their scales) at one position.
func (c *Cache) bytesPerPosition(kvHeads, hd int) uint64 {
	per := 2 * 4 * hd // float32 keys and values
	switch c.kv {
	case KVFloat16:
		per = 2 * 2 * hd
	case KVInt8:
		per = 2 * (hd + 4) // a float32 scale per vector
	}
	return uint64(kvHeads * per)
}

// at returns where the page holding position pos of KV head g (of hd
// dimensions) starts in a layer's keys or values, and pos's place in it:
// the key's values are at base+kernel.KeyIndex(j, d, hd), the value's at
// base+j*hd+d.
func (c *Cache) at(g, pos, hd int) (base, j int) {
	p := pos / c.page
	return (p*c.kvHeads + g) * c.page * hd, pos - p*c.page
}

// scaleAt returns the index in a layer's ks or vs of the scale of KV head
// g's key or value at position pos.
func (c *Cache) scaleAt(g, pos int) int { return g*c.capacity + pos }

// fits reports whether the cache was made for a model of cfg's shape (its
// layers, key heads and head size), as the layout of its storage assumes.
func (c *Cache) fits(cfg *Config) bool {
	l := c.layers
	return len(l) == cfg.NumLayers && len(l) > 0 && c.kvHeads == cfg.NumKVHeads && l[0].keys() == cfg.NumKVHeads*cfg.HeadDim*c.capacity
}

// keys returns how many key values the layer holds.
func (l *layerCache) keys() int { return len(l.k) + len(l.k16) + len(l.k8) }

// NewCache allocates a cache for a model of the given shape.
func newCache(layers, kvHeads, headDim, capacity int, kv KV) *Cache {
	c := &Cache{limit: capacity, kvHeads: kvHeads, kv: kv, layers: make([]layerCache, layers)}
	capacity = (capacity + kernel.KeyBlock - 1) / kernel.KeyBlock * kernel.KeyBlock
	c.page = capacity
	if page := (cachePage + kernel.KeyBlock - 1) / kernel.KeyBlock * kernel.KeyBlock; kv != KVFloat32 && capacity > page {
		c.page = page // whole key blocks
		capacity = (capacity + page - 1) / page * page
	}
	c.capacity = capacity
	n := kvHeads * headDim * capacity
	for i := range c.layers {
		switch kv {
		case KVFloat16:
			c.layers[i] = layerCache{k16: make([]uint16, n), v16: make([]uint16, n)}
		case KVInt8:
			c.layers[i] = layerCache{k8: make([]int8, n), v8: make([]int8, n),
				ks: make([]float32, kvHeads*capacity), vs: make([]float32, kvHeads*capacity)}
		default:
			c.layers[i] = layerCache{k: make([]float32, n), v: make([]float32, n)}
		}
	}
	return c
}

// KV returns how the cache stores keys and values.
func (c *Cache) KV() KV { return c.kv }

// Capacity returns the number of tokens the cache can hold.
func (c *Cache) Capacity() int { return c.limit }

// Reset empties the cache (its memory is kept).
func (c *Cache) Reset() { c.Len = 0 }

// Bytes returns the memory the cache occupies.
func (c *Cache) Bytes() int {
	n := 0
	for _, l := range c.layers {
		n += 4*(len(l.k)+len(l.v)+len(l.ks)+len(l.vs)) + 2*(len(l.k16)+len(l.v16)) + len(l.k8) + len(l.v8)
	}
	return n
}

// LoadDir loads a Hugging Face model directory (config.json and
// model.safetensors or its shards) with the default Options. The weights are
// copied and packed, so the files are not needed afterwards.
func LoadDir(dir string) (Model, error) {
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer set.Close()
	return New(cfg, set, nil)
}
