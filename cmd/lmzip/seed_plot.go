package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/lmzip/lmzip/internal/figures"
	"github.com/lmzip/lmzip/internal/seed"
)

func init() {
	register(&command{
		name:    "plot",
		summary: "draw the seed article's figures from a ttout JSON",
		usage:   "hist|heatmap|colors [flags]",
		help: `Draws the figures of "A Compression View of Large Language Models" from the
rank file that modelToInx writes (*.ttout.json):

  lmzip plot hist -i F.ttout.json -o hist.svg      figure 4, the rank histogram:
  lmzip plot hist -i F.ttout.json -o hist.png      % of symbols at each rank
                                                   (x "Index" -2..40, misses at -1)
  lmzip plot heatmap -i F.ttout.json -o heat.html  figure 5, the heat map: the text
                                                   token by token on black, coloured
                                                   with the inferno map by rank depth,
                                                   by model probability and by bits
                                                   per token (three columns)
  lmzip plot colors [--min N] FILE.png             count the colours of an image (a
                                                   check that a screenshot is not
                                                   blank: exit 1 below N, default 2)

The format of hist follows -o's extension (.svg or .png; -f svg|png for
standard output). heatmap needs the tokenizer: -n, else the JSON's modelName.
-s N keeps the first N tokens. Bits per token are each symbol's cost under
the rank coder's static table, log2(total/count).
`,
		run: runPlot,
	})
}

func runPlot(args []string) int {
	c := commands["plot"]
	a := &seedArgs{}
	fs := &flagSet{}
	a.register(fs)
	minColors := 2
	fs.intVar(&minColors, 0, "min", "N", "colors: the fewest colours accepted (default 2)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			_, code, _ := parseFlags(c, fs, args[:1])
			return code
		}
		return usageError("plot needs a figure: hist, heatmap or colors")
	}
	kind, args := args[0], args[1:]
	args, err := argparseArgs(fs, args)
	if err != nil {
		return usageError("plot: %v", err)
	}
	rest, code, ok := parseFlags(c, fs, args)
	if !ok {
		return code
	}
	switch kind {
	case "hist":
		err = plotHist(a)
	case "heatmap":
		err = plotHeatmap(a)
	case "colors", "colours":
		if len(rest) == 1 {
			a.in = rest[0]
		}
		var b []byte
		if b, err = a.read(); err == nil {
			var n int
			n, bounds, e := figures.DistinctColors(b)
			if err = e; err == nil {
				fmt.Printf("%d colours in %dx%d pixels\n", n, bounds.Dx(), bounds.Dy())
				if n < minColors {
					err = fmt.Errorf("only %d colours (fewer than %d): the image is blank", n, minColors)
				}
			}
		}
	default:
		return usageError("plot: unknown figure %q (hist, heatmap or colors)", kind)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lmzip plot %s: %v\n", kind, err)
		return exitError
	}
	return exitOK
}

func plotHist(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	list, err := in.Tokens()
	if err != nil {
		return err
	}
	if a.stopAt > 0 && len(list) > a.stopAt {
		list = list[:a.stopAt]
	}
	ranks := make([]int, len(list))
	for i, e := range list {
		ranks[i] = int(max(-1, min(e.Rank, 1<<30)))
	}
	h := figures.NewHistogram(ranks)
	format := strings.ToLower(a.format)
	if a.out != "" && a.out != "-" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(a.out)), ".")
	}
	switch format {
	case "svg", "":
		return a.write(h.SVG())
	case "png":
		b, err := h.PNG()
		if err != nil {
			return err
		}
		return a.write(b)
	}
	return fmt.Errorf("format %q: hist draws svg or png", format)
}

func plotHeatmap(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	list, err := in.Tokens()
	if err != nil {
		return err
	}
	spec := a.modelSpec(in)
	tok, err := loadTokenizer(spec)
	if err != nil {
		return err
	}
	count := map[int64]int{}
	for _, e := range list {
		count[seed.Symbol(e)]++
	}
	total := float64(len(list))
	if a.stopAt > 0 && len(list) > a.stopAt {
		list = list[:a.stopAt]
	}
	toks := make([]figures.Token, len(list))
	var bits float64
	for i, e := range list {
		t := figures.Token{Rank: int(max(-1, min(e.Rank, 1<<30))), Prob: e.ProbFloat()}
		if e.Token >= 0 && e.Token < int64(tok.VocabSize()) {
			t.Text = tok.TokenBytes(int32(e.Token))
		}
		t.Bits = math.Log2(total / float64(count[seed.Symbol(e)]))
		bits += t.Bits
		toks[i] = t
	}
	name := a.in
	if name == "" || name == "-" {
		name = "standard input"
	}
	caption := fmt.Sprintf("%s: %d tokens, model %s, %.0f bits (%.2f bits per token)", filepath.Base(name), len(toks), spec, bits, bits/max(1, float64(len(toks))))
	return a.write(figures.Heatmap(caption, toks))
}
