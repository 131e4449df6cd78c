package seed

import "unicode/utf8"

// isPySpace reports whether Python's re module matches c with \s in a str
// pattern (str.isspace): ASCII whitespace, the separators U+001C..U+001F,
// U+0085, U+00A0 and the Unicode space, line and paragraph separators.
func isPySpace(c rune) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xA0,
		0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return c >= 0x2000 && c <= 0x200A
}

func isASCIILetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// Flip is the period case-flip of the seed's gzip baseline
// (examples/gzipFilp/flip.py): wherever a period is followed by one or more
// whitespace characters and then an ASCII letter, the letter's case is
// swapped. The match positions do not depend on case, so Flip(Flip(x)) ==
// x. It works on bytes: bytes that are not valid UTF-8 are not whitespace,
// and line ends are kept as they are (flip.py's text mode would turn CRLF
// into LF). It returns the flipped copy and the number of letters changed.
func Flip(text []byte) ([]byte, int) {
	out := append([]byte(nil), text...)
	n := 0
	for i := 0; i < len(out); i++ {
		if out[i] != '.' {
			continue
		}
		j := i + 1
		for j < len(out) {
			c, size := utf8.DecodeRune(out[j:])
			if (c == utf8.RuneError && size <= 1) || !isPySpace(c) {
				break
			}
			j += size
		}
		if j > i+1 && j < len(out) && isASCIILetter(out[j]) {
			out[j] ^= 0x20
			n++
			i = j
		}
	}
	return out, n
}
