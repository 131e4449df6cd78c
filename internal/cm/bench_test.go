package cm

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

func benchData(b *testing.B) []byte {
	data, err := os.ReadFile(testutil.Data(b, "corpora", "calgary", "book2"))
	if err != nil {
		b.Fatal(err)
	}
	return data[:400000]
}

func BenchmarkEncode(b *testing.B) {
	data := benchData(b)
	for v := Version1; v <= LatestVersion; v++ {
		b.Run(fmt.Sprintf("v%d", v), func(b *testing.B) {
			m, err := NewModelVersion(v)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Reset()
				var w bytes.Buffer
				e := NewEncoder(m, &w)
				e.Write(data)
				e.Close()
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	data := benchData(b)
	c := Compress(data)
	m := NewModel()
	out := make([]byte, len(data))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Reset()
		d := NewDecoder(m, bytes.NewReader(c))
		if _, err := d.Read(out); err != nil {
			b.Fatal(err)
		}
	}
	if !bytes.Equal(out, data) {
		b.Fatal("mismatch")
	}
}

func BenchmarkReset(b *testing.B) {
	m := NewModel()
	for i := 0; i < b.N; i++ {
		m.Reset()
	}
}
