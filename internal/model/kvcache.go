package model

import "github.com/lmzip/lmzip/internal/kernel"

// Access to one key or value vector of a cache in any of its storages, for
// code that rewrites a cache (sliding a window re-rotates its keys): a key
// is read widened to float32 and written rounded (float16) or quantized
// again (int8, with a new scale) as storing it does.

// keyVector sets dst (hd values) to the key of KV head g at position pos in
// layer li: as stored for float32 and float16, float32(q)·scale for int8.
func (c *Cache) keyVector(li, g, pos, hd int, dst []float32) {
	lc := &c.layers[li]
	lo, j := c.at(g, pos, hd)
	for d := 0; d < hd; d++ {
		i := lo + kernel.KeyIndex(j, d, hd)
		switch c.kv {
		case KVFloat16:
			dst[d] = kernel.F16ToFloat32(lc.k16[i])
		case KVInt8:
			dst[d] = float32(lc.k8[i]) * lc.ks[c.scaleAt(g, pos)]
		default:
			dst[d] = lc.k[i]
		}
	}
}

// setKeyVector stores src (hd values) as the key of KV head g at position
// pos in layer li, as storing a new key does (rounded to float16, or
// quantized by kernel.QuantizeRow).
func (c *Cache) setKeyVector(li, g, pos, hd int, src []float32) {
	lc := &c.layers[li]
	lo, j := c.at(g, pos, hd)
	var q8 [256]int8
	k8 := q8[:]
	if c.kv == KVInt8 {
		if hd > len(q8) {
			k8 = make([]int8, hd)
		}
		lc.ks[c.scaleAt(g, pos)] = kernel.QuantizeRow(k8, src[:hd])
	}
	for d := 0; d < hd; d++ {
		i := lo + kernel.KeyIndex(j, d, hd)
		switch c.kv {
		case KVFloat16:
			lc.k16[i] = kernel.Float32ToF16(src[d])
		case KVInt8:
			lc.k8[i] = k8[d]
		default:
			lc.k[i] = src[d]
		}
	}
}

// moveValue copies the value vector (with its scale) of KV head g from
// position src to position dst in layer li.
func (c *Cache) moveValue(li, g, src, dst, hd int) {
	lc := &c.layers[li]
	ps, js := c.at(g, src, hd)
	pd, jd := c.at(g, dst, hd)
	vs, vd := ps+js*hd, pd+jd*hd
	switch c.kv {
	case KVFloat16:
		copy(lc.v16[vd:vd+hd], lc.v16[vs:vs+hd])
	case KVInt8:
		copy(lc.v8[vd:vd+hd], lc.v8[vs:vs+hd])
		lc.vs[c.scaleAt(g, dst)] = lc.vs[c.scaleAt(g, src)]
	default:
		copy(lc.v[vd:vd+hd], lc.v[vs:vs+hd])
	}
}
