package tokenizer

import "sort"

// addedToken is a token of tokenizer.json's added_tokens, matched in the text
// by EncodeWithSpecial.
type addedToken struct {
	id      int32
	content string
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

// find returns the first match in s: its start and end and the token's id,
// or start -1.
func (m *addedMatcher) find(s []byte) (start, end int, id int32) {
	for i, c := range s {
		for _, a := range m.byFirst[c] {
			if n := len(a.content); len(s)-i >= n && string(s[i:i+n]) == a.content {
				return i, i + len(a.content), a.id
			}
		}
	}
	return -1, -1, -1
}
