// Package tokenizer implements the BPE tokenizers of Hugging Face
// tokenizer.json files and of GGUF files in pure Go: byte-level BPE (GPT-2,
// Llama 3, Qwen 2, Falcon, DeepSeek, StarCoder, the lmzip models) and
// SentencePiece-style BPE over characters (Llama 1 and 2, Mistral,
// TinyLlama, Phi-3, Gemma: "▁" for spaces, <0xNN> byte fallback).
//
// Encode is the tokenization used for compression: it accepts any byte
// string, valid UTF-8 or not, treats all of it as plain text, and adds
// nothing (no dummy prefix, no prefix space, no special tokens). For
// byte-level vocabularies, and SentencePiece-style ones with byte fallback,
// Decode gives back exactly the input. Where a vocabulary cannot spell
// some input (no byte fallback: <unk>), EncodeSpans tells which stretch of
// the input each token stands for, so that a caller can check which parts
// round-trip.
//
// On valid UTF-8 text without added tokens, Encode's ids are those of the
// tokenizers library (Rust) except where this comment says otherwise;
// EncodeWithSpecial is the library's (and llama.cpp's) default encode,
// which also turns added tokens found in the text into their ids and adds
// the prefix space or dummy prefix a vocabulary asks for.
//
// Choices where the library gives no answer or is not followed:
//   - Bytes that are not valid UTF-8 (the library only takes strings) are
//     each one character of the class of punctuation and symbols for the
//     pre-tokenizers, and are encoded with byte tokens.
//   - A pre-token longer than 64 KiB (a long run of one character class,
//     such as a megabyte of spaces or of zero bytes) is encoded in pieces of
//     at most 64 KiB cut at character boundaries, to keep memory linear.
//   - SentencePiece style, in Encode: a space is the metaspace "▁" (as the
//     normalizer makes it), but a "▁" in the text is not (it is spelled
//     with byte tokens, or <unk> without byte fallback), so that decoding
//     gives it back; unknown characters are never fused into one <unk>.
//   - Normalizers are not applied, except the SentencePiece pair above
//     (Prepend "▁", Replace " " by "▁"): an NFC normalizer is accepted and
//     ignored, so ids differ from the library's on text that is not in NFC.
//   - Decode skips ids that are not tokens; DecodeChecked reports them.
//
// Pipeline: pre-tokenizers (splitters, see pretokenize.go) cut the text
// into pre-tokens; each is mapped to its first symbols (bytes for
// byte-level BPE, characters for SentencePiece style) and merged by rank
// (bpe.go), with a cache of the ids of recent pre-tokens (cache.go).
//
// A Tokenizer is safe for concurrent use by multiple goroutines: it is not
// changed after it is made except for the cache, whose hits take no lock.
package tokenizer

import (
	"fmt"
)

// modelKind is the kind of BPE.
type modelKind uint8

const (
	// kindByteLevel: the symbols are bytes, spelled in the byte-level
	// alphabet (GPT-2's bytes_to_unicode).
	kindByteLevel modelKind = iota
	// kindChars: the symbols are characters; unknown ones fall back to
	// byte tokens <0xNN> or <unk> (SentencePiece style).
	kindChars
)

// Tokenizer is a BPE tokenizer. Use Load (tokenizer.json) or FromGGML (GGUF
// metadata) to make one; the zero value is not usable. Its methods may be
// called from several goroutines at once.
type Tokenizer struct {
	kind   modelKind
	stages []splitter // the pre-tokenizers, applied in turn
	// split is stages[0] when a byte-level tokenizer has exactly one
	// stage: the fast path.
	split          splitter
	addPrefixSpace bool
	ignoreMerges   bool
	vocabSize      int

	byteID [256]int32 // token of each single byte (byte level), -1 if none
	// complete: every byte string can be spelled (all 256 byte-level
	// symbols, or byte fallback).
	complete bool
	// unkID is the token for text the vocabulary cannot spell: its unknown
	// token, else 0.
	unkID    int32
	merges   map[uint64]uint64 // pairKey(a, b) -> rank<<32 | result id
	rawVocab map[string]int32  // token bytes -> id, with ignore_merges only

	chars charModel // kindChars only

	tokData []byte   // bytes of all tokens, by id
	tokOff  []uint32 // token id's bytes are tokData[tokOff[id]:tokOff[id+1]]
	tokOK   []bool   // whether id is a token

	addedByContent map[string]int32
	// matchers[0] finds the added tokens with normalized false, which the
	// tokenizers library extracts first; matchers[1] those with normalized
	// true, in the text between the first ones. nil when there are none.
	matchers [2]*addedMatcher
	// plain finds the added tokens that are not special (whitespace runs
	// of GPT-NeoX, GGUF user-defined tokens), which Encode matches too.
	plain *addedMatcher

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

// Lossless reports whether Decode(Encode(b)) == b for every b: true for
// byte-level BPE and for SentencePiece-style vocabularies with byte
// fallback.
func (t *Tokenizer) Lossless() bool { return t.complete }

// UnknownID returns the token that stands for text the vocabulary cannot
// spell: its unknown token, or 0 if it has none.
func (t *Tokenizer) UnknownID() int32 { return t.unkID }

// Encode returns the token ids of text, which may be any byte string. All of
// text is plain text: a special token's content in it (a literal
// "<|endoftext|>") is encoded like other text, never as the special token's
// id. Added tokens that are not special (tokenizer.json's special false,
// GGUF's user-defined tokens: runs of spaces in GPT-NeoX, single characters
// in DeepSeek) are matched as EncodeWithSpecial matches them, except that
// they take no whitespace with them (lstrip, rstrip): a token's bytes are
// always its text.
//
// Encode never adds a space or a dummy prefix in front of the text, even
// when the vocabulary asks for one: the space could not be told apart from
// one in the text, and Decode(Encode(text)) must give text back. Bytes that
// are not valid UTF-8 are characters of their own, of the class of
// punctuation and symbols (see gpt2Splitter); they are encoded with the
// byte tokens.
func (t *Tokenizer) Encode(text []byte) []int32 {
	return t.AppendEncode(make([]int32, 0, len(text)/3+1), text)
}

// AppendEncode appends the token ids of text to dst, as Encode, and returns
// the extended slice.
func (t *Tokenizer) AppendEncode(dst []int32, text []byte) []int32 {
	if t.plain != nil {
		return t.appendPlain(dst, text, nil)
	}
	if t.split != nil && t.complete {
		for len(text) > 0 {
			n := t.split.next(text)
			dst = t.appendPiece(dst, text[:n])
			text = text[n:]
		}
		return dst
	}
	return t.appendStage(dst, text, 0, nil)
}

// EncodeSpans returns the token ids of text, as Encode, and where each
// token's stretch of text ends: token i stands for text[ends[i-1]:ends[i]]
// (from 0 for the first). The stretches cover text in order. A token's
// stretch is its TokenBytes except where the vocabulary cannot spell the
// text (the unknown token, for one character or byte the vocabulary
// lacks), so a stretch is never longer than the longer of TokenBytes(id)
// and 4 bytes. The text of a run of tokens round-trips exactly when their
// TokenBytes, concatenated, equal their stretches of text.
func (t *Tokenizer) EncodeSpans(text []byte) (ids []int32, ends []int) {
	var unk []unkSpan
	ids = make([]int32, 0, len(text)/3+1)
	switch {
	case t.complete:
		ids = t.AppendEncode(ids, text)
	case t.plain != nil:
		ids = t.appendPlain(ids, text, &unk)
	default:
		ids = t.appendStage(ids, text, 0, &unk)
	}
	ends = make([]int, len(ids))
	off := 0
	for i, id := range ids {
		if len(unk) > 0 && unk[0].pos == i {
			off += int(unk[0].n)
			unk = unk[1:]
		} else {
			off += int(t.tokOff[id+1] - t.tokOff[id])
		}
		ends[i] = off
	}
	return ids, ends
}

// appendPlain encodes text with the non-special added tokens matched.
func (t *Tokenizer) appendPlain(dst []int32, text []byte, unk *[]unkSpan) []int32 {
	for len(text) > 0 {
		start, end, id := t.plain.find(text)
		if start < 0 {
			break
		}
		dst = t.appendStage(dst, text[:start], 0, unk)
		dst = append(dst, id)
		text = text[end:]
	}
	return t.appendStage(dst, text, 0, unk)
}

// unkSpan records an unknown token: its position in the output and the
// length of the text it stands for.
type unkSpan struct {
	pos int
	n   int32
}

// appendStage splits text with the pre-tokenizers from stage on and
// encodes the pieces. unk, when not nil, receives the unknown tokens.
func (t *Tokenizer) appendStage(dst []int32, text []byte, stage int, unk *[]unkSpan) []int32 {
	if stage == len(t.stages) {
		if t.kind == kindChars {
			return t.appendChars(dst, text, unk, false)
		}
		n0 := len(dst)
		if len(text) > maxPiece {
			dst = t.appendLong(dst, text)
		} else {
			dst = t.appendPiece(dst, text)
		}
		if !t.complete {
			// Bytes without a symbol are left as -1 by BPE.
			for i := n0; i < len(dst); i++ {
				if dst[i] < 0 {
					dst[i] = t.unkID
					if unk != nil {
						*unk = append(*unk, unkSpan{i, 1})
					}
				}
			}
		}
		return dst
	}
	sp := t.stages[stage]
	for len(text) > 0 {
		n := sp.next(text)
		dst = t.appendStage(dst, text[:n], stage+1, unk)
		text = text[n:]
	}
	return dst
}

// EncodeWithSpecial returns the token ids of text as the tokenizers library's
// encode (and llama.cpp's tokenizer with special tokens parsed) does by
// default: the added tokens found in the text (special or not, leftmost and
// then longest first, those with normalized false before the others)
// become their ids, and the text between them is pre-tokenized and encoded
// separately, each stretch with a space in front when the pre-tokenizer
// has add_prefix_space and the stretch does not start with a space, or with
// the dummy prefix "▁" of SentencePiece-style vocabularies. Decode of the
// result gives back text, with those added spaces.
func (t *Tokenizer) EncodeWithSpecial(text []byte) []int32 {
	return t.appendWithSpecial(make([]int32, 0, len(text)/3+1), text, 0, true)
}

func (t *Tokenizer) appendWithSpecial(dst []int32, text []byte, pass int, first bool) []int32 {
	if len(text) == 0 {
		return dst
	}
	if pass == len(t.matchers) {
		return t.appendSection(dst, text, first)
	}
	m := t.matchers[pass]
	if m == nil {
		return t.appendWithSpecial(dst, text, pass+1, first)
	}
	for len(text) > 0 {
		start, end, id := m.find(text)
		if start < 0 {
			break
		}
		dst = t.appendWithSpecial(dst, text[:start], pass+1, first)
		dst = append(dst, id)
		first = false
		text = text[end:]
	}
	return t.appendWithSpecial(dst, text, pass+1, first)
}

// appendSection encodes text between added tokens as the library does.
func (t *Tokenizer) appendSection(dst []int32, text []byte, first bool) []int32 {
	if t.kind == kindChars {
		return t.appendCharsSection(dst, text, first)
	}
	if t.addPrefixSpace && text[0] != ' ' {
		buf := make([]byte, 0, len(text)+1)
		buf = append(append(buf, ' '), text...)
		return t.AppendEncode(dst, buf)
	}
	return t.AppendEncode(dst, text)
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
