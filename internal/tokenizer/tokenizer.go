// Package tokenizer implements Hugging Face byte-level BPE tokenizers (GPT-2
// and the lmzip models' tokenizer) in pure Go, reading their tokenizer.json.
//
// Encode is the tokenization used for compression: it accepts any byte
// string, valid UTF-8 or not, treats all of it as plain text, and Decode
// gives back exactly the same bytes. On valid UTF-8 its ids are those of the
// tokenizers library (Rust) for text without added tokens and without
// add_prefix_space. EncodeWithSpecial is the library's default encode,
// which also turns added tokens such as "<|endoftext|>" found in the text
// into their ids.
//
// Choices where the library gives no answer or is not followed:
//   - Bytes that are not valid UTF-8 (the library only takes strings) are
//     each one character of the class of punctuation and symbols for the
//     pre-tokenizer, and are encoded with the byte tokens.
//   - A pre-token longer than 64 KiB (a long run of one character class,
//     such as a megabyte of spaces or of zero bytes) is encoded in pieces of
//     at most 64 KiB cut at character boundaries, to keep memory linear.
//   - Decode skips ids that are not tokens; DecodeChecked reports them.
//
// Pipeline: a splitter (the pre-tokenizer's regular expression written by
// hand, see pretokenize.go) cuts the text into pre-tokens; each is mapped
// to byte tokens and merged by rank (bpe.go), with a cache of the ids of
// recent pre-tokens (cache.go). Other pre-tokenizers (Llama 3's or Qwen 2's
// Split patterns) would be new splitters; SentencePiece-style models would
// be a new model beside the byte-level BPE.
//
// A Tokenizer is safe for concurrent use by multiple goroutines: it is not
// changed after Load except for the cache, whose hits take no lock.
package tokenizer

import (
	"fmt"
)

// Tokenizer is a byte-level BPE tokenizer loaded from a tokenizer.json. Use
// Load to make one; the zero value is not usable. Its methods may be called
// from several goroutines at once.
type Tokenizer struct {
	split          splitter
	addPrefixSpace bool
	ignoreMerges   bool
	vocabSize      int

	byteID   [256]int32        // token of each single byte
	merges   map[uint64]uint64 // pairKey(a, b) -> rank<<32 | result id
	rawVocab map[string]int32  // token bytes -> id, with ignore_merges only

	tokData []byte   // bytes of all tokens, by id
	tokOff  []uint32 // token id's bytes are tokData[tokOff[id]:tokOff[id+1]]
	tokOK   []bool   // whether id is a token

	addedByContent map[string]int32
	// matchers[0] finds the added tokens with normalized false, which the
	// tokenizers library extracts first; matchers[1] those with normalized
	// true, in the text between the first ones. nil when there are none.
	matchers [2]*addedMatcher

	cache   pieceCache
	noCache bool // set by tests only: fuzzing needs runs that do not depend on earlier ones
}

// VocabSize returns the number of token ids: one more than the largest id of
// the vocabulary and the added tokens.
func (t *Tokenizer) VocabSize() int { return t.vocabSize }

// TokenBytes returns the bytes that token id stands for (the content of an
// added token), or nil when id is not a token. The result must not be
// modified.
func (t *Tokenizer) TokenBytes(id int32) []byte {
	if id < 0 || int(id) >= t.vocabSize || !t.tokOK[id] {
		return nil
	}
	lo, hi := t.tokOff[id], t.tokOff[id+1]
	return t.tokData[lo:hi:hi]
}

// TokenID returns the id of the added token (special token) whose content is
// content, such as "<|endoftext|>". Ordinary vocabulary entries are not
// looked up.
func (t *Tokenizer) TokenID(content string) (int32, bool) {
	id, ok := t.addedByContent[content]
	return id, ok
}

// EndOfText returns the id of the added token "<|endoftext|>" (50256 for
// GPT-2, 0 for the lmzip models), if the tokenizer has one.
func (t *Tokenizer) EndOfText() (int32, bool) { return t.TokenID("<|endoftext|>") }

// Encode returns the token ids of text, which may be any byte string. All of
// text is plain text: an added token's content in it (a literal
// "<|endoftext|>") is encoded like other text, never as the added token's id.
//
// Encode never adds a space in front of the text, even when the
// pre-tokenizer has add_prefix_space: the space could not be told apart from
// one in the text, and Decode(Encode(text)) must give text back. Bytes that
// are not valid UTF-8 are characters of their own, of the class of
// punctuation and symbols (see gpt2Splitter); they are encoded with the
// byte-level tokens.
func (t *Tokenizer) Encode(text []byte) []int32 {
	return t.AppendEncode(make([]int32, 0, len(text)/3+1), text)
}

// AppendEncode appends the token ids of text to dst, as Encode, and returns
// the extended slice.
func (t *Tokenizer) AppendEncode(dst []int32, text []byte) []int32 {
	for len(text) > 0 {
		n := t.split.next(text)
		dst = t.appendPiece(dst, text[:n])
		text = text[n:]
	}
	return dst
}

// EncodeWithSpecial returns the token ids of text as the tokenizers library's
// encode does by default: the added tokens found in the text (special or
// not, leftmost and then longest first, those with normalized false before
// the others) become their ids, and the text between them is pre-tokenized
// and encoded separately, each stretch with a space in front when the
// pre-tokenizer has add_prefix_space and the stretch does not start with a
// space. Decode of the result gives back text, with those added spaces.
func (t *Tokenizer) EncodeWithSpecial(text []byte) []int32 {
	return t.appendWithSpecial(make([]int32, 0, len(text)/3+1), text, 0)
}

func (t *Tokenizer) appendWithSpecial(dst []int32, text []byte, pass int) []int32 {
	if len(text) == 0 {
		return dst
	}
	if pass == len(t.matchers) {
		if t.addPrefixSpace && text[0] != ' ' {
			buf := make([]byte, 0, len(text)+1)
			buf = append(append(buf, ' '), text...)
			return t.AppendEncode(dst, buf)
		}
		return t.AppendEncode(dst, text)
	}
	m := t.matchers[pass]
	if m == nil {
		return t.appendWithSpecial(dst, text, pass+1)
	}
	for len(text) > 0 {
		start, end, id := m.find(text)
		if start < 0 {
			break
		}
		dst = t.appendWithSpecial(dst, text[:start], pass+1)
		dst = append(dst, id)
		text = text[end:]
	}
	return t.appendWithSpecial(dst, text, pass+1)
}

// Decode returns the bytes of the tokens ids, concatenated. Ids that are not
// tokens (negative, not below VocabSize, or unused) are skipped; use
// DecodeChecked to have them reported instead.
func (t *Tokenizer) Decode(ids []int32) []byte {
	return t.AppendDecode(make([]byte, 0, 4*len(ids)), ids)
}

// AppendDecode appends the bytes of the tokens ids to dst, as Decode, and
// returns the extended slice.
func (t *Tokenizer) AppendDecode(dst []byte, ids []int32) []byte {
	for _, id := range ids {
		if id >= 0 && int(id) < t.vocabSize {
			dst = append(dst, t.tokData[t.tokOff[id]:t.tokOff[id+1]]...)
		}
	}
	return dst
}

// DecodeChecked is Decode for ids from an untrusted source: it returns an
// error naming the first id that is not a token.
func (t *Tokenizer) DecodeChecked(ids []int32) ([]byte, error) {
	for i, id := range ids {
		if id < 0 || int(id) >= t.vocabSize || !t.tokOK[id] {
			return nil, fmt.Errorf("tokenizer: id %d at position %d is not a token (vocabulary size %d)", id, i, t.vocabSize)
		}
	}
	return t.Decode(ids), nil
}
