package lmzip

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

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
