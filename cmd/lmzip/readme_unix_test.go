//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// readmeBlock returns the first ```sh block of README.md after the line
// that starts with after.
func readmeBlock(t *testing.T, after string) string {
	t.Helper()
	b, err := os.ReadFile(testutil.Repo(t, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+after)
	if i < 0 {
		t.Fatalf("README.md has no %q", after)
	}
	s = s[i:]
	start := strings.Index(s, "```sh\n")
	end := strings.Index(s[start+6:], "```")
	return s[start+6 : start+6+end]
}

// TestReadmeTour runs README's "Using it" from a fresh clone, top to
// bottom, as written (item 18).
func TestReadmeTour(t *testing.T) {
	script := readmeBlock(t, "## Using it")
	dir := t.TempDir()
	ex := filepath.Join(dir, "examples", "compressor")
	os.MkdirAll(ex, 0o755)
	book, err := os.ReadFile(testutil.Repo(t, "examples", "compressor", "AStudyInScarlet.txt"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(ex, "AStudyInScarlet.txt"), book)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(binary)+":"+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README tour failed: %v\n%s\n--- the tour:\n%s", err, out, script)
	}
	if got := files(t, dir); got != "examples" {
		t.Fatalf("the tour left %s", got)
	}
}

// TestReadmeFigureCommands: the figure commands README lists run from the
// repository root, as scripts/figures.sh runs them (item 21).
func TestReadmeFigureCommands(t *testing.T) {
	block := readmeBlock(t, "The figures are drawn")
	sh, err := os.ReadFile(testutil.Repo(t, "scripts", "figures.sh"))
	if err != nil {
		t.Fatal(err)
	}
	rest := string(sh)
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		i := strings.Index(rest, line+"\n")
		if i < 0 {
			t.Fatalf("scripts/figures.sh does not run README's line (in order):\n%s", line)
		}
		rest = rest[i+len(line):]
	}
	for _, path := range []string{"examples/compressor/AStudyInScarlet.txt", "scripts/check-heatmap.sh", "docs/figures"} {
		if !strings.Contains(block, path) {
			t.Fatalf("README's figure commands do not name %s", path)
		}
		if _, err := os.Stat(testutil.Repo(t, path)); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("bash", "-n", testutil.Repo(t, "scripts", "figures.sh")).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// TestExamplesCleanUp: the example scripts leave nothing in the temporary
// folder (a 60 MB binary each, before), whether they build lmzip or are
// given one (item 21).
func TestExamplesCleanUp(t *testing.T) {
	if _, err := exec.LookPath("gzip"); err != nil {
		t.Skip("no gzip")
	}
	tmp := t.TempDir()
	out := t.TempDir()
	for _, c := range []struct {
		script string
		args   []string
		env    []string
	}{
		{"gzipflip", nil, nil}, // builds lmzip itself
		{"gzipflip", []string{testutil.Data(t, "seed", "TestString.txt")}, []string{"LMZIP=" + binary}},
		{"compressor", []string{testutil.Data(t, "seed", "TestString.txt")}, []string{"LMZIP=" + binary, "MODEL=small", "OUT=" + out}},
		{"generate", nil, []string{"LMZIP=" + binary, "MODEL=small"}},
	} {
		cmd := exec.Command("bash", append([]string{testutil.Repo(t, "examples", c.script, "run.sh")}, c.args...)...)
		cmd.Env = append(append(os.Environ(), "TMPDIR="+tmp), c.env...)
		if o, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", c.script, err, o)
		}
		if got := files(t, tmp); got != "" {
			t.Fatalf("examples/%s/run.sh left %s in the temporary folder", c.script, got)
		}
	}
}
