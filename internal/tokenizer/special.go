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
	// second[c] has bit d set when a token starts with the bytes c, d;
	// single[c] when the one-byte token c exists. They let find pass over
	// most bytes without comparing strings.
	second [256][4]uint64
	single [256]bool
}

func newAddedMatcher(toks []addedToken) *addedMatcher {
	if len(toks) == 0 {
		return nil
	}
	m := new(addedMatcher)
	for _, a := range toks {
		c := a.content[0]
		m.byFirst[c] = append(m.byFirst[c], a)
		if len(a.content) == 1 {
			m.single[c] = true
		} else {
			d := a.content[1]
			m.second[c][d>>6] |= 1 << (d & 63)
		}
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
		if !m.single[c] && (i+1 >= len(s) || m.second[c][s[i+1]>>6]&(1<<(s[i+1]&63)) == 0) {
			continue
		}
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
