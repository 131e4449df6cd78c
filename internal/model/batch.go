package model

import (
	"errors"
	"fmt"
	"sync"
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
	// scores holds each worker's attention scores (see attention).
	scores [][]float32
	// k16 holds each row's key head as float16 on its way into the
	// cache (storeRow; see keyScratch).
	k16 []uint16
	// qo holds each worker's gathered queries and outputs of an
	// attention tile (attendI8); tiles the row boundaries of attention.
	qo    [][]float32
	tiles []int
	seen  map[*Cache]bool
}

// batches recycles batches and their scratch space from one forward pass to
// the next (decompression runs thousands of small passes): newBatch takes
// one, commit gives it back.
var batches = sync.Pool{New: func() any { return &batch{seen: map[*Cache]bool{}} }}

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
	bufRec         // the rows a model that learns records (see Adapter)
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
	b := batches.Get().(*batch)
	if err := checkInputs(inputs, c, b.seen); err != nil {
		batches.Put(b)
		return nil, err
	}
	b.inputs, b.tokens, b.pos, b.cache = inputs, b.tokens[:0], b.pos[:0], b.cache[:0]
	for _, in := range inputs {
		for j, t := range in.Tokens {
			b.tokens = append(b.tokens, t)
			b.pos = append(b.pos, in.Cache.Len+j)
			b.cache = append(b.cache, in.Cache)
		}
	}
	b.rows = len(b.tokens)
	return b, nil
}

// checkInputs checks a forward pass's inputs against the model's shape
// (seen: scratch for the caches met, cleared before and after).
func checkInputs(inputs []Input, c *Config, seen map[*Cache]bool) error {
	clear(seen)
	defer clear(seen)
	for i, in := range inputs {
		if in.Cache == nil {
			return fmt.Errorf("input %d has no cache", i)
		}
		if seen[in.Cache] {
			return fmt.Errorf("input %d repeats a cache", i)
		}
		seen[in.Cache] = true
		if in.Cache.Len+len(in.Tokens) > in.Cache.limit {
			return fmt.Errorf("input %d: %d tokens after %d exceed the cache capacity %d", i, len(in.Tokens), in.Cache.Len, in.Cache.limit)
		}
		if !in.Cache.fits(c) {
			return fmt.Errorf("input %d: cache belongs to another model", i)
		}
		for _, t := range in.Tokens {
			if t < 0 || int(t) >= c.VocabSize {
				return fmt.Errorf("input %d: token %d is out of the vocabulary (%d)", i, t, c.VocabSize)
			}
		}
	}
	return nil
}

// eachRow calls f for every row, spread over the kernel threads in chunks
// of rows (each chunk is one claim on a counter the threads share: one
// per row cost compression's thousand-row passes more than some rows'
// work).
func (b *batch) eachRow(f func(r int)) {
	parallelTasks(b.rows, max(1, b.rows/(8*kernel.Threads())), func(r int, _ int) { f(r) })
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
	b.keyScratch(hd)
	b.eachRow(func(r int) { b.storeRow(li, r, qkv, qOut, kvOut, hd) })
}

// keyScratch makes room in k16 for a key head of hd values per row, before
// the rows are stored in parallel (a buffer on storeRow's stack would move
// to the heap, an allocation per row and layer).
func (b *batch) keyScratch(hd int) {
	if n := b.rows * hd; cap(b.k16) < n {
		b.k16 = make([]uint16, n)
	}
}

// storeRow writes the keys and values of row r into its cache for layer
// li. Rows write to distinct places, so they may be stored concurrently.
func (b *batch) storeRow(li, r int, qkv []float32, qOut, kvOut, hd int) {
	stride := qOut + 2*kvOut
	c := b.cache[r]
	lc := &c.layers[li]
	pos := b.pos[r]
	k := qkv[r*stride+qOut : r*stride+qOut+kvOut]
	v := qkv[r*stride+qOut+kvOut : r*stride+stride]
	var small8 [256]int8 // stays on the stack (QuantizeRow keeps no reference)
	k8 := small8[:]
	if hd > len(small8) {
		k8 = make([]int8, hd)
	}
	k16 := b.k16[r*hd : (r+1)*hd]
	for g := 0; g < kvOut/hd; g++ {
		page, j := c.at(g, pos, hd)
		vrow := page + j*hd
		base := page + kernel.KeyIndex(j, 0, hd)
		kg, vg := k[g*hd:(g+1)*hd], v[g*hd:(g+1)*hd]
		switch c.kv {
		case KVInt8:
			lc.ks[c.scaleAt(g, pos)] = kernel.QuantizeRow(k8, kg)
			kb := lc.k8
			for d := 0; d < hd; d++ {
				kb[base+d*kernel.KeyBlock] = k8[d]
			}
			lc.vs[c.scaleAt(g, pos)] = kernel.QuantizeRow(lc.v8[vrow:vrow+hd], vg)
		case KVFloat16:
			kernel.RoundF16(k16[:hd], kg)
			kb := lc.k16
			for d := 0; d < hd; d++ {
				kb[base+d*kernel.KeyBlock] = k16[d]
			}
			kernel.RoundF16(lc.v16[vrow:vrow+hd], vg)
		default:
			kb := lc.k
			for d := 0; d < hd; d++ {
				kb[base+d*kernel.KeyBlock] = kg[d]
			}
			copy(lc.v[vrow:vrow+hd], vg)
		}
	}
}

// attention computes causal attention for every row and head into out
// (rows × heads·hd): each row attends to the positions 0 ... pos of its
// own cache.
func (b *batch) attention(li int, out, qkv []float32, stride, heads, kvHeads, hd int, scale float32) {
	keys := 0
	for _, p := range b.pos {
		keys += p + 1
	}
	kernel.AddAttention(4 * uint64(keys) * uint64(heads) * uint64(hd)) // scores and mix: a multiply-add per key and dimension each
	for len(b.scores) < kernel.Threads() {
		b.scores = append(b.scores, nil)
		b.qo = append(b.qo, nil)
	}
	scratch := b.scores
	tiles := b.attentionTiles()
	kernel.AddCacheRead(b.cacheBytes(kvHeads, hd))
	// A task is one tile of rows and all the key heads, so that it reads
	// the layer's keys, then its values, page by page in one run (see
	// Cache); when there are fewer tiles than threads (a lone row), a task
	// is one tile and one key head. An int8 cache's keys and values are
	// read once for all the queries of the tile and the query heads that
	// share a key head (grouped-query attention: kernel.ScoresI8N,
	// MixI8N); each query's results are the same as alone.
	split := 1
	if len(tiles)-1 < kernel.Threads() {
		split = kvHeads
	}
	tasks := (len(tiles) - 1) * split
	parallelTasks(tasks, max(tasks/(32*kernel.Threads()), 1), func(task, w int) {
		t, part := task/split, task%split
		g0, g1 := part*kvHeads/split, (part+1)*kvHeads/split
		r0, r1 := tiles[t], tiles[t+1]
		c := b.cache[r0]
		if nq := (r1 - r0) * heads; len(scratch[w]) < nq*c.capacity {
			scratch[w] = make([]float32, nq*c.capacity)
		}
		if c.kv == KVInt8 {
			b.attendI8(w, &c.layers[li], out, qkv, stride, heads, kvHeads, hd, g0, g1, r0, r1, scale)
		} else {
			b.attendRow(w, &c.layers[li], out, qkv, stride, heads, kvHeads, hd, g0, g1, r0, scale)
		}
	})
}

// attendRow is attention's task for row r of a float32 or float16 cache,
// key heads g0 ... g1-1 with their query heads: the scores of every head
// page by page, each head's softmax, and the mix page by page, each sum
// continued from page to page (kernel.MixF16From) in the order of
// positions as over one run. A float32 cache has one page.
func (b *batch) attendRow(w int, lc *layerCache, out, qkv []float32, stride, heads, kvHeads, hd, g0, g1, r int, scale float32) {
	c := b.cache[r]
	ld, P := c.capacity, c.page
	group := heads / kvHeads
	h0, h1 := g0*group, g1*group // the query heads
	n := b.pos[r] + 1
	qs := qkv[r*stride : r*stride+heads*hd]
	os := out[r*heads*hd : (r+1)*heads*hd]
	s := b.scores[w] // [query head - h0][ld]
	for p0 := 0; p0 < n; p0 += P {
		m := min(P, n-p0)
		for g := g0; g < g1; g++ {
			k, _ := c.at(g, p0, hd)
			for h := g * group; h < (g+1)*group; h++ {
				sh, q := s[(h-h0)*ld+p0:][:m], qs[h*hd:(h+1)*hd]
				if c.kv == KVFloat16 {
					kernel.ScoresF16(sh, q, lc.k16[k:k+P*hd], hd, m)
				} else {
					kernel.Scores(sh, q, lc.k[k:k+P*hd], hd, m)
				}
			}
		}
	}
	for h := h0; h < h1; h++ {
		sh := s[(h-h0)*ld:][:n]
		kernel.Scale(sh, scale)
		sum := kernel.ExpShift(sh, sh, kernel.Max(sh))
		kernel.Scale(sh, 1/sum)
	}
	for p0 := 0; p0 < n; p0 += P {
		m := min(P, n-p0)
		for g := g0; g < g1; g++ {
			v, _ := c.at(g, p0, hd)
			for h := g * group; h < (g+1)*group; h++ {
				o, sh := os[h*hd:(h+1)*hd], s[(h-h0)*ld+p0:][:m]
				switch {
				case c.kv != KVFloat16:
					kernel.Mix(o, sh, lc.v[v:v+P*hd], hd, m) // one page: p0 is 0
				case p0 == 0:
					kernel.MixF16(o, sh, lc.v16[v:v+P*hd], hd, m)
				default:
					kernel.MixF16From(o, sh, lc.v16[v:v+P*hd], hd, 0, m)
				}
			}
		}
	}
}

// attendI8 is attention's task for rows r0 ... r1-1 of one int8 cache at
// consecutive positions (compression's rows; a decoding step's tiles are
// single rows of different caches), key heads g0 ... g1-1 with their query
// heads. The keys and values are widened once for up to four rows'
// queries: the scores of every query run to the last row's position (a
// query ignores those past its own), the mix of every query to the first
// row's, and each later row's remaining terms are added in order
// (kernel.MixI8From), so that every query's result is exactly what it
// would be alone. Keys and values are read page by page, every head's
// part of a page before the next page; the mix continues each sum from
// page to page (kernel.MixI8NFrom), in the order of positions as over one
// run.
func (b *batch) attendI8(w int, lc *layerCache, out, qkv []float32, stride, heads, kvHeads, hd, g0, g1, r0, r1 int, scale float32) {
	c := b.cache[r0]
	ld, P := c.capacity, c.page
	group := heads / kvHeads
	nq := (r1 - r0) * group // queries of each key head
	nMin, nMax := b.pos[r0]+1, b.pos[r1-1]+1
	// Queries and outputs are [key head - g0][row][query head of its
	// group][hd], as one row's lie in qkv and out already.
	var qs, os []float32
	if r1-r0 == 1 {
		qs = qkv[r0*stride+g0*group*hd : r0*stride+g1*group*hd]
		os = out[(r0*heads+g0*group)*hd : (r0*heads+g1*group)*hd]
	} else {
		all := (g1 - g0) * nq * hd
		if len(b.qo[w]) < 2*all {
			b.qo[w] = make([]float32, 2*all)
		}
		qs, os = b.qo[w][:all], b.qo[w][all:2*all]
		for g := g0; g < g1; g++ {
			for r := r0; r < r1; r++ {
				copy(qs[((g-g0)*nq+(r-r0)*group)*hd:], qkv[r*stride+g*group*hd:r*stride+(g+1)*group*hd])
			}
		}
	}
	s := b.scores[w] // [key head - g0][query][ld]
	for p0 := 0; p0 < nMax; p0 += P {
		for g := g0; g < g1; g++ {
			k, _ := c.at(g, p0, hd)
			i := g - g0
			kernel.ScoresI8N(s[i*nq*ld+p0:], ld, qs[i*nq*hd:(i+1)*nq*hd], nq, lc.k8[k:k+P*hd], hd, min(P, nMax-p0))
		}
	}
	for g := g0; g < g1; g++ {
		ks, vs := lc.ks[g*ld:], lc.vs[g*ld:]
		for i := 0; i < nq; i++ {
			n := b.pos[r0+i/group] + 1
			si := s[((g-g0)*nq+i)*ld:][:n]
			// Each score times its key's scale, then the attention scale;
			// each weight times 1/sum, then its value's scale.
			sum := kernel.ExpShift(si, si, kernel.MulScaleMax(si, ks[:n], scale))
			kernel.ScaleMul(si, 1/sum, vs[:n])
		}
	}
	for p0 := 0; p0 < nMin; p0 += P {
		for g := g0; g < g1; g++ {
			v, _ := c.at(g, p0, hd)
			i := g - g0
			o, sg := os[i*nq*hd:(i+1)*nq*hd], s[i*nq*ld+p0:]
			if p0 == 0 {
				kernel.MixI8N(o, sg, ld, nq, lc.v8[v:v+P*hd], hd, min(P, nMin))
			} else {
				kernel.MixI8NFrom(o, sg, ld, nq, lc.v8[v:v+P*hd], hd, 0, min(P, nMin-p0))
			}
		}
	}
	if r1-r0 == 1 {
		return
	}
	for g := g0; g < g1; g++ {
		for i := 0; i < nq; i++ {
			r := r0 + i/group
			q := (g-g0)*nq + i
			o, si := os[q*hd:][:hd], s[q*ld:]
			for p0, n := nMin/P*P, b.pos[r]+1; p0 < n; p0 += P {
				v, _ := c.at(g, p0, hd)
				kernel.MixI8From(o, si[p0:], lc.v8[v:v+P*hd], hd, max(nMin-p0, 0), min(P, n-p0))
			}
			copy(out[(r*heads+g*group+i%group)*hd:], o)
		}
	}
}

// cacheBytes returns the bytes of keys and values that attention must at
// least read for one layer: each cache's up to its last row's position
// (the rows of a cache are consecutive; compression's rows reread them
// from the processor's caches, a decoding step's rows each read their
// own).
func (b *batch) cacheBytes(kvHeads, hd int) uint64 {
	var n uint64
	for r := range b.rows {
		if c := b.cache[r]; r+1 == b.rows || b.cache[r+1] != c {
			n += uint64(b.pos[r]+1) * c.bytesPerPosition(kvHeads, hd)
		}
	}
	return n
}

// attentionTiles splits the rows into tiles for attention and returns
// their boundaries (tile t is rows tiles[t] ... tiles[t+1]-1): up to
// attentionTile consecutive rows of one int8 cache at consecutive
// positions share a tile, any other row is a tile of its own.
func (b *batch) attentionTiles() []int {
	t := append(b.tiles[:0], 0)
	for r := 1; r < b.rows; r++ {
		c := b.cache[r]
		if c != b.cache[r-1] || c.kv != KVInt8 || b.pos[r] != b.pos[r-1]+1 || r-t[len(t)-1] == attentionTile {
			t = append(t, r)
		}
	}
	b.tiles = append(t, b.rows)
	return b.tiles
}

// attentionTile is the most rows of one cache that attention takes
// together: four queries is what the int8 kernels share a widened key
// among.
const attentionTile = 4

// commit advances every cache past the batch's tokens and recycles the
// batch, which must not be used afterwards.
func (b *batch) commit() {
	for _, in := range b.inputs {
		in.Cache.Len += len(in.Tokens)
	}
	b.inputs = nil
	clear(b.cache) // no cache stays reachable from the pool
	clear(b.seen)
	batches.Put(b)
}

// ForwardSteps is m.Forward(inputs, hidden) for a decoding step: when
// every input is one token (so that no row depends on another) and there
// are rows enough, the inputs are split into one group per kernel thread,
// each run through the whole model on its own thread (its kernels run on
// it alone, see kernel.Parallel), instead of every layer's every product
// and attention being shared out among the threads: a step of sixteen
// rows is some fifty short parallel regions, whose hand-offs and waits
// cost as much as a sixth of a step. The hidden states are the same bits
// either way: a row's arithmetic does not depend on the other rows or on
// the threads.
func ForwardSteps(m Model, inputs []Input, hidden []float32) error {
	T := kernel.Threads()
	n := len(inputs)
	if T < 2 || n < T*minStepGroup {
		return m.Forward(inputs, hidden)
	}
	for _, in := range inputs {
		if len(in.Tokens) != 1 {
			return m.Forward(inputs, hidden)
		}
	}
	c := m.Config()
	d := c.HiddenSize
	if len(hidden) < n*d {
		return fmt.Errorf("hidden buffer holds %d values, need %d", len(hidden), n*d)
	}
	// Checked whole first, as Forward would: a group must not fail after
	// another has advanced its caches, and a cache repeated across groups
	// must be refused, not written by two threads.
	b := batches.Get().(*batch)
	err := checkInputs(inputs, c, b.seen)
	batches.Put(b)
	if err != nil {
		return err
	}
	errs := make([]error, T)
	kernel.Parallel(T, func(g int) {
		lo, hi := g*n/T, (g+1)*n/T
		errs[g] = m.Forward(inputs[lo:hi], hidden[lo*d:hi*d])
	})
	return errors.Join(errs...)
}

// minStepGroup is the fewest rows ForwardSteps gives a thread: below it a
// group's products reuse each weight too few times.
const minStepGroup = 4
