package main

import (
	"fmt"
	"os"

	"github.com/lmzip/lmzip/internal/seed"
)

func init() {
	register(&command{
		name:    "flip",
		summary: "the seed's period case-flip (its gzip baseline's transform)",
		usage:   "[-i IN] [-o OUT] [-q]",
		help: `Swaps the case of every ASCII letter that follows a period and one or more
whitespace characters, as the seed's examples/gzipFilp/flip.py does: the
capital that starts a sentence carries almost no information, but it makes
"The" and "the" different strings for gzip. Applying it twice restores the
text, so it decodes itself. The number of letters changed goes to standard
error. Unlike flip.py it works on bytes: line ends (CRLF) are kept and input
need not be UTF-8.

Example:
  lmzip flip -i book.txt | gzip -9 > book.flipped.gz
  gunzip < book.flipped.gz | lmzip flip > book.txt
`,
		run: func(args []string) int {
			c := commands["flip"]
			fs := &flagSet{}
			var in, out string
			quiet := false
			fs.stringVar(&in, 'i', "infile", "FILE", "input (default: standard input)")
			fs.stringVar(&out, 'o', "outfile", "FILE", "output (default: standard output)")
			fs.boolVar(&quiet, 'q', "quiet", "do not report the count")
			rest, code, ok := parseFlags(c, fs, args)
			if !ok {
				return code
			}
			if len(rest) == 1 && in == "" {
				in = rest[0]
			} else if len(rest) > 0 {
				return usageError("flip: unexpected argument %q", rest[len(rest)-1])
			}
			a := &seedArgs{in: in, out: out}
			data, err := a.read()
			if err != nil {
				report(a.inName(), err)
				return exitError
			}
			flipped, n := seed.Flip(data)
			if err := a.write(flipped); err != nil {
				report("output", err)
				return exitError
			}
			if !quiet {
				fmt.Fprintf(os.Stderr, "lmzip flip: %d letters flipped\n", n)
			}
			return exitOK
		},
	})
}
