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

// normalizerInfo is what the supported normalizers do.
type normalizerInfo struct {
	prepend      bool // Prepend "▁"
	replaceSpace bool // Replace " " by "▁"
}

// parseNormalizer reads a "normalizer" object. Supported: none, NFC
// (accepted and not applied, see the package comment), Prepend "▁",
// Replace " " by "▁", and Sequence of these.
func parseNormalizer(raw json.RawMessage, depth int) (normalizerInfo, error) {
	var info normalizerInfo
	if isNull(raw) {
		return info, nil
	}
	if depth > maxPreTokenizerDepth {
		return info, fmt.Errorf("normalizer sequences nested too deeply")
	}
	var n struct {
		Type        string            `json:"type"`
		Prepend     string            `json:"prepend"`
		Pattern     *patternJSON      `json:"pattern"`
		Content     string            `json:"content"`
		Normalizers []json.RawMessage `json:"normalizers"`
	}
	if err := json.Unmarshal(raw, &n); err != nil {
		return info, err
	}
	switch n.Type {
	case "NFC":
	case "Prepend":
		if n.Prepend != metaspace {
			return info, fmt.Errorf("a Prepend of %q is not supported (only %q)", n.Prepend, metaspace)
		}
		info.prepend = true
	case "Replace":
		if n.Pattern == nil || n.Pattern.String == nil || *n.Pattern.String != " " || n.Content != metaspace {
			return info, fmt.Errorf("a Replace is only supported from \" \" to %q", metaspace)
		}
		info.replaceSpace = true
	case "Sequence":
		for _, sub := range n.Normalizers {
			si, err := parseNormalizer(sub, depth+1)
			if err != nil {
				return info, err
			}
			info.prepend = info.prepend || si.prepend
			info.replaceSpace = info.replaceSpace || si.replaceSpace
		}
	default:
		return info, fmt.Errorf("%q is not supported (NFC, Prepend, Replace, Sequence)", n.Type)
	}
	return info, nil
}

// checkParts checks the types of a decoder or post-processor object,
// Sequences included, against the allowed ones. It reports whether one of
// them is ByteLevel.
func checkParts(raw json.RawMessage, allowed map[string]bool, depth int) (byteLevel bool, err error) {
	if isNull(raw) {
		return false, nil
	}
	if depth > maxPreTokenizerDepth {
		return false, fmt.Errorf("sequences nested too deeply")
	}
	var v struct {
		Type       string            `json:"type"`
		Decoders   []json.RawMessage `json:"decoders"`
		Processors []json.RawMessage `json:"processors"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, err
	}
	if !allowed[v.Type] {
		return false, fmt.Errorf("%q is not supported", v.Type)
	}
	if v.Type == "ByteLevel" {
		byteLevel = true
	}
	for _, sub := range append(v.Decoders, v.Processors...) {
		b, err := checkParts(sub, allowed, depth+1)
		if err != nil {
			return false, err
		}
		byteLevel = byteLevel || b
	}
	return byteLevel, nil
}

var (
	allowedDecoders = map[string]bool{"ByteLevel": true, "Metaspace": true, "ByteFallback": true, "Fuse": true,
		"Strip": true, "Replace": true, "Sequence": true}
	allowedPostProcessors = map[string]bool{"ByteLevel": true, "TemplateProcessing": true, "RobertaProcessing": true,
		"BertProcessing": true, "Sequence": true}
)

// Load parses a Hugging Face tokenizer.json with a BPE model, either
// byte-level (GPT-2 and most BPE families: a ByteLevel pre-tokenizer or
// decoder) or SentencePiece style (Llama 2, Mistral, Phi-3, Gemma: a
// Metaspace pre-tokenizer or a normalizer that replaces spaces by "▁",
// byte_fallback, unk_token). Pre-tokenizers: ByteLevel, Split (Regex or
// String, any behavior but Removed), Digits, Punctuation, Metaspace and
// Sequences of these; normalizers: none, NFC (not applied), Prepend "▁",
// Replace " " by "▁"; merges as strings or pairs; added tokens (lstrip,
// rstrip and single_word apply in EncodeWithSpecial); ignore_merges;
// decoders and post-processors of the types these families use.
//
// It returns an error, never panics, for anything else: other models,
// normalizers or pre-tokenizers, BPE dropout, subword prefixes or suffixes,
// a byte-level vocabulary without one of the 256 byte-level symbols, a
// SentencePiece-style one with byte_fallback but not all 256 byte tokens or
// with neither byte fallback nor an unknown token, merges whose parts or
// result are not in the vocabulary, two tokens with the same id. Load also
// checks that every merge result decodes to the bytes of its two parts, so
// that a token's bytes are those of the text it was made from.
func Load(tokenizerJSON []byte) (*Tokenizer, error) {
	var f jsonTokenizer
	if err := json.Unmarshal(tokenizerJSON, &f); err != nil {
		return nil, fmt.Errorf("tokenizer: parsing tokenizer.json: %w", err)
	}
	norm, err := parseNormalizer(f.Normalizer, 0)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: normalizer: %w", err)
	}
	decByteLevel, err := checkParts(f.Decoder, allowedDecoders, 0)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: decoder: %w", err)
	}
	if _, err := checkParts(f.PostProcessor, allowedPostProcessors, 0); err != nil {
		return nil, fmt.Errorf("tokenizer: post_processor: %w", err)
	}
	pre, err := newPreTokenizer(f.PreTokenizer)
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
	byteLevel := pre.byteLevel || decByteLevel
	sentencePiece := pre.metaspace || norm.replaceSpace || norm.prepend || m.ByteFallback
	if byteLevel && sentencePiece {
		return nil, fmt.Errorf("tokenizer: mixes the byte-level alphabet with SentencePiece's metaspace or byte fallback")
	}
	if !byteLevel && !sentencePiece {
		return nil, fmt.Errorf("tokenizer: neither byte-level (ByteLevel pre-tokenizer or decoder) nor SentencePiece style (Metaspace, byte_fallback)")
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
		ignoreMerges:   m.IgnoreMerges,
		vocabSize:      size,
		addedByContent: make(map[string]int32, len(f.AddedTokens)),
		stages:         pre.stages,
	}
	if byteLevel {
		t.kind = kindByteLevel
		t.addPrefixSpace = pre.addPrefixSpace
	} else {
		t.kind = kindChars
		t.chars.init()
		t.chars.metaspace = pre.metaspace || norm.replaceSpace
		t.chars.fuseUnk = m.FuseUnk
		switch {
		case pre.metaspace:
			t.chars.prepend = pre.prepend
			t.chars.prependIfNoSpace = true
		case norm.prepend:
			t.chars.prepend = "always"
		default:
			t.chars.prepend = "never"
		}
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
		if byteLevel {
			toks[id], _ = byteLevelDecode(s)
		} else {
			toks[id] = t.chars.tokenBytes(s, m.ByteFallback)
		}
	}
	if dupID >= 0 {
		return nil, fmt.Errorf("tokenizer: several tokens have the id %d", dupID)
	}

	// Added tokens: matched in the raw text by EncodeWithSpecial, decoded
	// as their content.
	var plain, normalized, nonSpecial []addedToken
	added := make(map[int32]bool, len(f.AddedTokens))
	for _, a := range f.AddedTokens {
		id := *a.ID
		if a.Content == "" {
			return nil, fmt.Errorf("tokenizer: added token %d has empty content", id)
		}
		if prev, dup := t.addedByContent[a.Content]; dup {
			if prev != id {
				return nil, fmt.Errorf("tokenizer: added token %q has two ids, %d and %d", a.Content, prev, id)
			}
			continue
		}
		t.addedByContent[a.Content] = id
		added[id] = true
		has[id] = true
		toks[id] = []byte(a.Content)
		norm := !a.Special
		if a.Normalized != nil {
			norm = *a.Normalized
		}
		at := addedToken{id: id, content: a.Content, lstrip: a.LStrip, rstrip: a.RStrip, singleWord: a.SingleWord}
		if norm {
			normalized = append(normalized, at)
		} else {
			plain = append(plain, at)
		}
		if !a.Special {
			nonSpecial = append(nonSpecial, addedToken{id: id, content: a.Content, singleWord: a.SingleWord})
		}
	}
	t.matchers[0] = newAddedMatcher(plain)
	t.matchers[1] = newAddedMatcher(normalized)
	t.plain = newAddedMatcher(nonSpecial)

	t.unkID = 0
	if m.UnkToken != nil && *m.UnkToken != "" {
		id, ok := m.Vocab[*m.UnkToken]
		if !ok {
			return nil, fmt.Errorf("tokenizer: unk_token %q is not in the vocabulary", *m.UnkToken)
		}
		t.unkID = id
	}
	if byteLevel {
		// The 256 byte symbols. A vocabulary may lack some (bytes that
		// never occur in UTF-8 text): those bytes become the unknown
		// token, and the tokenizer is not lossless.
		t.complete = true
		for b := 0; b < 256; b++ {
			s := string(byteToRune[b])
			id, ok := m.Vocab[s]
			if !ok {
				t.byteID[b] = -1
				t.complete = false
				continue
			}
			if tb := toks[id]; len(tb) != 1 || tb[0] != byte(b) {
				return nil, fmt.Errorf("tokenizer: token %d for byte 0x%02x decodes to %q", id, b, tb)
			}
			t.byteID[b] = id
		}
	} else {
		for s, id := range m.Vocab {
			if !added[id] {
				t.chars.addSymbol(s, id, m.ByteFallback)
			}
		}
		if err := t.chars.finish(m.ByteFallback); err != nil {
			return nil, err
		}
		t.complete = t.chars.byteFallback
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
		if err := t.addMerge(toks, a, b, c, uint32(rank)); err != nil {
			return nil, fmt.Errorf("tokenizer: merge %d (%q %q): %w", rank, mg.a, mg.b, err)
		}
	}

	if t.ignoreMerges {
		// A pre-token that is itself in the vocabulary is encoded as that
		// token without merging.
		t.rawVocab = make(map[string]int32, len(m.Vocab))
		for s, id := range m.Vocab {
			if added[id] {
				continue
			}
			if byteLevel {
				if b, ok := byteLevelDecode(s); ok && bytes.Equal(b, toks[id]) {
					t.rawVocab[string(b)] = id
				}
			} else if !t.chars.isByteToken(s, m.ByteFallback) && !(t.chars.metaspace && strings.Contains(s, " ")) {
				t.rawVocab[string(toks[id])] = id
			}
		}
	}
	t.finish(toks, has)
	return t, nil
}

// addMerge records that a and b merge into c with the given rank, after
// checking that c's bytes are a's followed by b's.
func (t *Tokenizer) addMerge(toks [][]byte, a, b, c int32, rank uint32) error {
	ta, tb, tc := toks[a], toks[b], toks[c]
	if len(tc) != len(ta)+len(tb) || !bytes.HasPrefix(tc, ta) || !bytes.HasSuffix(tc, tb) {
		return fmt.Errorf("result %d does not decode to the bytes of its parts", c)
	}
	t.merges[pairKey(a, b)] = uint64(rank)<<32 | uint64(uint32(c))
	return nil
}

// finish lays out the tokens' bytes, picks the fast path and readies the
// cache.
func (t *Tokenizer) finish(toks [][]byte, has []bool) {
	total := 0
	for _, b := range toks {
		total += len(b)
	}
	t.tokData = make([]byte, 0, total)
	t.tokOff = make([]uint32, len(toks)+1)
	for id, b := range toks {
		t.tokData = append(t.tokData, b...)
		t.tokOff[id+1] = uint32(len(t.tokData))
	}
	t.tokOK = has
	if t.kind == kindByteLevel && len(t.stages) == 1 {
		t.split = t.stages[0]
	}
	if t.kind == kindChars && len(t.stages) == 0 && t.chars.metaspace && t.wordsIndependent(toks) {
		t.stages = []splitter{spaceRuns{}}
	}
	t.cache.init()
}

// wordsIndependent reports whether no merge result holds a space (a
// metaspace) right after another character, so that spaceRuns may cut
// SentencePiece-style text into words.
func (t *Tokenizer) wordsIndependent(toks [][]byte) bool {
	for _, v := range t.merges {
		tc := toks[int32(uint32(v))]
		for i := 1; i < len(tc); i++ {
			if tc[i] == ' ' && tc[i-1] != ' ' {
				return false
			}
		}
	}
	return true
}
