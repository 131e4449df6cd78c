// Command dyneval measures dynamic evaluation (model.Adapter) on files:
//
//	go run ./scripts/dyneval [-m lmzip-base] [-lr 1e-4] [-seg 32] [-keep 256] FILE...
//
// runs the model over each file cut into lanes as the writer cuts them (at
// most 16, at least 4096 tokens each), all lanes in lockstep with caches
// that slide by shifting (keeping the start token and the newest keep-1
// positions), and prints the model's ideal code length without and with an
// Adam step every seg steps. With -tokens OUT it only writes the file's
// tokens (int32) for dyneval.py, the same measurement in PyTorch
// (scripts/dyneval.sh).
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/recipe"
	"github.com/lmzip/lmzip/scripts/internal/sample"
)

func main() {
	name := flag.String("m", "lmzip-base", "built-in model")
	lr := flag.Float64("lr", 1e-4, "Adam's learning rate")
	seg := flag.Int("seg", 32, "steps of every lane between two updates")
	keep := flag.Int("keep", 256, "positions a sliding window keeps")
	tokens := flag.String("tokens", "", "write the tokens of the one FILE to this file and stop")
	flag.Parse()
	if flag.NArg() == 0 || (*tokens != "" && flag.NArg() != 1) {
		fmt.Fprintln(os.Stderr, "usage: go run ./scripts/dyneval [-m MODEL] [-lr LR] [-seg N] [-keep K] FILE... | -tokens OUT FILE")
		os.Exit(2)
	}
	if *tokens != "" {
		_, toks, err := sample.Tokens(*name, flag.Arg(0), 0)
		check(err)
		// (a new file: an existing one is refused, not overwritten)
		f, err := os.OpenFile(*tokens, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		check(err)
		check(binary.Write(f, binary.LittleEndian, toks))
		check(f.Close())
		return
	}
	fmt.Printf("| file | bytes | model alone | dynamic evaluation (lr %g, every %d steps) | change | s |\n|---|---:|---:|---:|---:|---:|\n", *lr, *seg)
	for _, path := range flag.Args() {
		l, toks, err := sample.Tokens(*name, path, 0)
		check(err)
		st, err := os.Stat(path)
		check(err)
		size := float64(st.Size())
		base := run(l, toks, 0, *seg, *keep)
		t0 := time.Now()
		dyn := run(l, toks, float32(*lr), *seg, *keep)
		fmt.Printf("| %s | %d | %.4f | %.4f | %+.2f%% | %.0f |\n", path, st.Size(), base/size, dyn/size, 100*(dyn/base-1), time.Since(t0).Seconds())
	}
}

// run returns the ideal code length in bits of toks in lanes, adapting
// with learning rate lr (0: not).
func run(l *lm.LM, toks []int32, lr float32, seg, keep int) float64 {
	net, err := l.Network(recipe.Default)
	check(err)
	var ad *model.Adapter
	if lr > 0 {
		net, ad, err = model.NewAdapter(net, lr)
		check(err)
	}
	c := net.Config()
	d, V, W := c.HiddenSize, c.VocabSize, c.MaxPositions
	n := max(1, min(16, len(toks)/4096))
	size := (len(toks) + n - 1) / n
	var lanes [][]int32
	for i := 0; i < len(toks); i += size {
		lanes = append(lanes, toks[i:min(len(toks), i+size)])
	}
	caches := make([]*model.Cache, len(lanes))
	for i := range caches {
		caches[i] = net.NewCache(W, recipe.Default.KV)
	}
	bits := 0.0
	for s0 := 0; s0 < size; s0 += seg {
		var inputs []model.Input
		var used []*model.Cache
		var targets [][]int32
		for i, lane := range lanes {
			if s0 >= len(lane) {
				continue
			}
			ys := lane[s0:min(len(lane), s0+seg)]
			var feed []int32
			if s0 == 0 {
				feed = append([]int32{l.Start}, ys[:len(ys)-1]...)
			} else {
				feed = lane[s0-1 : s0-1+len(ys)]
			}
			cc := caches[i]
			if cc.Len+len(feed) > W {
				check(net.(model.Shifter).Shift(cc, 1, cc.Len-keep))
			}
			inputs = append(inputs, model.Input{Cache: cc, Tokens: feed})
			used, targets = append(used, cc), append(targets, ys)
		}
		rows := 0
		for _, in := range inputs {
			rows += len(in.Tokens)
		}
		hidden := make([]float32, rows*d)
		check(net.Forward(inputs, hidden))
		logits := make([]float32, rows*V)
		net.Logits(logits, hidden, rows)
		r := 0
		for _, ys := range targets {
			for _, y := range ys {
				row := logits[r*V : (r+1)*V]
				mx, lse := sample.LogSumExp(row)
				bits += (lse + mx - float64(row[y])) / math.Ln2
				r++
			}
		}
		if ad != nil {
			check(ad.Step(used, targets))
		}
	}
	return bits
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "dyneval:", err)
		os.Exit(1)
	}
}
