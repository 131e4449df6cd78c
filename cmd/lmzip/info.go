package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/lmzip/lmzip"
)

func init() {
	register(&command{
		name:    "info",
		aliases: []string{"list", "l"},
		summary: "describe archives: model, sizes, bits per byte",
		usage:   "FILE.lmz...",
		help: `Prints what each archive holds without decompressing it: the model it
needs, the original and compressed sizes, bits per byte, and how its
segments were coded (lm: the language model, cm: the context-mixing coder,
raw: stored).
`,
		run: runInfo,
	})
}

func runInfo(args []string) int {
	c := commands["info"]
	fs := &flagSet{}
	files, code, ok := parseFlags(c, fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	exit := exitOK
	for _, name := range files {
		in, _, _, err := openInput(name)
		if err != nil {
			report(name, err)
			exit = exitError
			continue
		}
		info, err := lmzip.Inspect(in)
		in.Close()
		if err != nil {
			report(name, err)
			exit = exitError
			continue
		}
		printInfo(displayName(name), info)
	}
	return exit
}

func printInfo(name string, i *lmzip.Info) {
	pct := 0.0
	if i.Size > 0 {
		pct = 100 * float64(i.Compressed) / float64(i.Size)
	}
	var segs []string
	for _, m := range []string{"lm", "cm", "raw"} {
		segs = append(segs, fmt.Sprintf("%d %s (%d bytes)", i.Segments[m], m, i.StreamBytes[m]))
	}
	fmt.Fprintf(os.Stdout, `%s
  format      version %d, numeric recipe %d%s
  model       %s (id %x)
  original    %d bytes, CRC-32C %08x
  compressed  %d bytes (%.2f%%, %.3f bits per byte)
  blocks      %d coded, %d stored; %d tokens; segments of %d tokens, up to %d per block
  segments    %s
`, name, i.Version, i.Recipe, recipeLabel(i.Recipe), i.Model, i.ModelID, i.Size, i.Checksum, i.Compressed, pct, i.BitsPerByte(),
		i.Blocks, i.Stored, i.Tokens, i.SegmentTokens, i.GroupSegments, strings.Join(segs, ", "))
	if i.Version >= 2 {
		fmt.Fprintf(os.Stdout, "  scheme      %s (segments are lanes)\n", i.Scheme)
	}
}

// recipeLabel names a recipe ID for display: " (NAME)", or "" if unknown.
func recipeLabel(id int) string {
	for _, r := range lmzip.Recipes() {
		if r.ID == id {
			return " (" + r.Name + ")"
		}
	}
	return ""
}
