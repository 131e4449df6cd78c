// Package model runs decoder-only transformer language models from Hugging
// Face checkpoints (config.json and safetensors weights) in float32 on the
// CPU.
//
// Each architecture lives in a file of its own and registers a constructor
// under its config.json model_type (see Register). Every model implements
// the same batched forward pass over KV caches: a batch may hold a whole
// sequence (compression runs each segment in one pass) or one new token for
// each of many sequences (decompression advances many segments in
// lockstep). Both give bit-identical results for the same token at the same
// position, because every row of a batch is computed by the same sequence of
// kernel operations (see package kernel).
package model

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

// Constructor builds a model of one architecture from its configuration and
// weights.
type Constructor func(c *Config, w *Weights) (Model, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Constructor{}
)

// Register makes an architecture available under a config.json model_type.
func Register(modelType string, c Constructor) {
	registryMu.Lock()
	defer registryMu.Unlock()
	registry[modelType] = c
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

// New builds the model that config.json describes from its tensors.
func New(configJSON []byte, tensors *safetensors.Set) (Model, error) {
	c, err := ParseConfig(configJSON)
	if err != nil {
		return nil, err
	}
	registryMu.RLock()
	ctor := registry[c.ModelType]
	registryMu.RUnlock()
	if ctor == nil {
		return nil, fmt.Errorf("model_type %q is not supported (supported: %v)", c.ModelType, Architectures())
	}
	m, err := ctor(c, &Weights{set: tensors})
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
)

// Cache is the key/value cache of one sequence. Keys are stored in the
// blocked layout of kernel.Scores (per layer and KV head: blocks of
// kernel.KeyBlock keys, each headDim rows of KeyBlock values), so that the
// scores of one query against all keys read memory in one sequential run.
type Cache struct {
	// Len is the number of tokens the cache holds.
	Len int

	limit    int // positions the cache may hold
	capacity int // positions of its storage (limit rounded up to whole key blocks)
	kv       KV
	layers   []layerCache
}

// layerCache holds one layer's keys ([kvHeads][capacity/KeyBlock][headDim]
// [KeyBlock]) and values ([kvHeads][capacity][headDim]), in k and v or, for
// KVFloat16, in k16 and v16.
type layerCache struct {
	k, v     []float32
	k16, v16 []uint16
}

// NewCache allocates a cache for a model of the given shape.
func newCache(layers, kvHeads, headDim, capacity int, kv KV) *Cache {
	c := &Cache{limit: capacity, kv: kv, layers: make([]layerCache, layers)}
	capacity = (capacity + kernel.KeyBlock - 1) / kernel.KeyBlock * kernel.KeyBlock
	c.capacity = capacity
	n := kvHeads * headDim * capacity
	for i := range c.layers {
		if kv == KVFloat16 {
			c.layers[i] = layerCache{k16: make([]uint16, n), v16: make([]uint16, n)}
		} else {
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
		n += 4*(len(l.k)+len(l.v)) + 2*(len(l.k16)+len(l.v16))
	}
	return n
}

// LoadDir loads a Hugging Face model directory (config.json and
// model.safetensors or its shards). The weights are converted to float32
// and packed, so the files are not needed afterwards.
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
	return New(cfg, set)
}
