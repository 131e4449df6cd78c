package gguf

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lmzip/lmzip/internal/testutil"
	"github.com/lmzip/lmzip/internal/tokenizer"
)

// readVocabTests reads llama.cpp's tokenizer test vectors as its
// tests/test-tokenizer-0.cpp does: the inputs are the text between
// separators "\n__ggml_vocab_test__\n", kept as they are, and each line of
// the .out file lists the ids of one input. Some of the files were stored
// with every line end turned into CR LF; in those (every LF preceded by a
// CR) the CRs are removed first.
func readVocabTests(t *testing.T, base string) (inputs []string, ids [][]int32) {
	t.Helper()
	raw, err := os.ReadFile(base + ".inp")
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(base + ".out")
	if err != nil {
		t.Fatal(err)
	}
	undoCRLF := func(b []byte) string {
		s := string(b)
		if strings.Count(s, "\r\n") == strings.Count(s, "\n") {
			s = strings.ReplaceAll(s, "\r\n", "\n")
		}
		return s
	}
	const sep = "\n__ggml_vocab_test__\n"
	for s := undoCRLF(raw); len(s) > 0; {
		i := strings.Index(s, sep)
		if i < 0 {
			inputs = append(inputs, s)
			break
		}
		inputs = append(inputs, s[:i])
		s = s[i+len(sep):]
	}
	lines := strings.Split(undoCRLF(out), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		l := []int32{}
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

func diff(tok *tokenizer.Tokenizer, got, want []int32) string {
	n := min(len(got), len(want))
	i := 0
	for i < n && got[i] == want[i] {
		i++
	}
	if i == n && len(got) == len(want) {
		return ""
	}
	show := func(ids []int32) string {
		var b strings.Builder
		for k := max(0, i-3); k < min(len(ids), i+5); k++ {
			fmt.Fprintf(&b, "%d%q ", ids[k], tok.TokenBytes(ids[k]))
		}
		return b.String()
	}
	return fmt.Sprintf("first difference at %d of %d/%d ids:\n got  %s\n want %s", i, len(got), len(want), show(got), show(want))
}

// vocabNames are llama.cpp's vocabularies in testdata/tokenizers/ggml-vocab.
var vocabNames = []string{"gpt-2", "llama-spm", "phi-3", "falcon", "deepseek-llm", "deepseek-coder", "starcoder", "mpt", "refact"}

// TestVocabs loads each vocabulary from its GGUF file and checks
// EncodeWithSpecial against llama.cpp's test vectors, all of which must
// pass.
func TestVocabs(t *testing.T) {
	for _, name := range vocabNames {
		t.Run(name, func(t *testing.T) {
			base := testutil.Data(t, "tokenizers", "ggml-vocab", "ggml-vocab-"+name+".gguf")
			f, err := Parse(repairedVocab(t, name))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := f.Tokenizer()
			if err != nil {
				t.Fatal(err)
			}
			inputs, ids := readVocabTests(t, base)
			pass := 0
			for i, s := range inputs {
				if d := diff(tok, tok.EncodeWithSpecial([]byte(s)), ids[i]); d != "" {
					t.Errorf("input %d %q: %s", i, s, d)
				} else {
					pass++
				}
			}
			t.Logf("%s: %d/%d", name, pass, len(inputs))
		})
	}
}

// TestVocabsEncode checks Encode, the tokenization used for compression,
// on each vocabulary: it agrees with EncodeWithSpecial where no prefix is
// added, its spans cover the input, and the text of every token whose
// bytes differ from its span is one the vocabulary cannot spell.
// Vocabularies with every byte (byte-level with all 256 symbols, or byte
// fallback) round-trip any input exactly.
func TestVocabsEncode(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, name := range vocabNames {
		t.Run(name, func(t *testing.T) {
			base := testutil.Data(t, "tokenizers", "ggml-vocab", "ggml-vocab-"+name+".gguf")
			f, err := Parse(repairedVocab(t, name))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := f.Tokenizer()
			if err != nil {
				t.Fatal(err)
			}
			v, _ := f.Vocab()
			var control []string // control tokens: Encode never matches them
			for id, ty := range v.Types {
				if ty == tokenizer.GGMLControl {
					control = append(control, v.Tokens[id])
				}
			}
			hasControl := func(s string) bool {
				for _, c := range control {
					if strings.Contains(s, c) {
						return true
					}
				}
				return false
			}
			inputs, _ := readVocabTests(t, base)
			for i := 0; i < 200; i++ {
				b := make([]byte, rng.IntN(64))
				for j := range b {
					b[j] = byte(rng.IntN(256))
				}
				inputs = append(inputs, string(b), string(b)+" "+inputs[rng.IntN(len(inputs))])
			}
			for _, s := range inputs {
				ids := tok.Encode([]byte(s))
				if hasControl(s) {
					// EncodeWithSpecial takes the control token.
				} else if v.Model == "llama" {
					if s != "" && !strings.Contains(s, "▁") {
						if d := diff(tok, tok.Encode([]byte(" "+s)), tok.EncodeWithSpecial([]byte(s))); d != "" && utf8.ValidString(s) {
							t.Errorf("Encode(\" \"+%q) differs from EncodeWithSpecial: %s", s, d)
						}
					}
				} else if utf8.ValidString(s) {
					if d := diff(tok, ids, tok.EncodeWithSpecial([]byte(s))); d != "" {
						t.Errorf("Encode(%q) differs from EncodeWithSpecial: %s", s, d)
					}
				}
				ids2, ends := tok.EncodeSpans([]byte(s))
				if !slices.Equal(ids, ids2) || len(ends) != len(ids) {
					t.Fatalf("EncodeSpans(%q) ids differ from Encode", s)
				}
				prev := 0
				for k, id := range ids {
					if ends[k] < prev || ends[k]-prev > max(4, len(tok.TokenBytes(id))) {
						t.Fatalf("EncodeSpans(%q): token %d ends at %d after %d", s, k, ends[k], prev)
					}
					if span := s[prev:ends[k]]; span != string(tok.TokenBytes(id)) && id != tok.UnknownID() {
						t.Fatalf("EncodeSpans(%q): token %d %q stands for %q", s, id, tok.TokenBytes(id), span)
					}
					prev = ends[k]
				}
				if prev != len(s) {
					t.Fatalf("EncodeSpans(%q): spans end at %d of %d", s, prev, len(s))
				}
				if got := string(tok.Decode(ids)); tok.Lossless() && got != s {
					t.Fatalf("Decode(Encode(%q)) = %q", s, got)
				}
			}
		})
	}
}
