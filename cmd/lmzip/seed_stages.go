package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lmzip/lmzip"
	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/seed"
	"github.com/lmzip/lmzip/internal/tokenizer"
	"github.com/lmzip/lmzip/models"
)

// The seed's nine pipeline stages (ijm/LLM-compression), under the seed's
// names and with its flags. Each reads standard input and writes standard
// output unless told otherwise, so they pipe:
//
//	lmzip tokensOfStr -i F.txt | lmzip modelToInx -w 1023 | lmzip rangeEncode |
//	lmzip binOfRange -o F.bin
//	lmzip binToRange -i F.bin | lmzip rangeDecode | lmzip modelOfInx -w 1023 |
//	lmzip tokensToStr -o F.decomp.txt

// seedDefaults are the seed's argparse defaults.
const (
	seedWindow    = 1020
	seedTopN      = 128
	seedPrecision = 32
)

// seedArgs are the seed's shared flags (arguments.py).
type seedArgs struct {
	in, out   string
	name      string
	window    int // -1: not given
	topN      int // -1: not given
	stopAt    int
	comment   *string
	precision int
	format    string
	limit     int
	cooldown  string
	quiet     bool
}

func (a *seedArgs) register(fs *flagSet) {
	a.window, a.topN, a.precision = -1, -1, seedPrecision
	fs.stringVar(&a.in, 'i', "infile", "FILE", "input file (default: standard input)")
	fs.stringVar(&a.out, 'o', "outfile", "FILE", "output file (default: standard output)")
	fs.stringVar(&a.name, 'n', "name", "MODEL", "model: base, small, or a model directory; as in the seed, a bare name that is a folder here is that folder (default: the JSON's modelName, else "+models.Default+")")
	fs.intVar(&a.window, 'w', "window", "N", fmt.Sprintf("context window in tokens (default: the JSON's contextwindow, else %d)", seedWindow))
	fs.intVar(&a.topN, 't', "topN", "K", fmt.Sprintf("K of the top-K list (default: the JSON's topN, else %d)", seedTopN))
	fs.intVar(&a.stopAt, 's', "stopat", "N", "as the seed: tokensOfStr keeps the first N tokens, tokensOfData the prompt's first N, modelToInx and modelOfInx model only the first N and write every entry; the other stages ignore it")
	fs.specs = append(fs.specs, &flagSpec{short: 'c', long: "comment", arg: "TEXT", usage: "comment (tokensOfData: the prompt)",
		set: func(v string) error { a.comment = &v; return nil }})
	fs.intVar(&a.precision, 'p', "precision", "BITS", "rANS precision in bits, 1..32 (default 32)")
	fs.stringVar(&a.format, 'f', "format", "FMT", "figure format (accepted and ignored)")
	fs.countVar(&a.limit, 'l', "limit", "N", "threads for the model (the seed's torch thread limit)")
	fs.stringVar(&a.cooldown, 0, "cooldown", "SECS", "accepted and ignored: lmzip does not sleep between passes (-cd)")
	fs.boolVar(&a.quiet, 'q', "quiet", "no progress on standard error")
}

// seedCommand registers one stage.
func seedCommand(name, summary, help string, run func(a *seedArgs) error) {
	c := &command{name: name, summary: summary, usage: "[-i IN] [-o OUT] [flags]", help: help}
	c.run = func(args []string) int {
		a := &seedArgs{}
		fs := &flagSet{}
		a.register(fs)
		args, err := argparseArgs(fs, args)
		if err != nil {
			return usageError("%s: %v", name, err)
		}
		rest, code, ok := parseFlags(c, fs, args)
		if !ok {
			return code
		}
		if len(rest) > 0 {
			return usageError("%s: unexpected argument %q (use -i and -o)", name, rest[0])
		}
		if a.limit > 0 {
			lmzip.SetThreads(a.limit)
		}
		if err := run(a); err != nil {
			fmt.Fprintf(os.Stderr, "lmzip %s: %v\n", name, err)
			return exitError
		}
		return exitOK
	}
	register(c)
}

// argparseArgs rewrites a seed stage's arguments, as Python's argparse
// reads them, into the forms flagSet parses: an unambiguous prefix of a
// long option is that option (--inf, --prec); -X=VALUE gives VALUE to the
// short option -X (-i=FILE); the seed's two-letter -cd is --cooldown, alone
// or as -cd=VALUE, while -cdVALUE stays -c with the value "dVALUE" (a
// comment), as argparse has it.
func argparseArgs(fs *flagSet, args []string) ([]string, error) {
	var out []string
	takesValue := func(s *flagSpec) bool { return s != nil && s.arg != "" }
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...), nil
		case strings.HasPrefix(a, "--") && len(a) > 2:
			name, val, hasVal := strings.Cut(a[2:], "=")
			if fs.lookupLong(name) == nil && name != "help" {
				var matches []string
				for _, long := range append(fs.longNames(), "help") {
					if strings.HasPrefix(long, name) {
						matches = append(matches, "--"+long)
					}
				}
				if len(matches) > 1 {
					return nil, fmt.Errorf("ambiguous option: --%s could match %s", name, strings.Join(matches, ", "))
				}
				if len(matches) == 1 {
					name = matches[0][2:]
				}
			}
			a = "--" + name
			if hasVal {
				a += "=" + val
			}
			out = append(out, a)
			if !hasVal && takesValue(fs.lookupLong(name)) && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
			continue
		case a == "-cd":
			a = "--cooldown"
			if i+1 < len(args) {
				out = append(out, a, args[i+1])
				i++
				continue
			}
		case strings.HasPrefix(a, "-cd="):
			a = "--cooldown=" + a[4:]
		case len(a) > 2 && a[0] == '-' && a[2] == '=' && takesValue(fs.lookupShort(a[1])):
			a = "--" + fs.lookupShort(a[1]).long + a[2:]
		case len(a) == 2 && a[0] == '-' && takesValue(fs.lookupShort(a[1])) && i+1 < len(args):
			out = append(out, a, args[i+1]) // the value, whatever it looks like
			i++
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

func (a *seedArgs) read() ([]byte, error) {
	if a.in == "" || a.in == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(a.in)
}

func (a *seedArgs) write(b []byte) error {
	if a.out == "" || a.out == "-" {
		_, err := os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(a.out, b, 0o644)
}

func (a *seedArgs) readJSON() (*seed.Object, error) {
	b, err := a.read()
	if err != nil {
		return nil, err
	}
	o, err := seed.ReadJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.inName(), err)
	}
	return o, nil
}

func (a *seedArgs) inName() string {
	if a.in == "" || a.in == "-" {
		return "standard input"
	}
	return a.in
}

func (a *seedArgs) writeJSON(o *seed.Object) error {
	b, err := seed.WriteJSON(o)
	if err != nil {
		return err
	}
	return a.write(b)
}

// modelSpec picks the model: -n, else the JSON's modelName, else the
// default model.
func (a *seedArgs) modelSpec(o *seed.Object) string {
	if a.name != "" {
		if o != nil {
			if js, ok := o.Str("modelName"); ok && js != a.name {
				fmt.Fprintf(os.Stderr, "lmzip: warning: the JSON names model %q; using -n %q\n", js, a.name)
			}
		}
		return a.name
	}
	if o != nil {
		if js, ok := o.Str("modelName"); ok && js != "" {
			return js
		}
		fmt.Fprintf(os.Stderr, "lmzip: warning: the JSON names no model; using %s (give -n)\n", models.Default)
	}
	return models.Default
}

func (a *seedArgs) intOr(flag int, o *seed.Object, key string, def int) int {
	if flag >= 0 {
		return flag
	}
	if o != nil {
		if v, err := o.Int(key); err == nil && v > 0 && v < 1<<30 {
			return int(v)
		}
	}
	return def
}

// seedSpec resolves the seed's -n NAME: the rules of -m (built-in names
// first, paths, the Hub), except that a bare name that is a folder here
// names that folder, as transformers' from_pretrained, to which the seed
// passes -n, does (the seed's run.sh says -n gpt2).
func seedSpec(spec string) string {
	if _, builtin := models.Canonical(spec); !builtin && !strings.ContainsAny(spec, `/\`) && spec != "." && spec != ".." {
		if st, e := os.Stat(spec); e == nil && st.IsDir() {
			return "./" + spec
		}
	}
	return spec
}

// loadTokenizer loads only the tokenizer of a model spec: an embedded
// model, or a directory with a tokenizer.json (no weights needed).
func loadTokenizer(spec string) (*tokenizer.Tokenizer, error) {
	src, err := lm.Resolve(seedSpec(spec))
	if err != nil {
		return nil, err
	}
	if f, ok := models.Get(src.Builtin); ok {
		return tokenizer.Load(f.Tokenizer)
	}
	if src.Path == "" || isGGUFPath(src.Path) {
		l, err := lm.Load(seedSpec(spec)) // a Hub model or a GGUF file
		if err != nil {
			return nil, err
		}
		return l.Tokenizer, nil
	}
	b, err := os.ReadFile(filepath.Join(src.Path, "tokenizer.json"))
	if err != nil {
		return nil, err
	}
	return tokenizer.Load(b)
}

// isGGUFPath reports whether a model path names a file (a GGUF model)
// rather than a directory.
func isGGUFPath(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func loadModel(spec string) (*lm.LM, error) {
	l, err := lm.Load(seedSpec(spec))
	if err != nil {
		return nil, fmt.Errorf("%w (give -n base, small or a Hugging Face model directory)", err)
	}
	return l, nil
}

// stageProgress reports progress on standard error: a redrawn line on a
// terminal, a line every 15 seconds otherwise.
func stageProgress(label string, quiet bool) func(done, total int) {
	if quiet {
		return nil
	}
	start := time.Now()
	last := time.Time{}
	tty := isTerminal(os.Stderr)
	return func(done, total int) {
		now := time.Now()
		final := done >= total
		if !final && now.Sub(last) < 200*time.Millisecond || !tty && !final && now.Sub(last) < 15*time.Second {
			return
		}
		if last.IsZero() && !tty && !final {
			last = now
			return
		}
		last = now
		rate := float64(done) / max(now.Sub(start).Seconds(), 1e-9)
		line := fmt.Sprintf("%s: %d/%d tokens, %.0f tokens/s", label, done, total, rate)
		if tty {
			fmt.Fprintf(os.Stderr, "\r\x1b[K%s", line)
			if final {
				fmt.Fprintln(os.Stderr)
			}
		} else {
			fmt.Fprintln(os.Stderr, line)
		}
	}
}

func init() {
	seedCommand("tokensOfStr", "seed stage 1: text to a token list (JSON)", `Reads text and writes the seed's toksout JSON:
{"modelName", "vocabSize", "comment", "tokenList": [[id, -1, 0], ...]}.
The text is tokenized with the tokenizer's default encode (added tokens such
as <|endoftext|> become their ids). -n may name a directory that holds only a
tokenizer.json (e.g. GPT-2's, to reproduce the seed's gpt2 token lists).

Example:
  lmzip tokensOfStr -i F.txt -o F.toksout.json
`, runTokensOfStr)
	seedCommand("modelToInx", "seed stage 2: tokens to ranks under the model (JSON)", `Replaces each token (after the first) by its rank in the model's top-K list
(-t, default 128), [id, rank, prob]; a token outside the list stays a literal
[id, -1, 0]. The model is -n, else the JSON's modelName. The context is a
sliding window of at most -w tokens kept with a KV cache: it holds between
w/2 and w tokens (rebuilt from the last w/2 tokens when full). Ties in the
top-K order go to the lower token id. prob is rounded to 1e-6.

Example:
  lmzip modelToInx -w 1023 -i F.toksout.json -o F.ttout.json
`, runModelToInx)
	seedCommand("rangeEncode", "seed stage 3: ranks to rANS words (JSON)", `Codes the ranks and literals with the seed's static order-0 rANS coder
(precision -p, default 32) and writes the rangedout JSON.
`, runRangeEncode)
	seedCommand("binOfRange", "seed stage 4: rANS JSON to the .bin file", `Writes the seed's .bin layout. Where the seed crashes (no count equal to 1)
lmzip stores every count; the seed's binToRange reads that file unchanged.
`, runBinOfRange)
	seedCommand("binToRange", "seed stage 5: the .bin file to rANS JSON", `Reads a .bin file and writes the rangedin JSON.
`, runBinToRange)
	seedCommand("rangeDecode", "seed stage 6: rANS JSON to ranks (JSON)", `Decodes the rANS words and writes the ttin JSON: literals [id, -1, 0.0] and
ranks [0, rank, 0.0].
`, runRangeDecode)
	seedCommand("modelOfInx", "seed stage 7: ranks back to tokens under the model (JSON)", `Replaces each rank by the token at that rank of the model's top-K list, with
the same model (-n, else the JSON's modelName, else `+models.Default+`), window (-w,
else the JSON's contextwindow, else 1020) and K (-t, else the JSON's topN,
else 128) as modelToInx. The first entry is never predicted.

Example:
  lmzip modelOfInx -w 1023 -i F.ttin.json -o F.toksin.json
`, runModelOfInx)
	seedCommand("tokensToStr", "seed stage 8: tokens to text", `Writes the bytes of the tokens of a JSON token list.
`, runTokensToStr)
	seedCommand("statsOfInx", "seed statistics: hits and misses of a rank file", `Prints what the seed's statsOfInx.py prints for a ttout JSON: the hits (ranks
in the top -t, default 128, not the file's topN), the "perfect hits" (the
count of the most frequent rank) and the misses, with their percentages.

Example:
  lmzip statsOfInx -i F.ttout.json
`, runStatsOfInx)
	seedCommand("statsOfRange", "seed statistics: table and payload sizes of a rANS file", `Prints what the seed's statsOfRange.py prints for a rangedout or rangedin
JSON: the number of symbols, and the sizes of the counts table (without its
trailing 1s), the symbol table and the compressed words, in kB of 4-byte
words.

Example:
  lmzip statsOfRange -i F.rangedout.json
`, runStatsOfRange)
	seedCommand("tokensOfData", "seed generation input: bytes to ranks (JSON)", `Turns each input byte into two ranks, low nibble first, after the prompt
(-c) as literal tokens. Piped through modelOfInx and tokensToStr it
generates text:

  head -c 18 /dev/zero | lmzip tokensOfData -c 'Complete a long poem about green trees.' |
    lmzip modelOfInx -w 128 | lmzip tokensToStr
`, runTokensOfData)
}

func runTokensOfStr(a *seedArgs) error {
	spec := a.name
	if spec == "" {
		spec = models.Default
	}
	tok, err := loadTokenizer(spec)
	if err != nil {
		return err
	}
	text, err := a.read()
	if err != nil {
		return err
	}
	ids := tok.EncodeWithSpecial(text)
	return a.writeJSON(seed.TokensOfStr(spec, tok.VocabSize(), a.comment, ids, a.stopAt))
}

func runModelToInx(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	spec := a.modelSpec(in)
	l, err := loadModel(spec)
	if err != nil {
		return err
	}
	w := a.window
	if w < 0 {
		w = seedWindow
	}
	k := a.topN
	if k < 0 {
		k = seedTopN
	}
	if w < 1 || k < 1 {
		return errors.New("-w and -t must be at least 1")
	}
	m, err := l.Model()
	if err != nil {
		return err
	}
	out, err := seed.ModelToInx(m, in, spec, l.Tokenizer.VocabSize(), a.comment,
		seed.RankOptions{TopN: k, Window: w, StopAt: a.stopAt, Progress: stageProgress("modelToInx", a.quiet)})
	if err != nil {
		return err
	}
	return a.writeJSON(out)
}

func runRangeEncode(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	out, err := seed.RangeEncode(in, a.precision) // the seed ignores -s here
	if err != nil {
		return err
	}
	return a.writeJSON(out)
}

func runBinOfRange(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	b, err := seed.BinOfRange(in)
	if err != nil {
		return err
	}
	return a.write(b)
}

func runBinToRange(a *seedArgs) error {
	b, err := a.read()
	if err != nil {
		return err
	}
	o, err := seed.BinToRange(b)
	if err != nil {
		return err
	}
	return a.writeJSON(o)
}

func runRangeDecode(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	out, err := seed.RangeDecode(in)
	if err != nil {
		return err
	}
	return a.writeJSON(out)
}

func runModelOfInx(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	spec := a.modelSpec(in)
	l, err := loadModel(spec)
	if err != nil {
		return err
	}
	w := a.intOr(a.window, in, "contextwindow", seedWindow)
	k := a.intOr(a.topN, in, "topN", seedTopN)
	if w < 1 || k < 1 {
		return errors.New("-w and -t must be at least 1")
	}
	m, err := l.Model()
	if err != nil {
		return err
	}
	out, err := seed.ModelOfInx(m, in, spec,
		seed.RankOptions{TopN: k, Window: w, StopAt: a.stopAt, Progress: stageProgress("modelOfInx", a.quiet)})
	if err != nil {
		return err
	}
	return a.writeJSON(out)
}

func runTokensToStr(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	list, err := in.Tokens()
	if err != nil {
		return err
	}
	tok, err := loadTokenizer(a.modelSpec(in)) // the seed ignores -s here
	if err != nil {
		return err
	}
	ids, err := seed.TokenIDs(list, tok.VocabSize())
	if err != nil {
		return err
	}
	text, err := tok.DecodeChecked(ids)
	if err != nil {
		return err
	}
	return a.write(text)
}

func runTokensOfData(a *seedArgs) error {
	spec := a.name
	if spec == "" {
		spec = models.Default
	}
	tok, err := loadTokenizer(spec)
	if err != nil {
		return err
	}
	data, err := a.read()
	if err != nil {
		return err
	}
	var prompt []int32
	if a.comment != nil {
		prompt = tok.EncodeWithSpecial([]byte(*a.comment))
	}
	return a.writeJSON(seed.TokensOfData(spec, tok.VocabSize(), a.comment, prompt, data, a.stopAt))
}

func runStatsOfInx(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	k := a.topN
	if k < 0 {
		k = seedTopN
	}
	out, err := seed.StatsOfInx(in, k)
	if err != nil {
		return err
	}
	return a.write([]byte(out))
}

func runStatsOfRange(a *seedArgs) error {
	in, err := a.readJSON()
	if err != nil {
		return err
	}
	out, err := seed.StatsOfRange(in)
	if err != nil {
		return err
	}
	return a.write([]byte(out))
}
