package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

func runCmd(t *testing.T, args ...string) {
	t.Helper()
	if code := run(args); code != exitOK {
		t.Fatalf("lmzip %s: exit %d", strings.Join(args, " "), code)
	}
}

func goldenPath(t *testing.T, name string) string {
	return testutil.Data(t, "seed", name)
}

func sameFile(t *testing.T, got, want string) {
	t.Helper()
	a, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("%s differs from %s (%d and %d bytes)", got, want, len(a), len(b))
	}
}

// TestStagesGolden runs the four model-free stages as commands on the
// seed's golden files.
func TestStagesGolden(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"synthetic-small", "synthetic-5k"} {
		out := filepath.Join(dir, name)
		runCmd(t, "rangeEncode", "-i", goldenPath(t, name+".ttout.json"), "-o", out+".rangedout.json")
		sameFile(t, out+".rangedout.json", goldenPath(t, name+".rangedout.json"))
		runCmd(t, "binOfRange", "-i", out+".rangedout.json", "-o", out+".bin")
		sameFile(t, out+".bin", goldenPath(t, name+".bin"))
		runCmd(t, "binToRange", "-i", out+".bin", "-o", out+".rangedin.json")
		sameFile(t, out+".rangedin.json", goldenPath(t, name+".rangedin.json"))
		runCmd(t, "rangeDecode", "-i", out+".rangedin.json", "-o", out+".ttin.json")
		sameFile(t, out+".ttin.json", goldenPath(t, name+".ttin.json"))
	}
}

// TestBinOfRangeNoSingleton is the case where the seed's binOfRange
// crashes: no symbol occurs exactly once.
func TestBinOfRangeNoSingleton(t *testing.T) {
	dir := t.TempDir()
	tt := filepath.Join(dir, "x.ttout.json")
	os.WriteFile(tt, []byte(`{"modelName": "m", "vocabSize": 10, "comment": "", "contextwindow": 1023, "topN": 128, "tokenList": [[7, -1, 0], [1, 0, 0.5], [7, -1, 0], [2, 0, 0.25]]}`), 0o644)
	runCmd(t, "rangeEncode", "-i", tt, "-o", tt+".r")
	runCmd(t, "binOfRange", "-i", tt+".r", "-o", tt+".bin")
	b, _ := os.ReadFile(tt + ".bin")
	// nSym 2, nCnt 2 (every count stored), then the symbols and counts.
	if !bytes.Equal(b[:8], []byte{0, 0, 0, 2, 0, 0, 0, 2}) || len(b) != 20+4*(2+2)+4*int(b[11]) {
		t.Fatalf("bin header % x, %d bytes", b[:20], len(b))
	}
	runCmd(t, "binToRange", "-i", tt+".bin", "-o", tt+".ri")
	runCmd(t, "rangeDecode", "-i", tt+".ri", "-o", tt+".ti")
	got, _ := os.ReadFile(tt + ".ti")
	if !strings.HasSuffix(string(got), `"tokenList": [[7, -1, 0.0], [0, 0, 0.0], [7, -1, 0.0], [0, 0, 0.0]]}`) {
		t.Fatalf("decoded %s", got)
	}
}

// TestTokensOfStrGPT2 reproduces the seed's gpt2 token lists with "-n gpt2"
// naming GPT-2's tokenizer directory, as the seed's run.sh does.
func TestTokensOfStrGPT2(t *testing.T) {
	dir := t.TempDir()
	names := []string{"TestString", "AStudyInScarlet"}
	var in, want []string
	for _, name := range names {
		in = append(in, goldenPath(t, name+".txt"))
		want = append(want, goldenPath(t, name+".r50k.toksout.json"))
	}
	t.Chdir(testutil.Data(t, "tokenizers"))
	for i, name := range names {
		out := filepath.Join(dir, name+".toksout.json")
		runCmd(t, "tokensOfStr", "-n", "gpt2", "-i", in[i], "-o", out)
		sameFile(t, out, want[i])
	}
}

// TestPipelineTinyModel runs all eight stages with the tiny test model
// and a window that forces cache rebuilds, and checks the round trip.
func TestPipelineTinyModel(t *testing.T) {
	model := testutil.Data(t, "archs", "llama")
	dir := t.TempDir()
	text := []byte("This is just a test string.\nIt has two lines, and some more words.\n")
	f := filepath.Join(dir, "t")
	os.WriteFile(f+".txt", text, 0o644)
	runCmd(t, "tokensOfStr", "-n", model, "-c", "tiny", "-i", f+".txt", "-o", f+".toksout.json")
	runCmd(t, "modelToInx", "-q", "-w", "20", "-t", "32", "-i", f+".toksout.json", "-o", f+".ttout.json")
	runCmd(t, "rangeEncode", "-i", f+".ttout.json", "-o", f+".rangedout.json")
	runCmd(t, "binOfRange", "-i", f+".rangedout.json", "-o", f+".bin")
	runCmd(t, "binToRange", "-i", f+".bin", "-o", f+".rangedin.json")
	runCmd(t, "rangeDecode", "-i", f+".rangedin.json", "-o", f+".ttin.json")
	runCmd(t, "modelOfInx", "-q", "-n", model, "-w", "20", "-t", "32", "-i", f+".ttin.json", "-o", f+".toksin.json")
	runCmd(t, "tokensToStr", "-n", model, "-i", f+".toksin.json", "-o", f+".decomp.txt")
	sameFile(t, f+".decomp.txt", f+".txt")
	tt, _ := os.ReadFile(f + ".ttout.json")
	if !strings.HasPrefix(string(tt), `{"modelName": "`+model+`", "vocabSize": 320, "comment": "tiny", "contextwindow": 20, "topN": 32, "tokenList": [[`) {
		t.Errorf("ttout starts %.150s", tt)
	}
	// The figures from the same file.
	runCmd(t, "plot", "hist", "-i", f+".ttout.json", "-o", f+".svg")
	runCmd(t, "plot", "hist", "-i", f+".ttout.json", "-o", f+".png")
	runCmd(t, "plot", "colors", f+".png")
	runCmd(t, "plot", "heatmap", "-i", f+".ttout.json", "-o", f+".html")
	page, _ := os.ReadFile(f + ".html")
	if !bytes.Contains(page, []byte("Colorized on Index Depth")) || !bytes.Contains(page, []byte("test")) {
		t.Errorf("heat map page lacks its content")
	}
	// The seed's generation input and the table with the tiny model.
	runCmd(t, "tokensOfData", "-n", model, "-c", "Once", "-i", f+".txt", "-s", "10", "-o", f+".gen.json")
	runCmd(t, "modelOfInx", "-q", "-n", model, "-w", "16", "-i", f+".gen.json", "-o", f+".gen2.json")
	runCmd(t, "tokensToStr", "-i", f+".gen2.json", "-o", f+".gen.txt")
	if g, _ := os.ReadFile(f + ".gen.txt"); !bytes.HasPrefix(g, []byte("Once")) {
		t.Errorf("generated %q", g)
	}
}

func TestFlipCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "flipped.txt")
	runCmd(t, "flip", "-q", "-i", goldenPath(t, "AStudyInScarlet.txt"), "-o", out)
	sameFile(t, out, goldenPath(t, "AStudyInScarlet.flipped.txt"))
	runCmd(t, "flip", "-q", "-i", out, "-o", out+".back")
	sameFile(t, out+".back", goldenPath(t, "AStudyInScarlet.txt"))
}

// TestSeedFlagsLikeArgparse: the stages read their flags as the seed's
// argparse does: -s ignored where the seed ignores it, unambiguous long
// prefixes, -i=FILE, -cd=0.5 the cooldown and -cd0.5 a comment; the two
// statistics scripts as stages (items 22, 23, 24).
func TestSeedFlagsLikeArgparse(t *testing.T) {
	dir := t.TempDir()
	tt := goldenPath(t, "synthetic-small.ttout.json")
	want := goldenPath(t, "synthetic-small.rangedout.json")
	for i, args := range [][]string{
		{"rangeEncode", "-s", "2", "-i", tt},      // the seed ignores -s here
		{"rangeEncode", "--inf", tt, "--prec=32"}, // prefixes
		{"rangeEncode", "--infile=" + tt, "--stop", "3"},
		{"rangeEncode", "-i=" + tt, "-cd=0.5"},
		{"rangeEncode", "-i", tt, "-cd", "0.5", "-p=32"},
	} {
		out := filepath.Join(dir, fmt.Sprintf("%d.json", i))
		runCmd(t, append(args, "-o", out)...)
		sameFile(t, out, want)
	}
	// -cd0.5 is -c with the value "d0.5", as argparse reads it.
	out := filepath.Join(dir, "c.json")
	runCmd(t, "tokensOfStr", "-n", "small", "-cd0.5", "-i", goldenPath(t, "TestString.txt"), "-o", out)
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), `"comment": "d0.5"`) {
		t.Fatalf("-cd0.5: %s", b)
	}
	if code := run([]string{"rangeEncode", "--c", "x", "-i", tt, "-o", out}); code != exitUsage {
		t.Fatalf("--c (comment or cooldown): exit %d, want %d", code, exitUsage)
	}
	for _, c := range []struct{ stage, in, golden string }{
		{"statsOfInx", "synthetic-5k.ttout.json", "synthetic-5k.statsOfInx.txt"},
		{"statsOfRange", "synthetic-5k.rangedin.json", "synthetic-5k.statsOfRange.txt"},
	} {
		out := filepath.Join(dir, c.stage+".txt")
		runCmd(t, c.stage, "--inf", goldenPath(t, c.in), "-o", out)
		sameFile(t, out, goldenPath(t, c.golden))
	}
}
