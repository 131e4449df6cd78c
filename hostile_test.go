package lmzip

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// hostileInputs are inputs that are not text, or text at its strangest.
func hostileInputs(t *testing.T) map[string][]byte {
	exe, err := os.ReadFile(os.Args[0]) // this test binary: an ELF (or other) executable
	if err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "figures", "heatmap.png"))
	if err != nil {
		t.Fatal(err)
	}
	mixed := []byte("UTF-8 café, Latin-1 caf\xe9, UTF-16LE c\x00a\x00f\x00\xe9\x00, Shift-JIS \x83\x65\x83\x4c\x83\x58\x83\x67, emoji 🙂\r\n")
	return map[string][]byte{
		"random":          randomBytes(9, 200000),
		"executable":      exe[:min(len(exe), 300000)],
		"png":             png[:min(len(png), 200000)],
		"NUL bytes":       make([]byte, 100000),
		"huge line":       bytes.Repeat([]byte("word "), 60000),
		"mixed encodings": bytes.Repeat(mixed, 500),
		"all bytes": bytes.Repeat(func() []byte {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}(), 200),
		"CR only": bytes.Repeat([]byte("line\r"), 5000),
	}
}

// TestHostileInputs checks that any input decodes to exactly itself and
// grows by at most 64 bytes plus 0.1%.
func TestHostileInputs(t *testing.T) {
	model := tinyModel(t)
	for name, data := range hostileInputs(t) {
		t.Run(name, func(t *testing.T) {
			arc := roundTrip(t, data, &Options{Model: model})
			limit := len(data) + 64 + len(data)/1000
			t.Logf("%d -> %d bytes", len(data), len(arc))
			if len(arc) > limit {
				t.Fatalf("%d bytes grew to %d (limit %d)", len(data), len(arc), limit)
			}
		})
	}
}
