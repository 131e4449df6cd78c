package mix

import "sync/atomic"

// chunked is a table of entries allocated a chunk at a time, when an
// entry of the chunk is first written; the entries of a chunk never
// written are zero. A mixer's tables are large (tens of megabytes) and on
// small inputs mostly untouched: they take memory only where written.
//
// Each chunk carries a version, so that a copy (Mixer.CopyTo, several a
// block: the writer saves the mixer before a block and puts it back when
// another coder wins) copies only the chunks whose contents differ: equal
// versions mean equal contents. Version 0 is a chunk of zeros. A table
// writes a chunk under a version of its own, made at the first write since
// the table last took part in a copy; a copy, from the table or into it,
// makes its versions shared, so that the next write to any of them makes a
// new one.
type chunked[T any] struct {
	c   []*[chunkSize]T
	ver []uint64
	own uint64 // versions this table made since its last copy are at least own
}

const (
	chunkShift = 8
	chunkSize  = 1 << chunkShift
)

// versions numbers the chunks' versions, across every table (they only
// need to be distinct).
var versions atomic.Uint64

func newChunked[T any](n int) chunked[T] {
	k := (n + chunkSize - 1) / chunkSize
	return chunked[T]{c: make([]*[chunkSize]T, k), ver: make([]uint64, k), own: versions.Load() + 1}
}

// get returns entry i, or nil if its chunk was never written (it is zero).
func (t chunked[T]) get(i int) *T {
	if p := t.c[i>>chunkShift]; p != nil {
		return &p[i&(chunkSize-1)]
	}
	return nil
}

// value returns entry i.
func (t chunked[T]) value(i int) T {
	if p := t.get(i); p != nil {
		return *p
	}
	var zero T
	return zero
}

// at returns entry i for writing.
func (t *chunked[T]) at(i int) *T {
	k := i >> chunkShift
	p := t.c[k]
	if p == nil {
		p = new([chunkSize]T)
		t.c[k] = p
	}
	if t.ver[k] < t.own {
		t.ver[k] = versions.Add(1)
	}
	return &p[i&(chunkSize-1)]
}

// copyFrom makes t a copy of src, reusing t's chunks and copying only
// those whose versions differ.
func (t *chunked[T]) copyFrom(src *chunked[T]) {
	if len(t.c) != len(src.c) {
		t.c = make([]*[chunkSize]T, len(src.c))
		t.ver = make([]uint64, len(src.c))
	}
	for k, p := range src.c {
		if t.ver[k] == src.ver[k] {
			continue
		}
		switch {
		case p != nil:
			if t.c[k] == nil {
				t.c[k] = new([chunkSize]T)
			}
			*t.c[k] = *p
		case t.c[k] != nil:
			*t.c[k] = [chunkSize]T{}
		}
		t.ver[k] = src.ver[k]
	}
	next := versions.Load() + 1
	t.own, src.own = next, next
}
