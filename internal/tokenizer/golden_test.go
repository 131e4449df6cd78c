package tokenizer

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// TestGolden compares the ids with those of Hugging Face tokenizers on
// testdata/tokenizers/tokenizer-golden.json, for GPT-2's tokenizer and the
// lmzip models' one.
func TestGolden(t *testing.T) {
	var g struct {
		Strings []string  `json:"strings"`
		GPT2    [][]int32 `json:"gpt2"`
		Default [][]int32 `json:"default"`
	}
	readJSON(t, testutil.Data(t, "tokenizers", "tokenizer-golden.json"), &g)
	if len(g.Strings) == 0 || len(g.GPT2) != len(g.Strings) || len(g.Default) != len(g.Strings) {
		t.Fatalf("golden file: %d strings, %d gpt2, %d default", len(g.Strings), len(g.GPT2), len(g.Default))
	}
	for _, c := range []struct {
		name string
		tok  *Tokenizer
		ids  [][]int32
	}{{"gpt2", loadGPT2(t), g.GPT2}, {"default", loadDefault(t), g.Default}} {
		for i, s := range g.Strings {
			want := c.ids[i]
			if want == nil {
				want = []int32{}
			}
			if d := diffIDs(c.tok, c.tok.Encode([]byte(s)), want); d != "" {
				t.Errorf("%s Encode(%q): %s", c.name, s, d)
			}
			if d := diffIDs(c.tok, c.tok.EncodeWithSpecial([]byte(s)), want); d != "" {
				t.Errorf("%s EncodeWithSpecial(%q): %s", c.name, s, d)
			}
			if got := c.tok.Decode(want); string(got) != s {
				t.Errorf("%s Decode(golden ids of %q) = %q", c.name, s, got)
			}
		}
	}
}

// readToksout reads the token ids of a seed tool *.toksout.json file.
func readToksout(t *testing.T, path string) []int32 {
	var f struct {
		ModelName string     `json:"modelName"`
		VocabSize int        `json:"vocabSize"`
		TokenList [][3]int64 `json:"tokenList"`
	}
	readJSON(t, path, &f)
	if f.VocabSize != 50257 {
		t.Fatalf("%s: vocabSize %d", path, f.VocabSize)
	}
	ids := make([]int32, len(f.TokenList))
	for i, e := range f.TokenList {
		ids[i] = int32(e[0])
	}
	return ids
}

// TestSeedGolden checks the GPT-2 ids of the whole of A Study in Scarlet and
// of TestString.txt against the seed project's golden files.
func TestSeedGolden(t *testing.T) {
	tok := loadGPT2(t)
	for _, c := range []struct {
		name string
		n    int
	}{{"AStudyInScarlet", 68593}, {"TestString", 8}} {
		dir := testutil.Data(t, "seed")
		text, err := os.ReadFile(filepath.Join(dir, c.name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		want := readToksout(t, filepath.Join(dir, c.name+".r50k.toksout.json"))
		if len(want) != c.n {
			t.Fatalf("%s: golden file has %d ids, want %d", c.name, len(want), c.n)
		}
		got := tok.Encode(text)
		if d := diffIDs(tok, got, want); d != "" {
			t.Errorf("%s: %s", c.name, d)
		}
		if d := diffIDs(tok, tok.EncodeWithSpecial(text), want); d != "" {
			t.Errorf("%s EncodeWithSpecial: %s", c.name, d)
		}
		if !bytes.Equal(tok.Decode(got), text) {
			t.Errorf("%s: Decode(Encode(text)) != text", c.name)
		}
	}
}

// readGGMLTests reads llama.cpp's tokenizer test vectors as its
// tests/test-tokenizer-0.cpp does: the inputs are the text between
// separators "\n__ggml_vocab_test__\n", kept as they are (leading and
// trailing newlines belong to the input: "\n" and "\n\n" are tests), and
// each line of the .out file, stripped of surrounding spaces, lists the ids
// of one input.
func readGGMLTests(t *testing.T, base string) (inputs []string, ids [][]int32) {
	raw, err := os.ReadFile(base + ".inp")
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(base + ".out")
	if err != nil {
		t.Fatal(err)
	}
	const sep = "\n__ggml_vocab_test__\n"
	for s := string(raw); len(s) > 0; {
		i := strings.Index(s, sep)
		if i < 0 {
			inputs = append(inputs, s)
			break
		}
		inputs = append(inputs, s[:i])
		s = s[i+len(sep):]
	}
	lines := strings.Split(string(out), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the file's final newline
	}
	for _, line := range lines {
		var l []int32
		for _, f := range strings.Fields(line) {
			v, err := strconv.ParseInt(f, 10, 32)
			if err != nil {
				t.Fatalf("%s.out: %v", base, err)
			}
			l = append(l, int32(v))
		}
		ids = append(ids, l)
	}
	if len(inputs) != len(ids) {
		t.Fatalf("%s: %d inputs but %d lines of ids", base, len(inputs), len(ids))
	}
	return inputs, ids
}

// TestGGMLVocabGPT2 runs llama.cpp's GPT-2 tokenizer test vectors.
func TestGGMLVocabGPT2(t *testing.T) {
	tok := loadGPT2(t)
	inputs, ids := readGGMLTests(t, testutil.Data(t, "tokenizers", "ggml-vocab", "ggml-vocab-gpt-2.gguf"))
	if len(inputs) < 40 {
		t.Fatalf("only %d test vectors", len(inputs))
	}
	for i, s := range inputs {
		want := ids[i]
		if want == nil {
			want = []int32{}
		}
		if d := diffIDs(tok, tok.Encode([]byte(s)), want); d != "" {
			t.Errorf("input %d %q: %s", i, s, d)
		}
		if d := diffIDs(tok, tok.EncodeWithSpecial([]byte(s)), want); d != "" {
			t.Errorf("EncodeWithSpecial input %d %q: %s", i, s, d)
		}
	}
}

// TestArchTokenizers loads the tokenizer.json of every tiny architecture in
// testdata/archs: all byte-level, all lossless.
func TestArchTokenizers(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(testutil.Data(t, "archs"), "*", "tokenizer.json"))
	if err != nil || len(paths) < 11 {
		t.Fatalf("%d tokenizer.json files: %v", len(paths), err)
	}
	for _, p := range paths {
		tok := loadFile(t, p)
		if !tok.Lossless() || tok.VocabSize() != 320 {
			t.Errorf("%s: lossless %v, %d tokens", p, tok.Lossless(), tok.VocabSize())
		}
		if s := []byte("Hello, wörld \xff"); !bytes.Equal(tok.Decode(tok.Encode(s)), s) {
			t.Errorf("%s: round trip", p)
		}
	}
}
