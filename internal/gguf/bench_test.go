package gguf

import (
	"os"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// BenchmarkEncodeVocabs encodes A Study in Scarlet (263,703 bytes) with
// each of llama.cpp's vocabularies read from GGUF (the cache warm after
// the first iteration): byte-level BPE with each family's pre-tokenizer,
// and SentencePiece style (llama-spm, phi-3).
func BenchmarkEncodeVocabs(b *testing.B) {
	text, err := os.ReadFile(testutil.Data(b, "seed", "AStudyInScarlet.txt"))
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"mpt", "falcon", "deepseek-llm", "starcoder", "phi-3"} {
		b.Run(name, func(b *testing.B) {
			f, err := Open(testutil.Data(b, "tokenizers", "ggml-vocab", "ggml-vocab-"+name+".gguf"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			tok, err := f.Tokenizer()
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]int32, 0, len(text)/2)
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for b.Loop() {
				dst = tok.AppendEncode(dst[:0], text)
			}
		})
	}
}
