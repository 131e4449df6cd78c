package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/lmzip/lmzip"
	"github.com/lmzip/lmzip/internal/kernel"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "measure compression ratio and speed on files",
		usage:   "[-l LEVEL[,LEVEL...]] [-m MODEL[,MODEL...]] [--recipe R[,R...]] [-T N] [--segment N] [--coders LIST] FILE...",
		help: `Compresses and decompresses each FILE in memory at each level (default:
the default level), with each model (default: the level's) and numeric
recipe, checks the round trip, and prints the size and bits per
byte, and for each direction the speed in tokens and kilobytes (1000 bytes
of input) per second, the arithmetic done per second (GFLOP/s: the float32
matrix products and attention; GOP/s: the int8 products; a multiply-add is
two operations) and its share of the ceiling. The ceiling is what the matrix
products reach on this machine, measured first by a short microbenchmark of
each kind (float32, bfloat16 and int8 weights) on 1 thread and on all; the
share is the time the run's arithmetic would take at the ceiling over the
time it took. GB/s is the memory the kernels must at least read (each
matrix product's weights once, each attention row's keys and values), and
"memory" its share of how fast this machine reads memory (measured first,
by summing a buffer far larger than the processor's caches): decompression
advances one token of each of sixteen segments per step, each reading its
own cache, and is bound by memory, not by arithmetic. Nothing is written to disk. To profile, set
LMZIP_CPUPROFILE=FILE or LMZIP_MEMPROFILE=FILE (any command; the heap
profile is taken at the end, GODEBUG=memprofilerate=1 records every
allocation).

Examples:
  lmzip bench examples/compressor/AStudyInScarlet.txt
  lmzip bench -m small,base --recipe f16kv,int8 -T 2 book.txt
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
	recipeList := defaultRecipeName()
	threads := 0
	fs.stringVar(&levelList, 'l', "level", "LEVELS", fmt.Sprintf("comma-separated compression levels (default %d)", lmzip.DefaultLevel))
	fs.stringVar(&modelList, 'm', "model", "MODELS", "comma-separated models (default: the level's)")
	fs.stringVar(&recipeList, 0, "recipe", "RECIPES", "comma-separated numeric recipes: "+recipeNames()+" (default "+defaultRecipeName()+")")
	var base lmzip.Options
	coders := ""
	useCPU := false
	fs.boolVar(&useCPU, 0, "cpu-time", "time by the CPU time used divided by the threads, not the wall clock (for a machine other programs share)")
	fs.intVar(&base.SegmentTokens, 0, "segment", "N", "tokens per segment (default: the model's context)")
	fs.stringVar(&coders, 0, "coders", "LIST", "coders a segment may use: lm,cm,raw (default all)")
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
	if coders != "" {
		base.Coders = strings.Split(coders, ",")
	}
	var recipes []int
	for _, r := range strings.Split(recipeList, ",") {
		id, err := lmzip.ParseRecipe(r)
		if err != nil {
			return usageError("%v", err)
		}
		recipes = append(recipes, id)
	}
	var levels []int
	top := len(lmzip.Levels()) - 1
	for _, f := range strings.Split(levelList, ",") {
		l, err := strconv.Atoi(f)
		if err != nil || l < 1 || l > top {
			return usageError("bad level %q (1 to %d)", f, top)
		}
		levels = append(levels, l)
	}
	fmt.Printf("kernels: %s, threads: %d\n", kernel.Implementation(), kernel.Threads())
	clk := clock{cpu: useCPU, threads: kernel.Threads()}
	if useCPU {
		fmt.Printf("times: CPU time / %d threads (--cpu-time)\n", clk.threads)
	}
	ceil := measureCeiling(200*time.Millisecond, clk)
	fmt.Println(ceil)
	fmt.Printf("%-5s %-16s %-6s %-20s %9s %8s %9s %6s  %-10s %7s %7s %8s %7s %8s %6s %7s\n", "level", "model", "recipe", "file", "bytes", "tokens", "archive", "bpb",
		"direction", "tok/s", "KB/s", "GFLOP/s", "GOP/s", "ceiling", "GB/s", "memory")
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
				for _, r := range recipes {
					opt := base
					opt.Level, opt.Model, opt.Recipe = l, m, r
					if err := benchOne(name, data, &opt, ceil, clk); err != nil {
						report(name, err)
						exit = exitError
					}
				}
			}
		}
	}
	return exit
}

func benchOne(name string, data []byte, opt *lmzip.Options, ceil *ceiling, clk clock) error {
	var buf bytes.Buffer
	w, err := lmzip.NewWriter(&buf, opt) // loads the model before timing
	if err != nil {
		return err
	}
	spec := opt.Model
	if spec == "" {
		spec = w.Model() // the level's model
	}
	if _, err := lmzip.NewReader(bytes.NewReader(emptyArchive(spec, opt.Recipe)), &lmzip.ReaderOptions{Model: spec}); err != nil {
		return err
	}
	label := w.Model() + " " + filepath.Base(name)
	bar := newProgress("compress "+label, int64(len(data)), true)
	o := *opt
	o.Progress = bar.update
	if w, err = lmzip.NewWriter(&buf, &o); err != nil {
		return err
	}
	runtime.GC() // the warm-up's garbage is not the run's
	w0, since := kernel.WorkDone(), clk.start()
	w.Write(data)
	err = w.Close()
	tc, wc := since(), kernel.WorkDone().Sub(w0)
	bar.finish()
	if err != nil {
		return err
	}
	st := w.Stats()
	bar = newProgress("decompress "+label, int64(buf.Len()), true)
	runtime.GC()
	w1, since := kernel.WorkDone(), clk.start()
	r, err := lmzip.NewReader(bytes.NewReader(buf.Bytes()), &lmzip.ReaderOptions{Model: opt.Model, Progress: bar.update})
	if err != nil {
		return err
	}
	back, err := io.ReadAll(r)
	td, wd := since(), kernel.WorkDone().Sub(w1)
	bar.finish()
	if err != nil {
		return err
	}
	if !bytes.Equal(back, data) {
		return fmt.Errorf("round trip differs")
	}
	n := float64(len(data))
	model := w.Model()
	if second := w.SecondModel(); second != "" {
		model += "+" + strings.TrimPrefix(second, "lmzip-")
	}
	fmt.Printf("%-5d %-16s %-6s %-20s %9d %8d %9d %6.3f  ", opt.Level, model, recipeName(opt.Recipe), filepath.Base(name), len(data), st.Tokens, buf.Len(), 8*float64(buf.Len())/max(n, 1))
	speed := func(dir string, el time.Duration, wk kernel.Work) string {
		s := el.Seconds()
		return fmt.Sprintf("%-10s %7.0f %7.1f %8.1f %7.1f %7.1f%% %6.1f %6.1f%%", dir, float64(st.Tokens)/s, n/1000/s,
			float64(wk.Float())/1e9/s, float64(wk.Int8())/1e9/s, 100*ceil.share(wk, el), float64(wk.Bytes)/1e9/s, 100*ceil.memShare(wk, el))
	}
	fmt.Println(speed("compress", tc, wc))
	fmt.Printf("%-*s  %s\n", 5+1+16+1+6+1+20+1+9+1+8+1+9+1+6, "", speed("decompress", td, wd))
	return nil
}

// recipeName returns the name of recipe id.
func recipeName(id int) string {
	for _, r := range lmzip.Recipes() {
		if r.ID == id {
			return r.Name
		}
	}
	return fmt.Sprint(id)
}

// emptyArchive returns the archive of empty input, used to load a model
// (and build its network for the recipe) before timing.
func emptyArchive(model string, recipe int) []byte {
	b, _ := lmzip.Compress(nil, &lmzip.Options{Model: model, Recipe: recipe, Level: 1})
	return b
}
