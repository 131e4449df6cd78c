package tokenizer

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/lmzip/lmzip/internal/testutil"
)

func splitAll(s []byte) []string {
	var pieces []string
	for len(s) > 0 {
		n := gpt2Splitter{}.next(s)
		if n <= 0 || n > len(s) {
			panic("bad split length")
		}
		pieces = append(pieces, string(s[:n]))
		s = s[n:]
	}
	return pieces
}

// TestSplitGPT2 compares the hand-written pre-tokenizer with GPT-2's regular
// expression as Python's regex module runs it (testdata/gpt2-split.json:
// tricky strings and random ones over letters, digits, apostrophes, Unicode
// spaces, marks and emoji).
func TestSplitGPT2(t *testing.T) {
	var cases []struct {
		Text   string   `json:"text"`
		Pieces []string `json:"pieces"`
	}
	readJSON(t, "testdata/gpt2-split.json", &cases)
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		got := splitAll([]byte(c.Text))
		if len(c.Pieces) == 0 && len(got) == 0 {
			continue
		}
		if !slices.Equal(got, c.Pieces) {
			t.Errorf("split(%q) = %q, want %q", c.Text, got, c.Pieces)
		}
	}
}

// TestSplitInvalidUTF8 checks the documented treatment of invalid UTF-8: each
// bad byte is one character of the class of punctuation.
func TestSplitInvalidUTF8(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"a\xffb", []string{"a", "\xff", "b"}},
		{" \xff\xfe!x", []string{" \xff\xfe!", "x"}},
		{"\xe2\x82 z", []string{"\xe2\x82", " z"}}, // truncated "€"
		{"1\x80", []string{"1", "\x80"}},
		{"'\xffs", []string{"'\xff", "s"}},
		{"\xc0\xaf\n", []string{"\xc0\xaf", "\n"}}, // overlong encoding
	} {
		if got := splitAll([]byte(c.in)); !slices.Equal(got, c.want) {
			t.Errorf("split(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestBPEPathsAgree checks that the two merge loops give the same ids.
func TestBPEPathsAgree(t *testing.T) {
	tok := loadGPT2(t)
	text, err := os.ReadFile(testutil.Data(t, "seed", "AStudyInScarlet.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(piece []byte) {
		t.Helper()
		if len(piece) == 0 || len(piece) > smallBPE {
			return
		}
		a := tok.bpeSmall(nil, piece)
		b := tok.bpeHeap(nil, piece)
		if !slices.Equal(a, b) {
			t.Fatalf("piece %q: small %v, heap %v", piece, a, b)
		}
	}
	for i := 0; i < 3000; i++ {
		off := rng.IntN(len(text) - 80)
		check(text[off : off+1+rng.IntN(smallBPE)]) // spans pre-tokens: long merge chains
	}
	for n := 1; n <= smallBPE; n++ {
		check(bytes.Repeat([]byte("a"), n))
		check(bytes.Repeat([]byte(" "), n))
		check(bytes.Repeat([]byte("ab"), n)[:n])
	}
	// Long pieces go through the heap; they must decode back.
	for _, p := range [][]byte{bytes.Repeat([]byte("a"), 1000), bytes.Repeat([]byte("=-"), 700), text[:5000]} {
		ids := tok.appendPiece(nil, p)
		if !bytes.Equal(tok.Decode(ids), p) {
			t.Errorf("long piece of %d bytes does not decode back", len(p))
		}
	}
}

// TestLongPieces checks pre-tokens longer than maxPiece: they are cut at
// character boundaries and still decode back.
func TestLongPieces(t *testing.T) {
	tok := loadDefault(t)
	for _, p := range [][]byte{
		bytes.Repeat([]byte{0}, 3*maxPiece+5),
		bytes.Repeat([]byte(" "), maxPiece+1),
		append([]byte("x"), bytes.Repeat([]byte("é"), maxPiece)...), // maxPiece falls inside an "é"
		[]byte(strings.Repeat("日本", maxPiece/3)),
	} {
		ids := tok.Encode(p)
		if !bytes.Equal(tok.Decode(ids), p) {
			t.Fatalf("piece of %d bytes does not decode back", len(p))
		}
		if p[0] != 'x' {
			continue
		}
		// "é" is a token: a cut inside a character would leave a lone byte.
		for _, id := range ids {
			if b := tok.TokenBytes(id); !utf8.Valid(b) {
				t.Fatalf("token %d = %q: a cut fell inside a character", id, b)
			}
		}
	}
}

// TestRoundTrip checks Decode(Encode(b)) == b on random bytes, invalid
// UTF-8, CRLF text and added tokens' contents, with every tokenizer.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var inputs [][]byte
	for i := 0; i < 300; i++ {
		b := make([]byte, rng.IntN(200))
		for j := range b {
			switch rng.IntN(4) {
			case 0:
				b[j] = byte(rng.IntN(256))
			case 1:
				b[j] = " \t\r\n'"[rng.IntN(5)]
			default:
				b[j] = byte('a' + rng.IntN(26))
			}
		}
		inputs = append(inputs, b)
	}
	inputs = append(inputs,
		[]byte("line one\r\nline two\r\n\r\n  indented\r\n"),
		[]byte("\xff\xfe\xfd \x80\x80 \xc3 \xc3\xa9 \xed\xa0\x80 \xf4\x90\x80\x80"),
		[]byte("<|endoftext|>x<|endoftext|><|endof"),
		[]byte("\x00\x00\x00 \x00\x01\x02"),
		[]byte("\ufeffA Study\u00a0in\u2009Scarlet\u3000"),
	)
	for name, tok := range map[string]*Tokenizer{"gpt2": loadGPT2(t), "default": loadDefault(t), "tiny": loadTiny(t)} {
		for _, in := range inputs {
			ids := tok.Encode(in)
			if got := tok.Decode(ids); !bytes.Equal(got, in) {
				t.Errorf("%s: Decode(Encode(%q)) = %q", name, in, got)
			}
			if got, err := tok.DecodeChecked(tok.EncodeWithSpecial(in)); err != nil || !bytes.Equal(got, in) {
				t.Errorf("%s: Decode(EncodeWithSpecial(%q)) = %q, %v", name, in, got, err)
			}
			if app := tok.AppendEncode([]int32{7}, in); !slices.Equal(app[1:], ids) || app[0] != 7 {
				t.Errorf("%s: AppendEncode differs from Encode on %q", name, in)
			}
		}
	}
}

// TestSpecialTokens checks the added-token handling of EncodeWithSpecial and
// that Encode ignores added tokens.
func TestSpecialTokens(t *testing.T) {
	gpt2 := loadGPT2(t)
	if id, ok := gpt2.EndOfText(); !ok || id != 50256 {
		t.Errorf("gpt2 EndOfText = %d, %v", id, ok)
	}
	if id, ok := loadDefault(t).EndOfText(); !ok || id != 0 {
		t.Errorf("default EndOfText = %d, %v", id, ok)
	}
	if _, ok := gpt2.TokenID("Hello"); ok {
		t.Error("TokenID found an ordinary token")
	}
	if gpt2.VocabSize() != 50257 || loadDefault(t).VocabSize() != 16384 {
		t.Errorf("VocabSize = %d, %d", gpt2.VocabSize(), loadDefault(t).VocabSize())
	}
	text := []byte("Hello<|endoftext|> world<|endoftext|>")
	want := slices.Concat(gpt2.Encode([]byte("Hello")), []int32{50256}, gpt2.Encode([]byte(" world")), []int32{50256})
	if got := gpt2.EncodeWithSpecial(text); !slices.Equal(got, want) {
		t.Errorf("EncodeWithSpecial = %v, want %v", got, want)
	}
	if got := gpt2.Encode(text); slices.Contains(got, 50256) {
		t.Errorf("Encode turned the literal text into the special id: %v", got)
	}
	if string(gpt2.TokenBytes(50256)) != "<|endoftext|>" {
		t.Errorf("TokenBytes(50256) = %q", gpt2.TokenBytes(50256))
	}

	// Leftmost first, then longest; normalized=false tokens before others.
	data := []byte(`{"added_tokens":[
		{"id":300,"content":"<a>","normalized":false,"special":true},
		{"id":301,"content":"<a><b>","normalized":false,"special":true},
		{"id":302,"content":"b>x","normalized":true,"special":false},
		{"id":303,"content":"yz","normalized":true,"special":false}],
		"pre_tokenizer":{"type":"ByteLevel"},"model":` + modelOf(t, byteLevelJSON(nil, nil, nil, "", "")) + `}`)
	tok, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in   string
		want []int32
	}{
		{"<a><b>", []int32{301}},
		{"<a><b", []int32{300, '<', 'b'}},
		{"<ab>xyz", []int32{'<', 'a', 302, 303}},
		{"<a>b>x", []int32{300, 302}},
		{"q<a><b>xyz", []int32{'q', 301, 'x', 303}}, // "<a><b>" wins over the later "b>x"
	} {
		if got := tok.EncodeWithSpecial([]byte(c.in)); !slices.Equal(got, c.want) {
			t.Errorf("EncodeWithSpecial(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

// modelOf returns the "model" object of a tokenizer.json.
func modelOf(t *testing.T, data []byte) string {
	var f struct {
		Model json.RawMessage `json:"model"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return string(f.Model)
}

// TestDecodeChecked checks the handling of ids that are not tokens.
func TestDecodeChecked(t *testing.T) {
	tok := loadTiny(t)
	ids := tok.Encode([]byte("the cat"))
	for _, bad := range []int32{-1, int32(tok.VocabSize()), 1 << 30} {
		if _, err := tok.DecodeChecked(append(slices.Clone(ids), bad)); err == nil {
			t.Errorf("DecodeChecked accepted id %d", bad)
		}
		if got := tok.Decode(append(slices.Clone(ids), bad)); string(got) != "the cat" {
			t.Errorf("Decode with id %d = %q", bad, got)
		}
		if tok.TokenBytes(bad) != nil {
			t.Errorf("TokenBytes(%d) != nil", bad)
		}
	}
	if got, err := tok.DecodeChecked(ids); err != nil || string(got) != "the cat" {
		t.Errorf("DecodeChecked = %q, %v", got, err)
	}
	// An unused id in a sparse vocabulary.
	sparse, err := Load(bytes.Replace(byteLevelJSON([]string{"xy"}, nil, nil, "", ""), []byte(`"xy":256`), []byte(`"xy":300`), 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sparse.DecodeChecked([]int32{280}); err == nil || sparse.VocabSize() != 301 {
		t.Errorf("unused id: err %v, VocabSize %d", err, sparse.VocabSize())
	}
}

// TestMergeFormats checks that merges written as "a b" strings give the same
// tokenizer as merges written as pairs.
func TestMergeFormats(t *testing.T) {
	data, err := os.ReadFile(defaultPath(t))
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	model := f["model"].(map[string]any)
	merges := model["merges"].([]any)
	for i, m := range merges {
		p := m.([]any)
		merges[i] = p[0].(string) + " " + p[1].(string)
	}
	legacy, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Load(legacy)
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(testutil.Data(t, "seed", "AStudyInScarlet.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if d := diffIDs(tok, tok.Encode(text), loadDefault(t).Encode(text)); d != "" {
		t.Error(d)
	}
}

// TestAddPrefixSpace checks ByteLevel's add_prefix_space: EncodeWithSpecial
// adds the space, Encode does not.
func TestAddPrefixSpace(t *testing.T) {
	data := byteLevelJSON(nil, [][2]string{{"Ġ", "h"}, {"Ġh", "i"}}, []string{"<|endoftext|>"},
		`{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true}`, "")
	tok, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	hi := int32(257) // "Ġhi"
	eot, _ := tok.EndOfText()
	for _, c := range []struct {
		in          string
		enc, encSpe []int32
	}{
		{"hi", []int32{'h', 'i'}, []int32{hi}},
		{" hi", []int32{hi}, []int32{hi}},
		{"hi<|endoftext|>hi", nil, []int32{hi, eot, hi}},
		{"", []int32{}, []int32{}},
	} {
		if got := tok.Encode([]byte(c.in)); c.enc != nil && !slices.Equal(got, c.enc) {
			t.Errorf("Encode(%q) = %v, want %v", c.in, got, c.enc)
		}
		if got := tok.EncodeWithSpecial([]byte(c.in)); !slices.Equal(got, c.encSpe) {
			t.Errorf("EncodeWithSpecial(%q) = %v, want %v", c.in, got, c.encSpe)
		}
	}
}

// TestIgnoreMerges checks BPE's ignore_merges: a pre-token that is in the
// vocabulary is one token even when the merges would not build it.
func TestIgnoreMerges(t *testing.T) {
	merges := [][2]string{{"a", "b"}, {"b", "c"}}
	extra := []string{"abc"}
	plain, err := Load(byteLevelJSON(extra, merges, nil, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	ignore, err := Load(byteLevelJSON(extra, merges, nil, "", `"ignore_merges":true`))
	if err != nil {
		t.Fatal(err)
	}
	if got := plain.Encode([]byte("abc")); !slices.Equal(got, []int32{257, 'c'}) {
		t.Errorf("without ignore_merges: %v", got)
	}
	if got := ignore.Encode([]byte("abc abcd")); !slices.Equal(got, []int32{256, ' ', 257, 'c', 'd'}) {
		t.Errorf("with ignore_merges: %v", got)
	}
}

// TestLoadErrors checks that unsupported or broken files are rejected.
func TestLoadErrors(t *testing.T) {
	good := string(byteLevelJSON(nil, [][2]string{{"a", "b"}}, []string{"<|endoftext|>"}, "", ""))
	if _, err := Load([]byte(good)); err != nil {
		t.Fatalf("base case: %v", err)
	}
	repl := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("%q not in the base case", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	for name, data := range map[string]string{
		"not json":           "{",
		"empty":              "",
		"array":              "[]",
		"null":               "null",
		"no model":           `{"pre_tokenizer":{"type":"ByteLevel"}}`,
		"wordpiece":          repl(`"type":"BPE"`, `"type":"WordPiece"`),
		"normalizer":         repl(`"normalizer":null`, `"normalizer":{"type":"Lowercase"}`),
		"replace normalizer": repl(`"normalizer":null`, `"normalizer":{"type":"Replace","pattern":{"String":"a"},"content":"b"}`),
		"whitespace pretok":  repl(`"pre_tokenizer":{`, `"pre_tokenizer":{"type":"Whitespace"},"x":{`),
		"neither kind": strings.Replace(repl(`"decoder":{"type":"ByteLevel"}`, `"decoder":null`),
			`"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}`, `"pre_tokenizer":null`, 1),
		"metaspace":              repl(`"type":"ByteLevel","add_prefix_space"`, `"type":"Metaspace","add_prefix_space"`),
		"split removed":          repl(`"pre_tokenizer":{`, `"pre_tokenizer":{"type":"Split","pattern":{"Regex":"a"},"behavior":"Removed"},"x":{`),
		"lookbehind":             repl(`"pre_tokenizer":{`, `"pre_tokenizer":{"type":"Split","pattern":{"Regex":"(?<=a)b"},"behavior":"Isolated"},"x":{`),
		"byte fallback":          repl(`"type":"BPE"`, `"type":"BPE","byte_fallback":true`),
		"decoder":                repl(`"decoder":{"type":"ByteLevel"}`, `"decoder":{"type":"WordPiece"}`),
		"post processor":         repl(`"post_processor":null`, `"post_processor":{"type":"Unknown"}`),
		"dropout":                repl(`"type":"BPE"`, `"type":"BPE","dropout":0.1`),
		"prefix":                 repl(`"type":"BPE"`, `"type":"BPE","continuing_subword_prefix":"##"`),
		"suffix":                 repl(`"type":"BPE"`, `"type":"BPE","end_of_word_suffix":"</w>"`),
		"empty added":            repl(`"content":"<|endoftext|>"`, `"content":""`),
		"negative id":            repl(`"Ā":0,`, `"Ā":-1,`),
		"huge id":                repl(`"Ā":0,`, `"Ā":2000000000,`),
		"float id":               repl(`"Ā":0,`, `"Ā":0.5,`),
		"duplicate id":           repl(`"Ā":0,`, `"Ā":1,`),
		"merge not in voc":       repl(`[["a","b"]]`, `[["a","q"]]`),
		"merge one part":         repl(`[["a","b"]]`, `["ab"]`),
		"merge three":            repl(`[["a","b"]]`, `[["a","b","c"]]`),
		"merge number":           repl(`[["a","b"]]`, `[7]`),
		"merge bad result":       repl(`"ab":`, `"ab":"x","zz":`),
		"vocab not object":       repl(`"vocab":{`, `"vocab":[],"x":{`),
		"empty vocab":            `{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{},"merges":[]}}`,
		"added no id":            repl(`"id":`, `"idx":`),
		"added two ids":          repl(`"added_tokens":[`, `"added_tokens":[{"id":5,"content":"<|endoftext|>"},`),
		"added overrides a byte": repl(`"added_tokens":[`, `"added_tokens":[{"id":97,"content":"<x>"},`),
	} {
		if tok, err := Load([]byte(data)); err == nil {
			t.Errorf("%s: Load succeeded (vocab size %d)", name, tok.VocabSize())
		} else if !strings.HasPrefix(err.Error(), "tokenizer: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

// TestConcurrent encodes from several goroutines at once, the cache cold at
// first (run with -race): every goroutine must get the ids of a serial run.
func TestConcurrent(t *testing.T) {
	text, err := os.ReadFile(testutil.Data(t, "seed", "AStudyInScarlet.txt"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(defaultPath(t))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	want := loadDefault(t).Encode(text)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Different starting points: the goroutines fill the cache in
			// different orders.
			off := g * len(text) / 8
			rotated := append(slices.Clone(text[off:]), text[:off]...)
			if got := tok.Decode(tok.Encode(rotated)); !bytes.Equal(got, rotated) {
				t.Errorf("goroutine %d: round trip failed", g)
			}
			if got := tok.Encode(text); !slices.Equal(got, want) {
				t.Errorf("goroutine %d: %s", g, diffIDs(tok, got, want))
			}
		}()
	}
	wg.Wait()
}

// TestMergeParse checks both spellings of a merge, with and without escapes
// (the fast path and encoding/json).
func TestMergeParse(t *testing.T) {
	for in, want := range map[string][2]string{
		`["Ġ","t"]`:         {"Ġ", "t"},
		` [ "Ġt" , "he" ] `: {"Ġt", "he"},
		`["\u0120","t"]`:    {"Ġ", "t"},
		`"Ġ t"`:             {"Ġ", "t"},
		`"\u0120 t"`:        {"Ġ", "t"},
		`"a b c"`:           {"a", "b c"},
		`["a\"","b"]`:       {`a"`, "b"},
		`["a,\"b\"","c"]`:   {`a,"b"`, "c"},
		"[\"\xff\",\"b\"]":  {"\ufffd", "b"},
		`["a", "b"]`:        {"a", "b"},
		`["日本","語"]`:        {"日本", "語"},
		`["","x"]`:          {"", "x"},
		`["x" ,"y"]`:        {"x", "y"},
	} {
		var m jsonMerge
		if err := json.Unmarshal([]byte(in), &m); err != nil || m.a != want[0] || m.b != want[1] {
			t.Errorf("%s: got %q %q, %v; want %q", in, m.a, m.b, err, want)
		}
	}
	for _, in := range []string{`"ab"`, `["a"]`, `["a","b","c"]`, `["a",1,"b"]`, `7`, `{"a":"b"}`, `["a",["b"]]`} {
		var m jsonMerge
		if err := json.Unmarshal([]byte(in), &m); err == nil {
			t.Errorf("%s: accepted as %q %q", in, m.a, m.b)
		}
	}
}
