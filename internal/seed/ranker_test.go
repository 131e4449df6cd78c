package seed

import (
	"os"
	"testing"

	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/testutil"
)

func loadLM(t testing.TB, spec string) *lm.LM {
	t.Helper()
	l, err := lm.Load(spec)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// loadNet returns the stored-precision network of the model spec names.
func loadNet(t testing.TB, spec string) model.Model {
	t.Helper()
	m, err := loadLM(t, spec).Model()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRanksRoundTrip checks modelToInx → modelOfInx on short texts with
// windows that force several cache rebuilds, and that the cached logits
// equal a full pass over each window.
func TestRanksRoundTrip(t *testing.T) {
	book, err := os.ReadFile(testutil.Data(t, "seed", "AStudyInScarlet.txt"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		model  string
		text   []byte
		w, k   int
		minHit int
	}{
		{testutil.Data(t, "archs", "llama"), book[:400], 0, 8, 0},
		{testutil.Data(t, "archs", "llama"), book[:400], 7, 128, 0},
		{"small", book[:2000], 37, 16, 50},
		{"small", book[:500], 1, 128, 10},
	}
	for _, c := range cases {
		l, m := loadLM(t, c.model), loadNet(t, c.model)
		ids := l.Tokenizer.Encode(c.text)
		opt := RankOptions{TopN: c.k, Window: c.w}
		enc, err := Ranks(m, ids, opt)
		if err != nil {
			t.Fatal(err)
		}
		hits := 0
		for _, e := range enc {
			if !e.IsLiteral() {
				hits++
			}
		}
		if 100*hits < c.minHit*len(enc) {
			t.Errorf("%s w=%d: %d hits in %d tokens", c.model, c.w, hits, len(enc))
		}
		// Decode from ranks only, as rangeDecode gives them.
		in := make([]Entry, len(enc))
		for i, e := range enc {
			if e.IsLiteral() {
				in[i] = Entry{e.Token, -1, 0.0}
			} else {
				in[i] = Entry{0, e.Rank, 0.0}
			}
		}
		dec, err := Unrank(m, in, opt)
		if err != nil {
			t.Fatal(err)
		}
		for i := range enc {
			if dec[i].Token != enc[i].Token || (!enc[i].IsLiteral() && dec[i].ProbFloat() != enc[i].ProbFloat()) {
				t.Fatalf("%s w=%d: entry %d decoded as %v, want %v", c.model, c.w, i, dec[i], enc[i])
			}
		}
		t.Logf("%s w=%d K=%d: %d tokens, %d hits", c.model, c.w, c.k, len(enc), hits)
	}
}

func TestTopKRank(t *testing.T) {
	lg := []float32{1, 3, 3, -1, 2, 3}
	top := TopK(lg, 4)
	want := []int32{1, 2, 5, 4}
	for i := range want {
		if top[i] != want[i] {
			t.Fatalf("TopK = %v, want %v", top, want)
		}
	}
	for r, id := range TopK(lg, len(lg)) {
		if Rank(lg, id) != r {
			t.Errorf("Rank(%d) = %d, want %d", id, Rank(lg, id), r)
		}
	}
}
