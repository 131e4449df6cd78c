package tokenizer

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// randomText draws strings over an alphabet that exercises the classes the
// pre-tokenizer patterns use: letters of several scripts and cases, digits,
// Unicode numbers, spaces of several kinds, newlines, punctuation, symbols,
// marks, CJK, emoji and bytes that are not valid UTF-8.
func randomText(rng *rand.Rand, n int) []byte {
	pieces := []string{"a", "b", "Z", "é", "É", "ß", "ж", "Ж", "ا", "1", "7", "٣", "½", "²", " ", " ", " ", "  ", "\t", "\n", "\r", "\r\n",
		"\u00a0", "\u3000", "'", "'s", "'S", "'ll", "'re", ".", ",", "!", "?", "-", "$", "+", "<", "=", "^", "`", "|", "~", "_",
		"(", ")", "[", "]", "{", "}", "\\", "\u0301", "ſ", "中", "文", "가", "ア", "😀", "▁", "\xff", "\xe2\x82", "€", "…"}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return []byte(b.String())
}

// TestRegexAgainstGo runs patterns that Go's regexp also accepts (no
// lookahead) with both engines, which share leftmost-first semantics, and
// compares every match.
func TestRegexAgainstGo(t *testing.T) {
	patterns := []string{
		`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+`,
		`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+`,
		`[\p{P}\$\+<=>\^~\|` + "`" + `]+`,
		`[0-9][0-9][0-9]`,
		`\p{N}+`,
		`\p{N}`,
		`[\r\n]`,
		`\s?\p{L}+`,
		`\s?\p{P}+`,
		`\s+$`,
		`[一-龥ࠀ-一가-퟿]+`,
		`\s?[!-/:-~！-／：-～‘-‟　-。]+`,
		` ?[^(\s|.,!?…。，、।۔،)]+`,
		`a+?b|[0-9]{2,}?|[a-c]{2,3}|(?i:é+)`,
		`(?:ab|a)(?:c|bcd)`,
		`\w+|\W`,
		`[^\n]+|[\n]+`,
		`\S+`,
		`.`,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, pat := range patterns {
		goRE, err := regexp.Compile(goPattern(pat))
		if err != nil {
			t.Fatalf("Go rejects %q: %v", pat, err)
		}
		re, err := compileRegex(pat, false)
		if err != nil {
			t.Fatalf("compile %q: %v", pat, err)
		}
		m := re.newMachine()
		for k := 0; k < 300; k++ {
			text := randomText(rng, rng.IntN(40))
			for from := 0; from <= len(text); from++ {
				s, e := m.find(text, from)
				want := goFind(goRE, text, from)
				if want[0] >= 0 && want[0] == want[1] {
					t.Fatalf("%q matches the empty string", pat)
				}
				if want[0] != s || want[1] != e {
					t.Fatalf("%q on %q from %d: got [%d %d], Go [%d %d]", pat, text, from, s, e, want[0], want[1])
				}
			}
		}
	}
}

// goFind is Go's leftmost-first search from an offset. Go reads an invalid
// UTF-8 byte as U+FFFD, which the patterns here treat like the engine's
// invalid byte (a member of negated classes only).
func goFind(re *regexp.Regexp, text []byte, from int) [2]int {
	loc := re.FindIndex(text[from:])
	if loc == nil {
		return [2]int{-1, -1}
	}
	return [2]int{from + loc[0], from + loc[1]}
}

// whiteSpace lists Unicode White_Space, which \s means here; Go's \s is
// ASCII only.
const whiteSpace = `\t\n\v\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}`

// goPattern rewrites \s, \S, \w and \W for Go's regexp.
func goPattern(pat string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c == '\\' && i+1 < len(pat) {
			d := pat[i+1]
			i++
			switch {
			case d == 's' && inClass:
				b.WriteString(whiteSpace)
			case d == 's':
				b.WriteString("[" + whiteSpace + "]")
			case d == 'S' && !inClass:
				b.WriteString("[^" + whiteSpace + "]")
			case d == 'w' && !inClass:
				b.WriteString(`[\p{L}\p{M}\p{Nd}\p{Pc}]`)
			case d == 'W' && !inClass:
				b.WriteString(`[^\p{L}\p{M}\p{Nd}\p{Pc}]`)
			default:
				b.WriteByte(c)
				b.WriteByte(d)
			}
			continue
		}
		if c == '[' && !inClass {
			inClass = true
		} else if c == ']' && inClass {
			inClass = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// TestHandSplittersAgainstRegex runs the hand-written GPT-2, Llama 3 and
// Qwen 2 splitters and the regex engine on the same patterns over random
// text: every piece must agree.
func TestHandSplittersAgainstRegex(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		pattern string
		hand    splitter
	}{
		{gpt2Pattern, gpt2Splitter{}},
		{gpt2PatternNoFinal, gpt2Splitter{}},
		{llama3Pattern, llama3Splitter{maxDigits: 3}},
		{qwen2Pattern, llama3Splitter{maxDigits: 1}},
	} {
		re, err := compileRegex(c.pattern, false)
		if err != nil {
			t.Fatal(err)
		}
		generic := &splitSplitter{m: newRegexMatcher(re), behavior: splitIsolated}
		for k := 0; k < 3000; k++ {
			text := randomText(rng, rng.IntN(60))
			for s := text; len(s) > 0; {
				a, b := c.hand.next(s), generic.next(s)
				if a != b {
					t.Fatalf("%q on %q: hand-written %q, regex %q", c.pattern, s, s[:a], s[:b])
				}
				s = s[a:]
			}
		}
	}
}

// TestRegexRejects checks patterns the engine refuses, with an error.
func TestRegexRejects(t *testing.T) {
	for _, p := range []string{
		`(?<=a)b`, `a(?=bc)`, `a++`, `(a`, `a)`, `[a`, `[[:alpha:]]`, `\1`, `[a&&b]`, `\p{Nope}`, `[z-a]`,
		`*a`, `(?x)a`, `\`, strings.Repeat("(", 200) + "a" + strings.Repeat(")", 200), `(?:a{1000}){1000}`,
	} {
		if _, err := compileRegex(p, false); err == nil {
			t.Errorf("%q compiled", p)
		}
	}
}
