package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/lmzip/lmzip"
	"github.com/lmzip/lmzip/internal/lm"
)

// fileOptions are the flags shared by compress, decompress and test.
type fileOptions struct {
	model   string
	output  string
	stdout  bool
	force   bool
	remove  bool
	quiet   bool
	verbose bool
	threads int
	noProg  bool
	segment int
	group   int
	coders  string
	recipe  string
	suffix  string
	level   int
	noPrime bool
}

// Modes of the file commands: each registers only the flags it uses.
const (
	modeCompress = iota
	modeDecompress
	modeTest
)

func (o *fileOptions) register(fs *flagSet, mode int) {
	fs.stringVar(&o.model, 'm', "model", "MODEL", "base (default), small, a model directory or GGUF file as a path (./DIR), or ORG/NAME[@REVISION] from the Hugging Face Hub")
	if mode != modeTest {
		fs.stringVar(&o.output, 'o', "output", "FILE", "write to FILE (one input only; - for standard output)")
		fs.boolVar(&o.stdout, 'c', "stdout", "write to standard output, keep the input")
		fs.boolVar(&o.force, 'f', "force", "overwrite existing files; write compressed data to a terminal")
		// -k and --rm: the last one given wins.
		fs.specs = append(fs.specs,
			&flagSpec{short: 'k', long: "keep", usage: "keep the input file (the default)", set: func(string) error { o.remove = false; return nil }},
			&flagSpec{long: "rm", usage: "remove the input file after success", set: func(string) error { o.remove = true; return nil }})
	}
	if mode == modeTest {
		// gzip -t accepts these; they change nothing when testing.
		var ignored bool
		fs.boolVar(&ignored, 'c', "stdout", "")
		fs.boolVar(&ignored, 'f', "force", "")
		fs.boolVar(&ignored, 'k', "keep", "")
		for _, s := range fs.specs[len(fs.specs)-3:] {
			s.hidden = true
		}
	}
	fs.boolVar(&o.quiet, 'q', "quiet", "print nothing but errors")
	fs.boolVar(&o.verbose, 'v', "verbose", "print a line per file even when not on a terminal")
	fs.countVar(&o.threads, 'T', "threads", "N", fmt.Sprintf("use N threads (default: all cores; at most %d)", lmzip.MaxThreads))
	fs.boolVar(&o.noProg, 0, "no-progress", "do not draw a progress bar")
	if mode != modeTest {
		fs.stringVar(&o.suffix, 'S', "suffix", "SUF", "archive suffix (default .lmz)")
	}
	if mode == modeCompress {
		for l := 1; l <= 9; l++ {
			fs.specs = append(fs.specs, &flagSpec{short: byte('0' + l), hidden: l != 1,
				usage: "... -9: compression level (--fast = -1, --best = -9)",
				set:   func(string) error { o.level = l; return nil }})
		}
		fs.specs = append(fs.specs,
			&flagSpec{long: "fast", usage: "the same as -1", set: func(string) error { o.level = 1; return nil }},
			&flagSpec{long: "best", usage: "the same as -9", set: func(string) error { o.level = 9; return nil }})
		fs.countVar(&o.level, 0, "level", "N", fmt.Sprintf("compression level 1-9 (default %d): %s", lmzip.DefaultLevel, levelSummary()))
		fs.countVar(&o.segment, 0, "segment", "N", "tokens per segment (default: the model's context)")
		fs.countVar(&o.group, 0, "group", "N", fmt.Sprintf("segments per block, decoded in lockstep (default 16, at most %d)", lmzip.MaxGroupSegments))
		fs.stringVar(&o.coders, 0, "coders", "LIST", "coders a segment may use: lm,cm,raw (default all)")
		fs.stringVar(&o.recipe, 0, "recipe", "NAME", "numeric recipe: "+recipeNames()+" (default "+defaultRecipeName()+")")
		fs.boolVar(&o.noPrime, 0, "no-primer", "do not prime the adaptive models with a built-in text the input carries")
	}
}

func init() {
	register(&command{
		name:    "compress",
		aliases: []string{"c", "z"},
		summary: "compress files (the default command)",
		usage:   "[flags] [FILE...]",
		help: `Compresses each FILE to FILE.lmz with a language model and keeps FILE.
With no FILE, or FILE "-", reads standard input and writes standard output.

The text is cut into lanes, long runs that the model reads with a sliding
window while adaptive models of the file sharpen its predictions; each lane
is coded by the model or, where it predicts worse (tables, code, binary
data), by a context-mixing coder or stored, so no input grows by more than a
few bytes. Windows line ends are normalised and restored exactly.

Levels: -1 (--fast) the small model alone, ... -4 the base model alone
(cold 1024-token segments, as lmzip before levels), -6 the default (base
model with the small model's predictions mixed in, 256 tokens of context
carried, n-gram, match, bias and scale mixed in), -7 more context and
longer lanes (slower to decompress); -8 and -9 (--best) are -6 and -7 with
the base model learning the file as it is coded (dynamic evaluation: much
slower both ways, smaller on long prose). With -m another model, levels
6-9 use it alone (the small model may not share its vocabulary), learning
if it is of the Llama family.

The levels that mix (2, 3 and 5-9) prime their n-gram and match models with
a built-in text when the input carries it: Project Gutenberg's header and
licence, which every ebook of theirs repeats word for word, then costs
almost nothing (--no-primer turns this off; lmzip info shows the primer).

Examples:
  lmzip compress book.txt            book.txt.lmz
  lmzip -m small -k *.txt            the smaller model, several files
  lmzip -9 book.txt                  the smallest archive
  lmzip -c book.txt > book.lmz       to standard output
  lmzip compress -o out.lmz -        standard input to out.lmz
`,
		run: runCompress,
	})
	register(&command{
		name:    "decompress",
		aliases: []string{"d", "x", "unzip"},
		summary: "restore files from .lmz archives",
		usage:   "[flags] [FILE.lmz...]",
		help: `Restores each FILE.lmz to FILE and keeps the archive. The model named in the
archive is loaded (the built-in ones need nothing); for an archive made with
a model directory or GGUF file, give the same one with -m. An archive made
with a model from the Hugging Face Hub (ORG/NAME@COMMIT) finds it in the
Hugging Face cache, or says what to fetch with lmzip pull. The original's checksum
is verified; on any error no output file is left behind.

Examples:
  lmzip decompress book.txt.lmz      book.txt
  lmzip -d -c book.txt.lmz | less    to standard output
`,
		run: func(args []string) int { return runDecompress(args, false) },
	})
	register(&command{
		name:    "test",
		aliases: []string{"t"},
		summary: "check that archives decompress correctly",
		usage:   "[flags] FILE.lmz...",
		help: `Decompresses each archive without writing anything and checks the
original's checksum. Exit status 0 means every archive is intact.
`,
		run: func(args []string) int { return runDecompress(args, true) },
	})
}

// parseFileFlags parses the flags of compress, decompress and test and
// returns the options and the files (standard input when none is named).
// With ok false, the command is over and code is its exit status.
func parseFileFlags(c *command, args []string, mode int) (o *fileOptions, files []string, code int, ok bool) {
	o = &fileOptions{}
	fs := &flagSet{}
	o.register(fs, mode)
	if files, code, ok = parseFlags(c, fs, args); !ok {
		return nil, nil, code, false
	}
	if o.threads > 0 {
		lmzip.SetThreads(o.threads)
	}
	if o.suffix == "" {
		o.suffix = ".lmz"
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	if o.output != "" && len(files) > 1 {
		return nil, nil, usageError("-o takes one input file, not %d", len(files)), false
	}
	return o, files, 0, true
}

func runCompress(args []string) int {
	o, files, code, ok := parseFileFlags(commands["compress"], args, modeCompress)
	if !ok {
		return code
	}
	if o.level != 0 && (o.level < 1 || o.level > 9) {
		return usageError("compression level %d: levels are 1 to 9", o.level)
	}
	opt := &lmzip.Options{Model: o.model, SegmentTokens: o.segment, GroupSegments: o.group, Level: o.level, NoPrimer: o.noPrime}
	if o.recipe != "" {
		id, err := lmzip.ParseRecipe(o.recipe)
		if err != nil {
			return usageError("%v", strings.TrimPrefix(err.Error(), "lmzip: "))
		}
		opt.Recipe = id
	}
	if o.coders != "" {
		opt.Coders = strings.Split(o.coders, ",")
	}
	if err := ensureHubModel(o.model, o.quiet, o.noProg); err != nil {
		fmt.Fprintf(os.Stderr, "lmzip: %v\n", err)
		return exitError
	}
	// Bad option values (a model that does not load, a block size out of
	// range, an unknown coder) are a bad command line: reported once,
	// before any file is touched.
	if _, err := lmzip.NewWriter(io.Discard, opt); err != nil {
		return usageError("%v", strings.TrimPrefix(err.Error(), "lmzip: "))
	}
	exit := exitOK
	for _, f := range files {
		if err := compressFile(f, o, opt); err != nil {
			report(f, err)
			exit = exitError
		}
	}
	return exit
}

// levelSummary describes the levels for --help.
func levelSummary() string {
	var parts []string
	for i, l := range lmzip.Levels() {
		if i > 0 {
			m := l.Model
			if l.Scheme.HasSecond() {
				m += "+" + l.Scheme.Second
			}
			if l.Scheme.Adapts() {
				m += "+learning"
			}
			parts = append(parts, fmt.Sprintf("%d %s%s", i, m, map[bool]string{true: "", false: "+mix"}[l.Scheme.Plain()]))
		}
	}
	return strings.Join(parts, ", ")
}

// recipeNames lists the numeric recipes' names for --help.
func recipeNames() string {
	var names []string
	for _, r := range lmzip.Recipes() {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

func defaultRecipeName() string {
	for _, r := range lmzip.Recipes() {
		if r.ID == lmzip.DefaultRecipe {
			return r.Name
		}
	}
	return ""
}

// target decides where the output of processing name goes: "-" for
// standard output, or a file path.
func (o *fileOptions) target(name string, compress bool) (string, error) {
	switch {
	case o.output != "":
		return o.output, nil
	case o.stdout || name == "-":
		return "-", nil
	case compress:
		if strings.HasSuffix(name, o.suffix) && !o.force {
			return "", fmt.Errorf("already has the %s suffix (use -f to compress it again)", o.suffix)
		}
		return name + o.suffix, nil
	}
	base, ok := strings.CutSuffix(name, o.suffix)
	if !ok || base == "" {
		return "", fmt.Errorf("unknown suffix (expected %s); use -o or -c to name the output", o.suffix)
	}
	if base == "-" {
		// A file named "-" (from "-.lmz"), not standard output.
		base = "./-"
	}
	return base, nil
}

// openInput opens name ("-" for standard input) and returns its size when
// known.
func openInput(name string) (io.ReadCloser, int64, os.FileInfo, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), 0, nil, nil
	}
	f, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the file's name starts the message already
		}
		return nil, 0, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, nil, errors.New("is a directory")
	}
	if !st.Mode().IsRegular() {
		return f, 0, st, nil
	}
	return f, st.Size(), st, nil
}

// output is where a command writes: standard output or an atomic file.
type output struct {
	w    *bufio.Writer
	file *atomicFile
}

// openOutput starts writing path ("-" for standard output). in is the input
// file (nil for standard input), whose mode the output takes; ident is the
// input as opened, which the output must not be.
func openOutput(path string, force bool, in, ident os.FileInfo) (*output, error) {
	if path == "-" {
		if st, err := os.Stdout.Stat(); err == nil && ident != nil && st.Mode().IsRegular() && os.SameFile(st, ident) {
			return nil, errSameFile
		}
		return &output{w: bufio.NewWriterSize(os.Stdout, 1<<16)}, nil
	}
	var mode os.FileMode // 0: 0666 less the umask
	if in != nil {
		mode = in.Mode().Perm()
	}
	f, err := createAtomic(path, force, mode, ident)
	if err != nil {
		return nil, err
	}
	return &output{w: bufio.NewWriterSize(f, 1<<16), file: f}, nil
}

// inputIdentity returns what the input file is, to compare with the
// output: the file, or standard input when it is one.
func inputIdentity(name string, st os.FileInfo) os.FileInfo {
	if name != "-" {
		return st
	}
	if st, err := os.Stdin.Stat(); err == nil {
		return st
	}
	return nil
}

// removeInput removes an input file after success (--rm), unless it is
// the output itself.
func removeInput(name, dest string, ident os.FileInfo) error {
	if name == "-" || dest == "-" {
		return nil
	}
	if st, err := os.Stat(dest); err == nil && os.SameFile(st, ident) {
		return errSameFile
	}
	if st, err := os.Stat(name); err != nil || !os.SameFile(st, ident) {
		return fmt.Errorf("not removed: the input changed while lmzip read it")
	}
	return os.Remove(name)
}

func (o *output) Write(p []byte) (int, error) { return o.w.Write(p) }

// finish flushes and commits the output, preserving the input's times.
func (o *output) finish(force bool, in os.FileInfo) error {
	if err := o.w.Flush(); err != nil {
		o.abort()
		return err
	}
	if o.file == nil {
		return nil
	}
	if err := o.file.commit(force); err != nil {
		return err
	}
	if in != nil && o.file.temp != "" {
		os.Chtimes(o.file.final, in.ModTime(), in.ModTime())
	}
	return nil
}

func (o *output) abort() {
	if o.file != nil {
		o.file.abort()
	}
}

func compressFile(name string, o *fileOptions, opt *lmzip.Options) error {
	dest, err := o.target(name, true)
	if err != nil {
		return err
	}
	if dest == "-" && isTerminal(os.Stdout) && !o.force {
		return fmt.Errorf("compressed data not written to a terminal (use -f to force, or redirect)")
	}
	in, size, st, err := openInput(name)
	if err != nil {
		return err
	}
	defer in.Close()
	ident := inputIdentity(name, st)
	out, err := openOutput(dest, o.force, st, ident)
	if err != nil {
		return err
	}
	bar := newProgress("compress "+displayName(name), size, !o.noProg && !o.quiet)
	opts := *opt
	opts.Progress = bar.update
	start := time.Now()
	w, err := lmzip.NewWriter(out, &opts)
	if err != nil {
		out.abort()
		return err
	}
	_, err = io.Copy(w, in)
	if err == nil {
		err = w.Close()
	}
	bar.finish()
	if err == nil {
		err = out.finish(o.force, st)
	} else {
		out.abort()
	}
	if err != nil {
		return err
	}
	s := w.Stats()
	if o.verbose || (!o.quiet && isTerminal(os.Stderr)) {
		pct, bpb := 0.0, 0.0
		if s.In > 0 {
			pct = 100 * float64(s.Out) / float64(s.In)
			bpb = 8 * float64(s.Out) / float64(s.In)
		}
		el := time.Since(start)
		fmt.Fprintf(os.Stderr, "%s: %d -> %d bytes (%.2f%%, %.3f bits/byte), %s, %d tokens in %.1fs (%.0f tokens/s)\n",
			displayName(name), s.In, s.Out, pct, bpb, w.Model(), s.Tokens, el.Seconds(), float64(s.Tokens)/el.Seconds())
	}
	if o.remove {
		return removeInput(name, dest, ident)
	}
	return nil
}

func displayName(name string) string {
	if name == "-" {
		return "(stdin)"
	}
	return name
}

func runDecompress(args []string, testOnly bool) int {
	c := commands["decompress"]
	if testOnly {
		c = commands["test"]
	}
	mode := modeDecompress
	if testOnly {
		mode = modeTest
	}
	o, files, code, ok := parseFileFlags(c, args, mode)
	if !ok {
		return code
	}
	if o.model != "" {
		if _, err := lm.Load(o.model); err != nil {
			return usageError("%v", strings.TrimPrefix(err.Error(), "lmzip: "))
		}
	}
	exit := exitOK
	for _, f := range files {
		if err := decompressFile(f, o, testOnly); err != nil {
			report(f, err)
			exit = exitError
		}
	}
	return exit
}

func decompressFile(name string, o *fileOptions, testOnly bool) error {
	dest := ""
	if !testOnly {
		var err error
		if dest, err = o.target(name, false); err != nil {
			return err
		}
	}
	in, size, st, err := openInput(name)
	if err != nil {
		return err
	}
	defer in.Close()
	label := "decompress "
	if testOnly {
		label = "test "
	}
	bar := newProgress(label+displayName(name), size, !o.noProg && !o.quiet)
	start := time.Now()
	r, err := lmzip.NewReader(in, &lmzip.ReaderOptions{Model: o.model, Progress: bar.update})
	if err != nil {
		return err
	}
	var w io.Writer = io.Discard
	var out *output
	if !testOnly {
		if out, err = openOutput(dest, o.force, st, inputIdentity(name, st)); err != nil {
			return err
		}
		w = out
	}
	n, err := r.WriteTo(w)
	bar.finish()
	if out != nil {
		if err == nil {
			err = out.finish(o.force, st)
		} else {
			out.abort()
		}
	}
	if err != nil {
		return err
	}
	if o.verbose || (!o.quiet && isTerminal(os.Stderr)) {
		what := "OK"
		if !testOnly {
			what = fmt.Sprintf("%d bytes", n)
			if dest != "-" {
				what += " to " + dest
			}
		}
		fmt.Fprintf(os.Stderr, "%s: %s (%.1fs)\n", displayName(name), what, time.Since(start).Seconds())
	}
	if o.remove && !testOnly {
		return removeInput(name, dest, inputIdentity(name, st))
	}
	return nil
}
