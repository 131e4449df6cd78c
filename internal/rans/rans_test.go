package rans

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomLogits returns peaked logits like a language model's.
func randomLogits(r *rand.Rand, n int) []float32 {
	l := make([]float32, n)
	for i := range l {
		l[i] = float32(r.NormFloat64() * 3)
	}
	l[r.IntN(n)] += 12
	return l
}

func sample(r *rand.Rand, freq []uint32) int {
	x := uint32(r.Uint64() % ProbScale)
	var s uint32
	for i, f := range freq {
		s += f
		if x < s {
			return i
		}
	}
	return len(freq) - 1
}

func TestQuantizer(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	var q Quantizer
	for _, n := range []int{1, 2, 3, 100, 16384, 50257} {
		logits := randomLogits(r, n)
		freq := make([]uint32, n)
		q.Freqs(freq, logits)
		var sum uint64
		for i, f := range freq {
			if f == 0 {
				t.Fatalf("n=%d: symbol %d has frequency 0", n, i)
			}
			sum += uint64(f)
		}
		if sum != ProbScale {
			t.Fatalf("n=%d: frequencies sum to %d", n, sum)
		}
		// Kullback-Leibler divergence from the float64 softmax: the cost of
		// quantisation, in bits per symbol.
		mx := math.Inf(-1)
		for _, l := range logits {
			mx = math.Max(mx, float64(l))
		}
		z := 0.0
		for _, l := range logits {
			z += math.Exp(float64(l) - mx)
		}
		kl := 0.0
		for i, l := range logits {
			p := math.Exp(float64(l)-mx) / z
			if p > 0 {
				kl += p * math.Log2(p/(float64(freq[i])/ProbScale))
			}
		}
		if kl > 0.002 {
			t.Errorf("n=%d: quantisation costs %.5f bits per symbol", n, kl)
		}
	}
	// Degenerate logits give a valid table.
	freq := make([]uint32, 3)
	q.Freqs(freq, []float32{float32(math.NaN()), float32(math.Inf(1)), 0})
	if uint64(freq[0])+uint64(freq[1])+uint64(freq[2]) != ProbScale || freq[0] == 0 || freq[1] == 0 || freq[2] == 0 {
		t.Fatalf("degenerate logits: %v", freq)
	}
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	const n, V = 5000, 300
	var q Quantizer
	tables := make([][]uint32, n)
	syms := make([]int, n)
	ideal := 0.0
	for i := range syms {
		freq := make([]uint32, V)
		q.Freqs(freq, randomLogits(r, V))
		cum := make([]uint32, V+1)
		Cumulative(cum, freq)
		tables[i] = cum
		syms[i] = sample(r, freq)
		ideal -= math.Log2(float64(freq[syms[i]]) / ProbScale)
	}
	e := NewEncoder()
	for i := n - 1; i >= 0; i-- {
		cum := tables[i]
		e.Put(cum[syms[i]], cum[syms[i]+1]-cum[syms[i]])
	}
	stream := e.Finish(nil)
	if len(stream) != e.Len() {
		t.Fatalf("Len %d, stream %d", e.Len(), len(stream))
	}
	if over := float64(len(stream)*8) - ideal; over > 64+0.001*ideal {
		t.Fatalf("%d bytes for %.0f ideal bits: %.0f bits over", len(stream), ideal, over)
	}
	d, err := NewDecoder(stream)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		cum := tables[i]
		s := Find(cum, d.Slot())
		if s != syms[i] {
			t.Fatalf("symbol %d: got %d, want %d", i, s, syms[i])
		}
		d.Advance(cum[s], cum[s+1]-cum[s])
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	// A damaged stream decodes to something or reports corruption, never panics.
	stream[len(stream)/2] ^= 0x40
	d, err = NewDecoder(stream[:len(stream)-4])
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		cum := tables[i]
		s := Find(cum, d.Slot())
		d.Advance(cum[s], cum[s+1]-cum[s])
	}
	if d.Close() == nil {
		t.Fatal("damaged stream not detected")
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0, 0, 0, 128, 0, 0, 0, 0, 1, 2, 3, 4}, uint8(7))
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		d, err := NewDecoder(b)
		if err != nil {
			return
		}
		freq := []uint32{ProbScale / 2, ProbScale/2 - 5, 5}
		cum := make([]uint32, 4)
		Cumulative(cum, freq)
		for i := 0; i < int(n); i++ {
			s := Find(cum, d.Slot())
			if s < 0 || s > 2 {
				t.Fatalf("symbol %d", s)
			}
			d.Advance(cum[s], freq[s])
		}
		d.Close()
	})
}
