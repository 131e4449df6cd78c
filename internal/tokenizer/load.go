package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// jsonTokenizer is the part of a Hugging Face tokenizer.json that Load reads.
// "truncation" and "padding" are ignored: they shape batches of encodings,
// not the tokenization of a text.
type jsonTokenizer struct {
	AddedTokens   []jsonAddedToken `json:"added_tokens"`
	Normalizer    json.RawMessage  `json:"normalizer"`
	PreTokenizer  json.RawMessage  `json:"pre_tokenizer"`
	PostProcessor json.RawMessage  `json:"post_processor"`
	Decoder       json.RawMessage  `json:"decoder"`
	Model         *jsonModel       `json:"model"`
}

type jsonAddedToken struct {
	ID         *int32 `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized *bool  `json:"normalized"`
	Special    bool   `json:"special"`
}

type jsonModel struct {
	Type                    *string          `json:"type"`
	Dropout                 *float64         `json:"dropout"`
	UnkToken                *string          `json:"unk_token"`
	ContinuingSubwordPrefix *string          `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string          `json:"end_of_word_suffix"`
	FuseUnk                 bool             `json:"fuse_unk"`
	ByteFallback            bool             `json:"byte_fallback"`
	IgnoreMerges            bool             `json:"ignore_merges"`
	Vocab                   map[string]int32 `json:"vocab"`
	Merges                  []jsonMerge      `json:"merges"`
}

// jsonMerge is one merge, written either as "a b" (older files) or as
// ["a", "b"] (tokenizers 0.20 and later).
type jsonMerge struct{ a, b string }

func (m *jsonMerge) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if m.fast(data) {
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		a, b, ok := strings.Cut(s, " ")
		if !ok {
			return fmt.Errorf("merge %q is not two tokens separated by a space", s)
		}
		m.a, m.b = a, b
		return nil
	}
	var pair []string
	if err := json.Unmarshal(data, &pair); err != nil {
		return fmt.Errorf("merge %s is neither a string nor a pair of strings", truncate(data))
	}
	if len(pair) != 2 {
		return fmt.Errorf("merge %s does not have two tokens", truncate(data))
	}
	m.a, m.b = pair[0], pair[1]
	return nil
}

// fast parses the common forms ["a","b"] and "a b" without escapes, which
// is most of the time spent loading a tokenizer. data is valid JSON (the
// decoder has checked the whole document). It reports false, leaving the
// work to encoding/json, for anything else.
func (m *jsonMerge) fast(data []byte) bool {
	if len(data) < 2 || bytes.IndexByte(data, '\\') >= 0 || !utf8.Valid(data) {
		return false
	}
	if data[0] == '"' {
		a, b, ok := strings.Cut(string(data[1:len(data)-1]), " ")
		if !ok {
			return false
		}
		m.a, m.b = a, b
		return true
	}
	if data[0] != '[' || bytes.Count(data, []byte{'"'}) != 4 {
		return false
	}
	q0 := bytes.IndexByte(data, '"')
	q1 := q0 + 1 + bytes.IndexByte(data[q0+1:], '"')
	q2 := q1 + 1 + bytes.IndexByte(data[q1+1:], '"')
	q3 := q2 + 1 + bytes.IndexByte(data[q2+1:], '"')
	if string(bytes.TrimSpace(data[1:q0])) != "" || string(bytes.TrimSpace(data[q1+1:q2])) != "," ||
		string(bytes.TrimSpace(data[q3+1:])) != "]" {
		return false
	}
	m.a, m.b = string(data[q0+1:q1]), string(data[q2+1:q3])
	return true
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// typeOf returns the "type" field of a JSON object.
func typeOf(raw json.RawMessage) (string, error) {
	var v struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	return v.Type, nil
}

// Load parses a Hugging Face tokenizer.json: a BPE model with the ByteLevel
// pre-tokenizer (GPT-2's regular expression, add_prefix_space false or true),
// merges written as strings or as pairs, added tokens, ignore_merges, no
// normalizer, and a ByteLevel decoder and post-processor or none.
//
// It returns an error, never panics, for anything else: other models,
// normalizers or pre-tokenizers, BPE dropout, subword prefixes or suffixes,
// added tokens with single_word, lstrip or rstrip, a vocabulary without one
// of the 256 byte-level symbols, merges whose parts or result are not in the
// vocabulary, two tokens with the same id. Load also checks that every merge
// result decodes to the bytes of its two parts, so that Decode(Encode(b))
// gives back b for every b.
func Load(tokenizerJSON []byte) (*Tokenizer, error) {
	var f jsonTokenizer
	if err := json.Unmarshal(tokenizerJSON, &f); err != nil {
		return nil, fmt.Errorf("tokenizer: parsing tokenizer.json: %w", err)
	}
	if !isNull(f.Normalizer) {
		typ, _ := typeOf(f.Normalizer)
		return nil, fmt.Errorf("tokenizer: normalizer %q is not supported (only none)", typ)
	}
	for _, part := range []struct {
		name string
		raw  json.RawMessage
	}{{"post_processor", f.PostProcessor}, {"decoder", f.Decoder}} {
		if isNull(part.raw) {
			continue
		}
		typ, err := typeOf(part.raw)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %w", part.name, err)
		}
		if typ != "ByteLevel" {
			return nil, fmt.Errorf("tokenizer: %s %q is not supported (only ByteLevel or none)", part.name, typ)
		}
	}
	split, prefixSpace, err := newSplitter(f.PreTokenizer)
	if err != nil {
		return nil, err
	}
	m := f.Model
	if m == nil {
		return nil, fmt.Errorf("tokenizer: no model")
	}
	if m.Type == nil {
		if m.Merges == nil {
			return nil, fmt.Errorf("tokenizer: model has neither a type nor merges")
		}
	} else if *m.Type != "BPE" {
		return nil, fmt.Errorf("tokenizer: model type %q is not supported (only BPE)", *m.Type)
	}
	if m.Dropout != nil && *m.Dropout != 0 {
		return nil, fmt.Errorf("tokenizer: BPE dropout %g is not supported", *m.Dropout)
	}
	if m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "" {
		return nil, fmt.Errorf("tokenizer: BPE continuing_subword_prefix %q is not supported", *m.ContinuingSubwordPrefix)
	}
	if m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "" {
		return nil, fmt.Errorf("tokenizer: BPE end_of_word_suffix %q is not supported", *m.EndOfWordSuffix)
	}
	if len(m.Vocab) == 0 {
		return nil, fmt.Errorf("tokenizer: empty vocabulary")
	}

	// Ids: dense enough that a table indexed by id stays proportional to
	// the file.
	// The loops over the vocabulary map do not stop at the first error,
	// whose place would depend on the map's random order: the error is the
	// same on every run, and so is the code coverage that fuzzing sees.
	maxID := int32(-1)
	negative := false
	negToken := ""
	for s, id := range m.Vocab {
		if id < 0 {
			if !negative || s < negToken {
				negative, negToken = true, s
			}
			continue
		}
		maxID = max(maxID, id)
	}
	if negative {
		return nil, fmt.Errorf("tokenizer: token %q has negative id %d", negToken, m.Vocab[negToken])
	}
	for _, a := range f.AddedTokens {
		if a.ID == nil || *a.ID < 0 {
			return nil, fmt.Errorf("tokenizer: added token %q has no valid id", a.Content)
		}
		maxID = max(maxID, *a.ID)
	}
	if limit := 2*(len(m.Vocab)+len(f.AddedTokens)) + 1024; int(maxID) >= limit {
		return nil, fmt.Errorf("tokenizer: token id %d is too large for a vocabulary of %d entries", maxID, len(m.Vocab))
	}
	size := int(maxID) + 1

	t := &Tokenizer{
		split:          split,
		addPrefixSpace: prefixSpace,
		ignoreMerges:   m.IgnoreMerges,
		vocabSize:      size,
		addedByContent: make(map[string]int32, len(f.AddedTokens)),
	}
	toks := make([][]byte, size)
	has := make([]bool, size)
	dupID := int32(-1)
	for s, id := range m.Vocab {
		if has[id] {
			if dupID < 0 || id < dupID {
				dupID = id
			}
			continue
		}
		has[id] = true
		toks[id], _ = byteLevelDecode(s)
	}
	if dupID >= 0 {
		return nil, fmt.Errorf("tokenizer: several tokens have the id %d", dupID)
	}

	// Added tokens: matched in the raw text by EncodeWithSpecial, decoded
	// as their content.
	var plain, normalized []addedToken
	for _, a := range f.AddedTokens {
		id := *a.ID
		if a.Content == "" {
			return nil, fmt.Errorf("tokenizer: added token %d has empty content", id)
		}
		if a.SingleWord || a.LStrip || a.RStrip {
			return nil, fmt.Errorf("tokenizer: added token %q: single_word, lstrip and rstrip are not supported", a.Content)
		}
		if prev, dup := t.addedByContent[a.Content]; dup {
			if prev != id {
				return nil, fmt.Errorf("tokenizer: added token %q has two ids, %d and %d", a.Content, prev, id)
			}
			continue
		}
		t.addedByContent[a.Content] = id
		has[id] = true
		toks[id] = []byte(a.Content)
		norm := !a.Special
		if a.Normalized != nil {
			norm = *a.Normalized
		}
		if norm {
			normalized = append(normalized, addedToken{id: id, content: a.Content})
		} else {
			plain = append(plain, addedToken{id: id, content: a.Content})
		}
	}
	t.matchers[0] = newAddedMatcher(plain)
	t.matchers[1] = newAddedMatcher(normalized)

	// The 256 byte symbols: every byte string must be encodable.
	for b := 0; b < 256; b++ {
		s := string(byteToRune[b])
		id, ok := m.Vocab[s]
		if !ok {
			return nil, fmt.Errorf("tokenizer: vocabulary lacks the byte-level symbol %q for byte 0x%02x", s, b)
		}
		if tb := toks[id]; len(tb) != 1 || tb[0] != byte(b) {
			return nil, fmt.Errorf("tokenizer: token %d for byte 0x%02x decodes to %q", id, b, tb)
		}
		t.byteID[b] = id
	}

	// Merges: a later duplicate of a pair replaces the earlier one, as in
	// the tokenizers library (it collects them into a hash map).
	t.merges = make(map[uint64]uint64, len(m.Merges))
	for rank, mg := range m.Merges {
		a, okA := m.Vocab[mg.a]
		b, okB := m.Vocab[mg.b]
		c, okC := m.Vocab[mg.a+mg.b]
		if !okA || !okB || !okC {
			return nil, fmt.Errorf("tokenizer: merge %d (%q %q): token not in the vocabulary", rank, mg.a, mg.b)
		}
		ta, tb, tc := toks[a], toks[b], toks[c]
		if len(tc) != len(ta)+len(tb) || !bytes.HasPrefix(tc, ta) || !bytes.HasSuffix(tc, tb) {
			return nil, fmt.Errorf("tokenizer: merge %d (%q %q): result %d does not decode to the bytes of its parts", rank, mg.a, mg.b, c)
		}
		t.merges[pairKey(a, b)] = uint64(rank)<<32 | uint64(uint32(c))
	}

	if t.ignoreMerges {
		// A pre-token that is itself in the vocabulary is encoded as that
		// token without merging.
		t.rawVocab = make(map[string]int32, len(m.Vocab))
		for s, id := range m.Vocab {
			if b, ok := byteLevelDecode(s); ok && bytes.Equal(b, toks[id]) {
				t.rawVocab[string(b)] = id
			}
		}
	}

	// One block of bytes for all tokens.
	total := 0
	for _, b := range toks {
		total += len(b)
	}
	t.tokData = make([]byte, 0, total)
	t.tokOff = make([]uint32, size+1)
	for id, b := range toks {
		t.tokData = append(t.tokData, b...)
		t.tokOff[id+1] = uint32(len(t.tokData))
	}
	t.tokOK = has
	t.cache.init()
	return t, nil
}
