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
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Load(data)
		if err != nil {
			return
		}
		tok.noCache = true // runs must not depend on one another
		for _, s := range [][]byte{[]byte("the cat's <s> \xff hat\r\n"), data} {
			if got := tok.Decode(tok.Encode(s)); !bytes.Equal(got, s) {
				t.Fatalf("round trip of %q gave %q", s, got)
			}
			tok.EncodeWithSpecial(s)
		}
	})
}
