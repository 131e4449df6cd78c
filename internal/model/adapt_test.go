package model

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/testutil"
)

// adaptFixture returns a tiny Llama (arch: "llama", whose head is not
// tied, or "llama3-rope-scaling", whose is) and two token sequences from
// its golden inputs.
func adaptFixture(t *testing.T, arch string) (Model, [][]int32) {
	dir := testutil.Data(t, "archs", arch)
	m, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ids := ints(t, golden(t, filepath.Join(dir, "golden.safetensors")), "input_ids")
	if len(ids) < 16 {
		t.Fatalf("%d golden tokens", len(ids))
	}
	return m, [][]int32{ids[:11], ids[4:16]}
}

// seqLoss runs m over the sequences (fresh caches) and returns the mean
// code length in nats of each row's next token, computed in float64.
func seqLoss(t *testing.T, m Model, seqs [][]int32) float64 {
	c := m.Config()
	d, V := c.HiddenSize, c.VocabSize
	sum, n := 0.0, 0
	for _, s := range seqs {
		h := make([]float32, len(s)*d)
		if err := m.Forward([]Input{{Cache: m.NewCache(len(s), KVFloat32), Tokens: s}}, h); err != nil {
			t.Fatal(err)
		}
		lg := make([]float32, len(s)*V)
		m.Logits(lg, h, len(s))
		for r := 0; r+1 < len(s); r++ {
			sum -= logProb(lg[r*V:(r+1)*V], s[r+1])
			n++
		}
	}
	return sum / float64(n)
}

// logProb returns the log-probability (float64) of token y under a row of
// logits.
func logProb(row []float32, y int32) float64 {
	mx := math.Inf(-1)
	for _, v := range row {
		mx = math.Max(mx, float64(v))
	}
	z := 0.0
	for _, v := range row {
		z += math.Exp(float64(v) - mx)
	}
	return float64(row[y]) - mx - math.Log(z)
}

// targetsOf returns each row's target: the next token, none for the last.
func targetsOf(seqs [][]int32) [][]int32 {
	var ts [][]int32
	for _, s := range seqs {
		ts = append(ts, append(append([]int32{}, s[1:]...), -1))
	}
	return ts
}

// TestAdapterGradient checks the backward pass against finite differences
// of the loss. With the attention layers' output projections zero, the
// attention outputs are constants, as the adapter takes them, so that every
// adapted parameter's gradient is exact: the final norm, each layer's MLP
// and its norm, the output head and the input embedding.
func TestAdapterGradient(t *testing.T) {
	for _, arch := range []string{"llama", "llama3-rope-scaling"} {
		t.Run(arch, func(t *testing.T) { adapterGradient(t, arch) })
	}
}

func adapterGradient(t *testing.T, arch string) {
	m, seqs := adaptFixture(t, arch)
	old := headRows
	headRows = 5 // the head's gradient summed over chunks of rows
	defer func() { headRows = old }()
	am, a, err := NewAdapter(m, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	l := am.(*llama)
	for i := range l.layers {
		o := l.layers[i].attn.o.w
		l.layers[i].attn.o.w = kernel.NewMatrix(make([]float32, o.N*o.K), o.N, o.K)
	}
	d := l.cfg.HiddenSize
	var caches []*Cache
	for _, s := range seqs {
		c := am.NewCache(len(s), KVFloat32)
		if err := am.Forward([]Input{{Cache: c, Tokens: s}}, make([]float32, len(s)*d)); err != nil {
			t.Fatal(err)
		}
		caches = append(caches, c)
	}
	if ok, err := a.gradient(caches, targetsOf(seqs)); !ok || err != nil {
		t.Fatal(ok, err)
	}
	named := map[string]*adaptParam{"final norm": a.norm, "head": a.head, "embedding": a.embed}
	for i, ly := range a.layers {
		named[fmt.Sprint("layer ", i, " norm")] = ly.norm
		named[fmt.Sprint("layer ", i, " up")] = ly.up
		named[fmt.Sprint("layer ", i, " down")] = ly.down
	}
	if tied := arch != "llama"; (a.head == a.embed) != tied {
		t.Fatalf("tied %v, but the head and the embedding are one parameter: %v", tied, a.head == a.embed)
	}
	const h = 1e-2
	for name, p := range named {
		// The three largest gradients of the parameter.
		var top [3]int
		for i, g := range p.g {
			for k := range top {
				if math.Abs(float64(g)) > math.Abs(float64(p.g[top[k]])) {
					copy(top[k+1:], top[k:len(top)-1])
					top[k] = i
					break
				}
			}
		}
		if p.g[top[0]] == 0 {
			t.Fatalf("%s: no gradient", name)
		}
		for _, i := range top {
			w := p.w[i] // (the model's own weight)
			p.w[i] = w + h
			up := seqLoss(t, am, seqs)
			p.w[i] = w - h
			down := seqLoss(t, am, seqs)
			p.w[i] = w
			a.Forget()
			fd := (up - down) / (2 * h)
			g := float64(p.g[i])
			if math.Abs(fd-g) > 0.005*math.Abs(g)+1e-4 {
				t.Errorf("%s[%d]: gradient %.6g, finite difference %.6g", name, i, g, fd)
			}
		}
	}
}

// TestAdapterDeterminism checks that the weights after a few steps are the
// same bits whether the rows were run as one pass or as decoding steps on
// three threads, that the model adapted (its predictions improve on the
// text it learnt) and that the model it was copied from did not change.
func TestAdapterDeterminism(t *testing.T) {
	for _, arch := range []string{"llama", "llama3-rope-scaling"} {
		t.Run(arch, func(t *testing.T) { adapterDeterminism(t, arch) })
	}
}

func adapterDeterminism(t *testing.T, arch string) {
	m, two := adaptFixture(t, arch)
	// Twenty sequences of 8 to 10 tokens, so that ForwardSteps splits
	// the steps among the threads and a step's rows are more than
	// headRows.
	ids := append(append([]int32{}, two[0]...), two[1][7:]...)
	var seqs [][]int32
	targets := 0
	for i := 0; i < 20; i++ {
		seqs = append(seqs, ids[i%5:i%5+8+i%3])
		targets += len(seqs[i]) - 1
	}
	if targets <= headRows {
		t.Fatalf("%d rows a step, not more than headRows %d", targets, headRows)
	}
	before := seqLoss(t, m, seqs)
	d := m.Config().HiddenSize
	run := func(steps bool) (Model, *Adapter) {
		am, a, err := NewAdapter(m, 3e-3)
		if err != nil {
			t.Fatal(err)
		}
		var caches []*Cache
		for _, s := range seqs {
			caches = append(caches, am.NewCache(len(s)*4, KVFloat32))
		}
		for epoch := 0; epoch < 4; epoch++ {
			if !steps {
				var in []Input
				n := 0
				for i, s := range seqs {
					in = append(in, Input{Cache: caches[i], Tokens: s})
					n += len(s)
				}
				if err := am.Forward(in, make([]float32, n*d)); err != nil {
					t.Fatal(err)
				}
			} else {
				old := kernel.SetThreads(3)
				for j := 0; j < 10; j++ {
					var in []Input
					for i, s := range seqs {
						if j < len(s) {
							in = append(in, Input{Cache: caches[i], Tokens: s[j : j+1]})
						}
					}
					if err := ForwardSteps(am, in, make([]float32, len(in)*d)); err != nil {
						t.Fatal(err)
					}
				}
				kernel.SetThreads(old)
			}
			if err := a.Step(caches, targetsOf(seqs)); err != nil {
				t.Fatal(err)
			}
		}
		if a.Steps() != 4 {
			t.Fatalf("%d steps", a.Steps())
		}
		return am, a
	}
	am, a := run(false)
	_, b := run(true)
	for k, p := range a.params {
		for i, w := range p.w {
			if math.Float32bits(w) != math.Float32bits(b.params[k].w[i]) {
				t.Fatalf("parameter %d value %d: %g as one pass, %g as steps", k, i, w, b.params[k].w[i])
			}
		}
	}
	a.Forget()
	if after := seqLoss(t, am, seqs); !(after < before-0.01) {
		t.Errorf("loss %.4f before adapting, %.4f after", before, after)
	}
	if again := seqLoss(t, m, seqs); again != before {
		t.Errorf("the original model changed: loss %.6f, was %.6f", again, before)
	}
}

// TestAdapterRefusals checks what NewAdapter and Step refuse.
func TestAdapterRefusals(t *testing.T) {
	gpt2, err := LoadDir(testutil.Data(t, "archs", "gpt2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := NewAdapter(gpt2, 1e-4); err == nil || !strings.Contains(err.Error(), "Llama") {
		t.Errorf("GPT-2: %v", err)
	}
	m, seqs := adaptFixture(t, "llama")
	for _, lr := range []float32{0, -1, 1, float32(math.NaN())} {
		if _, _, err := NewAdapter(m, lr); err == nil {
			t.Errorf("rate %v accepted", lr)
		}
	}
	am, a, err := NewAdapter(m, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	d := am.Config().HiddenSize
	c := am.NewCache(16, KVFloat32)
	c2 := am.NewCache(16, KVFloat32)
	if err := am.Forward([]Input{{Cache: c, Tokens: seqs[0]}}, make([]float32, len(seqs[0])*d)); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func() error{
		"short":     func() error { return a.Step([]*Cache{c}, [][]int32{{1, 2}}) },
		"unmatched": func() error { return a.Step([]*Cache{c}, nil) },
		"missing":   func() error { return a.Step([]*Cache{c2}, [][]int32{nil}) },
		"range": func() error {
			return a.Step([]*Cache{c}, [][]int32{append(make([]int32, len(seqs[0])-1), int32(am.Config().VocabSize))})
		},
	} {
		if err := f(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if a.Steps() != 0 {
		t.Errorf("%d steps after refusals", a.Steps())
	}
}
