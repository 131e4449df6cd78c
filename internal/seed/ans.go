package seed

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"sort"
)

// MaxPrecision is the largest coder precision (-p) supported: the seed's
// words are P bits and its head stays below 2^(2P), which lmzip keeps in
// 64 bits. The .bin layout stores 32-bit words in any case.
const MaxPrecision = 32

// ErrCorrupt reports coded data that the seed's encoder cannot have
// written.
var ErrCorrupt = errors.New("seed: corrupt rANS data")

// Table is the seed's frequency table (utils.buildSymTableRanges): the
// distinct symbols ordered by count, descending, ties in order of first
// occurrence, with their counts.
type Table struct {
	Syms   []int64 // inxToSym
	Counts []int64 // counts, same order
}

// BuildTable counts the symbols of a message: a histogram in order of
// first occurrence, then a stable sort by count, descending.
func BuildTable(syms []int64) *Table {
	index := map[int64]int{}
	t := &Table{}
	for _, s := range syms {
		i, ok := index[s]
		if !ok {
			i = len(t.Syms)
			index[s] = i
			t.Syms = append(t.Syms, s)
			t.Counts = append(t.Counts, 0)
		}
		t.Counts[i]++
	}
	order := make([]int, len(t.Syms))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return t.Counts[order[a]] > t.Counts[order[b]] })
	s2, c2 := make([]int64, len(order)), make([]int64, len(order))
	for i, j := range order {
		s2[i], c2[i] = t.Syms[j], t.Counts[j]
	}
	t.Syms, t.Counts = s2, c2
	return t
}

// widths quantises the counts as the seed does: width = int((count << P) /
// total) with Python's true division (the exact quotient rounded to the
// nearest float64, then truncated). The widths add up to at most 2^P.
func widths(counts []int64, prec int) ([]uint64, error) {
	var total uint64
	for _, c := range counts {
		if c <= 0 {
			return nil, fmt.Errorf("count %d is not positive", c)
		}
		var carry uint64
		total, carry = bits.Add64(total, uint64(c), 0)
		if carry != 0 {
			return nil, errors.New("counts overflow")
		}
	}
	w := make([]uint64, len(counts))
	var sum uint64
	for i, c := range counts {
		hi, lo := bits.Mul64(uint64(c), 1<<prec)
		var q float64
		if hi == 0 && lo < 1<<53 && total < 1<<53 {
			q = float64(lo) / float64(total) // both exact: one correctly rounded division
		} else {
			num := new(big.Int).Lsh(big.NewInt(c), uint(prec))
			q, _ = new(big.Rat).SetFrac(num, new(big.Int).SetUint64(total)).Float64()
		}
		q = math.Trunc(q)
		if q >= math.Ldexp(1, prec) {
			w[i] = 1 << prec
		} else {
			w[i] = uint64(q)
		}
		sum += w[i]
	}
	if sum > 1<<prec {
		return nil, errors.New("widths exceed the precision")
	}
	return w, nil
}

// Encode codes a message with the seed's ansCoder.AnsCoder (Bamler's
// "stack" rANS): the symbols are pushed in reverse order, and the result is
// the bulk words in push order followed by the head, least significant
// word first. Every symbol must be in the table.
func Encode(syms []int64, t *Table, prec int) ([]uint64, error) {
	if prec < 1 || prec > MaxPrecision {
		return nil, fmt.Errorf("precision %d is not in 1..%d", prec, MaxPrecision)
	}
	w, err := widths(t.Counts, prec)
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(t.Syms))
	cum := make([]uint64, len(w))
	var c uint64
	for i, s := range t.Syms {
		if _, dup := index[s]; !dup {
			index[s] = i
		}
		cum[i] = c
		c += w[i]
	}
	mask := uint64(1)<<prec - 1
	var head uint64
	var bulk []uint64
	for i := len(syms) - 1; i >= 0; i-- {
		k, ok := index[syms[i]]
		if !ok {
			return nil, fmt.Errorf("symbol %d is not in the table", syms[i])
		}
		f := w[k]
		if f == 0 {
			return nil, fmt.Errorf("symbol %d has width 0 at precision %d", syms[i], prec)
		}
		if head>>prec >= f {
			bulk = append(bulk, head&mask)
			head >>= prec
		}
		head = (head/f)<<prec | (cum[k] + head%f)
	}
	for head != 0 {
		bulk = append(bulk, head&mask)
		head >>= prec
	}
	return bulk, nil
}

// Decode decodes length symbols from the seed's compressed words, as the
// seed's decoder does (words left over are ignored, like the seed). It
// reports ErrCorrupt where the seed would fail: a slot in the unused slack
// of the table, or a head that does not fit its 2P bits.
func Decode(words []uint64, t *Table, prec int, length int64) ([]int64, error) {
	if prec < 1 || prec > MaxPrecision {
		return nil, fmt.Errorf("precision %d is not in 1..%d", prec, MaxPrecision)
	}
	if len(t.Syms) != len(t.Counts) {
		return nil, fmt.Errorf("%d symbols but %d counts", len(t.Syms), len(t.Counts))
	}
	if length > 0 && len(t.Syms) == 0 {
		return nil, fmt.Errorf("%d symbols to decode with an empty table", length)
	}
	w, err := widths(t.Counts, prec)
	if err != nil {
		return nil, err
	}
	cum := make([]uint64, len(w)+1)
	for i := range w {
		cum[i+1] = cum[i] + w[i]
	}
	mask := uint64(1)<<prec - 1
	limit := uint64(1) << prec
	bulk := words
	var head uint64
	for head < limit && len(bulk) > 0 {
		if head>>(64-prec) != 0 {
			return nil, ErrCorrupt
		}
		head = head<<prec | bulk[len(bulk)-1]
		bulk = bulk[:len(bulk)-1]
	}
	out := make([]int64, 0, min(length, 1<<20))
	for n := int64(0); n < length; n++ {
		z := head & mask
		head >>= prec
		k := sort.Search(len(w), func(i int) bool { return cum[i+1] > z })
		if k == len(w) {
			return nil, ErrCorrupt
		}
		head = head*w[k] + (z - cum[k])
		if head < limit && len(bulk) > 0 {
			head = head<<prec | bulk[len(bulk)-1]
			bulk = bulk[:len(bulk)-1]
		}
		out = append(out, t.Syms[k])
	}
	return out, nil
}
