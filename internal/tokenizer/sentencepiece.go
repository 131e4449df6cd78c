package tokenizer

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SentencePiece-style BPE (Llama 1 and 2, Mistral, TinyLlama, Phi-3,
// Gemma): the vocabulary is written in characters, a space is the
// metaspace "▁", and characters the vocabulary lacks are spelled with the
// byte tokens <0x00>..<0xFF> (byte fallback) or are <unk>. BPE starts from
// the characters of a piece and merges them by rank: the merges' order in a
// tokenizer.json, or the score of the result in a GGUF vocabulary (the
// highest first, the leftmost among equals, as llama.cpp does).
//
// Text is encoded as it is: a space of the text is the metaspace symbol,
// with no normalized copy of the text, so that every token's bytes are a
// stretch of the input. A "▁" that is in the text itself is not a space:
// it is spelled with byte tokens (or is <unk>), so that decoding gives it
// back.

// metaspace is SentencePiece's stand-in for a space.
const metaspace = "▁"

// charModel is the vocabulary of a SentencePiece-style tokenizer.
type charModel struct {
	asciiID      [utf8.RuneSelf]int32 // token of each ASCII character, -1 if none
	charID       map[rune]int32       // token of each other character
	byteTok      [256]int32           // <0xNN> tokens, -1 if none
	byteFallback bool                 // all 256 byte tokens exist
	fuseUnk      bool                 // EncodeWithSpecial fuses runs of <unk>
	metaspace    bool                 // a space is "▁"
	// prepend is where EncodeWithSpecial adds the dummy prefix "▁":
	// "always" (every stretch between added tokens), "first" (the start of
	// the text only) or "never".
	prepend string
	// prependIfNoSpace: the prefix is only added to text that does not
	// start with a space (the Metaspace pre-tokenizer; the Prepend
	// normalizer and llama.cpp add it always).
	prependIfNoSpace bool
}

func (c *charModel) init() {
	for i := range c.asciiID {
		c.asciiID[i] = -1
	}
	for i := range c.byteTok {
		c.byteTok[i] = -1
	}
	c.charID = map[rune]int32{}
}

// symbolize appends the first symbols of piece to sc.ids: a token per
// character, or byte tokens, or -1 for a character the vocabulary cannot
// spell (its length goes to sc.lens).
func (t *Tokenizer) symbolize(sc *bpeScratch, piece []byte) {
	c := &t.chars
	ids, lens := sc.ids[:0], sc.lens[:0]
	for i := 0; i < len(piece); {
		b := piece[i]
		n := 1
		id := int32(-1)
		if b < utf8.RuneSelf {
			id = c.asciiID[b]
		} else {
			r, size := utf8.DecodeRune(piece[i:])
			n = size
			if !(r == utf8.RuneError && size == 1) {
				if v, ok := c.charID[r]; ok {
					id = v
				}
			}
		}
		switch {
		case id >= 0:
			ids = append(ids, id)
		case c.byteFallback:
			for _, b := range piece[i : i+n] {
				ids = append(ids, c.byteTok[b])
			}
		default:
			ids = append(ids, -1)
			lens = append(lens, int32(n))
		}
		i += n
	}
	sc.ids, sc.lens = ids, lens
}

// appendChars encodes one pre-token of a SentencePiece-style vocabulary.
// unk, when not nil, receives the unknown tokens; fuse joins runs of them
// into one (EncodeWithSpecial, with fuse_unk).
func (t *Tokenizer) appendChars(dst []int32, piece []byte, unk *[]unkSpan, fuse bool) []int32 {
	for len(piece) > maxPiece {
		cut := maxPiece
		for k := 0; k < utf8.UTFMax-1 && !utf8.RuneStart(piece[cut]); k++ {
			cut--
		}
		dst = t.appendCharsPiece(dst, piece[:cut], unk, fuse)
		piece = piece[cut:]
	}
	return t.appendCharsPiece(dst, piece, unk, fuse)
}

func (t *Tokenizer) appendCharsPiece(dst []int32, piece []byte, unk *[]unkSpan, fuse bool) []int32 {
	if len(piece) == 0 {
		return dst
	}
	cacheable := len(piece) <= cacheMaxKey && !t.noCache
	var h uint64
	var s *cacheShard
	if cacheable {
		h = t.cache.hash(piece)
		s = t.cache.shard(h)
		if ids, ok := s.get(piece); ok {
			return append(dst, ids...)
		}
	}
	if t.ignoreMerges {
		if id, ok := t.rawVocab[string(piece)]; ok {
			return append(dst, id)
		}
	}
	sc := scratchPool.Get().(*bpeScratch)
	t.symbolize(sc, piece)
	n0 := len(dst)
	if n := len(sc.ids); n <= smallBPE {
		var ids [smallBPE]int32
		copy(ids[:], sc.ids)
		dst = t.mergeSmall(dst, &ids, n)
	} else {
		dst = t.mergeHeap(dst, sc, n)
	}
	if len(sc.lens) == 0 {
		if cacheable && t.cache.admit(h) {
			s.put(piece, dst[n0:])
		}
		scratchPool.Put(sc)
		return dst
	}
	// Unknown characters: merges never take them, so they come out in
	// order.
	lens := sc.lens
	w := n0
	for _, id := range dst[n0:] {
		if id >= 0 {
			dst[w] = id
			w++
			continue
		}
		n := lens[0]
		lens = lens[1:]
		if fuse && t.chars.fuseUnk && w > n0 && dst[w-1] == t.unkID {
			if unk != nil {
				(*unk)[len(*unk)-1].n += n
			}
			continue
		}
		dst[w] = t.unkID
		if unk != nil {
			*unk = append(*unk, unkSpan{w, n})
		}
		w++
	}
	scratchPool.Put(sc)
	return dst[:w]
}

// appendCharsSection encodes a stretch of text between added tokens as
// the tokenizers library and llama.cpp do: with the dummy prefix, and a
// "▁" of the text taken as a space.
func (t *Tokenizer) appendCharsSection(dst []int32, text []byte, first bool) []int32 {
	c := &t.chars
	prefix := c.metaspace && (c.prepend == "always" || c.prepend == "first" && first) &&
		!(c.prependIfNoSpace && (text[0] == ' ' || bytes.HasPrefix(text, []byte(metaspace))))
	if c.metaspace && (prefix || bytes.Contains(text, []byte(metaspace))) {
		buf := make([]byte, 0, len(text)+1)
		if prefix {
			buf = append(buf, ' ')
		}
		text = append(buf, bytes.ReplaceAll(text, []byte(metaspace), []byte{' '})...)
	}
	return t.appendStageFused(dst, text, 0)
}

// appendStageFused is appendStage with runs of <unk> fused, for
// EncodeWithSpecial.
func (t *Tokenizer) appendStageFused(dst []int32, text []byte, stage int) []int32 {
	if stage == len(t.stages) {
		return t.appendChars(dst, text, nil, true)
	}
	sp := t.stages[stage]
	for len(text) > 0 {
		n := sp.next(text)
		dst = t.appendStageFused(dst, text[:n], stage+1)
		text = text[n:]
	}
	return dst
}

// spaceRuns splits SentencePiece-style text into words: a run of spaces
// and the characters up to the next space. When no merge result holds a
// "▁" after another character, no merge can cross such a boundary, and
// BPE on each word gives what BPE on the whole text gives; the words can
// then be cached.
type spaceRuns struct{}

func (spaceRuns) next(text []byte) int {
	i := 0
	for i < len(text) && text[i] == ' ' {
		i++
	}
	for i < len(text) && text[i] != ' ' {
		i++
	}
	return i
}

// isByteToken reports whether s is a byte token "<0xNN>" and which byte.
func isByteToken(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	hi, ok1 := hexDigit(s[3])
	lo, ok2 := hexDigit(s[4])
	return hi<<4 | lo, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func (c *charModel) isByteToken(s string, byteFallback bool) bool {
	_, ok := isByteToken(s)
	return ok && byteFallback
}

// tokenBytes returns the bytes a vocabulary entry stands for: its byte for
// a byte token (with byte fallback), else its text with "▁" a space.
func (c *charModel) tokenBytes(s string, byteFallback bool) []byte {
	if b, ok := isByteToken(s); ok && byteFallback {
		return []byte{b}
	}
	if c.metaspace {
		return []byte(strings.ReplaceAll(s, metaspace, " "))
	}
	return []byte(s)
}

// addSymbol records a vocabulary entry that can start BPE: a byte token or
// a single character.
func (c *charModel) addSymbol(s string, id int32, byteFallback bool) {
	if b, ok := isByteToken(s); ok && byteFallback {
		if c.byteTok[b] < 0 || id < c.byteTok[b] {
			c.byteTok[b] = id
		}
		return
	}
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || r == utf8.RuneError && n <= 1 {
		return
	}
	if r < utf8.RuneSelf {
		c.asciiID[r] = id
	} else {
		c.charID[r] = id
	}
}

// finish checks the byte tokens and sets up the metaspace.
func (c *charModel) finish(byteFallback bool) error {
	if byteFallback {
		for b, id := range c.byteTok {
			if id < 0 {
				return fmt.Errorf("tokenizer: byte_fallback, but the vocabulary lacks the byte token <0x%02X>", b)
			}
		}
		c.byteFallback = true
	}
	if c.metaspace {
		r, _ := utf8.DecodeRuneInString(metaspace)
		id, ok := c.charID[r]
		if !ok {
			id = -1
		}
		c.asciiID[' '] = id
		delete(c.charID, r)
	}
	return nil
}
