package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/testutil"
)

// TestBenchReportsCeiling runs lmzip bench with a tiny model under two
// recipes: it prints the measured ceiling of each matrix kind, and for each
// recipe a compression and a decompression row with the arithmetic rates
// and the share of the ceiling (int8 operations only under the int8
// recipe).
func TestBenchReportsCeiling(t *testing.T) {
	dir := t.TempDir()
	text, err := os.ReadFile(testutil.Data(t, "corpora", "canterbury", "alice29.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), text[:3000], 0o644); err != nil {
		t.Fatal(err)
	}
	model := testutil.Data(t, "archs", "llama")
	for _, args := range [][]string{{}, {"--cpu-time"}} {
		r := runCLI(t, dir, nil, append([]string{"bench", "-m", model, "--recipe", "f16kv,int8", "--coders", "lm"}, append(args, "a.txt")...)...)
		if r.code != 0 {
			t.Fatalf("bench %v: exit %d: %s", args, r.code, r.stderr)
		}
		if !regexp.MustCompile(`ceiling .*float32 \d+ / \d+ GFLOP/s, bfloat16 \d+ / \d+ GFLOP/s, int8 \d+ / \d+ GOP/s`).MatchString(r.stdout) {
			t.Fatalf("no ceiling line:\n%s", r.stdout)
		}
		if !regexp.MustCompile(`memory \(reading \d+ MiB, 1 thread / \d+ threads\): [1-9][\d.]* / [1-9][\d.]* GB/s`).MatchString(r.stdout) {
			t.Fatalf("no memory ceiling line:\n%s", r.stdout)
		}
		// direction, tok/s, KB/s, GFLOP/s, GOP/s, share, GB/s, memory share
		row := regexp.MustCompile(`(?m)(compress|decompress)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)%\s+([\d.]+)\s+([\d.]+)%$`)
		rows := row.FindAllStringSubmatch(r.stdout, -1)
		if len(rows) != 4 {
			t.Fatalf("%d speed rows, want 4:\n%s", len(rows), r.stdout)
		}
		for i, m := range rows {
			int8Ops := m[5] != "0.0"
			if int8Ops != (i >= 2) {
				t.Errorf("row %d (%s): %s GOP/s of int8 products:\n%s", i, m[1], m[5], r.stdout)
			}
			// (The tiny model's compression may read under 0.05 GB/s:
			// the memory columns are checked on decompression, where every
			// row reads its own cache and the weights at every step.)
			if m[2] == "0" || m[6] == "0.0" || i < 2 && m[4] == "0.0" || m[1] == "decompress" && (m[7] == "0.0" || m[8] == "0.0") {
				t.Errorf("row %d: no speed, no float work, no share of the ceiling or no memory read:\n%s", i, r.stdout)
			}
		}
		if len(args) > 0 && !strings.Contains(r.stdout, "CPU time") {
			t.Errorf("--cpu-time does not say so:\n%s", r.stdout)
		}
	}
}

func TestCeilingShare(t *testing.T) {
	c := &ceiling{threads: 2}
	c.all[kernel.Float32], c.all[kernel.BFloat16], c.all[kernel.Int8] = 100e9, 200e9, 800e9
	var w kernel.Work
	w.MatMul[kernel.BFloat16] = 100e9 // 0.5 s at the ceiling
	w.MatMul[kernel.Int8] = 400e9     // 0.5 s
	w.Attention = 50e9                // 0.5 s at the float32 ceiling
	if got := c.share(w, 3*time.Second); got != 0.5 {
		t.Fatalf("share %g, want 0.5", got)
	}
	c.memAll = 20e9
	w.Bytes = 30e9 // 1.5 s at the memory ceiling
	if got := c.memShare(w, 3*time.Second); got != 0.5 {
		t.Fatalf("memory share %g, want 0.5", got)
	}
}
