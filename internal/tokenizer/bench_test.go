package tokenizer

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

func scarlet(b *testing.B) []byte {
	text, err := os.ReadFile(testutil.Data(b, "seed", "AStudyInScarlet.txt"))
	if err != nil {
		b.Fatal(err)
	}
	return text
}

// BenchmarkEncode encodes all of A Study in Scarlet (263,703 bytes) with
// GPT-2's tokenizer, the cache warm after the first iteration.
func BenchmarkEncode(b *testing.B) {
	tok, text := loadGPT2(b), scarlet(b)
	dst := make([]int32, 0, len(text)/2)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		dst = tok.AppendEncode(dst[:0], text)
	}
}

// BenchmarkEncodeDefault is BenchmarkEncode with the lmzip models' tokenizer.
func BenchmarkEncodeDefault(b *testing.B) {
	tok, text := loadDefault(b), scarlet(b)
	dst := make([]int32, 0, len(text)/2)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		dst = tok.AppendEncode(dst[:0], text)
	}
}

// BenchmarkEncodeCold encodes the book with an empty cache each time: every
// distinct pre-token goes through BPE once.
func BenchmarkEncodeCold(b *testing.B) {
	tok, text := loadGPT2(b), scarlet(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		tok.cache.init()
		b.StartTimer()
		tok.Encode(text)
	}
}

// BenchmarkEncodeParallel encodes the book from GOMAXPROCS goroutines.
func BenchmarkEncodeParallel(b *testing.B) {
	tok, text := loadGPT2(b), scarlet(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		dst := make([]int32, 0, len(text)/2)
		for pb.Next() {
			dst = tok.AppendEncode(dst[:0], text)
		}
	})
}

// BenchmarkDecode decodes the book's ids.
func BenchmarkDecode(b *testing.B) {
	tok, text := loadGPT2(b), scarlet(b)
	ids := tok.Encode(text)
	dst := make([]byte, 0, len(text))
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		dst = tok.AppendDecode(dst[:0], ids)
	}
}

// BenchmarkLoad parses GPT-2's tokenizer.json (3.5 MB).
func BenchmarkLoad(b *testing.B) {
	data, err := os.ReadFile(gpt2Path(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Load(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeRandom encodes 1 MiB of random bytes (mostly invalid UTF-8,
// few repeats: the cache rarely helps).
func BenchmarkEncodeRandom(b *testing.B) {
	tok := loadGPT2(b)
	text := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range text {
		text[i] = byte(rng.Uint32())
	}
	dst := make([]int32, 0, len(text))
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		dst = tok.AppendEncode(dst[:0], text)
	}
}
