package mix

import (
	"math/rand/v2"
	"testing"
)

// TestChunkedCopies: tables written at random and copied among each other
// at random (as the writer saves, restores and keeps the best of several
// mixers) always hold what plain arrays given the same writes and copies
// hold, though a copy skips the chunks whose versions match.
func TestChunkedCopies(t *testing.T) {
	const n = 4 * chunkSize
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 60 {
		tables := make([]chunked[uint32], 4)
		plain := make([][]uint32, len(tables))
		for i := range tables {
			tables[i] = newChunked[uint32](n)
			plain[i] = make([]uint32, n)
		}
		for step := range 300 {
			a, b := rng.IntN(len(tables)), rng.IntN(len(tables))
			switch op := rng.IntN(10); {
			case op < 6: // a few writes, often to the same chunks
				for range 1 + rng.IntN(4) {
					i := rng.IntN(n)
					if rng.IntN(2) == 0 {
						i = i%chunkSize + chunkSize*rng.IntN(2)
					}
					v := rng.Uint32()
					*tables[a].at(i) = v
					plain[a][i] = v
				}
			case op < 9:
				if a != b {
					tables[a].copyFrom(&tables[b])
					copy(plain[a], plain[b])
				}
			case a != b: // a new table (a new snapshot), as Clone makes
				tables[a] = chunked[uint32]{}
				tables[a].copyFrom(&tables[b])
				copy(plain[a], plain[b])
			}
			for _, i := range []int{a, b} {
				for j := range n {
					if got := tables[i].value(j); got != plain[i][j] {
						t.Fatalf("trial %d step %d: table %d entry %d is %d, want %d", trial, step, i, j, got, plain[i][j])
					}
				}
			}
		}
	}
}

// TestChunkedCopiesSkipUnchanged: copying back and forth after a few
// writes copies only the chunks written, not the whole table.
func TestChunkedCopiesSkipUnchanged(t *testing.T) {
	const n = 64 * chunkSize
	live := newChunked[uint64](n)
	for i := range n {
		*live.at(i) = uint64(i) + 1
	}
	var snap chunked[uint64]
	snap.copyFrom(&live)
	*live.at(5) = 0 // chunk 0 changes
	// A copy that skips unchanged chunks leaves a planted difference in
	// chunk 1 alone: the versions say chunk 1 is already equal.
	snap.c[1][0] = 7
	live.copyFrom(&snap)
	if live.value(5) != 6 {
		t.Fatalf("restored entry 5 is %d, want 6", live.value(5))
	}
	if live.value(chunkSize) != chunkSize+1 {
		t.Fatalf("chunk 1 was copied although its version did not change")
	}
}
