package tokenizer

import (
	"bytes"
	"os"
	"slices"
	"testing"
)

// FuzzRoundTrip checks that Decode(Encode(b)) == b for any bytes, with the
// lmzip models' tokenizer, and that the two merge loops agree on every
// pre-token. Seed corpus: testdata/fuzz/FuzzRoundTrip.
func FuzzRoundTrip(f *testing.F) {
	data, err := os.ReadFile(defaultPath(f))
	if err != nil {
		f.Fatal(err)
	}
	tok, err := Load(data)
	if err != nil {
		f.Fatal(err)
	}
	// Without the cache, each run's coverage depends on its input alone,
	// which the fuzzer's minimization needs.
	tok.noCache = true
	for _, s := range []string{"", "Hello, world!", "a\xffb\r\n", "  x\t\t\n\n", "<|endoftext|>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ids := tok.Encode(b)
		if got, err := tok.DecodeChecked(ids); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("Decode(Encode(%q)) = %q, %v", b, got, err)
		}
		if got := tok.Decode(tok.EncodeWithSpecial(b)); !bytes.Equal(got, b) {
			t.Fatalf("Decode(EncodeWithSpecial(%q)) = %q", b, got)
		}
		for s := b; len(s) > 0; {
			n := tok.split.next(s)
			if n <= 0 || n > len(s) {
				t.Fatalf("split returned %d for %q", n, s)
			}
			if p := s[:n]; len(p) <= smallBPE {
				if a, h := tok.bpeSmall(nil, p), tok.bpeHeap(nil, p); !slices.Equal(a, h) {
					t.Fatalf("piece %q: small %v, heap %v", p, a, h)
				}
			}
			s = s[n:]
		}
	})
}

// FuzzLoad checks that Load never panics on a damaged tokenizer.json, and
// that what it accepts round-trips text. Seed corpus: testdata/fuzz/FuzzLoad
// and the small tokenizer in testdata.
func FuzzLoad(f *testing.F) {
	tiny, err := os.ReadFile("testdata/tiny-tokenizer.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tiny)
	f.Add(byteLevelJSON([]string{"abc"}, [][2]string{{"a", "b"}}, []string{"<s>"}, "", `"ignore_merges":true`))
	f.Add(byteLevelJSON([]string{"abc"}, [][2]string{{"a", "b"}}, nil,
		`{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\s?\\p{L}+"},"behavior":"Isolated"},`+
			`{"type":"Digits","individual_digits":true},{"type":"Punctuation","behavior":"contiguous"},{"type":"ByteLevel","use_regex":false}]}`, ""))
	f.Add(spJSON([]string{"▁", "a", "b"}, [][2]string{{"▁", "a"}, {"a", "b"}}, true, llamaNormalizer, "null"))
	f.Add(spJSON([]string{"▁", "a", "b"}, [][2]string{{"▁", "a"}}, false, "null", `{"type":"Metaspace","prepend_scheme":"first","split":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Load(data)
		if err != nil {
			return
		}
		tok.noCache = true // runs must not depend on one another
		for _, s := range [][]byte{[]byte("the cat's <s> \xff hat\r\n"), data} {
			checkSpans(t, tok, s)
			tok.EncodeWithSpecial(s)
		}
	})
}

// checkSpans checks Encode and EncodeSpans on s: the same ids, spans that
// cover s in order, each token's bytes its span unless it is the unknown
// token, and an exact round trip when the tokenizer is lossless.
func checkSpans(t *testing.T, tok *Tokenizer, s []byte) {
	t.Helper()
	ids := tok.Encode(s)
	ids2, ends := tok.EncodeSpans(s)
	if !slices.Equal(ids, ids2) || len(ends) != len(ids) {
		t.Fatalf("EncodeSpans(%q) ids %v, Encode %v", s, ids2, ids)
	}
	prev := 0
	for i, id := range ids {
		tb := tok.TokenBytes(id)
		if ends[i] < prev || ends[i]-prev > max(4, len(tb)) {
			t.Fatalf("EncodeSpans(%q): token %d ends at %d after %d", s, i, ends[i], prev)
		}
		if !bytes.Equal(s[prev:ends[i]], tb) && id != tok.UnknownID() {
			t.Fatalf("EncodeSpans(%q): token %d %q stands for %q", s, id, tb, s[prev:ends[i]])
		}
		prev = ends[i]
	}
	if prev != len(s) {
		t.Fatalf("EncodeSpans(%q): spans end at %d", s, prev)
	}
	if got := tok.Decode(ids); tok.Lossless() && !bytes.Equal(got, s) {
		t.Fatalf("Decode(Encode(%q)) = %q", s, got)
	}
}

// FuzzSplitters checks the hand-written splitters against the regex engine
// running their patterns, on any bytes (invalid UTF-8 included), and that
// a SentencePiece-style tokenizer with byte fallback round-trips them.
func FuzzSplitters(f *testing.F) {
	for _, s := range []string{"", "Hello, world!", "a\xffb\r\n", "  x\t\t\n\n", "'S 'll 12345 ▁a", "\u00a0\u3000x"} {
		f.Add([]byte(s))
	}
	type pair struct {
		hand    splitter
		generic splitter
	}
	var pairs []pair
	for _, c := range []struct {
		pattern string
		hand    splitter
	}{
		{gpt2Pattern, gpt2Splitter{}},
		{llama3Pattern, llama3Splitter{maxDigits: 3}},
		{qwen2Pattern, llama3Splitter{maxDigits: 1}},
	} {
		re, err := compileRegex(c.pattern, false)
		if err != nil {
			f.Fatal(err)
		}
		pairs = append(pairs, pair{c.hand, &splitSplitter{m: newRegexMatcher(re), behavior: splitIsolated}})
	}
	sp, err := Load(spJSON([]string{"▁", "a", "b", "é"}, [][2]string{{"▁", "a"}, {"a", "b"}, {"▁a", "b"}}, true, llamaNormalizer, "null"))
	if err != nil {
		f.Fatal(err)
	}
	sp.noCache = true
	unk, err := Load(spJSON([]string{"▁", "a", "b"}, [][2]string{{"▁", "a"}}, false, llamaNormalizer, "null"))
	if err != nil {
		f.Fatal(err)
	}
	unk.noCache = true
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range pairs {
			for s := b; len(s) > 0; {
				n, m := p.hand.next(s), p.generic.next(s)
				if n != m || n <= 0 || n > len(s) {
					t.Fatalf("%T on %q: %d, regex %d", p.hand, s, n, m)
				}
				s = s[n:]
			}
		}
		checkSpans(t, sp, b)
		checkSpans(t, unk, b)
		sp.EncodeWithSpecial(b)
		unk.EncodeWithSpecial(b)
	})
}
