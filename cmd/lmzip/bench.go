package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lmzip/lmzip"
	"github.com/lmzip/lmzip/internal/kernel"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "measure compression ratio and speed on files",
		usage:   "[-l LEVEL[,LEVEL...]] [-m MODEL[,MODEL...]] [-T N] FILE...",
		help: `Compresses and decompresses each FILE in memory with each model, checks
the round trip, and prints the size, bits per byte and speed in tokens per
second in each direction, at each level (default: the default level) and
with each model (default: the level's). Nothing is written to disk. To profile, set
LMZIP_CPUPROFILE=FILE (any command).

Examples:
  lmzip bench examples/compressor/AStudyInScarlet.txt
  lmzip bench -m small,base -T 2 book.txt
  lmzip bench -l 4,6,9 book.txt
`,
		run: runBench,
	})
}

func runBench(args []string) int {
	c := commands["bench"]
	fs := &flagSet{}
	modelList := ""
	levelList := fmt.Sprint(lmzip.DefaultLevel)
	threads := 0
	fs.stringVar(&levelList, 'l', "level", "LEVELS", fmt.Sprintf("comma-separated compression levels (default %d)", lmzip.DefaultLevel))
	fs.stringVar(&modelList, 'm', "model", "MODELS", "comma-separated models (default: the level's)")
	fs.countVar(&threads, 'T', "threads", "N", "threads (default: all cores)")
	files, code, ok := parseFlags(c, fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		return usageError("bench needs at least one file")
	}
	if threads > 0 {
		lmzip.SetThreads(threads)
	}
	fmt.Printf("kernels: %s, threads: %d\n", kernel.Implementation(), kernel.Threads())
	var levels []int
	for _, f := range strings.Split(levelList, ",") {
		var l int
		if _, err := fmt.Sscan(f, &l); err != nil || l < 1 || l > 9 {
			return usageError("bad level %q (1 to 9)", f)
		}
		levels = append(levels, l)
	}
	fmt.Printf("%-5s %-12s %-20s %10s %9s %10s %7s %7s %12s %12s\n", "level", "model", "file", "bytes", "tokens", "archive", "%", "bpb", "comp tok/s", "decomp tok/s")
	exit := exitOK
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			report(name, err)
			exit = exitError
			continue
		}
		for _, l := range levels {
			for _, m := range strings.Split(modelList, ",") {
				if err := benchOne(name, data, l, m); err != nil {
					report(name, err)
					exit = exitError
				}
			}
		}
	}
	return exit
}

func benchOne(name string, data []byte, level int, model string) error {
	var buf bytes.Buffer
	w, err := lmzip.NewWriter(&buf, &lmzip.Options{Level: level, Model: model}) // loads the model before timing
	if err != nil {
		return err
	}
	spec := model
	if spec == "" {
		spec = w.Model() // the level's model
	}
	if _, err := lmzip.NewReader(bytes.NewReader(emptyArchive(spec)), &lmzip.ReaderOptions{Model: spec}); err != nil {
		return err
	}
	label := w.Model() + " " + filepath.Base(name)
	bar := newProgress("compress "+label, int64(len(data)), true)
	w, err = lmzip.NewWriter(&buf, &lmzip.Options{Level: level, Model: model, Progress: bar.update})
	if err != nil {
		return err
	}
	t0 := time.Now()
	w.Write(data)
	err = w.Close()
	bar.finish()
	if err != nil {
		return err
	}
	tc := time.Since(t0)
	st := w.Stats()
	bar = newProgress("decompress "+label, int64(buf.Len()), true)
	t1 := time.Now()
	r, err := lmzip.NewReader(bytes.NewReader(buf.Bytes()), &lmzip.ReaderOptions{Model: model, Progress: bar.update})
	if err != nil {
		return err
	}
	back, err := io.ReadAll(r)
	bar.finish()
	if err != nil {
		return err
	}
	td := time.Since(t1)
	if !bytes.Equal(back, data) {
		return fmt.Errorf("round trip differs")
	}
	n := float64(len(data))
	fmt.Printf("%-5d %-12s %-20s %10d %9d %10d %6.2f%% %7.3f %12.0f %12.0f\n", level, w.Model(), filepath.Base(name), len(data), st.Tokens, buf.Len(),
		100*float64(buf.Len())/max(n, 1), 8*float64(buf.Len())/max(n, 1), float64(st.Tokens)/tc.Seconds(), float64(st.Tokens)/td.Seconds())
	return nil
}

// emptyArchive returns the archive of empty input, used to load a model
// before timing.
func emptyArchive(model string) []byte {
	b, _ := lmzip.Compress(nil, &lmzip.Options{Model: model, Level: 1})
	return b
}
