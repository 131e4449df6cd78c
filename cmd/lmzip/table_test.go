package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

func TestTableTinyModel(t *testing.T) {
	model := testutil.Data(t, "archs", "llama")
	data := []byte("This is just a test string. It is short. It is a test.\n")
	rows, err := tableRows("t.txt", data, []string{model}, true)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	printTable(&b, "t.txt", int64(len(data)), rows)
	out := b.String()
	for _, want := range []string{"| raw | 55 | 100.00% | 8.000 |", "| gzip -9 after the flip |", "| xz -9 |", "| zstd -19 |",
		"| rank .bin (llama, K=128, w=1023) |", "| .lmz (llama) |", "round trip checked"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
