package lm

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
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

// TestGGUF loads stories260K.gguf: its name is the file's, its identity the
// SHA-256 of the file, its start token BOS.
func TestGGUF(t *testing.T) {
	path := testutil.Data(t, "gguf", "stories260K.gguf")
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Hash != sha256.Sum256(data) {
		t.Errorf("hash %x, want the file's SHA-256", l.Hash)
	}
	if l.Name != "stories260K.gguf" || l.Start != 1 || l.Context != 2048 || !l.Tokenizer.Lossless() || l.Config().VocabSize != 512 {
		t.Errorf("name %q start %d context %d lossless %v", l.Name, l.Start, l.Context, l.Tokenizer.Lossless())
	}
	if again, err := Load(path); err != nil || again != l {
		t.Errorf("second Load: %p %v, want the cached %p", again, err, l)
	}
	// A damaged file is an error, not a panic.
	bad := filepath.Join(t.TempDir(), "bad.gguf")
	if err := os.WriteFile(bad, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "bad.gguf") {
		t.Errorf("truncated GGUF: %v", err)
	}
}
