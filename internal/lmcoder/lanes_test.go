package lmcoder

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/mix"
	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/recipe"
	"github.com/lmzip/lmzip/internal/testutil"
)

// laneTokens returns lanes of pseudo-text: random tokens with repeats, so
// that the n-gram and match models have something to find.
func laneTokens(V int, lengths []int) [][]int32 {
	r := rand.New(rand.NewPCG(3, 4))
	phrase := make([]int32, 40)
	for i := range phrase {
		phrase[i] = int32(r.IntN(V))
	}
	lanes := make([][]int32, len(lengths))
	for i, n := range lengths {
		for len(lanes[i]) < n {
			if r.IntN(3) == 0 {
				lanes[i] = append(lanes[i], phrase[:r.IntN(len(phrase))]...)
			} else {
				lanes[i] = append(lanes[i], int32(r.IntN(V)))
			}
		}
		lanes[i] = lanes[i][:n]
	}
	return lanes
}

func TestLanesRoundTrip(t *testing.T) {
	m := tinyModel(t)
	V := m.Config().VocabSize
	lengths := []int{150, 1, 97, 150, 33}
	lanes := laneTokens(V, lengths)
	configs := []mix.Config{{}, {Orders: 4, Match: true, Bias: true, Scale: true}}
	slides := []Slide{{Window: 24, Keep: 8}, {Window: 24, Keep: 8, Recompute: true}, {Window: 16, Keep: 1}}
	for _, rec := range recipe.All() {
		for _, cfg := range configs {
			for _, sl := range slides {
				newCoder := func() *Lanes {
					mx, err := mix.New(cfg, V)
					if err != nil {
						t.Fatal(err)
					}
					c, err := NewLanes(m, 0, rec, sl, mx)
					if err != nil {
						t.Fatal(err)
					}
					return c
				}
				enc := newCoder()
				// Two groups, so that the mixer's state carries over.
				var streams [][]byte
				for g := 0; g < 2; g++ {
					syms, err := enc.Analyze(lanes)
					if err != nil {
						t.Fatal(err)
					}
					streams = append(streams, Encode(nil, syms))
				}
				for _, threads := range []int{1, 3} {
					old := kernel.SetThreads(threads)
					dec := newCoder()
					for g, stream := range streams {
						got, err := dec.Decode(stream, lengths)
						if err != nil {
							t.Fatalf("%s %+v %+v group %d: %v", rec.Name, cfg, sl, g, err)
						}
						for i := range lanes {
							for j := range lanes[i] {
								if got[i][j] != lanes[i][j] {
									t.Fatalf("%s %+v %+v group %d threads %d: lane %d token %d: %d, want %d", rec.Name, cfg, sl, g, threads, i, j, got[i][j], lanes[i][j])
								}
							}
						}
					}
					kernel.SetThreads(old)
				}
				if cfg.Enabled() && len(streams[1]) >= len(streams[0]) {
					t.Errorf("%+v: the second pass over the same lanes (%d bytes) is not smaller than the first (%d)", cfg, len(streams[1]), len(streams[0]))
				}
			}
		}
	}
}

// TestLanesForwardStretches: the encoder runs the steps between two slides
// in stretches of forwardRows rows; any stretch length codes the same
// symbols (as the decoder's one step at a time does).
func TestLanesForwardStretches(t *testing.T) {
	m := tinyModel(t)
	V := m.Config().VocabSize
	lanes := laneTokens(V, []int{150, 1, 97, 150, 33})
	for _, rec := range recipe.All() {
		for _, sl := range []Slide{{Window: 24, Keep: 8}, {Window: 24, Keep: 8, Recompute: true}} {
			newCoder := func() *Lanes {
				mx, err := mix.New(mix.Config{Orders: 4, Match: true, Bias: true, Scale: true}, V)
				if err != nil {
					t.Fatal(err)
				}
				c, err := NewLanes(m, 0, rec, sl, mx)
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			stretchesAgree(t, newCoder, lanes, []int{2048, 1, 7, 40}, fmt.Sprintf("%s %+v", rec.Name, sl))
		}
	}
}

// stretchesAgree analyses lanes with a coder from newCoder in passes of
// each number of rows in turn, fails the test where one codes a token
// otherwise than the first, and returns the first's coding.
func stretchesAgree(t *testing.T, newCoder func() *Lanes, lanes [][]int32, rows []int, what string) [][]Sym {
	t.Helper()
	var ref [][]Sym
	for _, n := range rows {
		old := forwardRows
		forwardRows = n
		syms, err := newCoder().Analyze(lanes)
		forwardRows = old
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = syms
			continue
		}
		for i := range syms {
			for j := range syms[i] {
				if syms[i][j] != ref[i][j] {
					t.Fatalf("%s: stretches of %d rows: lane %d token %d coded as %v, in one pass %v", what, n, i, j, syms[i][j], ref[i][j])
				}
			}
		}
	}
	return ref
}

// TestLanesOtherArchitectures: a partial-rotary model shifts its cache,
// GPT-2 (learned positions) recomputes; both round-trip.
func TestLanesOtherArchitectures(t *testing.T) {
	for arch, sl := range map[string]Slide{"phi": {Window: 24, Keep: 8}, "gemma": {Window: 24, Keep: 8}, "gpt2": {Window: 24, Keep: 8, Recompute: true}} {
		m, err := model.LoadDir(testutil.Data(t, "archs", arch))
		if err != nil {
			t.Fatal(err)
		}
		V := m.Config().VocabSize
		lengths := []int{90, 61}
		lanes := laneTokens(V, lengths)
		cfg := mix.Config{Orders: 4, Match: true, Bias: true, Scale: true}
		newCoder := func() *Lanes {
			mx, _ := mix.New(cfg, V)
			c, err := NewLanes(m, 0, recipe.Default, sl, mx)
			if err != nil {
				t.Fatal(arch, err)
			}
			return c
		}
		syms, err := newCoder().Analyze(lanes)
		if err != nil {
			t.Fatal(arch, err)
		}
		got, err := newCoder().Decode(Encode(nil, syms), lengths)
		if err != nil {
			t.Fatal(arch, err)
		}
		for i := range lanes {
			for j := range lanes[i] {
				if got[i][j] != lanes[i][j] {
					t.Fatalf("%s: lane %d token %d differs", arch, i, j)
				}
			}
		}
	}
}

// TestLanesSecondModel: a second model run beside the first (another
// architecture with the same vocabulary) round-trips when the windows
// shift and when they are recomputed, with any thread count and any
// stretch of the encoder's passes, and changes how tokens are coded. A
// second model that cannot shift its cache is refused for shifting.
func TestLanesSecondModel(t *testing.T) {
	m := tinyModel(t)
	load := func(arch string) model.Model {
		m2, err := model.LoadDir(testutil.Data(t, "archs", arch))
		if err != nil {
			t.Fatal(err)
		}
		return m2
	}
	V := m.Config().VocabSize
	// Enough lanes for the decoder's steps to be split between threads.
	lengths := []int{120, 1, 77, 120, 60, 90, 100, 110, 30, 45, 120, 99, 88}
	lanes := laneTokens(V, lengths)
	cfg := mix.Config{Orders: 4, Match: true, Bias: true, Scale: true, Second: true}
	for _, tc := range []struct {
		arch string
		sl   Slide
	}{{"qwen2", Slide{Window: 24, Keep: 8}}, {"gpt2", Slide{Window: 24, Keep: 8, Recompute: true}}} {
		m2 := load(tc.arch)
		for _, rec := range []*recipe.Recipe{recipe.Default, recipe.All()[0]} {
			newCoder := func() *Lanes {
				mx, err := mix.New(cfg, V)
				if err != nil {
					t.Fatal(err)
				}
				c, err := NewLanes(m, 0, rec, tc.sl, mx)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.SetSecond(m2); err != nil {
					t.Fatal(err)
				}
				return c
			}
			ref := stretchesAgree(t, newCoder, lanes, []int{2048, 5}, tc.arch+" "+rec.Name)
			stream := Encode(nil, ref)
			for _, threads := range []int{1, 3} {
				old := kernel.SetThreads(threads)
				got, err := newCoder().Decode(stream, lengths)
				kernel.SetThreads(old)
				if err != nil {
					t.Fatalf("%s %s threads %d: %v", tc.arch, rec.Name, threads, err)
				}
				for i := range lanes {
					for j := range lanes[i] {
						if got[i][j] != lanes[i][j] {
							t.Fatalf("%s %s threads %d: lane %d token %d: %d, want %d", tc.arch, rec.Name, threads, i, j, got[i][j], lanes[i][j])
						}
					}
				}
			}
			// Without the second model the same lanes code differently.
			mx, _ := mix.New(mix.Config{Orders: 4, Match: true, Bias: true, Scale: true}, V)
			c, err := NewLanes(m, 0, rec, tc.sl, mx)
			if err != nil {
				t.Fatal(err)
			}
			alone, err := c.Analyze(lanes)
			if err != nil {
				t.Fatal(err)
			}
			if string(Encode(nil, alone)) == string(stream) {
				t.Errorf("%s %s: the second model changed nothing", tc.arch, rec.Name)
			}
		}
	}
	mx, _ := mix.New(cfg, V)
	c, err := NewLanes(m, 0, recipe.Default, Slide{Window: 24, Keep: 8}, mx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetSecond(load("gpt2")); err == nil {
		t.Error("a second model with learned positions was accepted for shifting windows")
	}
}

// TestLanesAdapt checks dynamic evaluation in the lane coder: the model
// learns every few steps, the encoder's stretches give the same code
// whatever their length, and the decoder, its own copy of the model
// learning from the tokens it decodes, decodes them on 1 and 3 threads,
// with windows that shift or recompute and with the second model; two
// groups in a row (the weights carry over) and a group restored from a
// saved state code as the decoder expects. Without learning the code
// differs.
func TestLanesAdapt(t *testing.T) {
	m := tinyModel(t)
	V := m.Config().VocabSize
	m2, err := model.LoadDir(testutil.Data(t, "archs", "qwen2"))
	if err != nil {
		t.Fatal(err)
	}
	lengths := []int{120, 1, 77, 120, 60, 90, 100, 110, 30, 45, 120, 99, 88}
	lanes := laneTokens(V, lengths)
	lanes2 := laneTokens(V+7, lengths[:5]) // another group
	for i := range lanes2 {
		for j := range lanes2[i] {
			lanes2[i][j] %= int32(V)
		}
	}
	for _, tc := range []struct {
		name   string
		sl     Slide
		second bool
	}{
		{"shift", Slide{Window: 24, Keep: 8}, false},
		{"recompute", Slide{Window: 24, Keep: 8, Recompute: true}, false},
		{"second", Slide{Window: 24, Keep: 8}, true},
	} {
		cfg := mix.Config{Orders: 4, Match: true, Bias: true, Scale: true, Second: tc.second}
		newCoder := func(learn bool) *Lanes {
			mx, err := mix.New(cfg, V)
			if err != nil {
				t.Fatal(err)
			}
			net := m
			var ad *model.Adapter
			if learn {
				if net, ad, err = model.NewAdapter(m, 1e-3); err != nil {
					t.Fatal(err)
				}
			}
			c, err := NewLanes(net, 0, recipe.Default, tc.sl, mx)
			if err != nil {
				t.Fatal(err)
			}
			if ad != nil {
				if err := c.SetAdapter(ad, 7); err != nil {
					t.Fatal(err)
				}
			}
			if tc.second {
				if err := c.SetSecond(m2); err != nil {
					t.Fatal(err)
				}
			}
			return c
		}
		ref := stretchesAgree(t, func() *Lanes { return newCoder(true) }, lanes, []int{2048, 5, 16}, tc.name)
		stream := Encode(nil, ref)
		// The encoder: two groups, the first analysed twice from a saved
		// state as the writer may.
		enc := newCoder(true)
		var st State
		enc.SaveTo(&st)
		if _, err := enc.Analyze(lanes2); err != nil {
			t.Fatal(err)
		}
		enc.Restore(&st)
		first, err := enc.Analyze(lanes)
		if err != nil {
			t.Fatal(err)
		}
		if string(Encode(nil, first)) != string(stream) {
			t.Fatalf("%s: a group analysed after restoring codes differently", tc.name)
		}
		second, err := enc.Analyze(lanes2)
		if err != nil {
			t.Fatal(err)
		}
		for _, threads := range []int{1, 3} {
			old := kernel.SetThreads(threads)
			dec := newCoder(true)
			got, err := dec.Decode(stream, lengths)
			var got2 [][]int32
			if err == nil {
				got2, err = dec.Decode(Encode(nil, second), lengths[:5])
			}
			kernel.SetThreads(old)
			if err != nil {
				t.Fatalf("%s threads %d: %v", tc.name, threads, err)
			}
			for g, want := range [][][]int32{lanes, lanes2} {
				out := [][][]int32{got, got2}[g]
				for i := range want {
					for j := range want[i] {
						if out[i][j] != want[i][j] {
							t.Fatalf("%s threads %d group %d: lane %d token %d: %d, want %d", tc.name, threads, g, i, j, out[i][j], want[i][j])
						}
					}
				}
			}
		}
		plain, err := newCoder(false).Analyze(lanes)
		if err != nil {
			t.Fatal(err)
		}
		if string(Encode(nil, plain)) == string(stream) {
			t.Errorf("%s: learning changed nothing", tc.name)
		}
	}
	c, _ := NewLanes(m, 0, recipe.Default, Slide{Window: 24, Keep: 8}, func() *mix.Mixer { mx, _ := mix.New(mix.Config{}, V); return mx }())
	if err := c.SetAdapter(nil, 0); err == nil {
		t.Error("learning every 0 steps accepted")
	}
}
