package tokenizer

// llama3Splitter is the pre-tokenizer pattern of Llama 3 (and, with
// single digits, of Qwen 2), written by hand like gpt2Splitter:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// Qwen 2 has \p{N} in place of \p{N}{1,3}. The alternatives, tried in
// order, work out as:
//
//   - an apostrophe and s, t, re, ve, m, ll or d in either case (and the
//     long s "ſ", which case-folds to s in the (?i) of the pattern);
//   - a run of letters, with one character in front of it that is not a
//     line end, letter or digit (a space, a punctuation mark);
//   - one to three digits (one for Qwen 2);
//   - an optional space, a run of "other" characters, then any line ends;
//   - a run of whitespace up to its last line end, if it holds one;
//   - otherwise GPT-2's rule for whitespace: the run, less its last
//     character when more than one is followed by something else.
//
// Bytes that are not valid UTF-8 are "other" characters, as for GPT-2.
type llama3Splitter struct {
	maxDigits int // 3 for Llama 3, 1 for Qwen 2
}

func lowerASCII(c byte) byte { return c | 0x20 }

func isLineEnd(c byte) bool { return c == '\r' || c == '\n' }

func (sp llama3Splitter) next(s []byte) int {
	c := s[0]
	if c == '\'' && len(s) > 1 {
		if len(s) > 2 && s[1] == 0xc5 && s[2] == 0xbf {
			return 3 // "'ſ": the long s folds to s
		}
		switch lowerASCII(s[1]) {
		case 's', 't', 'm', 'd':
			return 2
		case 'r', 'v':
			if len(s) > 2 && lowerASCII(s[2]) == 'e' {
				return 3
			}
		case 'l':
			if len(s) > 2 && lowerASCII(s[2]) == 'l' {
				return 3
			}
		}
	}
	cls, n := classAt(s)
	switch {
	case cls == classLetter:
		return runEnd(s, n, classLetter)
	case cls != classNumber && !isLineEnd(c) && n < len(s):
		if cls1, n1 := classAt(s[n:]); cls1 == classLetter {
			return runEnd(s, n+n1, classLetter)
		}
	}
	if cls == classNumber {
		i := n
		for k := 1; k < sp.maxDigits && i < len(s); k++ {
			c, m := classAt(s[i:])
			if c != classNumber {
				break
			}
			i += m
		}
		return i
	}
	// " ?[^\s\p{L}\p{N}]+[\r\n]*"
	start, other := 0, cls == classOther
	if c == ' ' && len(s) > 1 {
		if cls1, _ := classAt(s[1:]); cls1 == classOther {
			start, other = 1, true
		}
	}
	if other {
		_, m := classAt(s[start:])
		i := runEnd(s, start+m, classOther)
		for i < len(s) && isLineEnd(s[i]) {
			i++
		}
		return i
	}
	// Whitespace: "\s*[\r\n]+", then "\s+(?!\S)", then "\s+".
	last, lineEnd := 0, -1
	i := 0
	for i < len(s) {
		c, m := classAt(s[i:])
		if c != classSpace {
			break
		}
		if isLineEnd(s[i]) {
			lineEnd = i + 1
		}
		last = i
		i += m
	}
	if lineEnd > 0 {
		return lineEnd
	}
	if i == len(s) || last == 0 {
		return i
	}
	return last
}
