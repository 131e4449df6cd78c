package gguf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/lmzip/lmzip/internal/testutil"
)

// Two of llama.cpp's vocabulary files in testdata, ggml-vocab-gpt-2.gguf
// and ggml-vocab-llama-spm.gguf, were damaged before they reached this
// repository: they went through a text conversion that replaced every
// byte sequence that is not valid UTF-8 with U+FFFD (EF BF BD). Numbers
// whose bytes are not UTF-8 (counts, string lengths of 128 or more,
// floats) lost their values, and the files no longer parse.
//
// The tests rebuild each file from what is known of it (the same
// vocabulary published elsewhere: GPT-2's tokenizer.json, and Llama 2's
// vocabulary as Phi-3's intact file carries it in its first 32,000 tokens)
// and accept the rebuilt file only if damaging it the same way gives the
// damaged file byte for byte. Every string, every small number and every
// byte that is valid UTF-8 is thereby checked against the file.

// damage replaces each maximal ill-formed subsequence of b with U+FFFD, as
// Python's bytes.decode("utf-8", "replace") and the WHATWG decoder do.
func damage(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			out = append(out, b[i])
			i++
			continue
		}
		if r, n := utf8.DecodeRune(b[i:]); r != utf8.RuneError || n > 1 {
			out = append(out, b[i:i+n]...)
			i += n
			continue
		}
		out = append(out, "\uFFFD"...)
		i += maximalSubpart(b[i:])
	}
	return out
}

// maximalSubpart returns the length of the ill-formed sequence at the start
// of b: a lead byte and the continuation bytes that could still follow it.
func maximalSubpart(b []byte) int {
	c := b[0]
	need, lo, hi := 0, byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		x := b[n]
		if k == 0 && (x < lo || x > hi) || k > 0 && (x < 0x80 || x > 0xBF) {
			break
		}
		n++
	}
	return n
}

func TestDamage(t *testing.T) {
	for in, want := range map[string]string{
		"abc":              "abc",
		"\xac\xc5'7":       "\uFFFD\uFFFD'7",
		"Q\xc4\x00":        "Q\uFFFD\x00",
		"\xe2\x82A":        "\uFFFDA",
		"\xe2\x82\xac":     "€",
		"\xed\xa0\x80":     "\uFFFD\uFFFD\uFFFD",
		"\xf0\x9f\x98":     "\uFFFD",
		"\xef\xbf\xbd":     "\uFFFD",
		"\x80\xff\xc0\xaf": "\uFFFD\uFFFD\uFFFD\uFFFD",
	} {
		if got := string(damage([]byte(in))); got != want {
			t.Errorf("damage(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkRebuilt compares a rebuilt file, once damaged, with the fixture.
func checkRebuilt(t *testing.T, rebuilt []byte, path string) {
	t.Helper()
	damaged, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(damaged); err == nil {
		t.Fatalf("%s parses: it is not damaged any more, load it directly", path)
	}
	got := damage(rebuilt)
	if !bytes.Equal(got, damaged) {
		i := 0
		for i < len(got) && i < len(damaged) && got[i] == damaged[i] {
			i++
		}
		t.Fatalf("the rebuilt file does not damage into %s: first difference at byte %d of %d/%d:\n rebuilt % x\n fixture % x",
			path, i, len(got), len(damaged), got[i:min(len(got), i+16)], damaged[i:min(len(damaged), i+16)])
	}
}

// rebuiltGPT2 rebuilds ggml-vocab-gpt-2.gguf from GPT-2's tokenizer.json.
func rebuiltGPT2(t *testing.T) []byte {
	raw, err := os.ReadFile(testutil.Data(t, "tokenizers", "gpt2", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Model struct {
			Vocab  map[string]int32 `json:"vocab"`
			Merges [][2]string      `json:"merges"`
		} `json:"model"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	tokens := make([]string, len(f.Model.Vocab))
	types := make([]int32, len(tokens))
	for s, id := range f.Model.Vocab {
		tokens[id] = s
		types[id] = 1
	}
	types[50256] = 3 // <|endoftext|>: control
	merges := make([]string, len(f.Model.Merges))
	for i, m := range f.Model.Merges {
		merges[i] = m[0] + " " + m[1]
	}
	return buildGGUF(3, []KV{
		kv("general.architecture", vStr("gpt2")),
		kv("general.name", vStr("gpt-2")),
		kv("gpt2.block_count", vU32(12)),
		kv("gpt2.context_length", vU32(1024)),
		kv("gpt2.embedding_length", vU32(768)),
		kv("gpt2.feed_forward_length", vU32(3072)),
		kv("gpt2.attention.head_count", vU32(12)),
		kv("gpt2.attention.layer_norm_epsilon", vF32(1e-5)),
		kv("general.file_type", vU32(1)),
		kv("tokenizer.ggml.model", vStr("gpt2")),
		kv("tokenizer.ggml.pre", vStr("gpt-2")),
		kv("tokenizer.ggml.tokens", vStrs(tokens)),
		kv("tokenizer.ggml.token_type", vI32s(types)),
		kv("tokenizer.ggml.merges", vStrs(merges)),
		kv("tokenizer.ggml.bos_token_id", vU32(50256)),
		kv("tokenizer.ggml.eos_token_id", vU32(50256)),
	}, nil)
}

// rebuiltLlamaSPM rebuilds ggml-vocab-llama-spm.gguf from the first 32,000
// tokens of Phi-3's vocabulary, which are Llama 2's: Phi-3 gives its
// first three tokens the score -1000 and the types control, control and
// user-defined, where the Llama file has 0 and unknown, control, control.
func rebuiltLlamaSPM(t *testing.T) []byte {
	phi, err := Open(testutil.Data(t, "tokenizers", "ggml-vocab", "ggml-vocab-phi-3.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	defer phi.Close()
	v, err := phi.Vocab()
	if err != nil {
		t.Fatal(err)
	}
	const n = 32000
	tokens := v.Tokens[:n]
	scores := append([]float32(nil), v.Scores[:n]...)
	types := append([]int32(nil), v.Types[:n]...)
	for id := 0; id < 3; id++ { // <unk>, <s>, </s>
		scores[id] = 0
	}
	types[0], types[2] = 2, 3 // <unk>: unknown; </s>: control
	return buildGGUF(3, []KV{
		kv("general.architecture", vStr("llama")),
		kv("general.name", vStr("llama-spm")),
		kv("llama.block_count", vU32(32)),
		kv("llama.context_length", vU32(4096)),
		kv("llama.embedding_length", vU32(4096)),
		kv("llama.feed_forward_length", vU32(11008)),
		kv("llama.attention.head_count", vU32(32)),
		kv("llama.attention.head_count_kv", vU32(32)),
		kv("llama.attention.layer_norm_rms_epsilon", vF32(1e-5)),
		kv("general.file_type", vU32(1)),
		kv("llama.vocab_size", vU32(n)),
		kv("llama.rope.dimension_count", vU32(128)),
		kv("tokenizer.ggml.model", vStr("llama")),
		kv("tokenizer.ggml.pre", vStr("default")),
		kv("tokenizer.ggml.tokens", vStrs(tokens)),
		kv("tokenizer.ggml.scores", vF32s(scores)),
		kv("tokenizer.ggml.token_type", vI32s(types)),
		kv("tokenizer.ggml.bos_token_id", vU32(1)),
		kv("tokenizer.ggml.eos_token_id", vU32(2)),
		kv("tokenizer.ggml.unknown_token_id", vU32(0)),
		kv("tokenizer.ggml.add_bos_token", vBool(true)),
		kv("tokenizer.ggml.add_eos_token", vBool(false)),
	}, nil)
}

// repairedVocab returns the bytes of a vocabulary file of testdata, rebuilt
// and checked against the damaged fixture where it is damaged.
func repairedVocab(t *testing.T, name string) []byte {
	path := testutil.Data(t, "tokenizers", "ggml-vocab", "ggml-vocab-"+name+".gguf")
	var rebuilt []byte
	switch name {
	case "gpt-2":
		rebuilt = rebuiltGPT2(t)
	case "llama-spm":
		rebuilt = rebuiltLlamaSPM(t)
	default:
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	checkRebuilt(t, rebuilt, path)
	return rebuilt
}

func TestRepairedVocabs(t *testing.T) {
	for _, name := range []string{"gpt-2", "llama-spm"} {
		t.Run(name, func(t *testing.T) {
			b := repairedVocab(t, name)
			if _, err := Parse(b); err != nil {
				t.Fatal(fmt.Errorf("rebuilt file: %w", err))
			}
		})
	}
}
