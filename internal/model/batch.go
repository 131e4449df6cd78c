package model

import (
	"fmt"
	"sync/atomic"

	"github.com/lmzip/lmzip/internal/kernel"
)

// batch is the bookkeeping of one forward pass: which cache and position
// each row (new token) belongs to.
type batch struct {
	inputs []Input
	rows   int
	tokens []int32  // per row
	pos    []int    // per row: its position in its sequence
	cache  []*Cache // per row

	bufs [numBufs][]float32 // scratch space of the layers, reused from layer to layer
}

// The scratch buffers of a batch.
const (
	bufNorm = iota // normalised rows
	bufOut         // a layer's output, before it joins the residual
	bufOut2        // a second output (parallel attention and MLP)
	bufQKV         // queries, keys and values
	bufAtt         // attention output, before its projection
	bufMLP         // MLP hidden layer (gate and up)
	bufAct         // gated MLP activations
	bufTmp         // anything else an architecture needs
	numBufs
)

// buf returns scratch buffer i with n values (contents unspecified).
func (b *batch) buf(i, n int) []float32 {
	if cap(b.bufs[i]) < n {
		b.bufs[i] = make([]float32, n)
	}
	return b.bufs[i][:n]
}

func newBatch(inputs []Input, c *Config) (*batch, error) {
	b := &batch{inputs: inputs}
	seen := make(map[*Cache]bool, len(inputs))
	for i, in := range inputs {
		if in.Cache == nil {
			return nil, fmt.Errorf("input %d has no cache", i)
		}
		if seen[in.Cache] {
			return nil, fmt.Errorf("input %d repeats a cache", i)
		}
		seen[in.Cache] = true
		if in.Cache.Len+len(in.Tokens) > in.Cache.limit {
			return nil, fmt.Errorf("input %d: %d tokens after %d exceed the cache capacity %d", i, len(in.Tokens), in.Cache.Len, in.Cache.limit)
		}
		if l := in.Cache.layers; len(l) != c.NumLayers || len(l[0].k)+len(l[0].k16) != c.NumKVHeads*c.HeadDim*in.Cache.capacity {
			return nil, fmt.Errorf("input %d: cache belongs to another model", i)
		}
		for j, t := range in.Tokens {
			if t < 0 || int(t) >= c.VocabSize {
				return nil, fmt.Errorf("input %d: token %d is out of the vocabulary (%d)", i, t, c.VocabSize)
			}
			b.tokens = append(b.tokens, t)
			b.pos = append(b.pos, in.Cache.Len+j)
			b.cache = append(b.cache, in.Cache)
		}
	}
	b.rows = len(b.tokens)
	return b, nil
}

// eachRow calls f for every row, spread over the kernel threads.
func (b *batch) eachRow(f func(r int)) {
	parallelTasks(b.rows, 1, func(r int, _ int) { f(r) })
}

// parallelTasks runs f(task, worker) for task in [0, n), handing out
// chunks of tasks to the kernel threads as they become free.
func parallelTasks(n, chunk int, f func(task, worker int)) {
	workers := min(kernel.Threads(), (n+chunk-1)/chunk)
	if workers <= 1 {
		for t := 0; t < n; t++ {
			f(t, 0)
		}
		return
	}
	var next atomic.Int64
	kernel.Parallel(workers, func(w int) {
		for {
			start := int(next.Add(int64(chunk))) - chunk
			if start >= n {
				return
			}
			for t := start; t < min(start+chunk, n); t++ {
				f(t, w)
			}
		}
	})
}

// storeKV writes the keys and values of every row into its cache for layer
// li. qkv rows hold q (qOut values), k and v (kvOut values each).
func (b *batch) storeKV(li int, qkv []float32, qOut, kvOut, hd int) {
	stride := qOut + 2*kvOut
	var k16 []uint16
	for r := 0; r < b.rows; r++ {
		c := b.cache[r]
		lc := &c.layers[li]
		capacity, pos := c.capacity, b.pos[r]
		k := qkv[r*stride+qOut : r*stride+qOut+kvOut]
		v := qkv[r*stride+qOut+kvOut : r*stride+stride]
		base := kernel.KeyIndex(pos, 0, hd)
		if c.kv == KVFloat16 {
			if len(k16) < kvOut {
				k16 = make([]uint16, kvOut)
			}
			kernel.RoundF16(k16[:kvOut], k)
		}
		for g := 0; g < kvOut/hd; g++ {
			vrow := (g*capacity + pos) * hd
			if c.kv == KVFloat16 {
				kb := lc.k16[g*hd*capacity:]
				for d := 0; d < hd; d++ {
					kb[base+d*kernel.KeyBlock] = k16[g*hd+d]
				}
				kernel.RoundF16(lc.v16[vrow:vrow+hd], v[g*hd:(g+1)*hd])
				continue
			}
			kb := lc.k[g*hd*capacity:]
			for d := 0; d < hd; d++ {
				kb[base+d*kernel.KeyBlock] = k[g*hd+d]
			}
			copy(lc.v[vrow:vrow+hd], v[g*hd:(g+1)*hd])
		}
	}
}

// attention computes causal attention for every row and head into out
// (rows × heads·hd): each row attends to the positions 0 ... pos of its
// own cache.
func (b *batch) attention(li int, out, qkv []float32, stride, heads, kvHeads, hd int, scale float32) {
	group := heads / kvHeads
	scratch := make([][]float32, kernel.Threads())
	parallelTasks(b.rows*heads, 4, func(task, w int) {
		r, h := task/heads, task%heads
		c := b.cache[r]
		n := b.pos[r] + 1
		if len(scratch[w]) < c.capacity {
			scratch[w] = make([]float32, c.capacity)
		}
		s := scratch[w][:n]
		lc := &c.layers[li]
		g := h / group
		q := qkv[r*stride+h*hd : r*stride+(h+1)*hd]
		lo, hi := g*hd*c.capacity, (g+1)*hd*c.capacity // this KV head's keys, and values
		if c.kv == KVFloat16 {
			kernel.ScoresF16(s, q, lc.k16[lo:hi], hd, n)
		} else {
			kernel.Scores(s, q, lc.k[lo:hi], hd, n)
		}
		kernel.Scale(s, scale)
		sum := kernel.ExpShift(s, s, kernel.Max(s))
		kernel.Scale(s, 1/sum)
		o := out[(r*heads+h)*hd : (r*heads+h+1)*hd]
		if c.kv == KVFloat16 {
			kernel.MixF16(o, s, lc.v16[lo:hi], hd, n)
		} else {
			kernel.Mix(o, s, lc.v[lo:hi], hd, n)
		}
	})
}

// commit advances every cache past the batch's tokens.
func (b *batch) commit() {
	for _, in := range b.inputs {
		in.Cache.Len += len(in.Tokens)
	}
}
