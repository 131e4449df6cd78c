package mix

import (
	"hash/crc32"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/lmzip/lmzip/internal/rans"
)

const testVocab = 512

var full = Config{Orders: 4, Match: true, Bias: true, Scale: true}

// source makes a token stream with structure (repeated phrases, a skewed
// unigram) and model logits that know only the unigram, roughly.
type source struct {
	r      *rand.Rand
	phrase [][]int32
}

func newSource(seed uint64) *source {
	s := &source{r: rand.New(rand.NewPCG(seed, 1))}
	for i := 0; i < 20; i++ {
		p := make([]int32, 3+s.r.IntN(12))
		for j := range p {
			p[j] = s.token()
		}
		s.phrase = append(s.phrase, p)
	}
	return s
}

func (s *source) token() int32 { return int32(s.r.IntN(testVocab) * s.r.IntN(testVocab) / testVocab) }

func (s *source) lane(n int) []int32 {
	var l []int32
	for len(l) < n {
		if s.r.IntN(4) > 0 {
			l = append(l, s.phrase[s.r.IntN(len(s.phrase))]...)
		} else {
			l = append(l, s.token())
		}
	}
	return l[:n]
}

func logitsFor(t int32) []float32 {
	l := make([]float32, testVocab)
	for i := range l {
		l[i] = -float32(i) / 64 // the unigram's shape, roughly
	}
	l[(t*7)%testVocab] += 1 // some noise that depends on the position
	return l
}

// run codes lanes through m step by step and returns the total cost in
// bits and a checksum of every distribution.
func run(t testing.TB, m *Mixer, lanes [][]int32, parallel bool) (float64, uint32) {
	m.StartLanes(len(lanes))
	rows := make([]*Row, len(lanes))
	for i := range rows {
		rows[i] = m.NewRow()
	}
	longest := 0
	for _, l := range lanes {
		longest = max(longest, len(l))
	}
	var bits float64
	crc := crc32.NewIEEE()
	buf := make([]byte, 4)
	for step := 0; step < longest; step++ {
		var act []*Row
		var toks []int32
		var lg [][]float32
		for i, l := range lanes {
			if step < len(l) {
				var prev int32
				if step > 0 {
					prev = l[step-1]
				}
				act = append(act, rows[i])
				toks = append(toks, l[step])
				lg = append(lg, logitsFor(prev+int32(step)))
				rows[i].lane = i
			}
		}
		if parallel {
			var wg sync.WaitGroup
			for j := range act {
				wg.Add(1)
				go func(j int) {
					defer wg.Done()
					m.Predict(act[j], act[j].lane, lg[j])
				}(j)
			}
			wg.Wait()
		} else {
			for j := range act {
				m.Predict(act[j], act[j].lane, lg[j])
			}
		}
		for j, r := range act {
			y := toks[j]
			f := r.Cum[y+1] - r.Cum[y]
			if f == 0 || r.Cum[testVocab] != rans.ProbScale {
				t.Fatalf("step %d: token %d has frequency %d, total %d", step, y, f, r.Cum[testVocab])
			}
			bits -= math.Log2(float64(f) / rans.ProbScale)
			for _, c := range r.Cum {
				buf[0], buf[1], buf[2], buf[3] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
				crc.Write(buf)
			}
		}
		m.Update(act, toks)
	}
	return bits, crc.Sum32()
}

func newMixer(t testing.TB, c Config) *Mixer {
	m, err := New(c, testVocab)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDisabledIsTheModel(t *testing.T) {
	m := newMixer(t, Config{})
	r := m.NewRow()
	lg := logitsFor(5)
	m.Predict(r, 0, lg)
	var q rans.Quantizer
	freq := make([]uint32, testVocab)
	q.Freqs(freq, lg)
	for i, f := range freq {
		if r.Cum[i+1]-r.Cum[i] != f {
			t.Fatalf("token %d: %d, quantizer %d", i, r.Cum[i+1]-r.Cum[i], f)
		}
	}
}

// Each part must earn its place on structured data: adding it lowers the
// cost.
func TestPartsLowerTheCost(t *testing.T) {
	src := newSource(1)
	lanes := [][]int32{src.lane(3000), src.lane(2000), src.lane(2500)}
	prev := math.Inf(1)
	for _, c := range []Config{{}, {Bias: true}, {Bias: true, Scale: true}, {Bias: true, Scale: true, Orders: 2}, {Bias: true, Scale: true, Orders: 4}, full} {
		bits, _ := run(t, newMixer(t, c), lanes, false)
		t.Logf("%+v: %.0f bits", c, bits)
		if bits >= prev {
			t.Errorf("%+v costs %.0f bits, no less than without its last part (%.0f)", c, bits, prev)
		}
		prev = bits
	}
}

func TestParallelPredictIsDeterministic(t *testing.T) {
	src := newSource(2)
	lanes := [][]int32{src.lane(700), src.lane(900), src.lane(1), src.lane(650)}
	b1, c1 := run(t, newMixer(t, full), lanes, false)
	b2, c2 := run(t, newMixer(t, full), lanes, true)
	if b1 != b2 || c1 != c2 {
		t.Fatalf("sequential %.3f bits (crc %08x), parallel %.3f (crc %08x)", b1, c1, b2, c2)
	}
}

func TestCloneRestore(t *testing.T) {
	src := newSource(3)
	first := [][]int32{src.lane(500), src.lane(400)}
	second := [][]int32{src.lane(300), src.lane(300), src.lane(200)}
	m := newMixer(t, full)
	run(t, m, first, false)
	snap := m.Clone()
	b1, c1 := run(t, m, second, false)
	m.Restore(snap)
	// Copies touch only the chunks of the tables ever written: the
	// restored tables equal the snapshot's entry for entry.
	for k := 1; k <= full.Orders; k++ {
		if !sameTable(m.ngram[k].slots, snap.ngram[k].slots) {
			t.Fatalf("order %d table differs from the snapshot after Restore", k)
		}
	}
	if !sameTable(m.match.table, snap.match.table) {
		t.Fatal("match table differs from the snapshot after Restore")
	}
	b2, c2 := run(t, m, second, false)
	if b1 != b2 || c1 != c2 {
		t.Fatalf("after Restore: %.3f bits (crc %08x), want %.3f (crc %08x)", b2, c2, b1, c1)
	}
	// The snapshot is unchanged by what happened after Restore.
	m.Restore(snap)
	b3, c3 := run(t, m, second, false)
	if b3 != b1 || c3 != c1 {
		t.Fatalf("second Restore: %.3f bits (crc %08x), want %.3f (crc %08x)", b3, c3, b1, c1)
	}
}

// TestGolden pins the mixer's arithmetic: any change to it changes what
// archives decode to, and must be a new scheme.
func TestGolden(t *testing.T) {
	src := newSource(4)
	lanes := [][]int32{src.lane(1500), src.lane(1200), src.lane(1400)}
	_, crc := run(t, newMixer(t, full), lanes, false)
	const want = 0x8dea5fb5
	if crc != want {
		t.Fatalf("checksum of the distributions %#08x, want %#08x", crc, want)
	}
}

func BenchmarkStep(b *testing.B) {
	for _, c := range []Config{{}, full} {
		b.Run(map[bool]string{false: "model", true: "full"}[c.Enabled()], func(b *testing.B) {
			const V = 16384
			m, _ := New(c, V)
			m.StartLanes(1)
			r := m.NewRow()
			lg := make([]float32, V)
			src := newSource(5)
			for i := range lg {
				lg[i] = -float32(i%997) / 100
			}
			toks := src.lane(4096)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Predict(r, 0, lg)
				m.Update([]*Row{r}, toks[i%len(toks):i%len(toks)+1])
			}
		})
	}
}

// sameTable reports whether two chunked tables hold the same entries.
func sameTable[T comparable](a, b chunked[T]) bool {
	if len(a.c) != len(b.c) {
		return false
	}
	for i := 0; i < len(a.c)*chunkSize; i++ {
		if a.value(i) != b.value(i) {
			return false
		}
	}
	return true
}
