package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/lmzip/lmzip"
	"github.com/lmzip/lmzip/internal/seed"
	"github.com/lmzip/lmzip/models"
)

func init() {
	register(&command{
		name:    "generate",
		summary: "generate text from bytes with the model, and back",
		usage:   "[-n MODEL] [-c PROMPT] [-r] [-i IN] [-o OUT]",
		help: `Reads any bytes as if they were a compressed stream of the model's
probability coder and decodes them into a continuation of the prompt: random
bytes give samples of the model, and the same bytes always give the same
text. The output is the prompt followed by the continuation. With -r
(--reverse) it reads such a text and writes the bytes back, so

  lmzip generate -c P < bytes | lmzip generate -r -c P

gives back exactly the bytes, for any byte string (the empty one too). -r
refuses a text that generate cannot have written with this model, prompt and
window.

How: the input (whitened by a fixed key stream, with an end mark so that
inputs are prefix-free) is a point in [0, 1); tokens are decoded from it with
the model's quantised distribution (the most probable token's share capped
at 15/16, and only tokens that keep the text's tokenization canonical) until
the tokens' interval lies inside the input's. Each input byte costs about 8
bits of model information, so a byte yields about two tokens of ordinary
text. The context is the start token, the prompt and the generated tokens
(-w caps it; default: the model's context).

Example:
  head -c 32 /dev/urandom > r.bin
  lmzip generate -c 'Complete a long poem about green trees.' < r.bin > poem.txt
  lmzip generate -r -c 'Complete a long poem about green trees.' < poem.txt | cmp - r.bin

The seed's own generation (two rank nibbles per byte) is the pipeline
tokensOfData | modelOfInx | tokensToStr.
`,
		run: runGenerate,
	})
}

func runGenerate(args []string) int {
	c := commands["generate"]
	fs := &flagSet{}
	var in, out, model, prompt string
	window, threads := 0, 0
	reverse, quiet := false, false
	fs.stringVar(&model, 'n', "name", "MODEL", "model: base (default), small or a Hugging Face directory")
	fs.stringVar(&model, 'm', "model", "MODEL", "the same as -n")
	fs.stringVar(&prompt, 'c', "prompt", "TEXT", "the prompt (default: none)")
	fs.boolVar(&reverse, 'r', "reverse", "text to bytes: give back the bytes a text was generated from")
	fs.intVar(&window, 'w', "window", "N", "context window in tokens (default: the model's context)")
	fs.stringVar(&in, 'i', "infile", "FILE", "input (default: standard input)")
	fs.stringVar(&out, 'o', "outfile", "FILE", "output (default: standard output)")
	fs.countVar(&threads, 'T', "threads", "N", "threads (default: all cores)")
	fs.boolVar(&quiet, 'q', "quiet", "no progress on standard error")
	rest, code, ok := parseFlags(c, fs, args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		return usageError("generate: unexpected argument %q (use -i and -o)", rest[0])
	}
	if model == "" {
		model = models.Default
	}
	if threads > 0 {
		lmzip.SetThreads(threads)
	}
	a := &seedArgs{in: in, out: out}
	data, err := a.read()
	if err != nil {
		report(a.inName(), err)
		return exitError
	}
	l, err := loadModel(model)
	if err != nil {
		report(model, err)
		return exitError
	}
	var progress func(int)
	if !quiet && isTerminal(os.Stderr) {
		progress = func(n int) { fmt.Fprintf(os.Stderr, "\r\x1b[Kgenerate: %d tokens", n) }
		defer fmt.Fprint(os.Stderr, "\r\x1b[K")
	}
	var result []byte
	if reverse {
		text, ok := bytes.CutPrefix(data, []byte(prompt))
		if !ok {
			report(a.inName(), fmt.Errorf("the text does not start with the prompt"))
			return exitError
		}
		result, err = seed.Reverse(l, []byte(prompt), text, window, progress)
	} else {
		var cont []byte
		cont, _, err = seed.Generate(l, []byte(prompt), data, window, progress)
		result = append([]byte(prompt), cont...)
	}
	if err != nil {
		report(a.inName(), err)
		return exitError
	}
	if err := a.write(result); err != nil {
		report("output", err)
		return exitError
	}
	return exitOK
}
