// Command ensemble measures what mixing the two built-in models would
// gain over lmzip-base alone: it runs both on the first tokens of a file
// (CRLF turned to LF as lmzip's filter does, windows of 1024 positions,
// 256 carried from the window before, float32 weights and cache) and prints the ideal code length of the tokens under
// lmzip-base, lmzip-small, fixed linear mixtures of their probabilities,
// and a geometric mixture whose two weights are learned online (p ∝
// p_base^a · p_small^b, a gradient step per token), the kind of mixing a
// level would add (issue 10: "both built-in models mixed").
//
//	go run ./scripts/ensemble [-n TOKENS] FILE
package main

import (
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/scripts/internal/sample"
)

func main() {
	limit := flag.Int("n", 20000, "tokens to measure (0: all)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: ensemble [-n TOKENS] FILE")
		os.Exit(2)
	}
	base, toks, err := sample.Tokens("base", flag.Arg(0), *limit)
	if err != nil {
		fatal(err)
	}
	B := logProbs("base", toks)
	S := logProbs("small", toks)
	n := len(toks)
	bits := func(f func(i int) float64) float64 {
		t := 0.0
		for i := range n {
			t -= f(i) / math.Ln2
		}
		return t
	}
	ref := bits(func(i int) float64 { return B[i][toks[i]] })
	fmt.Printf("%s, %d tokens (%d bytes): lmzip-base %.0f bits (%.3f bits per byte)\n", flag.Arg(0), n, len(base.Tokenizer.Decode(toks)), ref, ref/float64(len(base.Tokenizer.Decode(toks))))
	report := func(what string, b float64) { fmt.Printf("%-34s %9.0f bits %+6.2f%%\n", what, b, 100*(b/ref-1)) }
	report("lmzip-small", bits(func(i int) float64 { return S[i][toks[i]] }))
	for _, w := range []float64{0.6, 0.7, 0.8, 0.9} {
		report(fmt.Sprintf("linear, %.1f base + %.1f small", w, 1-w), bits(func(i int) float64 {
			return math.Log(w*math.Exp(B[i][toks[i]]) + (1-w)*math.Exp(S[i][toks[i]]))
		}))
	}
	a, b, lr := 1.0, 0.0, 0.002
	geo := 0.0
	z := make([]float64, len(B[0]))
	for i := range n {
		mx := math.Inf(-1)
		for k := range z {
			z[k] = a*B[i][k] + b*S[i][k]
			mx = math.Max(mx, z[k])
		}
		s := 0.0
		for _, v := range z {
			s += math.Exp(v - mx)
		}
		y := toks[i]
		norm := mx + math.Log(s)
		geo -= (z[y] - norm) / math.Ln2
		// d(-log p(y))/da = E_p[log p_base] - log p_base(y); likewise b.
		eB, eS := 0.0, 0.0
		for k, v := range z {
			p := math.Exp(v - norm)
			eB += p * B[i][k]
			eS += p * S[i][k]
		}
		a -= lr * (eB - B[i][y])
		b -= lr * (eS - S[i][y])
	}
	report(fmt.Sprintf("geometric, learned (a=%.2f b=%.2f)", a, b), geo)
}

// logProbs returns the log-softmax of the model's logits at every position
// of toks, in float64.
func logProbs(name string, toks []int32) [][]float64 {
	l, err := lm.Load(name)
	if err != nil {
		fatal(err)
	}
	m, H, err := sample.Hiddens(l, toks)
	if err != nil {
		fatal(err)
	}
	V, d := m.Config().VocabSize, m.Config().HiddenSize
	out := make([][]float64, len(toks))
	row := make([]float32, V)
	for i := range toks {
		m.Logits(row, H[i*d:(i+1)*d], 1)
		mx, lse := sample.LogSumExp(row)
		ls := make([]float64, V)
		for k, v := range row {
			ls[k] = float64(v) - mx - lse
		}
		out[i] = ls
	}
	return out
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "ensemble:", err)
	os.Exit(1)
}
