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
