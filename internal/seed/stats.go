package seed

import (
	"errors"
	"fmt"
	"strings"
)

// StatsOfInx is the seed's statsOfInx.py: hits, "perfect hits" (the count
// of the most frequent rank symbol) and misses of a ttout JSON's tokenList,
// as percentages of its length, in the seed's words. A rank above topN (the
// seed's -t, default 128, not the JSON's) counts as a miss.
func StatsOfInx(in *Object, topN int) (string, error) {
	list, err := in.Tokens()
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "", errors.New("the token list is empty") // the seed fails too
	}
	msg := make([]int64, len(list))
	hits, misses := 0, 0
	for i, e := range list {
		msg[i] = e.Rank
		if e.Rank == -1 || e.Rank > int64(topN) {
			msg[i] = -1
		}
		if msg[i] < 0 {
			misses++
		} else {
			hits++
		}
	}
	table := BuildTable(msg)
	total := float64(len(list))
	var b strings.Builder
	fmt.Fprintf(&b, "Hits: %d (%s%%)\n", hits, pyFixed1(float64(hits*100)/total))
	fmt.Fprintf(&b, "Perfect hits:%d (%s%%)\n", table.Counts[0], pyFixed1(float64(table.Counts[0]*100)/total))
	fmt.Fprintf(&b, "Misses: %d (%s%%)\n", misses, pyFixed1(float64(misses*100)/total))
	return b.String(), nil
}

// StatsOfRange is the seed's statsOfRange.py: the number of symbols and the
// sizes of the counts table (without its trailing counts of 1), the symbol
// table and the payload of a rangedout or rangedin JSON, in 4-byte words
// and kB. Where the seed fails (no count of 1) every count is counted, as
// binOfRange stores them.
func StatsOfRange(in *Object) (string, error) {
	length, err := in.Int("length")
	if err != nil {
		return "", err
	}
	counts, err := in.Ints("counts")
	if err != nil {
		return "", err
	}
	syms, err := in.Ints("inxToSym")
	if err != nil {
		return "", err
	}
	words, err := in.Ints("compressed")
	if err != nil {
		return "", err
	}
	nCounts := len(counts)
	for i, c := range counts {
		if c == 1 {
			nCounts = i
			break
		}
	}
	kB := func(n int64) string { return pyFixed1(float64(n*4) / 1000) }
	var b strings.Builder
	fmt.Fprintf(&b, "Total Symbols: %d (%s kBytes)\n", length, kB(length))
	fmt.Fprintf(&b, "Size of counts table: %d (%s kBytes)\n", nCounts, kB(int64(nCounts)))
	fmt.Fprintf(&b, "Size of symbol table: %d (%s kBytes)\n", len(syms), kB(int64(len(syms))))
	fmt.Fprintf(&b, "Size of compressed output: %d (%s kBytes)\n", len(words), kB(int64(len(words))))
	return b.String(), nil
}

// pyFixed1 formats x as Python's f"{x:.1f}": correctly rounded from the
// exact binary value, as Go's 'f' format is.
func pyFixed1(x float64) string { return fmt.Sprintf("%.1f", x) }
