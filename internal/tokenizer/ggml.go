package tokenizer

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// GGMLVocab is a vocabulary as GGUF files store it (the tokenizer.ggml.*
// metadata of llama.cpp).
type GGMLVocab struct {
	// Model is tokenizer.ggml.model: "llama" (SentencePiece-style BPE
	// merged by score) or "gpt2" (byte-level BPE merged by rank).
	Model string
	// Pre is tokenizer.ggml.pre, the pre-tokenizer of a "gpt2" vocabulary
	// ("default" when empty).
	Pre string
	// Tokens, Scores and Types are tokenizer.ggml.tokens, .scores and
	// .token_type, indexed by id. Scores may be nil for "gpt2"; Types nil
	// means all normal.
	Tokens []string
	Scores []float32
	Types  []int32
	// Merges is tokenizer.ggml.merges ("a b", by rank) for "gpt2".
	Merges []string
	// UnknownID is tokenizer.ggml.unknown_token_id, or -1.
	UnknownID int32
	// AddSpacePrefix is tokenizer.ggml.add_space_prefix (nil: absent, which
	// means true for "llama").
	AddSpacePrefix *bool
}

// The token types of llama.cpp (tokenizer.ggml.token_type).
const (
	GGMLNormal      = 1
	GGMLUnknown     = 2
	GGMLControl     = 3
	GGMLUserDefined = 4
	GGMLUnused      = 5
	GGMLByte        = 6
)

// FromGGML builds a tokenizer from a GGUF vocabulary. "llama" vocabularies
// merge as llama.cpp does: a pair of adjacent symbols whose text is a
// normal token merges, the token with the highest score first and the
// leftmost among equal scores; characters without a token are spelled with
// the byte tokens (type 6). "gpt2" vocabularies are byte-level BPE with the
// pre-tokenizer that tokenizer.ggml.pre names. Control and user-defined
// tokens are added tokens: EncodeWithSpecial matches them in the text,
// Encode never does.
func FromGGML(v *GGMLVocab) (*Tokenizer, error) {
	n := len(v.Tokens)
	if n == 0 {
		return nil, fmt.Errorf("tokenizer: GGUF vocabulary has no tokens")
	}
	if n > 1<<24 {
		return nil, fmt.Errorf("tokenizer: GGUF vocabulary of %d tokens is too large", n)
	}
	if v.Types != nil && len(v.Types) != n {
		return nil, fmt.Errorf("tokenizer: %d token types for %d tokens", len(v.Types), n)
	}
	typ := func(id int) int32 {
		if v.Types == nil {
			return GGMLNormal
		}
		return v.Types[id]
	}
	t := &Tokenizer{vocabSize: n, addedByContent: map[string]int32{}}
	toks := make([][]byte, n)
	has := make([]bool, n)
	ids := make(map[string]int32, n) // text of normal tokens -> id
	var added, userDefined []addedToken
	unk := int32(-1)
	switch v.Model {
	case "gpt2":
		t.kind = kindByteLevel
		pre := v.Pre
		if pre == "" {
			pre = "default"
		}
		stages, err := ggmlSplitters(pre)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		t.stages = stages
	case "llama":
		if v.Scores == nil || len(v.Scores) != n {
			return nil, fmt.Errorf("tokenizer: %d scores for %d tokens", len(v.Scores), n)
		}
		t.kind = kindChars
		t.chars.init()
		t.chars.metaspace = true
		t.chars.fuseUnk = true
		t.chars.prepend = "always"
		if v.AddSpacePrefix != nil && !*v.AddSpacePrefix {
			t.chars.prepend = "never"
		}
	default:
		return nil, fmt.Errorf("tokenizer: tokenizer.ggml.model %q is not supported (llama, gpt2)", v.Model)
	}
	byteFallback := t.kind == kindChars
	for id, s := range v.Tokens {
		has[id] = true
		switch ty := typ(id); ty {
		case GGMLNormal:
			if t.kind == kindByteLevel {
				b, ok := byteLevelDecode(s)
				if !ok {
					return nil, fmt.Errorf("tokenizer: token %d %q is not in the byte-level alphabet", id, s)
				}
				toks[id] = b
			} else {
				toks[id] = t.chars.tokenBytes(s, false)
			}
			if _, dup := ids[s]; !dup {
				ids[s] = int32(id)
			}
		case GGMLByte:
			b, ok := isByteToken(s)
			if !ok || t.kind != kindChars {
				return nil, fmt.Errorf("tokenizer: byte token %d %q is not <0xNN> in a llama vocabulary", id, s)
			}
			toks[id] = []byte{b}
			if t.chars.byteTok[b] < 0 {
				t.chars.byteTok[b] = int32(id)
			}
		case GGMLControl, GGMLUserDefined:
			toks[id] = []byte(s)
			if s != "" {
				if _, dup := t.addedByContent[s]; !dup {
					t.addedByContent[s] = int32(id)
					added = append(added, addedToken{id: int32(id), content: s})
					if ty == GGMLUserDefined {
						userDefined = append(userDefined, addedToken{id: int32(id), content: s})
					}
				}
			}
		case GGMLUnknown, GGMLUnused:
			toks[id] = []byte(s)
			if ty == GGMLUnknown && unk < 0 {
				unk = int32(id)
			}
		default:
			return nil, fmt.Errorf("tokenizer: token %d has unknown type %d", id, ty)
		}
	}
	t.matchers[0] = newAddedMatcher(added)
	t.plain = newAddedMatcher(userDefined)
	if v.UnknownID >= 0 && int(v.UnknownID) < n {
		unk = v.UnknownID
	}
	t.unkID = max(unk, 0)
	t.merges = map[uint64]uint64{}
	if t.kind == kindByteLevel {
		t.complete = true
		for b := 0; b < 256; b++ {
			id, ok := ids[string(byteToRune[b])]
			if !ok {
				t.byteID[b] = -1 // the unknown token, see Load
				t.complete = false
				continue
			}
			t.byteID[b] = id
		}
		for rank, m := range v.Merges {
			// The space that separates the parts is the first one after
			// the first character, as llama.cpp reads it.
			k := -1
			if len(m) > 1 {
				k = strings.IndexByte(m[1:], ' ')
			}
			if k < 0 {
				return nil, fmt.Errorf("tokenizer: merge %d %q is not two tokens separated by a space", rank, m)
			}
			l, r := m[:k+1], m[k+2:]
			a, okA := ids[l]
			b, okB := ids[r]
			c, okC := ids[l+r]
			if !okA || !okB || !okC {
				return nil, fmt.Errorf("tokenizer: merge %d %q: token not in the vocabulary", rank, m)
			}
			if err := t.addMerge(toks, a, b, c, uint32(rank)); err != nil {
				return nil, fmt.Errorf("tokenizer: merge %d %q: %w", rank, m, err)
			}
		}
	} else {
		for id, s := range v.Tokens {
			if typ(id) == GGMLNormal && ids[s] == int32(id) {
				t.chars.addSymbol(s, int32(id), false)
			}
		}
		if err := t.chars.finish(byteFallback && t.chars.hasAllBytes()); err != nil {
			return nil, err
		}
		t.complete = t.chars.byteFallback
		if err := t.scoreMerges(v, ids, toks, typ); err != nil {
			return nil, err
		}
	}
	t.finish(toks, has)
	return t, nil
}

func (c *charModel) hasAllBytes() bool {
	for _, id := range c.byteTok {
		if id < 0 {
			return false
		}
	}
	return true
}

// scoreMerges derives the merges of a SentencePiece vocabulary from the
// scores: every split of a normal token's text into two tokens is a merge,
// ranked by the token's score, highest first. Equal scores share a rank,
// so that the leftmost pair merges first among them, as in llama.cpp.
func (t *Tokenizer) scoreMerges(v *GGMLVocab, ids map[string]int32, toks [][]byte, typ func(int) int32) error {
	var scores []float32
	for id, s := range v.Scores {
		if typ(id) == GGMLNormal {
			if math.IsNaN(float64(s)) {
				return fmt.Errorf("tokenizer: token %d has a NaN score", id)
			}
			scores = append(scores, s)
		}
	}
	sort.Slice(scores, func(i, j int) bool { return scores[i] > scores[j] })
	rank := make(map[float32]uint32, len(scores))
	for _, s := range scores {
		if _, ok := rank[s]; !ok {
			rank[s] = uint32(len(rank))
		}
	}
	for id, s := range v.Tokens {
		if typ(id) != GGMLNormal || ids[s] != int32(id) {
			continue
		}
		for k := 1; k < len(s); k++ {
			if !utf8.RuneStart(s[k]) {
				continue
			}
			a, okA := ids[s[:k]]
			b, okB := ids[s[k:]]
			if !okA || !okB {
				continue
			}
			if err := t.addMerge(toks, a, b, int32(id), rank[v.Scores[id]]); err != nil {
				return fmt.Errorf("tokenizer: token %d: %w", id, err)
			}
		}
	}
	return nil
}

// GGMLPrePatterns returns the patterns of a tokenizer.ggml.pre name, in the
// order they split the text, as llama.cpp lists them.
func GGMLPrePatterns(pre string) ([]string, bool) {
	if a, ok := ggmlPreAliases[pre]; ok {
		pre = a
	}
	p, ok := ggmlPreTokenizers[pre]
	return append([]string(nil), p...), ok
}
