package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lmzip/lmzip/internal/filter"
	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/lmcoder"
	"github.com/lmzip/lmzip/internal/mix"
	"github.com/lmzip/lmzip/internal/primer"
	"github.com/lmzip/lmzip/internal/recipe"
)

// exploreMixers are the mixers measured side by side.
var exploreMixers = []struct {
	name string
	cfg  mix.Config
}{
	{"model", mix.Config{}},
	{"+ bias", mix.Config{Bias: true}},
	{"+ n-gram 1-2", mix.Config{Bias: true, Orders: 2}},
	{"+ n-gram 1-4", mix.Config{Bias: true, Orders: 4}},
	{"+ match", mix.Config{Bias: true, Orders: 4, Match: true}},
	{"+ scale", mix.Config{Bias: true, Orders: 4, Match: true, Scale: true}},
	{"+ second model", mix.Config{Bias: true, Orders: 4, Match: true, Scale: true, Second: true}},
	{"+ primer", mix.Config{Bias: true, Orders: 4, Match: true, Scale: true, Second: true}}, // primed below, as a writer would
	{"match alone", mix.Config{Match: true}},
	{"n-gram 1-4 alone", mix.Config{Orders: 4}},
}

// runExplore prints, for each file and context, the real coded size (and
// bits per byte) with each mixer: one run of the model (and of the second
// model, for the mixer that mixes it in) feeds them all.
func runExplore(model, second, contexts string, laneTokens int, files []string) {
	l, err := lm.Load(model)
	check(err)
	net, err := l.Network(recipe.Default)
	check(err)
	l2, err := lm.Load(second)
	check(err)
	net2, err := l2.Network(recipe.Default)
	check(err)
	V := net.Config().VocabSize
	fmt.Printf("LM stream bytes (bits per byte of the file) with each mixer; model s: seconds of the run (all mixers)\n\n| file | context | model s |")
	for _, m := range exploreMixers {
		fmt.Printf(" %s |", m.name)
	}
	fmt.Printf("\n|---|---|---:|%s\n", strings.Repeat("---:|", len(exploreMixers)))
	for _, path := range files {
		data, err := os.ReadFile(path)
		check(err)
		filtered, _ := filter.EncodeCRLF(data)
		tokens := l.Tokenizer.Encode(filtered)
		n := max(1, min(16, len(tokens)/laneTokens))
		size := (len(tokens) + n - 1) / n
		var lanes [][]int32
		for i := 0; i < len(tokens); i += size {
			lanes = append(lanes, tokens[i:min(len(tokens), i+size)])
		}
		for _, c := range strings.Split(contexts, ",") {
			sl := lmcoder.Slide{Window: 1024}
			sl.Recompute = strings.HasSuffix(c, "r")
			sl.Keep, err = strconv.Atoi(strings.TrimSuffix(c, "r"))
			check(err)
			main, err := mix.New(mix.Config{}, V)
			check(err)
			coder, err := lmcoder.NewLanes(net, l.Start, recipe.Default, sl, main)
			check(err)
			check(coder.SetSecond(net2))
			for _, m := range exploreMixers[1:] {
				mx, err := mix.New(m.cfg, V)
				check(err)
				if m.name == "+ primer" {
					// The primer a writer chooses by the first chunk
					// (1 MiB), if any.
					if p := primer.Choose(filtered[:min(len(filtered), 1<<20)]); p != nil {
						mx.Prime(l.Tokenizer.Encode(p.Text))
					}
				}
				coder.Shadow = append(coder.Shadow, mx)
			}
			t0 := time.Now()
			syms, err := coder.Analyze(lanes)
			check(err)
			secs := time.Since(t0).Seconds()
			var bits uint64
			for _, s := range syms {
				for _, y := range s {
					bits += y.Cost()
				}
			}
			// Real coded sizes: the rANS stream of every variant.
			sizes := []int{len(lmcoder.Encode(nil, syms))}
			for _, ss := range coder.ShadowSyms {
				sizes = append(sizes, len(lmcoder.Encode(nil, ss)))
			}
			fmt.Printf("| %s | %d lanes, keep %s | %.0f |", filepath.Base(path), len(lanes), c, secs)
			for _, n := range sizes {
				fmt.Printf(" %d (%.3f) |", n, float64(n)*8/float64(len(data)))
			}
			fmt.Println()
		}
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
