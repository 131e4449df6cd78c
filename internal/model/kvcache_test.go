package model

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// valueBytes returns the stored bits of the value vector of KV head g at
// position pos in layer li, with its scale.
func (c *Cache) valueBytes(li, g, pos, hd int) []byte {
	lc := &c.layers[li]
	page, j := c.at(g, pos, hd)
	i := page + j*hd
	var b []byte
	switch c.kv {
	case KVFloat16:
		for _, v := range lc.v16[i : i+hd] {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
	case KVInt8:
		for _, v := range lc.v8[i : i+hd] {
			b = append(b, byte(v))
		}
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(lc.vs[c.scaleAt(g, pos)]))
	default:
		for _, v := range lc.v[i : i+hd] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return b
}

// TestCacheVectors stores keys and values through a forward pass and reads
// them back with keyVector, writes them with setKeyVector and moves values
// with moveValue, in every storage: writing back what was read changes
// nothing (float16 and int8 storage are idempotent), and a moved value
// reads as its source.
func TestCacheVectors(t *testing.T) {
	m, err := LoadDir(testutil.Data(t, "archs", "llama"))
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config()
	r := rand.New(rand.NewPCG(5, 5))
	tokens := make([]int32, 20)
	for i := range tokens {
		tokens[i] = int32(r.IntN(c.VocabSize))
	}
	hd := c.HeadDim
	for _, kv := range []KV{KVFloat32, KVFloat16, KVInt8} {
		cache := m.NewCache(len(tokens), kv)
		if err := m.Forward([]Input{{Cache: cache, Tokens: tokens}}, make([]float32, len(tokens)*c.HiddenSize)); err != nil {
			t.Fatal(err)
		}
		a, b := make([]float32, hd), make([]float32, hd)
		for li := 0; li < c.NumLayers; li++ {
			for g := 0; g < c.NumKVHeads; g++ {
				for pos := 0; pos < len(tokens); pos++ {
					cache.keyVector(li, g, pos, hd, a)
					cache.setKeyVector(li, g, pos, hd, a)
					cache.keyVector(li, g, pos, hd, b)
					for d := range a {
						if a[d] != b[d] {
							t.Fatalf("%v: layer %d head %d position %d: key[%d] %g, written back %g", kv, li, g, pos, d, a[d], b[d])
						}
					}
				}
				before := append([]uint8(nil), cache.valueBytes(li, g, 3, hd)...)
				cache.moveValue(li, g, 3, 1, hd)
				if got := cache.valueBytes(li, g, 1, hd); string(got) != string(before) {
					t.Fatalf("%v: moved value differs", kv)
				}
			}
		}
	}
}
