package mix

import (
	"hash/crc32"
	"math"
	"math/rand/v2"
	"slices"
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

// secondFor is a second model's logits at step of a lane whose next token
// is next: flat, with the right token raised at most steps and a wrong
// one at the others, so it knows something the first model does not.
func secondFor(next int32, step int) []float32 {
	l := make([]float32, testVocab)
	if step%4 != 3 {
		l[next] = 3
	} else {
		l[(next*13+5)%testVocab] = 3
	}
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
		var lg, lg2 [][]float32
		for i, l := range lanes {
			if step < len(l) {
				var prev int32
				if step > 0 {
					prev = l[step-1]
				}
				act = append(act, rows[i])
				toks = append(toks, l[step])
				lg = append(lg, logitsFor(prev+int32(step)))
				lg2 = append(lg2, secondFor(l[step], step))
				rows[i].lane = i
			}
		}
		if parallel {
			var wg sync.WaitGroup
			for j := range act {
				wg.Add(1)
				go func(j int) {
					defer wg.Done()
					m.PredictWith(act[j], act[j].lane, lg[j], lg2[j])
				}(j)
			}
			wg.Wait()
		} else {
			for j := range act {
				m.PredictWith(act[j], act[j].lane, lg[j], lg2[j])
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
	for _, c := range []Config{full, withSecond} {
		b1, c1 := run(t, newMixer(t, c), lanes, false)
		b2, c2 := run(t, newMixer(t, c), lanes, true)
		if b1 != b2 || c1 != c2 {
			t.Fatalf("%+v: sequential %.3f bits (crc %08x), parallel %.3f (crc %08x)", c, b1, c1, b2, c2)
		}
	}
}

var withSecond = Config{Orders: 4, Match: true, Bias: true, Scale: true, Second: true}

// TestSecondModel: a second model that knows what the first does not
// lowers the cost, with or without the other parts, and its weight grows
// from where it starts; without Second its logits are ignored.
func TestSecondModel(t *testing.T) {
	src := newSource(6)
	lanes := [][]int32{src.lane(1500), src.lane(1200)}
	for _, c := range []Config{{}, full} {
		alone, _ := run(t, newMixer(t, c), lanes, false)
		c2 := c
		c2.Second = true
		m := newMixer(t, c2)
		mixed, _ := run(t, m, lanes, false)
		if mixed >= alone*0.9 {
			t.Errorf("%+v: with the second model %.0f bits, alone %.0f: want at least 10%% less", c, mixed, alone)
		}
		if m.second <= secondWeight {
			t.Errorf("%+v: the second model's weight %.3f did not grow from %.3f", c, m.second, secondWeight)
		}
		if c2.Enabled() != true || !m.Config().Second {
			t.Errorf("%+v: not enabled", c2)
		}
	}
	// A mixer without Second ignores the second logits PredictWith is given.
	m := newMixer(t, full)
	m.StartLanes(1)
	r1, r2 := m.NewRow(), m.NewRow()
	lg := logitsFor(5)
	m.Predict(r1, 0, lg)
	m.PredictWith(r2, 0, lg, secondFor(7, 0))
	for i := range r1.Cum {
		if r1.Cum[i] != r2.Cum[i] {
			t.Fatalf("without Second, token %d: %d with second logits, %d without", i, r2.Cum[i], r1.Cum[i])
		}
	}
}

func TestCloneRestore(t *testing.T) {
	src := newSource(3)
	first := [][]int32{src.lane(500), src.lane(400)}
	second := [][]int32{src.lane(300), src.lane(300), src.lane(200)}
	m := newMixer(t, withSecond)
	run(t, m, first, false)
	snap := m.Clone()
	if snap.second != m.second || snap.scale != m.scale {
		t.Fatalf("clone's weights %v %v, want %v %v", snap.scale, snap.second, m.scale, m.second)
	}
	b1, c1 := run(t, m, second, false)
	m.Restore(snap)
	// Copies touch only the chunks of the tables ever written: the
	// restored tables equal the snapshot's entry for entry.
	for k := 1; k <= withSecond.Orders; k++ {
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
	for c, want := range map[Config]uint32{full: 0x8dea5fb5, withSecond: 0x3a217e11, {Orders: 4, Bias: true, Second: true}: 0x18634e54} {
		if _, crc := run(t, newMixer(t, c), lanes, false); crc != want {
			t.Errorf("%+v: checksum of the distributions %#08x, want %#08x", c, crc, want)
		}
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

// A primed mixer codes the primer's text as a repeat, as an ended lane
// of the match model; a clone of a primed mixer predicts as the original.
func TestPrime(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	text := make([]int32, 3000)
	for i := range text {
		text[i] = int32(r.IntN(testVocab))
	}
	lanes := [][]int32{text[:1500], text[1500:]}
	cold, _ := run(t, newMixer(t, full), lanes, false)
	m := newMixer(t, full)
	m.Prime(text)
	if len(m.lanes) != 0 || len(m.match.order) != 1 || m.match.kept != len(text) {
		t.Fatalf("after priming: %d current lanes, %d ended, %d tokens kept; want the primer as one ended lane of %d", len(m.lanes), len(m.match.order), m.match.kept, len(text))
	}
	c := m.Clone()
	primed, sum := run(t, m, lanes, false)
	if primed > cold/4 {
		t.Errorf("primed with the text itself: %.0f bits, cold %.0f: want less than a quarter", primed, cold)
	}
	if _, sum2 := run(t, c, lanes, true); sum2 != sum {
		t.Errorf("a clone of the primed mixer predicts differently (%08x, %08x)", sum2, sum)
	}
	// Priming with other text changes nothing it should not: the weights.
	o := newMixer(t, full)
	o.Prime([]int32{1, 2, 3, 4, 5})
	if o.scale != 1 || o.second != 0 || slices.ContainsFunc(o.boost, func(b float32) bool { return b != 0 }) ||
		slices.ContainsFunc(o.bias, func(b float32) bool { return b != 0 }) || slices.ContainsFunc(o.bcount, func(n uint32) bool { return n != 0 }) {
		t.Error("priming changed learned weights")
	}
}
