// Command lmzip compresses files with a language model.
//
// Run "lmzip help" for usage.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // a file could not be processed
	exitUsage = 2 // bad command line
)

// command is one subcommand of lmzip.
type command struct {
	name    string
	aliases []string
	summary string
	usage   string // after "lmzip NAME "
	help    string // longer description and examples
	run     func(args []string) int
	hidden  bool
}

var commands = map[string]*command{}

func register(c *command) {
	commands[c.name] = c
	for _, a := range c.aliases {
		commands[a] = c
	}
}

func main() {
	handleSignals()
	// LMZIP_CPUPROFILE=FILE writes a CPU profile of the whole run (for
	// go tool pprof).
	if path := os.Getenv("LMZIP_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
	}
	code := run(os.Args[1:])
	pprof.StopCPUProfile()
	// LMZIP_MEMPROFILE=FILE writes a heap profile at the end of the run
	// (go tool pprof -sample_index=inuse_space: what is still held).
	if path := os.Getenv("LMZIP_MEMPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			runtime.GC() // the profile counts what the last collection saw
			pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
	removeTemps()
	os.Exit(code)
}

func run(args []string) int {
	if len(args) == 0 {
		if isTerminal(os.Stdin) {
			fmt.Fprint(os.Stderr, mainHelp())
			return exitUsage
		}
		return commands["compress"].run(nil)
	}
	switch args[0] {
	case "-h", "--help":
		fmt.Print(mainHelp())
		return exitOK
	case "-V", "--version", "version":
		fmt.Println(versionString())
		return exitOK
	case "help":
		if len(args) > 1 {
			if c := commands[args[1]]; c != nil {
				// The same text as "lmzip COMMAND --help", flags included.
				return c.run([]string{"--help"})
			}
			return usageError("unknown command %q", args[1])
		}
		fmt.Print(mainHelp())
		return exitOK
	}
	if c := commands[args[0]]; c != nil {
		if isFile(args[0]) && !namesInput(args[1:]) {
			return usageError("%q is both a command (%s) and a file here, and no input is named: to compress the file, write lmzip -- %s; to run the command on standard input, lmzip %s -", args[0], c.name, args[0], c.name)
		}
		return c.run(args[1:])
	}
	// gzip/zstd style: "lmzip [-d|-t|-l] [flags] FILE..." with compression
	// as the default; the mode letters may be combined with other short
	// flags (-dc, -cd, -df, -tv, -lv).
	mode, rest := splitMode(args)
	if mode == "" && !strings.HasPrefix(args[0], "-") {
		if _, err := os.Stat(args[0]); err != nil {
			return usageError("unknown command %q (and no such file); see lmzip --help", args[0])
		}
	}
	if mode == "" {
		mode = "compress"
	}
	return commands[mode].run(rest)
}

// isFile reports whether a regular file of that name exists.
func isFile(name string) bool {
	st, err := os.Stat(name)
	return err == nil && st.Mode().IsRegular()
}

// namesInput reports whether args name an input: "-" or an existing file.
func namesInput(args []string) bool {
	for _, a := range args {
		if a == "-" || a == "--" || isFile(a) {
			return true
		}
	}
	return false
}

// splitMode finds the mode flags (-d, -t, -l and their long forms) among
// the flags of the gzip-style command line, alone or combined with other
// short flags, and returns the command they select ("" for none; -l wins
// over -t, which wins over -d) and the arguments without them.
func splitMode(args []string) (string, []string) {
	fs := &flagSet{}
	(&fileOptions{}).register(fs, modeCompress)
	rank := map[string]int{"": 0, "decompress": 1, "test": 2, "info": 3}
	mode := ""
	set := func(m string) {
		if rank[m] > rank[mode] {
			mode = m
		}
	}
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return mode, append(out, args[i:]...)
		case a == "--decompress":
			set("decompress")
			continue
		case a == "--test":
			set("test")
			continue
		case a == "--list":
			set("info")
			continue
		case strings.HasPrefix(a, "--"):
			out = append(out, a)
			if s := fs.lookupLong(a[2:]); s != nil && s.arg != "" && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
			continue
		case len(a) > 1 && a[0] == '-':
			kept := "-"
			value := false // the cluster ends with a flag whose value is the next argument
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'd':
					set("decompress")
					continue
				case 't':
					set("test")
					continue
				case 'l':
					set("info")
					continue
				}
				kept += a[j : j+1]
				if s := fs.lookupShort(a[j]); s != nil && s.arg != "" {
					kept += a[j+1:] // the rest is its value
					value = j == len(a)-1
					break
				}
			}
			if kept != "-" {
				out = append(out, kept)
			}
			if value && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
			continue
		}
		out = append(out, a)
	}
	return mode, out
}

func usageError(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "lmzip: "+format+"\n", a...)
	return exitUsage
}

func versionString() string {
	return "lmzip " + version + " (archive format 1)"
}

const version = "0.1.0"

func mainHelp() string {
	var b strings.Builder
	b.WriteString(`lmzip compresses text with a language model: the model predicts each next
token and lmzip codes only what it did not expect. Prose shrinks to about
1.3 bits per byte, far below gzip, bzip2 and xz. Decompression runs the same
model again, one token of each lane at a time: it takes up to twice as long
as compression.

Usage:
  lmzip [compress] [flags] [FILE...]     compress FILE to FILE.lmz
  lmzip decompress [flags] FILE.lmz...   (or lmzip -d) restore FILE
  lmzip test FILE.lmz...                 (or lmzip -t) check archives
  lmzip info FILE.lmz...                 (or lmzip -l) describe archives
  lmzip COMMAND --help                   more about a command

Commands:
`)
	var names []string
	seen := map[*command]bool{}
	for _, c := range commands {
		if !seen[c] && !c.hidden {
			seen[c] = true
			names = append(names, c.name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-12s %s\n", n, commands[n].summary)
	}
	b.WriteString(`
Examples:
  lmzip book.txt                 writes book.txt.lmz, keeps book.txt
  lmzip -d book.txt.lmz          writes book.txt
  lmzip -m small notes.txt       the faster, smaller model
  cat log | lmzip -c > log.lmz   standard input to standard output
  lmzip info book.txt.lmz        model, sizes, bits per byte

Exit status: 0 on success, 1 if any file failed, 2 for a bad command line.
`)
	return b.String()
}

func commandHelp(c *command) string {
	return fmt.Sprintf("Usage: lmzip %s %s\n\n%s", c.name, c.usage, c.help)
}

// parseFlags parses a command's flags, printing help for -h.
func parseFlags(c *command, fs *flagSet, args []string) ([]string, int, bool) {
	help := false
	fs.boolVar(&help, 'h', "help", "show this help")
	rest, err := fs.parse(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lmzip %s: %v\n", c.name, err)
		fmt.Fprintf(os.Stderr, "Usage: lmzip %s %s\n", c.name, c.usage)
		return nil, exitUsage, false
	}
	if help {
		fmt.Print(commandHelp(c))
		fmt.Print("\nFlags:\n" + fs.usage())
		return nil, exitOK, false
	}
	return rest, 0, true
}

// report prints a per-file error.
func report(name string, err error) {
	if errors.Is(err, io.ErrShortWrite) {
		err = fmt.Errorf("short write: %w", err)
	}
	// One "lmzip:" prefix, however the error was wrapped.
	fmt.Fprintf(os.Stderr, "lmzip: %s: %s\n", escape(name), strings.ReplaceAll(err.Error(), "lmzip: ", ""))
}
