// Command ablation compresses files with lmzip under a series of schemes
// (the model alone, then with carried context, each adaptive model and the
// mixer's parts) and prints real archive sizes, bits per byte and times as
// a Markdown table. Every archive is decompressed and compared with its
// input.
//
//	go run ./scripts/ablation -m base -steps all FILE...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lmzip/lmzip"
	"github.com/lmzip/lmzip/internal/cm"
	"github.com/lmzip/lmzip/internal/mix"
)

type step struct {
	name   string
	scheme lmzip.Scheme
	lane   int
}

func steps(lane int) []step {
	cold := lmzip.Scheme{Window: 1024, Keep: 1}
	ctx := lmzip.Scheme{Window: 1024, Keep: 512}
	var s []step
	add := func(name string, sc lmzip.Scheme) { s = append(s, step{name, sc, lane}) }
	add("model alone", lmzip.Scheme{})
	add("lanes, cold windows", cold)
	add("+ context (keep 256, shift)", lmzip.Scheme{Window: 1024, Keep: 256})
	add("+ context (keep 512, shift)", ctx)
	add("+ context (keep 512, recompute)", lmzip.Scheme{Window: 1024, Keep: 512, Recompute: true})
	c := ctx
	c.Bias = true
	add("+ bias", c)
	c.Scale = true
	add("+ scale", c)
	c.Orders = 2
	add("+ n-gram 1-2", c)
	c.Orders = 4
	add("+ n-gram 1-4", c)
	c.Match = true
	add("+ match", c)
	c.CM = cm.Version2
	add("+ context-mixing model version 2", c)
	return s
}

func main() {
	model := flag.String("m", "base", "model")
	second := flag.String("second", "small", "the second model of -explore's last mixer")
	lane := flag.Int("lane", 4096, "shortest lane in tokens")
	only := flag.String("steps", "all", "comma-separated step numbers (1-based) or all")
	levels := flag.String("levels", "", "compress at these levels (comma-separated, or all) instead of the ablation steps")
	explore := flag.String("explore", "", "measure ideal code lengths of several mixers in one run of the model per context, for contexts KEEP[r],... (r: recompute)")
	noDecomp := flag.Bool("no-decomp", false, "do not decompress (and verify)")
	dump := flag.String("dump", "", "write the model's logits of one file with context -ctx to this file")
	replay := flag.String("replay", "", "replay a dump through the mixers")
	ctx := flag.String("ctx", "512", "context for -dump")
	flag.Parse()
	if *dump != "" {
		runDump(*model, *ctx, *lane, flag.Arg(0), *dump)
		return
	}
	if *replay != "" {
		var cfgs []mix.Config
		for i, m := range exploreMixers {
			if *only == "all" || strings.Contains(","+*only+",", fmt.Sprintf(",%d,", i+1)) {
				cfgs = append(cfgs, m.cfg)
			}
		}
		runReplay(*replay, cfgs)
		return
	}
	if *explore != "" {
		runExplore(*model, *second, *explore, *lane, flag.Args())
		return
	}
	var all []step
	if *levels != "" {
		for i, lv := range lmzip.Levels() {
			if i > 0 && (*levels == "all" || strings.Contains(","+*levels+",", fmt.Sprintf(",%d,", i))) {
				all = append(all, step{fmt.Sprintf("-%d (%s)", i, lv.Model), lv.Scheme, -i})
			}
		}
	} else {
		all = steps(*lane)
		if *only != "all" {
			var sel []step
			for _, f := range strings.Split(*only, ",") {
				var i int
				fmt.Sscan(f, &i)
				sel = append(sel, all[i-1])
			}
			all = sel
		}
	}
	fmt.Printf("| file | bytes | step | scheme | archive | bpb | comp s | decomp s |\n|---|---:|---|---|---:|---:|---:|---:|\n")
	for _, path := range flag.Args() {
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, st := range all {
			opt := &lmzip.Options{Model: *model}
			if st.lane < 0 {
				opt = &lmzip.Options{Level: -st.lane}
			} else {
				sc := st.scheme
				opt.Scheme, opt.LaneTokens = &sc, st.lane
			}
			t0 := time.Now()
			arc, err := lmzip.Compress(data, opt)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			t1 := time.Now()
			var back []byte
			if *noDecomp {
				back = data
			} else {
				back, err = lmzip.Decompress(arc, nil)
			}
			t2 := time.Now()
			if err != nil || !bytes.Equal(back, data) {
				fmt.Fprintf(os.Stderr, "%s %s: round trip failed: %v\n", path, st.name, err)
				os.Exit(1)
			}
			fmt.Printf("| %s | %d | %s | %s | %d | %.3f | %.1f | %.1f |\n", filepath.Base(path), len(data), st.name, st.scheme, len(arc),
				float64(len(arc))*8/float64(len(data)), t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds())
		}
	}
}
