package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// A splitter cuts text into pre-tokens, the pieces that BPE then encodes one
// at a time (a pre-token is never merged with its neighbours). A
// pre-tokenizer is a list of splitters applied in turn, each to the pieces
// of the one before (tokenizer.json's Sequence, llama.cpp's list of
// patterns). GPT-2's pattern is written by hand (gpt2split.go), as are
// Llama 3's and Qwen 2's (llama3split.go); other patterns run on the small
// regex engine of regex.go.
type splitter interface {
	// next returns the length in bytes of the pre-token at the start of
	// text, which is not empty. The result is in 1..len(text). Any byte
	// string is accepted: bytes that are not valid UTF-8 are characters of
	// their own. text is the rest of the piece being split: its end is the
	// piece's end (where $ and (?!\S) look).
	next(text []byte) int
}

// splitBehavior is what a Split pre-tokenizer does with the delimiters
// (its pattern's matches, or with invert the text between them).
type splitBehavior uint8

const (
	splitIsolated           splitBehavior = iota // each delimiter a piece of its own
	splitContiguous                              // runs of delimiters (and of the rest) joined
	splitMergedWithPrevious                      // each delimiter joined to the piece before it
	splitMergedWithNext                          // each delimiter joined to the piece after it
)

func parseBehavior(s string) (splitBehavior, error) {
	switch strings.ToLower(s) {
	case "isolated", "":
		return splitIsolated, nil
	case "contiguous":
		return splitContiguous, nil
	case "mergedwithprevious", "merged_with_previous":
		return splitMergedWithPrevious, nil
	case "mergedwithnext", "merged_with_next":
		return splitMergedWithNext, nil
	case "removed":
		return 0, fmt.Errorf("split behavior %q drops text and is not supported", s)
	}
	return 0, fmt.Errorf("unknown split behavior %q", s)
}

// matcher finds the delimiters of a split.
type matcher interface {
	// find returns the first delimiter at or after from, or start -1.
	find(text []byte, from int) (start, end int)
}

// splitSplitter applies a split behavior to the delimiters a matcher
// finds, as the tokenizers library's Split does: the text is a sequence of
// items, delimiters and the stretches between them, which the behavior
// groups into pieces.
type splitSplitter struct {
	m        matcher
	behavior splitBehavior
	invert   bool
}

// item returns the end of the item at the start of text[from:] and whether
// it is a delimiter.
func (s *splitSplitter) item(text []byte, from int) (end int, delim bool) {
	ms, me := s.m.find(text, from)
	switch {
	case ms < 0:
		return len(text), s.invert
	case ms > from:
		return ms, s.invert
	}
	return me, !s.invert
}

func (s *splitSplitter) next(text []byte) int {
	end, delim := s.item(text, 0)
	switch s.behavior {
	case splitContiguous:
		for end < len(text) {
			e, d := s.item(text, end)
			if d != delim {
				break
			}
			end = e
		}
	case splitMergedWithPrevious:
		if !delim && end < len(text) {
			if e, d := s.item(text, end); d {
				end = e
			}
		}
	case splitMergedWithNext:
		if delim && end < len(text) {
			if e, d := s.item(text, end); !d {
				end = e
			}
		}
	}
	return end
}

// regexMatcher finds the matches of a pattern.
type regexMatcher struct {
	re   *regex
	pool sync.Pool // *machine
}

func newRegexMatcher(re *regex) *regexMatcher {
	m := &regexMatcher{re: re}
	m.pool.New = func() any { return re.newMachine() }
	return m
}

func (m *regexMatcher) find(text []byte, from int) (int, int) {
	mc := m.pool.Get().(*machine)
	s, e := mc.find(text, from)
	m.pool.Put(mc)
	return s, e
}

// charMatcher finds single characters of a class: each one is a delimiter
// of its own (the tokenizers library's character patterns).
type charMatcher struct {
	is        func(r rune) bool
	byteLevel bool // characters are bytes read through the byte-level alphabet
}

func (m *charMatcher) find(text []byte, from int) (int, int) {
	for i := from; i < len(text); {
		r, n := rune(text[i]), 1
		if m.byteLevel {
			r = byteToRune[text[i]]
		} else if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(text[i:])
			if r == utf8.RuneError && n == 1 {
				r = invalidRune
			}
		}
		if r >= 0 && m.is(r) {
			return i, i + n
		}
		i += n
	}
	return -1, -1
}

// isPunctuation is the tokenizers library's punctuation: ASCII punctuation
// (which includes the symbols $+<=>^`|~) and Unicode P categories.
func isPunctuation(r rune) bool {
	if r < utf8.RuneSelf {
		return r > ' ' && r < 0x7f && !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}
	return unicode.IsPunct(r)
}

// preTokenizerJSON is the part of a "pre_tokenizer" object that the
// supported pre-tokenizers use.
type preTokenizerJSON struct {
	Type             string            `json:"type"`
	AddPrefixSpace   *bool             `json:"add_prefix_space"`
	UseRegex         *bool             `json:"use_regex"`
	Pattern          *patternJSON      `json:"pattern"`
	Behavior         string            `json:"behavior"`
	Invert           bool              `json:"invert"`
	IndividualDigits bool              `json:"individual_digits"`
	Replacement      *string           `json:"replacement"`
	PrependScheme    *string           `json:"prepend_scheme"`
	Split            *bool             `json:"split"`
	PreTokenizers    []json.RawMessage `json:"pretokenizers"`
}

type patternJSON struct {
	Regex  *string `json:"Regex"`
	String *string `json:"String"`
}

// preTokenizer is what newPreTokenizer builds: the splitters and the
// settings that concern the text around them.
type preTokenizer struct {
	stages []splitter
	// byteLevel: a ByteLevel pre-tokenizer is present (its alphabet is
	// the vocabulary's).
	byteLevel bool
	// addPrefixSpace: ByteLevel's add_prefix_space.
	addPrefixSpace bool
	// metaspace: a Metaspace pre-tokenizer is present; prepend is its
	// prepend_scheme ("always", "first" or "never").
	metaspace bool
	prepend   string
}

// maxPreTokenizerDepth bounds nested Sequences.
const maxPreTokenizerDepth = 8

// newPreTokenizer reads a tokenizer.json "pre_tokenizer" object (null for
// none). The supported types are ByteLevel, Split (with a Regex or String
// pattern), Digits, Punctuation, Metaspace and Sequence of these.
func newPreTokenizer(raw json.RawMessage) (*preTokenizer, error) {
	p := &preTokenizer{}
	if isNull(raw) {
		return p, nil
	}
	if err := p.add(raw, 0); err != nil {
		return nil, fmt.Errorf("tokenizer: pre_tokenizer: %w", err)
	}
	return p, nil
}

func (p *preTokenizer) add(raw json.RawMessage, depth int) error {
	if depth > maxPreTokenizerDepth {
		return fmt.Errorf("sequences nested too deeply")
	}
	var c preTokenizerJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	switch c.Type {
	case "Sequence":
		for _, sub := range c.PreTokenizers {
			if err := p.add(sub, depth+1); err != nil {
				return err
			}
		}
	case "ByteLevel":
		if p.byteLevel || p.metaspace {
			return fmt.Errorf("a second ByteLevel or Metaspace pre-tokenizer is not supported")
		}
		p.byteLevel = true
		p.addPrefixSpace = c.AddPrefixSpace != nil && *c.AddPrefixSpace
		if c.UseRegex == nil || *c.UseRegex {
			p.stages = append(p.stages, gpt2Splitter{})
		}
	case "Split":
		if c.Pattern == nil {
			return fmt.Errorf("a Split without a pattern")
		}
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return err
		}
		var m matcher
		switch {
		case c.Pattern.Regex != nil:
			if sp := knownPattern(*c.Pattern.Regex); sp != nil && !p.byteLevel && b == splitIsolated && !c.Invert {
				p.stages = append(p.stages, sp)
				return nil
			}
			re, err := compileRegex(*c.Pattern.Regex, p.byteLevel)
			if err != nil {
				return err
			}
			m = newRegexMatcher(re)
		case c.Pattern.String != nil:
			if *c.Pattern.String == "" {
				return fmt.Errorf("a Split with an empty string pattern")
			}
			m = &stringMatcher{s: *c.Pattern.String, byteLevel: p.byteLevel}
		default:
			return fmt.Errorf("a Split pattern that is neither Regex nor String")
		}
		p.stages = append(p.stages, &splitSplitter{m: m, behavior: b, invert: c.Invert})
	case "Digits":
		b := splitContiguous
		if c.IndividualDigits {
			b = splitIsolated
		}
		p.stages = append(p.stages, &splitSplitter{m: &charMatcher{is: unicode.IsNumber, byteLevel: p.byteLevel}, behavior: b})
	case "Punctuation":
		b, err := parseBehavior(c.Behavior)
		if err != nil {
			return err
		}
		p.stages = append(p.stages, &splitSplitter{m: &charMatcher{is: isPunctuation, byteLevel: p.byteLevel}, behavior: b})
	case "Metaspace":
		if p.byteLevel || p.metaspace {
			return fmt.Errorf("a second ByteLevel or Metaspace pre-tokenizer is not supported")
		}
		if c.Replacement != nil && *c.Replacement != metaspace {
			return fmt.Errorf("a Metaspace replacement %q is not supported (only %q)", *c.Replacement, metaspace)
		}
		p.metaspace = true
		p.prepend = "always"
		if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
			p.prepend = "never"
		}
		if c.PrependScheme != nil {
			switch *c.PrependScheme {
			case "always", "first", "never":
				p.prepend = *c.PrependScheme
			default:
				return fmt.Errorf("unknown Metaspace prepend_scheme %q", *c.PrependScheme)
			}
		}
		if c.Split == nil || *c.Split {
			// The text is split before every metaspace (a space of the
			// source text, see sentencepiece.go).
			p.stages = append(p.stages, &splitSplitter{m: &charMatcher{is: func(r rune) bool { return r == ' ' }}, behavior: splitMergedWithNext})
		}
	default:
		return fmt.Errorf("type %q is not supported (ByteLevel, Split, Digits, Punctuation, Metaspace, Sequence)", c.Type)
	}
	return nil
}

// stringMatcher finds a literal string.
type stringMatcher struct {
	s         string
	byteLevel bool
}

func (m *stringMatcher) find(text []byte, from int) (int, int) {
	pat := m.s
	if m.byteLevel {
		b, ok := byteLevelDecode(pat)
		if !ok {
			return -1, -1
		}
		pat = string(b)
	}
	i := strings.Index(string(text[from:]), pat)
	if i < 0 {
		return -1, -1
	}
	return from + i, from + i + len(pat)
}

// Pre-tokenizer patterns with hand-written splitters.
const (
	gpt2Pattern        = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	gpt2PatternNoFinal = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
	llama3Pattern      = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	llama3PatternCased = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	qwen2Pattern       = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	qwen2PatternCased  = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// knownPattern returns the hand-written splitter of a pattern, or nil. The
// GPT-2 pattern without its final \s+ splits the same way: every run of
// whitespace that \s+(?!\S) leaves is a piece of its own either way.
// llama.cpp's spellings of the Llama 3 and Qwen 2 patterns ([sS] for (?i))
// differ from them only on "'ſ", which the splitter takes as a contraction.
func knownPattern(p string) splitter {
	switch p {
	case gpt2Pattern, gpt2PatternNoFinal:
		return gpt2Splitter{}
	case llama3Pattern, llama3PatternCased:
		return llama3Splitter{maxDigits: 3}
	case qwen2Pattern, qwen2PatternCased:
		return llama3Splitter{maxDigits: 1}
	}
	return nil
}

// ggmlPreTokenizers maps llama.cpp's tokenizer.ggml.pre names to their
// lists of patterns (from llama.cpp's llama-vocab.cpp; each pattern splits
// the pieces of the one before, its matches and the text between them each
// becoming pieces).
var ggmlPreTokenizers = map[string][]string{
	"default": {
		`[\p{P}\$\+<=>\^~\|]+`,
		gpt2PatternNoFinal,
		`\p{N}+`,
		`[0-9][0-9][0-9]`,
	},
	"gpt-2":       {gpt2PatternNoFinal},
	"llama3":      {llama3PatternCased},
	"qwen2":       {qwen2PatternCased},
	"falcon":      {`[\p{P}\$\+<=>\^~\|` + "`" + `]+`, gpt2PatternNoFinal, `[0-9][0-9][0-9]`},
	"starcoder":   {`\p{N}`, gpt2PatternNoFinal},
	"chatglm-bpe": {llama3PatternCased},
	// The class of letters is Unicode's cased letters (Lu, Ll, Lt), written
	// with escapes: the characters themselves would not survive a
	// normalization of this file.
	"deepseek-llm": {
		`[\r\n]`,
		`\s?[\x{41}-\x{5A}\x{61}-\x{7A}\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293}\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4}\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+`,
		`\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+`,
		`\s+$`,
		`[\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+`,
		`\p{N}+`,
	},
	"deepseek-coder": {
		`[\r\n]`,
		`\s?\p{L}+`,
		`\s?\p{P}+`,
		`[\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+`,
		`\p{N}`,
	},
	"poro": {` ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+`},
}

// ggmlPreAliases are other names llama.cpp gives the same rules.
var ggmlPreAliases = map[string]string{
	"gpt2": "gpt-2", "mpt": "gpt-2", "olmo": "gpt-2", "jais": "gpt-2", "trillion": "gpt-2",
	"llama-bpe": "llama3", "llama-v3": "llama3", "dbrx": "llama3", "smaug-bpe": "llama3",
	"stablelm2": "qwen2", "hunyuan": "qwen2",
	"refact": "starcoder", "command-r": "starcoder", "smollm": "starcoder", "codeshell": "starcoder",
	"exaone": "starcoder", "minerva-7b": "starcoder",
	"bloom": "poro", "gpt3-finnish": "poro",
}

// ggmlSplitters returns the splitters of a tokenizer.ggml.pre name.
func ggmlSplitters(pre string) ([]splitter, error) {
	name := pre
	if a, ok := ggmlPreAliases[name]; ok {
		name = a
	}
	pats, ok := ggmlPreTokenizers[name]
	if !ok {
		return nil, fmt.Errorf("tokenizer.ggml.pre %q is not supported", pre)
	}
	var out []splitter
	for _, p := range pats {
		if sp := knownPattern(p); sp != nil {
			out = append(out, sp)
			continue
		}
		re, err := compileRegex(p, false)
		if err != nil {
			return nil, err
		}
		out = append(out, &splitSplitter{m: newRegexMatcher(re), behavior: splitIsolated})
	}
	return out, nil
}
