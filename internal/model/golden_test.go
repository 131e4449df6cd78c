package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/lmzip/lmzip/internal/kernel"
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

// inChunks runs ids through m into a fresh cache in two passes, the first
// of first tokens, and returns the hidden states.
func inChunks(t *testing.T, m Model, ids []int32, kv KV, first int) []float32 {
	t.Helper()
	d := m.Config().HiddenSize
	cache := m.NewCache(len(ids), kv)
	out := make([]float32, len(ids)*d)
	for _, r := range [][2]int{{0, first}, {first, len(ids)}} {
		if err := m.Forward([]Input{{Cache: cache, Tokens: ids[r[0]:r[1]]}}, out[r[0]*d:r[1]*d]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// tinyArchs are the tiny random models of testdata/archs, one per
// architecture (two for llama), with transformers' logits.
var tinyArchs = []string{"gpt2", "llama", "llama3-rope-scaling", "qwen2", "qwen3", "mistral", "phi", "phi3", "gpt_neox", "gemma", "olmo2"}

// checkGolden compares logits with transformers' to tol.
func checkGolden(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	worst := 0.0
	for i := range want {
		worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
	}
	t.Logf("%s: max |logit - transformers| = %.3g", what, worst)
	if !(worst <= tol) {
		t.Fatalf("%s: max abs diff %g > %g", what, worst, tol)
	}
}

// TestTinyArchGoldens runs every architecture's tiny model in one pass and
// one token at a time (bit-identical, see fullAndIncremental) and compares
// with transformers' logits; also with a float16 KV cache.
func TestTinyArchGoldens(t *testing.T) {
	for _, arch := range tinyArchs {
		t.Run(arch, func(t *testing.T) {
			dir := testutil.Data(t, "archs", arch)
			m, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			g := golden(t, filepath.Join(dir, "golden.safetensors"))
			ids := ints(t, g, "input_ids")
			want := floats(t, g, "logits")
			checkGolden(t, arch+", float32 KV", fullAndIncremental(t, m, ids, KVFloat32), want, 1e-4)
			// Rounding keys and values to float16 moves logits in
			// proportion to their size (Gemma's are twice the others').
			scale := 0.0
			for _, v := range want {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			checkGolden(t, arch+", float16 KV", fullAndIncremental(t, m, ids, KVFloat16), want, 1.5e-3*scale)
			// Quantizing each key and value vector to int8 moves them by
			// up to 1/254 of their largest magnitude.
			checkGolden(t, arch+", int8 KV", fullAndIncremental(t, m, ids, KVInt8), want, 3e-2*scale)
		})
	}
}

// TestTinyArchsKernelsThreadsBatches checks that every architecture
// computes the same bits with every kernel implementation, thread count and
// batch shape: a whole sequence in one pass under the plain Go kernels on
// one thread is the reference; the others run two sequences in one batch,
// in chunks of several tokens, under each implementation and thread count.
func TestTinyArchsKernelsThreadsBatches(t *testing.T) {
	for _, arch := range tinyArchs {
		t.Run(arch, func(t *testing.T) {
			dir := testutil.Data(t, "archs", arch)
			m, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			ids := ints(t, golden(t, filepath.Join(dir, "golden.safetensors")), "input_ids")
			other := append([]int32(nil), ids...)
			slices.Reverse(other)
			restore := kernel.UseGeneric()
			old := kernel.SetThreads(1)
			ref := logitsOf(t, m, ids)
			refOther := logitsOf(t, m, other)
			kernel.SetThreads(old)
			restore()
			for _, impl := range kernel.Implementations() {
				for _, threads := range []int{1, 2, 5} {
					restore, err := kernel.UseImplementation(impl)
					if err != nil {
						t.Fatal(err)
					}
					old := kernel.SetThreads(threads)
					a, b := batchedLogits(t, m, ids, other, 7)
					kernel.SetThreads(old)
					restore()
					sameLogits(t, fmt.Sprintf("%s, %d threads, sequence 1", impl, threads), a, ref)
					sameLogits(t, fmt.Sprintf("%s, %d threads, sequence 2", impl, threads), b, refOther)
				}
			}
		})
	}
}

// logitsOf runs ids through m in one pass.
func logitsOf(t *testing.T, m Model, ids []int32) []float32 {
	t.Helper()
	c := m.Config()
	hidden := make([]float32, len(ids)*c.HiddenSize)
	if err := m.Forward([]Input{{Cache: m.NewCache(len(ids), KVFloat32), Tokens: ids}}, hidden); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(ids)*c.VocabSize)
	m.Logits(out, hidden, len(ids))
	return out
}

// batchedLogits runs two sequences through m side by side, chunk tokens of
// each per forward pass (the second starts one chunk later), and returns
// the logits of both.
func batchedLogits(t *testing.T, m Model, a, b []int32, chunk int) ([]float32, []float32) {
	t.Helper()
	c := m.Config()
	d, V := c.HiddenSize, c.VocabSize
	seqs := [][]int32{a, b}
	caches := []*Cache{m.NewCache(len(a), KVFloat32), m.NewCache(len(b), KVFloat32)}
	outs := [][]float32{make([]float32, len(a)*V), make([]float32, len(b)*V)}
	for step := 0; caches[0].Len < len(a) || caches[1].Len < len(b); step++ {
		var inputs []Input
		var which []int
		for s := range seqs {
			if s == 1 && step == 0 || caches[s].Len == len(seqs[s]) {
				continue
			}
			n := min(chunk, len(seqs[s])-caches[s].Len)
			inputs = append(inputs, Input{Cache: caches[s], Tokens: seqs[s][caches[s].Len : caches[s].Len+n]})
			which = append(which, s)
		}
		rows := 0
		for _, in := range inputs {
			rows += len(in.Tokens)
		}
		starts := []int{caches[0].Len, caches[1].Len}
		hidden := make([]float32, rows*d)
		if err := m.Forward(inputs, hidden); err != nil {
			t.Fatal(err)
		}
		logits := make([]float32, rows*V)
		m.Logits(logits, hidden, rows)
		r := 0
		for i, in := range inputs {
			s := which[i]
			copy(outs[s][starts[s]*V:], logits[r*V:(r+len(in.Tokens))*V])
			r += len(in.Tokens)
		}
	}
	return outs[0], outs[1]
}

func sameLogits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: logit %d is %g, reference %g", what, i, got[i], want[i])
		}
	}
}

func TestDefaultModelGoldens(t *testing.T) {
	for _, name := range []string{"lmzip-small", "lmzip-base"} {
		t.Run(name, func(t *testing.T) {
			if testing.Short() && name != "lmzip-small" {
				// The plain-Go and race tiers: kernels bit-identical to
				// the full tier's (their own tests) meet transformers
				// where the full tier does; one real model's shapes run
				// them and their threads.
				t.Skip("-short: lmzip-small only")
			}
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
				lp := logProb(got[p*V:(p+1)*V], ids[p+1])
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

// archFingerprints are SHA-256 digests (first 8 bytes) of the tiny models'
// logits bits, full pass, float32 and float16 KV caches. They pin the
// numeric recipe across machines (arm64 included) and changes: a change to
// any of them means every archive made with that architecture would decode
// differently, so it needs a new recipe number, not new digests.
var archFingerprints = map[string][2]string{
	"gpt2":                {"6040cb90ce0214d9", "526a56f79fa39196"},
	"llama":               {"0083c493d4046534", "d155729f56058c95"}, // as before the architecture seam
	"llama3-rope-scaling": {"072e59d76dca32ad", "c8e94aebe5663ffe"},
	"qwen2":               {"3d573f94c10a9ec8", "52aa57813824f4ca"},
	"qwen3":               {"5b81dd73ce4341c8", "56ea99fe7ea5a399"},
	"mistral":             {"8463189b41d7ef55", "2f8fa6dfb9c73161"},
	"phi":                 {"84599b45f5ca9164", "58dcabfb5e6b443b"},
	"phi3":                {"de2598f1475f86f7", "ac93a50ccc9ba249"},
	"gpt_neox":            {"74f02eef71e0abe9", "40affe9667460532"},
	"gemma":               {"e51e3a5256501243", "f19d91fd624ee3fb"},
	"olmo2":               {"a83e243c40e36eed", "51d6bc0ff1ba236e"},
}

func TestTinyArchFingerprints(t *testing.T) {
	for _, arch := range tinyArchs {
		dir := testutil.Data(t, "archs", arch)
		m, err := LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		ids := ints(t, golden(t, filepath.Join(dir, "golden.safetensors")), "input_ids")
		var got [2]string
		for i, kv := range []KV{KVFloat32, KVFloat16} {
			c := m.Config()
			hidden := make([]float32, len(ids)*c.HiddenSize)
			if err := m.Forward([]Input{{Cache: m.NewCache(len(ids), kv), Tokens: ids}}, hidden); err != nil {
				t.Fatal(err)
			}
			logits := make([]float32, len(ids)*c.VocabSize)
			m.Logits(logits, hidden, len(ids))
			h := sha256.New()
			for _, v := range logits {
				binary.Write(h, binary.LittleEndian, math.Float32bits(v))
			}
			got[i] = hex.EncodeToString(h.Sum(nil)[:8])
		}
		if want, ok := archFingerprints[arch]; !ok || got != want {
			t.Errorf("%q: {%q, %q}, want %q", arch, got[0], got[1], want)
		}
	}
}

// archFingerprintsInt8 are archFingerprints for the int8 recipe: int8
// linear layers and head, int8 KV cache.
var archFingerprintsInt8 = map[string]string{
	"gpt2":                "9e180b34c80239ba",
	"llama":               "43a0c4790358bec1",
	"llama3-rope-scaling": "ab95568e3810827d",
	"qwen2":               "4a2e52679bb61b51",
	"qwen3":               "bc6d7fe3a4a01d31",
	"mistral":             "256443638282a0bd",
	"phi":                 "7695fca7638486a1",
	"phi3":                "06fe04e7c7075fac",
	"gpt_neox":            "d9b3a9883f1edf1e",
	"gemma":               "75f764f63c9f68a8",
	"olmo2":               "5580b8ad5c8f9fc2",
}

func TestTinyArchFingerprintsInt8(t *testing.T) {
	for _, arch := range tinyArchs {
		dir := testutil.Data(t, "archs", arch)
		m := loadWith(t, dir, &Options{Linear: StoreInt8, Head: StoreInt8})
		ids := ints(t, golden(t, filepath.Join(dir, "golden.safetensors")), "input_ids")
		c := m.Config()
		hidden := make([]float32, len(ids)*c.HiddenSize)
		if err := m.Forward([]Input{{Cache: m.NewCache(len(ids), KVInt8), Tokens: ids}}, hidden); err != nil {
			t.Fatal(err)
		}
		logits := make([]float32, len(ids)*c.VocabSize)
		m.Logits(logits, hidden, len(ids))
		h := sha256.New()
		for _, v := range logits {
			binary.Write(h, binary.LittleEndian, math.Float32bits(v))
		}
		got := hex.EncodeToString(h.Sum(nil)[:8])
		if want, ok := archFingerprintsInt8[arch]; !ok || got != want {
			t.Errorf("%q: %q, want %q", arch, got, want)
		}
	}
}

// TestCachePages checks that a cache stored in pages computes the same
// bits as in one page: every architecture's logits with int8 and float16
// caches in pages of 16 and 32 positions (the tiny models' sequences span
// several), a whole pass and one token at a time (fullAndIncremental),
// equal those with the sequence in a single page; the hidden states of
// passes whose first chunk of 1-3, 13-15 tokens leaves compression's
// tiles of four rows straddling a page's end, likewise; and an int8 cache
// in a batch with a float32 one computes the same hidden states as alone.
func TestCachePages(t *testing.T) {
	for _, arch := range tinyArchs {
		t.Run(arch, func(t *testing.T) {
			dir := testutil.Data(t, "archs", arch)
			m, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			ids := ints(t, golden(t, filepath.Join(dir, "golden.safetensors")), "input_ids")
			if len(ids) <= 32 {
				t.Fatalf("%d tokens do not span pages of 32", len(ids))
			}
			defer func(old int) { cachePage = old }(cachePage)
			for _, kv := range []KV{KVInt8, KVFloat16} {
				cachePage = 1 << 20
				ref := fullAndIncremental(t, m, ids, kv)
				var chunked [][]float32
				for _, first := range []int{1, 2, 3, 13, 14, 15} {
					chunked = append(chunked, inChunks(t, m, ids, kv, first))
				}
				for _, page := range []int{16, 32} {
					cachePage = page
					if c := m.NewCache(len(ids), kv); c.page != page {
						t.Fatalf("%v cache of %d positions has pages of %d, want %d", kv, len(ids), c.page, page)
					}
					sameLogits(t, fmt.Sprintf("%v cache, pages of %d", kv, page), fullAndIncremental(t, m, ids, kv), ref)
					for i, first := range []int{1, 2, 3, 13, 14, 15} {
						sameLogits(t, fmt.Sprintf("%v cache, pages of %d, first chunk %d", kv, page, first), inChunks(t, m, ids, kv, first), chunked[i])
					}
				}
			}
			cachePage = 1 << 20
			if c := m.NewCache(len(ids), KVFloat32); c.page != c.capacity {
				t.Fatalf("float32 cache of %d positions has pages of %d", c.capacity, c.page)
			}
			// A batch with an int8 cache beside a float32 one computes each
			// as alone.
			d := m.Config().HiddenSize
			solo := func(kv KV) []float32 {
				h := make([]float32, len(ids)*d)
				if err := m.Forward([]Input{{Cache: m.NewCache(len(ids), kv), Tokens: ids}}, h); err != nil {
					t.Fatal(err)
				}
				return h
			}
			both := make([]float32, 2*len(ids)*d)
			in := []Input{{Cache: m.NewCache(len(ids), KVFloat32), Tokens: ids}, {Cache: m.NewCache(len(ids), KVInt8), Tokens: ids}}
			if err := m.Forward(in, both); err != nil {
				t.Fatal(err)
			}
			sameLogits(t, "float32 cache beside an int8 one", both[:len(ids)*d], solo(KVFloat32))
			sameLogits(t, "int8 cache beside a float32 one", both[len(ids)*d:], solo(KVInt8))
		})
	}
}
