package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// spJSON writes a SentencePiece-style tokenizer.json: <unk>, <s>, </s>,
// then the 256 byte tokens if byteFallback, then the given pieces and the
// results of the merges (in "▁" spelling). normalizer and preTokenizer are
// JSON objects (or null).
func spJSON(pieces []string, merges [][2]string, byteFallback bool, normalizer, preTokenizer string) []byte {
	vocab := map[string]int{"<unk>": 0, "<s>": 1, "</s>": 2}
	add := func(s string) {
		if _, ok := vocab[s]; !ok {
			vocab[s] = len(vocab)
		}
	}
	if byteFallback {
		for b := 0; b < 256; b++ {
			add(fmt.Sprintf("<0x%02X>", b))
		}
	}
	for _, p := range pieces {
		add(p)
	}
	for _, m := range merges {
		add(m[0] + m[1])
	}
	vj, _ := json.Marshal(vocab)
	mj, _ := json.Marshal(merges)
	return []byte(fmt.Sprintf(`{"version":"1.0","added_tokens":[
		{"id":0,"content":"<unk>","special":true,"normalized":false},
		{"id":1,"content":"<s>","special":true,"normalized":false},
		{"id":2,"content":"</s>","special":true,"normalized":false}],
		"normalizer":%s,"pre_tokenizer":%s,"post_processor":{"type":"TemplateProcessing"},
		"decoder":{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]},
		"model":{"type":"BPE","unk_token":"<unk>","fuse_unk":true,"byte_fallback":%v,"vocab":%s,"merges":%s}}`,
		normalizer, preTokenizer, byteFallback, vj, mj))
}

const llamaNormalizer = `{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]}`

// pieces returns the tokens' bytes, for readable comparisons.
func pieces(tok *Tokenizer, ids []int32) []string {
	var out []string
	for _, id := range ids {
		out = append(out, string(tok.TokenBytes(id)))
	}
	return out
}

func TestSentencePiece(t *testing.T) {
	chars := []string{"▁", "a", "b", "c", "h", "e", "t", "é"}
	merges := [][2]string{{"▁", "t"}, {"h", "e"}, {"▁t", "he"}, {"▁", "a"}, {"▁a", "b"}, {"a", "b"}}
	tok, err := Load(spJSON(chars, merges, true, llamaNormalizer, "null"))
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Lossless() {
		t.Error("byte fallback: not lossless")
	}
	for _, c := range []struct {
		in        string
		enc, spec []string
	}{
		{"the ab", []string{"t", "he", " ab"}, []string{" the", " ab"}},
		{" the", []string{" the"}, []string{" ", " the"}},
		{"ab\n", []string{"ab", "\n"}, []string{" ab", "\n"}},
		{"é€", []string{"é", "\xe2", "\x82", "\xac"}, []string{" ", "é", "\xe2", "\x82", "\xac"}},
		// A "▁" of the text is not a space when compressing; the library
		// takes it as one.
		{"▁ab", []string{"\xe2", "\x96", "\x81", "ab"}, []string{" ", " ab"}},
		{"a\xffb", []string{"a", "\xff", "b"}, nil},
		{"<s>", []string{"<", "s", ">"}, []string{"<s>"}},
		{"", nil, nil},
	} {
		ids := tok.Encode([]byte(c.in))
		if got := pieces(tok, ids); !slices.Equal(got, c.enc) {
			t.Errorf("Encode(%q) = %q, want %q", c.in, got, c.enc)
		}
		if got := tok.Decode(ids); string(got) != c.in {
			t.Errorf("Decode(Encode(%q)) = %q", c.in, got)
		}
		if c.spec != nil {
			if got := pieces(tok, tok.EncodeWithSpecial([]byte(c.in))); !slices.Equal(got, c.spec) {
				t.Errorf("EncodeWithSpecial(%q) = %q, want %q", c.in, got, c.spec)
			}
		}
	}
	// Words are encoded separately when no merge crosses a space.
	if len(tok.stages) != 1 {
		t.Errorf("%d pre-tokenizer stages, want the word splitter", len(tok.stages))
	}
	cross, err := Load(spJSON(chars, append([][2]string{{"b", "▁"}}, merges...), true, llamaNormalizer, "null"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cross.stages) != 0 {
		t.Error("a merge across a space, but the text is still cut into words")
	}
	if got := pieces(cross, cross.Encode([]byte("ab t"))); !slices.Equal(got, []string{"a", "b ", "t"}) {
		t.Errorf("merge across a space: %q", got)
	}
}

// TestSentencePieceUnknown checks a vocabulary without byte fallback: what
// it cannot spell is <unk>, and EncodeSpans says what each <unk> stands for.
func TestSentencePieceUnknown(t *testing.T) {
	tok, err := Load(spJSON([]string{"▁", "a", "b"}, [][2]string{{"a", "b"}}, false, llamaNormalizer, "null"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Lossless() || tok.UnknownID() != 0 {
		t.Fatalf("Lossless %v, UnknownID %d", tok.Lossless(), tok.UnknownID())
	}
	in := "ab€€ a\xff▁"
	ids, ends := tok.EncodeSpans([]byte(in))
	want := []string{"ab", "<unk>", "<unk>", " ", "a", "<unk>", "<unk>"}
	if got := pieces(tok, ids); !slices.Equal(got, want) {
		t.Fatalf("EncodeSpans(%q) = %q, want %q", in, got, want)
	}
	if !slices.Equal(ends, []int{2, 5, 8, 9, 10, 11, 14}) {
		t.Errorf("ends %v", ends)
	}
	if got := pieces(tok, tok.EncodeWithSpecial([]byte("€€ab"))); !slices.Equal(got, []string{" ", "<unk>", "ab"}) {
		t.Errorf("EncodeWithSpecial fuses: %q", got)
	}
}

// TestMetaspacePreTokenizer checks the Metaspace pre-tokenizer: prepend
// schemes and split.
func TestMetaspacePreTokenizer(t *testing.T) {
	chars := []string{"▁", "a", "b"}
	merges := [][2]string{{"▁", "▁"}, {"▁▁", "a"}, {"▁", "a"}}
	for _, c := range []struct {
		pre        string
		in         string
		enc, spec  []string
		wantStages int
	}{
		{`{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":false}`, "  a<s>a", []string{"  a", "<", "s", ">", "a"}, []string{"  a", "<s>", "a"}, 1},
		{`{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":false}`, "a<s>a", nil, []string{" a", "<s>", " a"}, 1},
		{`{"type":"Metaspace","replacement":"▁","prepend_scheme":"never","split":true}`, "  a", []string{" ", " a"}, []string{" ", " a"}, 1},
		{`{"type":"Metaspace","replacement":"▁","add_prefix_space":true}`, "a", []string{"a"}, []string{" a"}, 1},
	} {
		tok, err := Load(spJSON(chars, merges, true, "null", c.pre))
		if err != nil {
			t.Fatalf("%s: %v", c.pre, err)
		}
		if len(tok.stages) != c.wantStages {
			t.Errorf("%s: %d stages", c.pre, len(tok.stages))
		}
		if c.enc != nil {
			if got := pieces(tok, tok.Encode([]byte(c.in))); !slices.Equal(got, c.enc) {
				t.Errorf("%s: Encode(%q) = %q, want %q", c.pre, c.in, got, c.enc)
			}
		}
		if got := pieces(tok, tok.EncodeWithSpecial([]byte(c.in))); !slices.Equal(got, c.spec) {
			t.Errorf("%s: EncodeWithSpecial(%q) = %q, want %q", c.pre, c.in, got, c.spec)
		}
	}
}

// TestMissingByteSymbol checks a byte-level vocabulary that lacks some
// byte symbols (bytes that never occur in UTF-8, as in StarCoder's): those
// bytes are the unknown token, and EncodeSpans says so.
func TestMissingByteSymbol(t *testing.T) {
	data := bytes.Replace(byteLevelJSON(nil, [][2]string{{"a", "b"}}, nil, "", `"unk_token":"a"`), []byte(`"ÿ":255,`), nil, 1)
	if bytes.Contains(data, []byte(`"ÿ"`)) {
		t.Fatal("test vocabulary still has byte 0xff")
	}
	tok, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Lossless() {
		t.Error("Lossless with a byte missing")
	}
	in := "ab\xff\xffb c"
	ids, ends := tok.EncodeSpans([]byte(in))
	if !slices.Equal(ids, []int32{256, 'a', 'a', 'b', ' ', 'c'}) || !slices.Equal(ends, []int{2, 3, 4, 5, 6, 7}) {
		t.Errorf("EncodeSpans(%q) = %v %v", in, ids, ends)
	}
	if got := tok.Encode([]byte(in)); !slices.Equal(got, ids) {
		t.Errorf("Encode = %v", got)
	}
}

// TestAddedNotSpecial checks that Encode matches added tokens that are not
// special, without the whitespace lstrip and rstrip would take, and never
// special ones.
func TestAddedNotSpecial(t *testing.T) {
	data := []byte(`{"added_tokens":[
		{"id":300,"content":"  ","normalized":true,"special":false,"lstrip":true},
		{"id":301,"content":"<sp>","normalized":false,"special":true}],
		"pre_tokenizer":{"type":"ByteLevel"},"model":` + modelOf(t, byteLevelJSON(nil, nil, nil, "", "")) + `}`)
	tok, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	in := "a    b<sp>"
	ids, ends := tok.EncodeSpans([]byte(in))
	if got := pieces(tok, ids); !slices.Equal(got, []string{"a", "  ", "  ", "b", "<", "sp", ">"}) && !slices.Equal(got, []string{"a", "  ", "  ", "b", "<", "s", "p", ">"}) {
		t.Errorf("Encode(%q) = %q", in, got)
	}
	if ends[len(ends)-1] != len(in) || string(tok.Decode(ids)) != in {
		t.Errorf("round trip: %v", ends)
	}
	if got := tok.EncodeWithSpecial([]byte(in)); !slices.Contains(got, 301) || strings.Count(string(tok.Decode(got)), " ") != 4 {
		t.Errorf("EncodeWithSpecial(%q) = %q", in, pieces(tok, got))
	}
}
