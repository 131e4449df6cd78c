package cm

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/lmzip/lmzip/internal/testutil"
)

// TestTable prints the compression table against xz -9e. It runs only
// with LMZIP_CM_TABLE=1 (it takes about a minute):
//
//	LMZIP_CM_TABLE=1 go test -run TestTable -v ./internal/cm
func TestTable(t *testing.T) {
	if os.Getenv("LMZIP_CM_TABLE") == "" {
		t.Skip("set LMZIP_CM_TABLE=1 to print the ratio table")
	}
	var files []string
	for _, c := range []string{"calgary", "canterbury"} {
		dir := testutil.Data(t, "corpora", c)
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(files)
	quick := os.Getenv("LMZIP_CM_QUICK") != ""
	if quick {
		keep := map[string]bool{"trans": true, "progl": true, "progp": true, "bib": true, "news": true,
			"paper1": true, "cp.html": true, "fields.c": true, "grammar.lsp": true, "xargs.1": true, "book1": true, "progc": true}
		var f2 []string
		for _, f := range files {
			if keep[filepath.Base(f)] {
				f2 = append(f2, f)
			}
		}
		files = f2
	}
	verify := os.Getenv("LMZIP_CM_VERIFY") != ""
	var tot, totXZ, totCM int
	var dur time.Duration
	t.Logf("%-14s %8s %8s %8s %7s %6s %6s", "file", "size", "xz-9e", "cm", "cm/xz", "bpb", "xzbpb")
	worst := 0.0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if quick && len(data) > 150000 {
			data = data[:150000]
		}
		xzn := -1
		if quick {
			xzn = 1
		} else if out, err := exec.Command("xz", "-9e", "-c", f).Output(); err == nil {
			xzn = len(out)
		}
		t0 := time.Now()
		c := Compress(data)
		dur += time.Since(t0)
		if verify {
			d, err := Decompress(c, len(data))
			if err != nil || !bytes.Equal(d, data) {
				t.Errorf("%s: round trip failed (%v)", f, err)
			}
		}
		r := float64(len(c)) / float64(xzn)
		if r > worst {
			worst = r
		}
		tot += len(data)
		totXZ += xzn
		totCM += len(c)
		t.Logf("%-14s %8d %8d %8d %7.4f %6.3f %6.3f", filepath.Base(f), len(data), xzn, len(c), r,
			8*float64(len(c))/float64(len(data)), 8*float64(xzn)/float64(len(data)))
	}
	t.Logf("%-14s %8d %8d %8d %7.4f   worst cm/xz %.4f   %.2f MB/s", "total", tot, totXZ, totCM,
		float64(totCM)/float64(totXZ), worst, float64(tot)/dur.Seconds()/1e6)
	fmt.Fprint(os.Stderr)
}
