package rans

import (
	"sort"

	"github.com/lmzip/lmzip/internal/kernel"
)

// Quantizer turns a model's logits into a frequency table: the softmax in
// fixed point (kernel.ExpFixed), scaled so that the frequencies sum to
// ProbScale with every symbol at least 1 and the rounding remainder given
// to the most probable symbol. It is a deterministic function of the
// logits: integer arithmetic after kernel.ExpFixed, whose result is the same
// on every machine.
type Quantizer struct {
	u []uint32
}

// Freqs fills freq (len(logits) entries) from logits. len(logits) must be
// below ProbScale.
func (q *Quantizer) Freqs(freq []uint32, logits []float32) {
	n := len(logits)
	if cap(q.u) < n {
		q.u = make([]uint32, n)
	}
	u := q.u[:n]
	freq = freq[:n]
	mx := kernel.Max(logits)
	total := kernel.ExpFixed(u, logits, mx)
	budget := uint64(ProbScale - n)
	if total == 0 {
		// No usable logits (all NaN or -Inf): a uniform table.
		for i := range freq {
			freq[i] = uint32(ProbScale / n)
		}
		freq[0] += uint32(ProbScale % n)
		return
	}
	scale := (budget << 32) / total // ≤ 4·budget < 2^32: total ≥ FixedOne since the maximum maps to FixedOne
	sum, top := kernel.ScaleFreqs(freq, u, uint32(scale))
	freq[top] += uint32(ProbScale - sum)
}

// Cumulative fills cum (len(freq)+1 entries) with the running sums of
// freq: cum[i] is the start of symbol i.
func Cumulative(cum, freq []uint32) {
	var s uint32
	for i, f := range freq {
		cum[i] = s
		s += f
	}
	cum[len(freq)] = s
}

// Find returns the symbol whose [cum[i], cum[i+1]) holds slot.
func Find(cum []uint32, slot uint32) int {
	// The largest i with cum[i] <= slot.
	return sort.Search(len(cum)-1, func(i int) bool { return cum[i+1] > slot })
}
