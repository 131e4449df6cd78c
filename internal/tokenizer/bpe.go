package tokenizer

import (
	"math"
	"sync"
	"unicode/utf8"
)

// noRank marks a pair of tokens that no merge joins.
const noRank = math.MaxUint32

// smallBPE is the longest pre-token (in bytes) encoded by the quadratic merge
// loop on the stack; longer ones use a heap.
const smallBPE = 64

// maxPiece is the longest stretch of bytes that BPE encodes as one: a longer
// pre-token (only runs of one character class get that long: a megabyte of
// spaces, of zero bytes, of "=") is cut, at character boundaries, into pieces
// of at most this length that are encoded separately. The tokenizers library
// does not cut, so its ids can differ on such pre-tokens; memory and time stay
// linear in the input here.
const maxPiece = 1 << 16

// pairKey packs two token ids into a key of the merge table.
func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// pair returns the rank of the merge of a and b and the id of its result, or
// noRank.
func (t *Tokenizer) pair(a, b int32) (rank uint32, id int32) {
	v, ok := t.merges[pairKey(a, b)]
	if !ok {
		return noRank, -1
	}
	return uint32(v >> 32), int32(uint32(v))
}

// appendPiece appends the ids of one pre-token.
func (t *Tokenizer) appendPiece(dst []int32, piece []byte) []int32 {
	if len(piece) == 1 {
		return append(dst, t.byteID[piece[0]])
	}
	if len(piece) == 2 && !t.ignoreMerges {
		// One look at the merge table costs less than one at the cache.
		a, b := t.byteID[piece[0]], t.byteID[piece[1]]
		if r, id := t.pair(a, b); r != noRank {
			return append(dst, id)
		}
		return append(dst, a, b)
	}
	if len(piece) > cacheMaxKey || t.noCache {
		return t.appendLong(dst, piece)
	}
	h := t.cache.hash(piece)
	s := t.cache.shard(h)
	if ids, ok := s.get(piece); ok {
		return append(dst, ids...)
	}
	n := len(dst)
	dst = t.appendBPE(dst, piece)
	if t.cache.admit(h) {
		s.put(piece, dst[n:])
	}
	return dst
}

// appendLong encodes a pre-token too long for the cache, cutting it into
// pieces of at most maxPiece bytes.
func (t *Tokenizer) appendLong(dst []int32, piece []byte) []int32 {
	for len(piece) > maxPiece {
		cut := maxPiece
		for k := 0; k < utf8.UTFMax-1 && !utf8.RuneStart(piece[cut]); k++ {
			cut--
		}
		dst = t.appendBPE(dst, piece[:cut])
		piece = piece[cut:]
	}
	return t.appendBPE(dst, piece)
}

// appendBPE applies the merges to one piece, lowest rank first and, among
// equal ranks, leftmost first (the tokenizers library's order).
func (t *Tokenizer) appendBPE(dst []int32, piece []byte) []int32 {
	if t.ignoreMerges {
		if id, ok := t.rawVocab[string(piece)]; ok {
			return append(dst, id)
		}
	}
	if len(piece) <= smallBPE {
		return t.bpeSmall(dst, piece)
	}
	return t.bpeHeap(dst, piece)
}

// bpeSmall is the merge loop for short pieces of bytes.
func (t *Tokenizer) bpeSmall(dst []int32, piece []byte) []int32 {
	var ids [smallBPE]int32
	for i, c := range piece {
		ids[i] = t.byteID[c]
	}
	return t.mergeSmall(dst, &ids, len(piece))
}

// mergeSmall merges the n symbols of ids (n <= smallBPE) and appends the
// result: the rank of each adjacent pair is kept in an array that is
// scanned for its minimum after every merge.
func (t *Tokenizer) mergeSmall(dst []int32, ids *[smallBPE]int32, n int) []int32 {
	var (
		ranks [smallBPE]uint32 // ranks[i]: merge of ids[i] and ids[i+1]
		res   [smallBPE]int32  // res[i]: id of that merge
	)
	for i := 0; i+1 < n; i++ {
		ranks[i], res[i] = t.pair(ids[i], ids[i+1])
	}
	for n > 1 {
		best, br := -1, uint32(noRank)
		for i := 0; i+1 < n; i++ {
			if ranks[i] < br {
				best, br = i, ranks[i]
			}
		}
		if best < 0 {
			break
		}
		ids[best] = res[best]
		// Remove ids[best+1] and the pair that started there.
		copy(ids[best+1:n-1], ids[best+2:n])
		if best+2 < n {
			copy(ranks[best+1:n-2], ranks[best+2:n-1])
			copy(res[best+1:n-2], res[best+2:n-1])
		}
		n--
		if best > 0 {
			ranks[best-1], res[best-1] = t.pair(ids[best-1], ids[best])
		}
		if best+1 < n {
			ranks[best], res[best] = t.pair(ids[best], ids[best+1])
		}
	}
	return append(dst, ids[:n]...)
}

// mergeCand is a possible merge of the symbols at pos and its right
// neighbour, valid while their ids are still left and right.
type mergeCand struct {
	rank        uint32
	pos         int32
	left, right int32
	id          int32
}

func (a mergeCand) less(b mergeCand) bool {
	return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos)
}

type bpeScratch struct {
	ids, next, prev []int32
	lens            []int32 // lengths of unknown characters (symbolize)
	heap            []mergeCand
}

var scratchPool = sync.Pool{New: func() any { return new(bpeScratch) }}

func grow(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// bpeHeap is the merge loop for long pieces of bytes.
func (t *Tokenizer) bpeHeap(dst []int32, piece []byte) []int32 {
	sc := scratchPool.Get().(*bpeScratch)
	n := len(piece)
	sc.ids = grow(sc.ids, n)
	for i, c := range piece {
		sc.ids[i] = t.byteID[c]
	}
	dst = t.mergeHeap(dst, sc, n)
	scratchPool.Put(sc)
	return dst
}

// mergeHeap merges the n symbols of sc.ids and appends the result: the
// symbols form a linked list and the candidate merges a binary heap, stale
// entries being skipped when they come out (as in the tokenizers library's
// Word::merge_all).
func (t *Tokenizer) mergeHeap(dst []int32, sc *bpeScratch, n int) []int32 {
	if n == 0 {
		return dst
	}
	ids, next, prev := sc.ids[:n], grow(sc.next, n), grow(sc.prev, n)
	h := sc.heap[:0]
	for i := range ids {
		prev[i] = int32(i - 1)
		next[i] = int32(i + 1)
	}
	next[n-1] = -1
	push := func(p int32) {
		q := next[p]
		r, id := t.pair(ids[p], ids[q])
		if r == noRank {
			return
		}
		h = append(h, mergeCand{rank: r, pos: p, left: ids[p], right: ids[q], id: id})
		// Sift up.
		for j := len(h) - 1; j > 0; {
			up := (j - 1) / 2
			if !h[j].less(h[up]) {
				break
			}
			h[j], h[up] = h[up], h[j]
			j = up
		}
	}
	for i := 0; i+1 < n; i++ {
		push(int32(i))
	}
	for len(h) > 0 {
		top := h[0]
		last := len(h) - 1
		h[0] = h[last]
		h = h[:last]
		// Sift down.
		for j := 0; ; {
			l := 2*j + 1
			if l >= len(h) {
				break
			}
			m := l
			if r := l + 1; r < len(h) && h[r].less(h[l]) {
				m = r
			}
			if !h[m].less(h[j]) {
				break
			}
			h[j], h[m] = h[m], h[j]
			j = m
		}
		p := top.pos
		if ids[p] != top.left {
			continue // p was merged into its left neighbour or changed
		}
		q := next[p]
		if q < 0 || ids[q] != top.right {
			continue
		}
		ids[p] = top.id
		ids[q] = -1
		nq := next[q]
		next[p] = nq
		if nq >= 0 {
			prev[nq] = p
			push(p)
		}
		if pp := prev[p]; pp >= 0 {
			push(pp)
		}
	}
	for i := int32(0); i >= 0; i = next[i] {
		dst = append(dst, ids[i])
	}
	sc.next, sc.prev, sc.heap = next, prev, h[:0]
	return dst
}
