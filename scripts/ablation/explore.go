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
	"github.com/lmzip/lmzip/internal/recipe"
)

// exploreMixers are the mixers measured side by side.
var exploreMixers = []struct {
	name string
	cfg  mix.Config
}{
	{"model", mix.Config{}},
	{"+bias", mix.Config{Bias: true}},
	{"+scale", mix.Config{Scale: true}},
	{"+bias+scale", mix.Config{Bias: true, Scale: true}},
	{"+ngram1-2", mix.Config{Bias: true, Scale: true, Orders: 2}},
	{"+ngram1-4", mix.Config{Bias: true, Scale: true, Orders: 4}},
	{"+match (all)", mix.Config{Bias: true, Scale: true, Orders: 4, Match: true}},
	{"all but bias", mix.Config{Scale: true, Orders: 4, Match: true}},
	{"match only", mix.Config{Match: true}},
}

// runExplore prints, for each file and context, the ideal code length
// (bits per byte) with each mixer: one run of the model feeds them all.
func runExplore(model, contexts string, laneTokens int, files []string) {
	l, err := lm.Load(model)
	check(err)
	net, err := l.Network(recipe.Default)
	check(err)
	V := net.Config().VocabSize
	fmt.Printf("| file | context | model s |")
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
			for _, m := range exploreMixers[1:] {
				mx, err := mix.New(m.cfg, V)
				check(err)
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
			costs := append([]uint64{bits}, coder.ShadowCost...)
			fmt.Printf("| %s | %d lanes, keep %s | %.0f |", filepath.Base(path), len(lanes), c, secs)
			for _, b := range costs {
				fmt.Printf(" %.4f |", float64(b)/65536/float64(len(data)))
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
