// Command cmversions compares the versions of the context-mixing model
// (package internal/cm): it codes every file whole with each version (real
// coded streams, each decoded and compared) and prints a Markdown table of
// the coded sizes, bits per byte, the change against version 1 and the
// speed of each version's coding.
//
//	go run ./scripts/cmversions testdata/corpora/calgary/* testdata/corpora/canterbury/*
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lmzip/lmzip/internal/cm"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: cmversions FILE...")
		os.Exit(2)
	}
	head, rule := "| file | bytes |", "|---|---:|"
	for v := cm.Version1; v <= cm.LatestVersion; v++ {
		head += fmt.Sprintf(" version %d | bpb |", v)
		rule += "---:|---:|"
		if v > cm.Version1 {
			head += " change |"
			rule += "---:|"
		}
	}
	fmt.Println(head)
	fmt.Println(rule)
	var total int
	sums := make([]int, cm.LatestVersion+1)
	secs := make([]float64, cm.LatestVersion+1)
	for _, f := range os.Args[1:] {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		total += len(data)
		row := fmt.Sprintf("| %s | %d |", filepath.Base(f), len(data))
		n := make([]int, cm.LatestVersion+1)
		for v := cm.Version1; v <= cm.LatestVersion; v++ {
			t0 := time.Now()
			n[v] = code(v, data)
			secs[v] += time.Since(t0).Seconds()
			sums[v] += n[v]
			row += fmt.Sprintf(" %d | %.3f |", n[v], 8*float64(n[v])/float64(len(data)))
			if v > cm.Version1 {
				row += fmt.Sprintf(" %+.1f%% |", 100*(float64(n[v])/float64(n[cm.Version1])-1))
			}
		}
		fmt.Println(row)
	}
	row := fmt.Sprintf("| **total** | %d |", total)
	for v := cm.Version1; v <= cm.LatestVersion; v++ {
		row += fmt.Sprintf(" %d | %.3f |", sums[v], 8*float64(sums[v])/float64(total))
		if v > cm.Version1 {
			row += fmt.Sprintf(" %+.1f%% |", 100*(float64(sums[v])/float64(sums[cm.Version1])-1))
		}
	}
	fmt.Println(row)
	for v := cm.Version1; v <= cm.LatestVersion; v++ {
		fmt.Printf("\nversion %d: %.2f MB/s (coding and decoding, one thread)", v, 2*float64(total)/secs[v]/1e6)
	}
	fmt.Println()
}

// code codes data with a fresh model of version v, decodes the stream and
// returns its size.
func code(v int, data []byte) int {
	m, err := cm.NewModelVersion(v)
	if err != nil {
		panic(err)
	}
	var b bytes.Buffer
	e := cm.NewEncoder(m, &b)
	e.Write(data)
	e.Close()
	m, _ = cm.NewModelVersion(v)
	d := cm.NewDecoder(m, bytes.NewReader(b.Bytes()))
	out := make([]byte, len(data))
	if _, err := d.Read(out); err != nil || d.Close() != nil || !bytes.Equal(out, data) {
		fmt.Fprintf(os.Stderr, "version %d: round trip failed (%v)\n", v, err)
		os.Exit(1)
	}
	return b.Len()
}
