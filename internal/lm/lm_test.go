package lm

import (
	"os"
	"testing"

	"github.com/lmzip/lmzip/internal/safetensors"
	"github.com/lmzip/lmzip/internal/testutil"
)

func TestGoldenTextTokens(t *testing.T) {
	l, err := Load("small")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(testutil.Data(t, "models", "lmzip-small", "golden.txt"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := safetensors.Open(testutil.Data(t, "models", "lmzip-small", "golden.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	want, _ := g.Tensors["input_ids"].Int32()
	got := l.Tokenizer.Encode(text)
	if len(got) < len(want) {
		t.Fatalf("%d tokens, want at least %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("token %d: %d, want %d (got %v, want %v)", i, got[i], want[i], got[:i+2], want[:i+2])
		}
	}
	if l.Start != 0 || l.Name != "lmzip-small" {
		t.Fatalf("start %d name %s", l.Start, l.Name)
	}
}

// TestTinyArchsStartToken loads the tiny model of every architecture with
// its tokenizer and checks the start token: config.json's bos_token_id
// where the tokenizer has it, else <|endoftext|> (id 0 in these tokenizers).
func TestTinyArchsStartToken(t *testing.T) {
	for arch, want := range map[string]int32{
		"gpt2":                0, // bos_token_id 50256 is beyond the 320-token vocabulary
		"llama":               1,
		"llama3-rope-scaling": 1,
		"qwen2":               0, // bos_token_id null
		"qwen3":               0,
		"mistral":             1,
		"phi":                 1,
		"phi3":                1,
		"gpt_neox":            0,
		"gemma":               2,
		"olmo2":               0, // bos_token_id null
	} {
		l, err := Load(testutil.Data(t, "archs", arch))
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if l.Start != want || l.Context != 64 || l.Name != arch || l.Tokenizer.VocabSize() != 320 {
			t.Errorf("%s: start %d (want %d), context %d, name %s", arch, l.Start, want, l.Context, l.Name)
		}
		if got := string(l.Tokenizer.TokenBytes(l.Start)); (want == 0) != (got == "<|endoftext|>") {
			t.Errorf("%s: start token %q", arch, got)
		}
	}
}
