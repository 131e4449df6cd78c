package lmzip

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/mix"
	"github.com/lmzip/lmzip/internal/primer"
	"github.com/lmzip/lmzip/internal/testutil"
)

// benchText is the first 100 kB of A Study in Scarlet.
func benchText(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join(testutil.RepoRoot(b), "examples", "compressor", "AStudyInScarlet.txt"))
	if err != nil {
		b.Fatal(err)
	}
	return data[:100000]
}

// BenchmarkCompress and BenchmarkDecompress report tokens per second with
// each default model (go test -bench Compress -benchtime 1x).
func BenchmarkCompress(b *testing.B) {
	text := benchText(b)
	for _, m := range []string{"small", "base"} {
		b.Run(m, func(b *testing.B) {
			var tokens int64
			Compress(nil, &Options{Model: m}) // load the model
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				var buf bytes.Buffer
				w, err := NewWriter(&buf, &Options{Model: m})
				if err != nil {
					b.Fatal(err)
				}
				w.Write(text)
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				tokens += w.Stats().Tokens
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

func BenchmarkDecompress(b *testing.B) {
	text := benchText(b)
	for _, m := range []string{"small", "base"} {
		b.Run(m, func(b *testing.B) {
			arc, err := Compress(text, &Options{Model: m})
			if err != nil {
				b.Fatal(err)
			}
			info, _ := Inspect(bytes.NewReader(arc))
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := Decompress(arc, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(info.Tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkPrime: priming a level's mixer with Project Gutenberg's primer
// (tokenising it with lmzip-base's tokenizer, then feeding the n-gram and
// match models), which the writer and the reader of a primed archive do
// once.
func BenchmarkPrime(b *testing.B) {
	l, err := lm.Load("base")
	if err != nil {
		b.Fatal(err)
	}
	p, _ := primer.Lookup(1)
	b.SetBytes(int64(len(p.Text)))
	for b.Loop() {
		b.StopTimer()
		mx, err := mix.New(levels[DefaultLevel].Scheme.mix(), l.Tokenizer.VocabSize())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		prime(mx, l, p)
	}
}

// BenchmarkDecodeMember: decoding one short member whose one block the
// model codes (a sentence at level 6), without a primer and with one,
// which the reader learns before that block: what a crafted concatenation
// of such members costs a reader, each.
func BenchmarkDecodeMember(b *testing.B) {
	text := []byte("It was a bright cold day in April, and the clocks were striking thirteen.")
	primed := levels[6].Scheme
	primed.Primer = 1
	for _, c := range []struct {
		name   string
		scheme *Scheme
	}{{"unprimed", nil}, {"primed", &primed}} {
		arc, err := Compress(text, &Options{Level: 6, Scheme: c.scheme, Coders: []string{"lm"}})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(arc)))
			for b.Loop() {
				if _, err := Decompress(arc, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
