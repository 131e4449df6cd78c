package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	verbose := false
	fs.boolVar(&verbose, 'v', "verbose", "describe every member of a concatenation")
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
		printInfo(displayName(name), info, verbose)
	}
	return exit
}

func printInfo(name string, i *lmzip.Info, verbose bool) {
	pct := 0.0
	if i.Size > 0 {
		pct = 100 * float64(i.Compressed) / float64(i.Size)
	}
	var segs []string
	for _, m := range []string{"lm", "cm", "raw"} {
		segs = append(segs, fmt.Sprintf("%d %s (%d bytes)", i.Segments[m], m, i.StreamBytes[m]))
	}
	original := fmt.Sprintf("%d bytes, CRC-32C %08x", i.Size, i.Checksum)
	if len(i.Members) > 1 {
		original = fmt.Sprintf("%d bytes in %d members", i.Size, len(i.Members))
	}
	fmt.Fprintf(os.Stdout, `%s
  format      version %d, numeric recipe %d%s
  model       %s (id %x)
  original    %s
  compressed  %d bytes (%.2f%%, %.3f bits per byte)
  blocks      %d coded, %d stored; %d tokens; segments of %d tokens, up to %d per block
  segments    %s
`, escape(name), i.Version, i.Recipe, recipeLabel(i.Recipe), escape(i.Model), i.ModelID, original, i.Compressed, pct, i.BitsPerByte(),
		i.Blocks, i.Stored, i.Tokens, i.SegmentTokens, i.GroupSegments, strings.Join(segs, ", "))
	if i.Version >= 2 {
		fmt.Fprintf(os.Stdout, "  scheme      %s (segments are lanes)\n", i.Scheme)
	}
	if len(i.Members) > 1 || verbose {
		for k, m := range i.Members {
			fmt.Fprintf(os.Stdout, "  member %-4d %d -> %d bytes, CRC-32C %08x, %s (id %x), recipe %d\n",
				k+1, m.Size, m.Compressed, m.Checksum, escape(m.Model), m.ModelID, m.Recipe)
		}
	}
	if i.Padding > 0 {
		fmt.Fprintf(os.Stdout, "  padding     %d zero bytes after the last member (ignored)\n", i.Padding)
	}
}

// escape returns s for display: as it is if it is printable UTF-8, else
// quoted with Go's escapes, so that an archive's bytes cannot drive the
// terminal.
func escape(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) || r == '"' || r == '\\' {
			return strconv.Quote(s)
		}
	}
	return s
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
