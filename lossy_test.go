package lmzip

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/lm"
)

// lossyModel is the tiny Llama of tinyModel with a SentencePiece-style
// vocabulary that has no byte fallback: it cannot spell "é", a newline or
// an upper-case letter, which become <unk>.
func lossyModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"config.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(tinyModel(t), name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vocab := map[string]int{"<unk>": 0, "<s>": 1, "</s>": 2}
	add := func(s string) {
		if _, ok := vocab[s]; !ok {
			vocab[s] = len(vocab)
		}
	}
	for _, c := range "▁abcdefghijklmnopqrstuvwxyz.,'" {
		add(string(c))
	}
	var merges [][2]string
	for _, w := range []string{"▁the", "▁quick", "▁brown", "▁fox", "▁jumps", "▁over", "▁lazy", "▁dog"} {
		r := []rune(w)
		for i := 2; i <= len(r); i++ {
			m := [2]string{string(r[:i-1]), string(r[i-1])}
			if _, ok := vocab[m[0]+m[1]]; !ok {
				merges = append(merges, m)
				add(m[0] + m[1])
			}
		}
	}
	vj, _ := json.Marshal(vocab)
	mj, _ := json.Marshal(merges)
	tok := fmt.Sprintf(`{"version":"1.0","added_tokens":[{"id":0,"content":"<unk>","special":true},{"id":1,"content":"<s>","special":true},{"id":2,"content":"</s>","special":true}],
		"normalizer":{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]},
		"pre_tokenizer":null,"model":{"type":"BPE","unk_token":"<unk>","fuse_unk":true,"byte_fallback":false,"vocab":%s,"merges":%s}}`, vj, mj)
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(tok), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLossyTokenizer compresses with a tokenizer that cannot spell parts
// of the input: those segments must not go to the language model (their
// tokens would decode to "<unk>"), and every round trip is exact.
func TestLossyTokenizer(t *testing.T) {
	dir := lossyModel(t)
	l, err := lm.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l.Tokenizer.Lossless() {
		t.Fatal("the test tokenizer is lossless")
	}
	plain := strings.Repeat(" the quick brown fox jumps over the lazy dog.", 6)
	text := []byte(plain + " Café!\n" + plain + " naïve ÉTÉ\n" + plain + " \xff\xfe end")
	if ids := l.Tokenizer.Encode(text); !bytes.Contains([]byte(fmt.Sprint(ids)), []byte(" 0 ")) {
		t.Fatalf("no <unk> in %v", ids)
	}
	for _, coders := range [][]string{nil, {"lm", "raw"}, {"lm", "cm"}} {
		opt := &Options{Model: dir, SegmentTokens: 16, Coders: coders}
		var buf bytes.Buffer
		w, err := NewWriter(&buf, opt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(text); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("coders %v: %v", coders, err)
		}
		st := w.Stats()
		got, err := Decompress(buf.Bytes(), &ReaderOptions{Model: dir})
		if err != nil {
			t.Fatalf("coders %v: decompress: %v", coders, err)
		}
		if !bytes.Equal(got, text) {
			t.Fatalf("coders %v: round trip gave %q", coders, got)
		}
		// At least the three segments with <unk> are not the model's, and
		// the model coded some of the others.
		if coders != nil && (st.Segments[methodLM] == 0 || st.Segments[methodCM]+st.Segments[methodRaw] < 3) {
			t.Errorf("coders %v: segments %v", coders, st.Segments)
		}
	}
	// With the model as the only coder, the input cannot be compressed:
	// an error, never an archive that decodes to something else.
	if _, err := Compress(text, &Options{Model: dir, SegmentTokens: 16, Coders: []string{"lm"}}); err == nil || !strings.Contains(err.Error(), "cannot spell") {
		t.Errorf("lm only: %v", err)
	}
	if arc, err := Compress([]byte(plain), &Options{Model: dir, SegmentTokens: 16, Coders: []string{"lm"}}); err != nil {
		t.Errorf("lm only, text it can spell: %v", err)
	} else if got, err := Decompress(arc, &ReaderOptions{Model: dir}); err != nil || string(got) != plain {
		t.Errorf("lm only: %q %v", got, err)
	}
}
