package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lmzip/lmzip"
	"github.com/lmzip/lmzip/internal/seed"
)

func init() {
	register(&command{
		name:    "table",
		summary: "size table: raw, gzip, flip+gzip, bzip2, xz, zstd, rank .bin, .lmz",
		usage:   "[-m MODELS] [--verify] FILE...",
		help: `Prints, for each FILE, a Markdown table of its size under: gzip -9, gzip -9
after the period case-flip, bzip2 -9, xz -9, zstd -19 (each run as an external
program when installed, "n/a" otherwise; they read standard input, so gzip
stores no file name), the seed's rank .bin (tokensOfStr → modelToInx with
K=128, w=1023 → rangeEncode → binOfRange) and lmzip's .lmz archive, each
with every model of -m (default small,base): bytes, percent of the raw
size and bits per byte. Progress goes to standard error.

--verify also decodes each rank .bin (binToRange → rangeDecode → modelOfInx
→ tokensToStr) and each .lmz and checks that the bytes come back; decoding a
rank .bin runs the model one token at a time, so it takes several times
longer than encoding.

Example:
  lmzip table examples/compressor/AStudyInScarlet.txt
`,
		run: runTable,
	})
}

type tableRow struct {
	name string
	size int64 // −1: n/a
	note string
}

func runTable(args []string) int {
	c := commands["table"]
	fs := &flagSet{}
	modelList := "small,base"
	verify := false
	threads := 0
	fs.stringVar(&modelList, 'm', "model", "MODELS", "comma-separated models (default small,base)")
	fs.boolVar(&verify, 0, "verify", "decode the rank .bin and the .lmz and compare")
	fs.countVar(&threads, 'T', "threads", "N", "threads (default: all cores)")
	files, code, ok := parseFlags(c, fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		return usageError("table needs at least one file")
	}
	if threads > 0 {
		lmzip.SetThreads(threads)
	}
	exit := exitOK
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			report(name, err)
			exit = exitError
			continue
		}
		rows, err := tableRows(name, data, strings.Split(modelList, ","), verify)
		if err != nil {
			report(name, err)
			exit = exitError
			continue
		}
		printTable(os.Stdout, filepath.Base(name), int64(len(data)), rows)
	}
	return exit
}

// external runs a compressor on data and returns its output size, or −1
// when the program is not installed.
func external(data []byte, prog string, args ...string) (int64, error) {
	path, err := exec.LookPath(prog)
	if err != nil {
		return -1, nil
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin = bytes.NewReader(data)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s: %w", prog, err)
	}
	return int64(out.Len()), nil
}

func tableRows(name string, data []byte, modelNames []string, verify bool) ([]tableRow, error) {
	rows := []tableRow{{"raw", int64(len(data)), ""}}
	flipped, nFlip := seed.Flip(data)
	for _, x := range []struct {
		name, prog string
		in         []byte
		args       []string
		note       string
	}{
		{"gzip -9", "gzip", data, []string{"-9", "-c"}, ""},
		{"gzip -9 after the flip", "gzip", flipped, []string{"-9", "-c"}, fmt.Sprintf("%d letters flipped", nFlip)},
		{"bzip2 -9", "bzip2", data, []string{"-9", "-c"}, ""},
		{"xz -9", "xz", data, []string{"-9", "-c"}, ""},
		{"zstd -19", "zstd", data, []string{"-19", "-c", "-q"}, ""},
	} {
		fmt.Fprintf(os.Stderr, "table: %s: %s\n", filepath.Base(name), x.name)
		n, err := external(x.in, x.prog, x.args...)
		if err != nil {
			return nil, err
		}
		rows = append(rows, tableRow{x.name, n, x.note})
	}
	for _, m := range modelNames {
		m = strings.TrimSpace(m)
		row, err := rankBinRow(name, data, m, verify)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	for _, m := range modelNames {
		m = strings.TrimSpace(m)
		fmt.Fprintf(os.Stderr, "table: %s: lmzip .lmz with %s\n", filepath.Base(name), m)
		t0 := time.Now()
		bar := newProgress(fmt.Sprintf("table: %s: .lmz with %s", filepath.Base(name), m), int64(len(data)), true)
		arch, err := lmzip.Compress(data, &lmzip.Options{Model: m, Progress: bar.update})
		bar.finish()
		if err != nil {
			return nil, err
		}
		note := fmt.Sprintf("%.0f s", time.Since(t0).Seconds())
		if verify {
			back, err := lmzip.Decompress(arch, &lmzip.ReaderOptions{Model: m})
			if err != nil || !bytes.Equal(back, data) {
				return nil, fmt.Errorf(".lmz with %s does not decompress to the input (%v)", m, err)
			}
			note += ", round trip checked"
		}
		l, err := loadModel(m)
		if err != nil {
			return nil, err
		}
		rows = append(rows, tableRow{".lmz (" + l.Name + ")", int64(len(arch)), note})
	}
	return rows, nil
}

// rankBinRow runs the seed's compressor stages in memory.
func rankBinRow(name string, data []byte, model string, verify bool) (tableRow, error) {
	l, err := loadModel(model)
	if err != nil {
		return tableRow{}, err
	}
	net, err := l.Model()
	if err != nil {
		return tableRow{}, err
	}
	const k, w = 128, 1023
	ids := l.Tokenizer.EncodeWithSpecial(data)
	label := fmt.Sprintf("%s: rank .bin with %s", filepath.Base(name), l.Name)
	t0 := time.Now()
	ranks, err := seed.Ranks(net, ids, seed.RankOptions{TopN: k, Window: w, Progress: stageProgress(label, false)})
	if err != nil {
		return tableRow{}, err
	}
	o := seed.TokensOfStr(model, l.Tokenizer.VocabSize(), nil, nil, 0)
	o.Set("tokenList", ranks)
	ro, err := seed.RangeEncode(o, 32)
	if err != nil {
		return tableRow{}, err
	}
	bin, err := seed.BinOfRange(ro)
	if err != nil {
		return tableRow{}, err
	}
	hits := 0
	for _, e := range ranks {
		if !e.IsLiteral() {
			hits++
		}
	}
	note := fmt.Sprintf("%d tokens, %.1f%% in the top %d, %.0f s", len(ids), 100*float64(hits)/float64(max(1, len(ids))), k, time.Since(t0).Seconds())
	if verify {
		ri, err := seed.BinToRange(bin)
		if err == nil {
			ri, err = seed.RangeDecode(ri)
		}
		var list []seed.Entry
		if err == nil {
			list, err = ri.Tokens()
		}
		if err == nil {
			list, err = seed.Unrank(net, list, seed.RankOptions{TopN: k, Window: w, Progress: stageProgress(label+" (decoding)", false)})
		}
		var back []byte
		if err == nil {
			var got []int32
			if got, err = seed.TokenIDs(list, l.Tokenizer.VocabSize()); err == nil {
				back, err = l.Tokenizer.DecodeChecked(got)
			}
		}
		if err != nil || !bytes.Equal(back, data) {
			return tableRow{}, fmt.Errorf("the rank .bin with %s does not decode to the input (%v)", l.Name, err)
		}
		note += ", round trip checked"
	}
	return tableRow{fmt.Sprintf("rank .bin (%s, K=%d, w=%d)", l.Name, k, w), int64(len(bin)), note}, nil
}

func printTable(w io.Writer, name string, raw int64, rows []tableRow) {
	fmt.Fprintf(w, "\n%s (%d bytes)\n\n", name, raw)
	fmt.Fprintln(w, "| method | bytes | % of raw | bits per byte | |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | --- |")
	for _, r := range rows {
		if r.size < 0 {
			fmt.Fprintf(w, "| %s | n/a | n/a | n/a | not installed |\n", r.name)
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %.2f%% | %.3f | %s |\n", r.name, r.size, 100*float64(r.size)/float64(max(raw, 1)), 8*float64(r.size)/float64(max(raw, 1)), r.note)
	}
}
