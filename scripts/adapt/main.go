// Command adapt measures what adapting lmzip-base's output to the file as
// it is coded could gain, the lever that dynamic evaluation pulls (issue
// 10: A Study in Scarlet's target is some 3% beyond the default level).
// It runs lmzip-base on the first tokens of a file (CRLF turned to LF as
// lmzip's filter does, windows of 1024 positions, 256 carried from the
// window before, float32 weights and cache) and prints the ideal code
// length of the tokens, in float64, under:
//   - the model alone;
//   - an online bias on the logits (the default level's kind of bias: a
//     gradient step per token, one-hot minus the distribution);
//   - that bias and an affine map of the final hidden state, h·(1+a) + b,
//     a and b learned online by a gradient step per token through the
//     tied output matrix (the cheapest part of dynamic evaluation: the
//     output layer's input, not the network).
//
// With -cache it measures instead a neural cache of the file's own final
// hidden states mixed with the model (neuralCache), for a grid of its two
// parameters.
//
// It is a measurement, not an archive: the learned parts would have to be
// computed bit for bit alike in compression and decompression.
//
//	go run ./scripts/adapt [-n TOKENS] [-lr RATE] [-cache [-span N]] FILE
package main

import (
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/scripts/internal/sample"
)

func main() {
	limit := flag.Int("n", 8000, "tokens to measure (0: all)")
	lrH := flag.Float64("lr", 0.002, "learning rate of the affine map")
	lrB := flag.Float64("lrbias", 0.02, "learning rate of the logit bias")
	cache := flag.Bool("cache", false, "measure a neural cache instead")
	span := flag.Int("span", 1<<30, "positions the neural cache reaches back")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: adapt [-n TOKENS] [-lr RATE] [-lrbias RATE] FILE")
		os.Exit(2)
	}
	l, toks, err := sample.Tokens("base", flag.Arg(0), *limit)
	if err != nil {
		fatal(err)
	}
	m, H, err := sample.Hiddens(l, toks)
	if err != nil {
		fatal(err)
	}
	V, d := m.Config().VocabSize, m.Config().HiddenSize
	if *cache {
		neuralCache(m, toks, H, *span)
		return
	}
	// The output matrix, transposed (wt[k*V+v] = W[v][k]), from the
	// logits of the unit vectors.
	eye := make([]float32, d*d)
	for k := range d {
		eye[k*d+k] = 1
	}
	wt32 := make([]float32, d*V)
	m.Logits(wt32, eye, d)
	wt := make([]float64, d*V)
	for i, v := range wt32 {
		wt[i] = float64(v)
	}
	a, b := make([]float64, d), make([]float64, d)
	bias0, bias1 := make([]float64, V), make([]float64, V) // the bias of each variant
	z0, z1, p := make([]float64, V), make([]float64, V), make([]float64, V)
	hh, g := make([]float64, d), make([]float64, d)
	var bitsBase, bitsBias, bitsAffine float64
	for i, y := range toks {
		h := H[i*d : (i+1)*d]
		clear(z0)
		clear(z1)
		for k := range d {
			hk := float64(h[k])
			hh[k] = hk*(1+a[k]) + b[k]
			row := wt[k*V : (k+1)*V]
			for v, w := range row {
				z0[v] += w * hk
				z1[v] += w * hh[k]
			}
		}
		bitsBase += nll(z0, nil, p, y)
		bitsBias += nll(z0, bias0, p, y)
		step(bias0, p, y, *lrB)
		bitsAffine += nll(z1, bias1, p, y)
		// The gradient of -log p(y) with respect to the mapped state:
		// Wᵀ(p - onehot(y)); then a and b by the chain rule.
		p[y]--
		for k := range d {
			row := wt[k*V : (k+1)*V]
			s := 0.0
			for v, w := range row {
				s += w * p[v]
			}
			g[k] = s
		}
		p[y]++
		step(bias1, p, y, *lrB)
		for k := range d {
			a[k] -= *lrH * g[k] * float64(h[k])
			b[k] -= *lrH * g[k]
		}
	}
	nb := len(l.Tokenizer.Decode(toks))
	fmt.Printf("%s, %d tokens (%d bytes)\n", flag.Arg(0), len(toks), nb)
	for _, r := range []struct {
		what string
		bits float64
	}{{"lmzip-base", bitsBase}, {"+ online logit bias", bitsBias}, {"+ bias and affine hidden map", bitsAffine}} {
		fmt.Printf("%-30s %9.0f bits %.4f bits per byte %+6.2f%%\n", r.what, r.bits, r.bits/float64(nb), 100*(r.bits/bitsBase-1))
	}
}

// nll returns -log2 of token y's probability under softmax(z + bias) and
// leaves the distribution in p.
func nll(z, bias, p []float64, y int32) float64 {
	mx := math.Inf(-1)
	for v := range z {
		p[v] = z[v]
		if bias != nil {
			p[v] += bias[v]
		}
		mx = math.Max(mx, p[v])
	}
	s := 0.0
	for v := range p {
		p[v] = math.Exp(p[v] - mx)
		s += p[v]
	}
	for v := range p {
		p[v] /= s
	}
	return -math.Log2(p[y])
}

// step moves the bias by one gradient step: bias -= rate·(p - onehot(y)).
func step(bias, p []float64, y int32, rate float64) {
	for v := range bias {
		bias[v] -= rate * p[v]
	}
	bias[y] += rate
}

// neuralCache prints the ideal code length of toks under lmzip-base mixed
// with a neural cache (Grave et al. 2017): p = (1-λ)·p_model + λ·p_cache,
// p_cache(w) ∝ Σ exp(θ·cos(h_t, h_i)) over the earlier positions i (at
// most span back) whose next token is w, h the final hidden states H.
func neuralCache(m model.Model, toks []int32, H []float32, span int) {
	V, d := m.Config().VocabSize, m.Config().HiddenSize
	n := len(toks)
	logits := make([]float32, V)
	// unit-normalised keys
	K := make([]float64, n*d)
	for i := 0; i < n; i++ {
		s := 0.0
		for k := 0; k < d; k++ {
			s += float64(H[i*d+k]) * float64(H[i*d+k])
		}
		s = math.Sqrt(s)
		for k := 0; k < d; k++ {
			K[i*d+k] = float64(H[i*d+k]) / s
		}
	}
	thetas := []float64{5, 10, 20, 40}
	lambdas := []float64{0.02, 0.05, 0.1, 0.2}
	bits := make([]float64, len(thetas)*len(lambdas))
	base := 0.0
	p := make([]float64, V)
	sim := make([]float64, n)
	for t := 0; t < n; t++ {
		m.Logits(logits, H[t*d:(t+1)*d], 1)
		mx := math.Inf(-1)
		for _, v := range logits {
			mx = math.Max(mx, float64(v))
		}
		s := 0.0
		for v := range p {
			p[v] = math.Exp(float64(logits[v]) - mx)
			s += p[v]
		}
		for v := range p {
			p[v] /= s
		}
		y := toks[t]
		base -= math.Log2(p[y])
		lo := max(0, t-span)
		for i := lo; i < t; i++ {
			dot := 0.0
			for k := 0; k < d; k++ {
				dot += K[t*d+k] * K[i*d+k]
			}
			sim[i] = dot
		}
		for ti, th := range thetas {
			// p_cache(y) only is needed: Σ_{i: toks[i]==y} exp(th·sim) / Σ_i exp(th·sim)
			num, den := 0.0, 0.0
			for i := lo; i < t; i++ {
				e := math.Exp(th * (sim[i] - 1))
				den += e
				if toks[i] == y {
					num += e
				}
			}
			pcy := 0.0
			if den > 0 {
				pcy = num / den
			}
			for li, lam := range lambdas {
				w := lam
				if t == 0 {
					w = 0 // no cache yet
				}
				bits[ti*len(lambdas)+li] -= math.Log2((1-w)*p[y] + w*pcy)
			}
		}
	}
	fmt.Printf("%d tokens: model %.0f bits\n", n, base)
	for ti, th := range thetas {
		for li, lam := range lambdas {
			b := bits[ti*len(lambdas)+li]
			fmt.Printf("theta %4.0f lambda %.2f: %.0f bits %+.2f%%\n", th, lam, b, 100*(b/base-1))
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "adapt:", err)
	os.Exit(1)
}
