// Package primer holds texts that many files carry word for word (a
// licence, a header) and that the adaptive models of a compression level
// learn before the file, so that the file's own copy of them costs little:
// a dictionary, as zstd's and brotli's, but for a token coder's match and
// n-gram models. The language model itself never sees a primer.
//
// An archive records the primer it used by its ID; a writer picks one by
// how much of it the start of its input shares (Choose). A primer's text
// and tokens must never change: archives depend on every byte. A new text
// is a new primer with a new ID.
package primer

import (
	_ "embed"
	"hash/maphash"
	"sync"
)

// Primer is a built-in text.
type Primer struct {
	// ID is what an archive records (1, 2, ...).
	ID int
	// Name is how the tools show it.
	Name string
	// Text is the primer, UTF-8 with line feeds (the writer's filter turns
	// CRLF into LF before the models see a file).
	Text []byte

	once  sync.Once
	index map[uint64]struct{} // hashes of every window of Text
}

//go:embed gutenberg.txt
var gutenberg []byte

// The primers, by ID. gutenberg.txt is built by scripts/primer.sh: Project
// Gutenberg's header and licence, as ebooks carried them from about 2004
// to 2020 and since about 2021, with what is particular to a book cut out.
var primers = []*Primer{
	{ID: 1, Name: "gutenberg", Text: gutenberg},
}

// Lookup returns the primer with the given ID.
func Lookup(id int) (*Primer, bool) {
	for _, p := range primers {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

// All returns the primers.
func All() []*Primer { return append([]*Primer(nil), primers...) }

// window is the length of the runs Shared compares, and step how far apart
// it samples the text's windows: a run of window+step-1 bytes that the text
// shares with the primer always contains a sampled window.
const (
	window = 32
	step   = 16
)

// MinShared is how many bytes of its input a writer's input must share
// with a primer (as Shared counts) for Choose to pick it: about half of
// the shorter of Project Gutenberg's two header paragraphs, so that the
// header alone is enough when the licence is past the first chunk.
const MinShared = 192

var seed = maphash.MakeSeed()

func (p *Primer) windows() map[uint64]struct{} {
	p.once.Do(func() {
		p.index = make(map[uint64]struct{}, len(p.Text))
		for i := 0; i+window <= len(p.Text); i++ {
			p.index[maphash.Bytes(seed, p.Text[i:i+window])] = struct{}{}
		}
	})
	return p.index
}

// Shared estimates how many bytes of text also occur in the primer: step
// bytes for every window of text, at a multiple of step, that occurs
// anywhere in the primer. It only guides a writer's choice; archives do
// not depend on it.
func (p *Primer) Shared(text []byte) int {
	idx := p.windows()
	n := 0
	for i := 0; i+window <= len(text); i += step {
		if _, ok := idx[maphash.Bytes(seed, text[i:i+window])]; ok {
			n += step
		}
	}
	return n
}

// Choose returns the primer that shares the most with text, if that is at
// least MinShared bytes, or nil.
func Choose(text []byte) *Primer {
	var best *Primer
	most := MinShared - 1
	for _, p := range primers {
		if n := p.Shared(text); n > most {
			best, most = p, n
		}
	}
	return best
}
