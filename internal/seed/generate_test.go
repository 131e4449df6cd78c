package seed

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

// TestGenerateRoundTrip checks Reverse(Generate(b)) == b for byte strings
// of many lengths, zero and random.
func TestGenerateRoundTrip(t *testing.T) {
	l := loadLM(t, "small")
	rng := rand.New(rand.NewPCG(1, 2))
	prompt := []byte("Complete a long poem about green trees.")
	inputs := [][]byte{nil, {0}, make([]byte, 18), {0xff, 0xff, 0xff}}
	for _, n := range []int{1, 2, 3, 5, 8, 13} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		inputs = append(inputs, b)
	}
	texts := map[string]bool{}
	for i, in := range inputs {
		p := prompt
		if i%3 == 2 {
			p = nil
		}
		t0 := time.Now()
		text, toks, err := Generate(l, p, in, 0, nil)
		if err != nil {
			t.Fatalf("Generate(%x): %v", in, err)
		}
		back, err := Reverse(l, p, text, 0, nil)
		if err != nil {
			t.Fatalf("Reverse(Generate(%x) = %q): %v", in, text, err)
		}
		if !bytes.Equal(back, in) {
			t.Fatalf("Reverse(Generate(%x)) = %x", in, back)
		}
		if texts[string(p)+"\x00"+string(text)] {
			t.Fatalf("two inputs give %q", text)
		}
		texts[string(p)+"\x00"+string(text)] = true
		t.Logf("%d bytes → %d tokens in %v: %q", len(in), len(toks), time.Since(t0).Round(time.Millisecond), text)
	}
	// A text that generate cannot produce is refused.
	if _, err := Reverse(l, prompt, []byte(" the the the the the the"), 0, nil); err == nil {
		t.Error("Reverse accepted an arbitrary text")
	}
}
