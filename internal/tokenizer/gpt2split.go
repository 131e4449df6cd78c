package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// gpt2Splitter is GPT-2's pre-tokenizer regular expression, the one the
// tokenizers library's ByteLevel pre-tokenizer uses when use_regex is true:
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// Go's regexp package has no lookahead, so it is implemented by hand. The
// alternatives are tried in order at each position (Oniguruma's leftmost-first
// semantics, with greedy repetition), which works out as:
//
//   - an apostrophe followed by s, t, re, ve, m, ll or d (lower case only) is
//     a pre-token;
//   - otherwise a space followed by a letter, a digit or an "other" character
//     starts a pre-token with that space and the run of characters of the
//     same class after it; a letter, digit or other character starts the run
//     of its class;
//   - a run of whitespace that reaches the end of the text is one pre-token;
//     a run of two or more whitespace characters followed by something else
//     leaves its last character for the next pre-token (so that a space can
//     join the following word); a single whitespace character followed by
//     something else is a pre-token by itself.
//
// Character classes come from Go's unicode package: \p{L} is unicode.IsLetter,
// \p{N} is unicode.IsNumber, \s is unicode.IsSpace (the White_Space
// property, as in Oniguruma). Everything else is "other".
//
// Bytes that are not valid UTF-8 (which the library cannot receive, since its
// input is a Rust string) are each treated as one character of the "other"
// class, the class of punctuation and symbols: they join runs of other
// characters and can follow a space. This keeps valid text tokenized exactly
// as the library does and makes every byte string encodable.
type gpt2Splitter struct{}

// Character classes of the GPT-2 pattern.
const (
	classOther uint8 = iota
	classLetter
	classNumber
	classSpace
)

// asciiClass is the class of each ASCII byte.
var asciiClass [utf8.RuneSelf]uint8

func init() {
	for c := rune(0); c < utf8.RuneSelf; c++ {
		asciiClass[c] = classOfRune(c)
	}
}

func classOfRune(r rune) uint8 {
	switch {
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.IsSpace(r):
		return classSpace
	}
	return classOther
}

// classAt returns the class and the size in bytes of the character at the
// start of s, which is not empty. An invalid UTF-8 byte is a character of
// class other and size 1.
func classAt(s []byte) (uint8, int) {
	if c := s[0]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, n := utf8.DecodeRune(s)
	if r == utf8.RuneError && n == 1 {
		return classOther, 1
	}
	return classOfRune(r), n
}

// runEnd returns the end of the run of characters of class cls that starts
// at s[i:].
func runEnd(s []byte, i int, cls uint8) int {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if asciiClass[c] != cls {
				break
			}
			i++
			continue
		}
		c, n := classAt(s[i:])
		if c != cls {
			break
		}
		i += n
	}
	return i
}

func (gpt2Splitter) next(s []byte) int {
	c := s[0]
	if c == '\'' && len(s) > 1 {
		switch s[1] {
		case 's', 't', 'm', 'd':
			return 2
		case 'r', 'v':
			if len(s) > 2 && s[2] == 'e' {
				return 3
			}
		case 'l':
			if len(s) > 2 && s[2] == 'l' {
				return 3
			}
		}
	}
	cls, n := classAt(s)
	if c == ' ' && len(s) > 1 {
		// " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+" with the space.
		if cls1, n1 := classAt(s[1:]); cls1 != classSpace {
			return runEnd(s, 1+n1, cls1)
		}
	}
	if cls != classSpace {
		return runEnd(s, n, cls)
	}
	// "\s+(?!\S)" then "\s+".
	last := 0 // start of the last whitespace character of the run
	i := n
	for i < len(s) {
		c, m := classAt(s[i:])
		if c != classSpace {
			break
		}
		last = i
		i += m
	}
	if i == len(s) || last == 0 {
		return i
	}
	return last
}
