package model

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lmzip/lmzip/internal/safetensors"
	"github.com/lmzip/lmzip/internal/testutil"
)

// golden reads a golden.safetensors file.
func golden(t *testing.T, path string) *safetensors.File {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func floats(t *testing.T, f *safetensors.File, name string) []float32 {
	t.Helper()
	v, err := f.Tensors[name].Float32()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ints(t *testing.T, f *safetensors.File, name string) []int32 {
	t.Helper()
	v, err := f.Tensors[name].Int32()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fullAndIncremental runs ids through m in one pass and one token at a time
// and returns the logits of both, checking that they are bit-identical.
func fullAndIncremental(t *testing.T, m Model, ids []int32, kv KV) []float32 {
	t.Helper()
	c := m.Config()
	n, d, V := len(ids), c.HiddenSize, c.VocabSize
	hidden := make([]float32, n*d)
	cache := m.NewCache(n, kv)
	if err := m.Forward([]Input{{Cache: cache, Tokens: ids}}, hidden); err != nil {
		t.Fatal(err)
	}
	full := make([]float32, n*V)
	m.Logits(full, hidden, n)

	cache2 := m.NewCache(n, kv)
	one := make([]float32, V)
	for p := range ids {
		if err := m.Forward([]Input{{Cache: cache2, Tokens: ids[p : p+1]}}, hidden[:d]); err != nil {
			t.Fatal(err)
		}
		m.Logits(one, hidden[:d], 1)
		for v := range one {
			if math.Float32bits(one[v]) != math.Float32bits(full[p*V+v]) {
				t.Fatalf("position %d logit %d: incremental %g, full pass %g", p, v, one[v], full[p*V+v])
			}
		}
	}
	return full
}

func TestTinyArchGoldens(t *testing.T) {
	for _, arch := range []string{"llama", "llama3-rope-scaling"} {
		t.Run(arch, func(t *testing.T) {
			dir := testutil.Data(t, "archs", arch)
			m, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			g := golden(t, filepath.Join(dir, "golden.safetensors"))
			ids := ints(t, g, "input_ids")
			want := floats(t, g, "logits")
			for _, kv := range []struct {
				kv  KV
				tol float64
			}{{KVFloat32, 1e-4}, {KVFloat16, 5e-3}} {
				got := fullAndIncremental(t, m, ids, kv.kv)
				worst := 0.0
				for i := range want {
					worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
				}
				t.Logf("%s, KV %d: max |logit - transformers| = %.3g", arch, kv.kv, worst)
				if worst > kv.tol {
					t.Fatalf("KV %d: max abs diff %g > %g", kv.kv, worst, kv.tol)
				}
			}
		})
	}
}

func TestDefaultModelGoldens(t *testing.T) {
	for _, name := range []string{"lmzip-small", "lmzip-base"} {
		t.Run(name, func(t *testing.T) {
			m, err := LoadDir(filepath.Join(testutil.RepoRoot(t), "models", name))
			if err != nil {
				t.Fatal(err)
			}
			g := golden(t, testutil.Data(t, "models", name, "golden.safetensors"))
			ids := ints(t, g, "input_ids")
			positions := ints(t, g, "positions")
			wantLogits := floats(t, g, "logits_at_positions")
			wantLogprob := floats(t, g, "next_token_logprob")
			V := m.Config().VocabSize
			got := fullAndIncremental(t, m, ids, KVFloat32)
			// The float16 cache: close to the reference, and also
			// bit-identical between its full and incremental passes.
			got16 := fullAndIncremental(t, m, ids, KVFloat16)
			worst16 := 0.0
			for i := range got {
				worst16 = math.Max(worst16, math.Abs(float64(got[i]-got16[i])))
			}
			t.Logf("%s: float16 KV cache: max |logit diff| from float32 %.3g", name, worst16)
			if worst16 > 0.05 {
				t.Errorf("float16 KV cache moves logits by %g", worst16)
			}
			worst := 0.0
			for i, p := range positions {
				for v := 0; v < V; v++ {
					worst = math.Max(worst, math.Abs(float64(got[int(p)*V+v]-wantLogits[i*V+v])))
				}
			}
			worstLP, bits := 0.0, 0.0
			for p := 0; p+1 < len(ids); p++ {
				row := got[p*V : (p+1)*V]
				mx := math.Inf(-1)
				for _, l := range row {
					mx = math.Max(mx, float64(l))
				}
				sum := 0.0
				for _, l := range row {
					sum += math.Exp(float64(l) - mx)
				}
				lp := float64(row[ids[p+1]]) - mx - math.Log(sum)
				bits -= lp / math.Ln2
				worstLP = math.Max(worstLP, math.Abs(lp-float64(wantLogprob[p])))
			}
			t.Logf("%s: max |logit diff| %.3g, max |logprob diff| %.3g, total bits %.4f (golden %s)", name, worst, worstLP, bits, g.Metadata["total_bits"])
			if worst > 1e-4 || worstLP > 1e-4 {
				t.Fatalf("logits differ by %g, log-probabilities by %g", worst, worstLP)
			}
			// The text's ideal code length matches transformers' to 0.001
			// bit in all (measured: 1e-5).
			golden, err := strconv.ParseFloat(g.Metadata["total_bits"], 64)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(bits-golden) > 1e-3 {
				t.Fatalf("total bits %.6f, transformers' %.6f", bits, golden)
			}
		})
	}
}
