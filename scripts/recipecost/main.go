// Command recipecost measures what a numeric recipe costs in ratio: it
// compresses every file with every model under each recipe (real archives,
// in memory, each checked by decompressing it unless -nocheck) and prints
// a Markdown table of the archive sizes, bits per byte and the change
// against the first recipe.
//
//	go run ./scripts/recipecost -m base,small -r f16kv,int8 [-l LEVEL] testdata/corpora/*/*
//
// scripts/recipecost.sh runs it on the corpora.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lmzip/lmzip"
)

func main() {
	models := flag.String("m", "base,small", "comma-separated models")
	level := flag.Int("l", 4, "compression level (4: the model alone; the models given by -m replace the level's)")
	recipes := flag.String("r", "f16kv,int8", "comma-separated recipes; the first is the reference")
	check := flag.Bool("check", true, "decompress every archive and compare")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: recipecost [-m MODELS] [-r RECIPES] [-l LEVEL] FILE...")
		os.Exit(2)
	}
	var ids []int
	names := strings.Split(*recipes, ",")
	for _, r := range names {
		id, err := lmzip.ParseRecipe(r)
		if err != nil {
			fatal(err)
		}
		ids = append(ids, id)
	}
	for _, m := range strings.Split(*models, ",") {
		fmt.Printf("\nModel %s (sizes in bytes; bpb = bits per byte; Δ against %s)\n\n", m, names[0])
		head := "| file | bytes |"
		rule := "|---|---:|"
		for i, r := range names {
			head += fmt.Sprintf(" %s | bpb |", r)
			rule += "---:|---:|"
			if i > 0 {
				head += " Δ |"
				rule += "---:|"
			}
		}
		fmt.Println(head)
		fmt.Println(rule)
		total := make([]int64, len(ids))
		var totalIn int64
		for _, f := range flag.Args() {
			data, err := os.ReadFile(f)
			if err != nil {
				fatal(err)
			}
			totalIn += int64(len(data))
			line := fmt.Sprintf("| %s | %d |", filepath.Base(f), len(data))
			var ref int
			for i, id := range ids {
				arc, err := lmzip.Compress(data, &lmzip.Options{Level: *level, Model: m, Recipe: id})
				if err != nil {
					fatal(fmt.Errorf("%s: %v", f, err))
				}
				if *check {
					back, err := lmzip.Decompress(arc, nil)
					if err != nil || !bytes.Equal(back, data) {
						fatal(fmt.Errorf("%s, recipe %s: the round trip fails (%v)", f, names[i], err))
					}
				}
				total[i] += int64(len(arc))
				line += fmt.Sprintf(" %d | %.3f |", len(arc), bpb(len(arc), len(data)))
				if i == 0 {
					ref = len(arc)
				} else {
					line += fmt.Sprintf(" %+.2f%% |", 100*(float64(len(arc))/float64(ref)-1))
				}
			}
			fmt.Println(line)
		}
		line := fmt.Sprintf("| **total** | %d |", totalIn)
		for i := range ids {
			line += fmt.Sprintf(" %d | %.3f |", total[i], bpb(int(total[i]), int(totalIn)))
			if i > 0 {
				line += fmt.Sprintf(" %+.2f%% |", 100*(float64(total[i])/float64(total[0])-1))
			}
		}
		fmt.Println(line)
	}
}

func bpb(arc, in int) float64 { return 8 * float64(arc) / max(float64(in), 1) }

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "recipecost:", err)
	os.Exit(1)
}
