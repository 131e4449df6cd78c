package seed

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// TestStatsGolden: statsOfInx and statsOfRange print what the seed's
// scripts print (their output on the same files, kept in testdata/seed).
func TestStatsGolden(t *testing.T) {
	for _, name := range []string{"synthetic-small", "synthetic-5k"} {
		got, err := StatsOfInx(readObj(t, golden(t, name+".ttout.json")), 128)
		if err != nil {
			t.Fatal(err)
		}
		sameBytes(t, name+" statsOfInx", []byte(got), golden(t, name+".statsOfInx.txt"))
		for _, kind := range []string{"rangedout", "rangedin"} {
			got, err = StatsOfRange(readObj(t, golden(t, name+"."+kind+".json")))
			if err != nil {
				t.Fatal(err)
			}
			sameBytes(t, name+" statsOfRange of "+kind, []byte(got), golden(t, name+".statsOfRange.txt"))
		}
	}
	got, err := StatsOfInx(readObj(t, golden(t, "synthetic-5k.ttout.json")), 5)
	if err != nil {
		t.Fatal(err)
	}
	sameBytes(t, "statsOfInx -t 5", []byte(got), golden(t, "synthetic-5k.t5.statsOfInx.txt"))
}

// TestStopAtLikeSeed: -s N as the seed reads it (count = N or len):
// tokensOfStr keeps tokens[:N] (Python slicing), tokensOfData cuts only the
// prompt, modelToInx and modelOfInx model positions 1..N−1 and write every
// entry (item 22).
func TestStopAtLikeSeed(t *testing.T) {
	ids := []int32{5, 6, 7, 8, 9, 10}
	for stop, want := range map[int]int{0: 6, 3: 3, 10: 6, -2: 4, -10: 0} {
		l, _ := TokensOfStr("m", 320, nil, ids, stop).Tokens()
		if len(l) != want {
			t.Errorf("tokensOfStr -s %d: %d tokens, want %d", stop, len(l), want)
		}
	}
	l, _ := TokensOfData("m", 320, nil, ids, []byte{0x21, 0x43}, 2).Tokens()
	if len(l) != 2+4 || l[1].Token != 6 || l[2].Rank != 1 || l[5].Rank != 4 {
		t.Errorf("tokensOfData -s 2: %v", l)
	}

	m := loadNet(t, testutil.Data(t, "archs", "llama"))
	var in []string
	for i := range 24 {
		in = append(in, fmt.Sprintf("[%d, -1, 0]", (i*37+11)%320))
	}
	toks := readObj(t, []byte(`{"modelName": "m", "vocabSize": 320, "comment": null, "tokenList": [`+strings.Join(in, ", ")+`]}`))
	opt := RankOptions{TopN: 300, Window: 16}
	full, err := ModelToInx(m, toks, "m", 320, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.StopAt = 10
	part, err := ModelToInx(m, toks, "m", 320, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	fl, _ := full.Tokens()
	pl, _ := part.Tokens()
	if len(pl) != 24 {
		t.Fatalf("modelToInx -s 10 wrote %d of 24 entries", len(pl))
	}
	for p, e := range pl {
		if p < 10 && e != fl[p] || p >= 10 && (e.Rank != -1 || e.ProbFloat() != 0 || e.Token != fl[p].Token) {
			t.Fatalf("modelToInx -s 10: entry %d is %v (full run: %v)", p, e, fl[p])
		}
	}
	// modelOfInx -s 10 on ranks only: the first 10 come back, the rest
	// stay as they came in (rank placeholders with token 0).
	var ranks []string
	for _, e := range fl {
		if e.IsLiteral() {
			ranks = append(ranks, fmt.Sprintf("[%d, -1, 0.0]", e.Token))
		} else {
			ranks = append(ranks, fmt.Sprintf("[0, %d, 0.0]", e.Rank))
		}
	}
	ttin := readObj(t, []byte(`{"precision": 32, "tokenList": [`+strings.Join(ranks, ", ")+`]}`))
	back, err := ModelOfInx(m, ttin, "m", opt)
	if err != nil {
		t.Fatal(err)
	}
	bl, _ := back.Tokens()
	if len(bl) != 24 {
		t.Fatalf("modelOfInx -s 10 wrote %d of 24 entries", len(bl))
	}
	for p, e := range bl {
		if p < 10 && e.Token != fl[p].Token || p >= 10 && !fl[p].IsLiteral() && e.Token != 0 {
			t.Fatalf("modelOfInx -s 10: entry %d is %v (full run: %v)", p, e, fl[p])
		}
	}
}

// TestModelStagesJSON: modelToInx and modelOfInx build the seed's JSON in
// this package (item 25): key order, the comment joined, probabilities as
// the seed's numpy array holds them.
func TestModelStagesJSON(t *testing.T) {
	m := loadNet(t, testutil.Data(t, "archs", "llama"))
	c := "+more"
	in := readObj(t, []byte(`{"modelName": "x", "vocabSize": 320, "comment": "c", "tokenList": [[1, -1, 0], [2, -1, 0], [3, -1, 0]]}`))
	out, err := ModelToInx(m, in, "tiny", 320, &c, RankOptions{TopN: 320, Window: 8})
	if err != nil {
		t.Fatal(err)
	}
	js := string(mustJSON(t, out))
	if !strings.HasPrefix(js, `{"modelName": "tiny", "vocabSize": 320, "comment": "c+more", "contextwindow": 8, "topN": 320, "tokenList": [[1, -1, 0.0], [2, `) {
		t.Fatalf("modelToInx JSON: %s", js)
	}
	l, _ := out.Tokens()
	for _, e := range l[1:] {
		if p := e.ProbFloat(); e.Rank < 0 || p != RoundProb(p) {
			t.Fatalf("with TopN = the vocabulary every token is a hit, prob rounded to 1e-6: %v", e)
		}
	}
	// A float in the list makes the seed's array float: unmodelled entries
	// divided by 1e6, hits p + 5e-7.
	in = readObj(t, []byte(`{"modelName": "x", "vocabSize": 320, "comment": null, "tokenList": [[1, -1, 0.5], [2, -1, 0], [3, -1, 0.25]]}`))
	out, err = ModelToInx(m, in, "tiny", 320, nil, RankOptions{TopN: 320, Window: 8, StopAt: 2})
	if err != nil {
		t.Fatal(err)
	}
	l, _ = out.Tokens()
	if l[0].ProbFloat() != 0.5/1e6 || l[2].ProbFloat() != 0.25/1e6 || l[1].ProbFloat() == RoundProb(l[1].ProbFloat()) {
		t.Fatalf("float array: %v", l)
	}
	out, err = ModelOfInx(m, readObj(t, []byte(`{"precision": 32, "tokenList": [[1, -1, 0.1234567], [0, 0, 0.0]]}`)), "tiny", RankOptions{TopN: 4, Window: 8})
	if err != nil {
		t.Fatal(err)
	}
	if js := string(mustJSON(t, out)); !strings.HasPrefix(js, `{"precision": 32, "tokenList": [[1, -1, 0.123456], [`) || !strings.HasSuffix(js, `"modelName": "tiny", "contextwindow": 8, "topN": 4}`) {
		t.Fatalf("modelOfInx JSON: %s", js)
	}
}
