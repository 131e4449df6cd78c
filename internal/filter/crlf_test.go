package filter

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestCRLFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []string{"", "\n", "\r", "\r\n", "a\r\nb\r\nc\nd\r\r\n\r", "\n\r\n\r\n\r\n", "x\r\n\r\ny", "no line ends"}
	for i := 0; i < 200; i++ {
		b := make([]byte, r.IntN(60))
		for j := range b {
			b[j] = "ab\r\n"[r.IntN(4)]
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		enc, f := EncodeCRLF([]byte(c))
		dec, err := f.Decode(nil, enc)
		if err != nil || string(dec) != c {
			t.Fatalf("%q: filtered %q (%+v), decoded %q, %v", c, enc, f, dec, err)
		}
		if f.Enabled && bytes.Contains(enc, []byte("\r\n")) && len(enc) == len(c) {
			t.Fatalf("%q: enabled but nothing changed", c)
		}
	}
}

func TestCRLFSplit(t *testing.T) {
	src := []byte("a\r\nb\nc\r\nd\r\ne\r\nf\n")
	enc, f := EncodeCRLF(src)
	if !f.Enabled || len(f.Bare) != 2 {
		t.Fatalf("filter %+v", f)
	}
	// Split the filtered text after its third LF.
	cut := 0
	for n := 0; n < 3; n++ {
		cut += bytes.IndexByte(enc[cut:], '\n') + 1
	}
	a, err := f.Split(0, 3).Decode(nil, enc[:cut])
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Split(3, 100).Decode(nil, enc[cut:])
	if err != nil {
		t.Fatal(err)
	}
	if got := string(a) + string(b); got != string(src) {
		t.Fatalf("split decode %q, want %q", got, src)
	}
	if _, err := (CRLF{Enabled: true, Bare: []int{7}}).Decode(nil, []byte("a\nb")); err == nil {
		t.Fatal("exception past the text accepted")
	}
}
