package tokenizer

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// The piece cache maps a pre-token's bytes to its token ids. Text repeats the
// same words over and over, so after a few kilobytes nearly every pre-token
// is found here and BPE runs only on new ones.
//
// The cache is split into shards. Each shard has a read map, never changed
// once published and read without any lock, and a dirty map of newer
// entries behind a mutex (the scheme of sync.Map); when the dirty map has
// grown to half the read map, or has answered as many lookups as it has
// entries and as an eighth of the read map has (at least promoteMin in both
// cases), the two are merged into a new read map: each entry is copied a
// bounded number of times on average.
// Goroutines encoding at the same time thus share the cache without writing
// to shared memory on a hit. A shard whose maps together exceed
// cacheShardCap entries drops its read map, which bounds memory on text
// with few repeats.
//
// A pre-token enters the cache only when it is seen a second time (a
// "doorkeeper": a table of the hashes of recent pre-tokens). On text that
// rarely repeats, random bytes for instance, the maps then stay small and
// quick to miss, instead of filling with pieces never seen again: encoding
// such text with the cache is about as fast as without it.
const (
	cacheShards   = 64
	cacheShardCap = 4096 // entries per shard
	cacheMaxKey   = 128  // longer pre-tokens are not cached
	promoteMin    = 32
	seenSize      = 1 << 15 // entries of the doorkeeper table
)

type cacheShard struct {
	read   atomic.Pointer[map[string][]int32]
	mu     sync.Mutex
	dirty  map[string][]int32
	misses int      // lookups answered by dirty since the last promotion
	_      [32]byte // keep shards on separate cache lines
}

type pieceCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
	seen   [seenSize]atomic.Uint64 // hashes of pre-tokens seen once
}

func (c *pieceCache) init() {
	c.seed = maphash.MakeSeed()
	for i := range c.seen {
		c.seen[i].Store(0)
	}
	for i := range c.shards {
		s := &c.shards[i]
		empty := map[string][]int32{}
		s.read.Store(&empty)
		s.dirty = make(map[string][]int32)
	}
}

// hash returns the hash of piece that picks its shard and its doorkeeper
// slot.
func (c *pieceCache) hash(piece []byte) uint64 { return maphash.Bytes(c.seed, piece) }

func (c *pieceCache) shard(h uint64) *cacheShard { return &c.shards[h%cacheShards] }

// admit reports whether a pre-token of hash h that is not in the cache has
// been seen recently, and records it as seen. Goroutines may race on a slot:
// the worst outcome is a pre-token admitted or turned away once too often.
func (c *pieceCache) admit(h uint64) bool {
	slot := &c.seen[(h/cacheShards)%seenSize]
	if slot.Load() == h {
		return true
	}
	slot.Store(h)
	return false
}

// get returns the cached ids of piece. The returned slice must not be
// modified.
func (s *cacheShard) get(piece []byte) ([]int32, bool) {
	if ids, ok := (*s.read.Load())[string(piece)]; ok {
		return ids, true
	}
	s.mu.Lock()
	ids, ok := s.dirty[string(piece)]
	if ok {
		s.misses++
		if s.misses >= max(len(s.dirty), len(*s.read.Load())/8, promoteMin) {
			s.promote()
		}
	}
	s.mu.Unlock()
	return ids, ok
}

// put stores a copy of ids as the encoding of piece.
func (s *cacheShard) put(piece []byte, ids []int32) {
	v := make([]int32, len(ids))
	copy(v, ids)
	k := string(piece)
	s.mu.Lock()
	defer s.mu.Unlock()
	read := *s.read.Load()
	if _, ok := read[k]; ok {
		return
	}
	s.dirty[k] = v
	if len(s.dirty) >= max(promoteMin, len(read)/2) {
		s.promote()
	}
}

// promote merges the dirty map into a new read map; s.mu is held.
func (s *cacheShard) promote() {
	read := *s.read.Load()
	var next map[string][]int32
	if len(read)+len(s.dirty) > cacheShardCap {
		next = s.dirty
	} else {
		next = make(map[string][]int32, len(read)+len(s.dirty))
		for k, v := range read {
			next[k] = v
		}
		for k, v := range s.dirty {
			next[k] = v
		}
	}
	s.read.Store(&next)
	s.dirty = make(map[string][]int32)
	s.misses = 0
}
