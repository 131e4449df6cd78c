package tokenizer

import (
	"sort"
	"unicode"
	"unicode/utf8"
)

// addedToken is a token of tokenizer.json's added_tokens (or a GGUF control
// or user-defined token), matched in the text by EncodeWithSpecial.
type addedToken struct {
	id      int32
	content string
	// lstrip and rstrip: the match takes the whitespace on its left or
	// right with it; singleWord: it only matches a whole word.
	lstrip, rstrip, singleWord bool
}

// addedMatcher finds added tokens in text, leftmost first and, among those
// that start at the same place, longest first (the aho-corasick
// LeftmostLongest matching of the tokenizers library).
type addedMatcher struct {
	byFirst [256][]addedToken // by first byte, longest first
}

func newAddedMatcher(toks []addedToken) *addedMatcher {
	if len(toks) == 0 {
		return nil
	}
	m := new(addedMatcher)
	for _, a := range toks {
		c := a.content[0]
		m.byFirst[c] = append(m.byFirst[c], a)
	}
	for i := range m.byFirst {
		sort.SliceStable(m.byFirst[i], func(x, y int) bool {
			return len(m.byFirst[i][x].content) > len(m.byFirst[i][y].content)
		})
	}
	return m
}

// find returns the first match in s: its start and end, which include the
// whitespace that lstrip and rstrip take, and the token's id, or start -1.
func (m *addedMatcher) find(s []byte) (start, end int, id int32) {
	for i, c := range s {
		for _, a := range m.byFirst[c] {
			n := len(a.content)
			if len(s)-i < n || string(s[i:i+n]) != a.content {
				continue
			}
			if a.singleWord && (isWordBefore(s, i) || isWordAfter(s, i+n)) {
				continue
			}
			start, end = i, i+n
			if a.lstrip {
				for start > 0 {
					r, k := utf8.DecodeLastRune(s[:start])
					if !unicode.IsSpace(r) {
						break
					}
					start -= k
				}
			}
			if a.rstrip {
				for end < len(s) {
					r, k := utf8.DecodeRune(s[end:])
					if !unicode.IsSpace(r) {
						break
					}
					end += k
				}
			}
			return start, end, a.id
		}
	}
	return -1, -1, -1
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

func isWordBefore(s []byte, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRune(s[:i])
	return isWordRune(r)
}

func isWordAfter(s []byte, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRune(s[i:])
	return isWordRune(r)
}
