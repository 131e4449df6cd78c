package model

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/safetensors"
	"github.com/lmzip/lmzip/internal/testutil"
)

// rewriteFixture copies the tiny model of arch into a temporary directory,
// passing its tensors through edit (which returns the tensors to write),
// and returns the directory.
func rewriteFixture(t *testing.T, arch string, edit func([]*safetensors.Tensor) []*safetensors.Tensor) string {
	t.Helper()
	src := testutil.Data(t, "archs", arch)
	dir := t.TempDir()
	for _, name := range []string{"config.json", "tokenizer.json"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ts []*safetensors.Tensor
	for _, name := range f.Names() {
		t := *f.Tensors[name]
		t.Data = append([]byte(nil), t.Data...)
		ts = append(ts, &t)
	}
	out, err := os.Create(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if err := safetensors.Write(out, edit(ts), map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// openCheckpoint reads a model directory's config.json and opens its
// tensors (closed when the test ends).
func openCheckpoint(t testing.TB, dir string) ([]byte, *safetensors.Set) {
	t.Helper()
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close() })
	return cfg, set
}

// loadWith loads a model directory with opts.
func loadWith(t testing.TB, dir string, opts *Options) Model {
	t.Helper()
	cfg, set := openCheckpoint(t, dir)
	m, err := New(cfg, set, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGPT2PublishedSpelling loads the tiny GPT-2 renamed the way OpenAI's
// checkpoint on the Hub names its tensors (no "transformer." prefix) and
// with its attention mask buffers, and checks that it computes the same bits.
func TestGPT2PublishedSpelling(t *testing.T) {
	dir := rewriteFixture(t, "gpt2", func(ts []*safetensors.Tensor) []*safetensors.Tensor {
		for _, x := range ts {
			x.Name = strings.TrimPrefix(x.Name, "transformer.")
		}
		for i := 0; i < 2; i++ {
			mask := make([]byte, 4*64*64)
			for q := 0; q < 64; q++ {
				for k := 0; k <= q; k++ {
					binary.LittleEndian.PutUint32(mask[4*(q*64+k):], math.Float32bits(1))
				}
			}
			ts = append(ts,
				&safetensors.Tensor{Name: "h." + string(rune('0'+i)) + ".attn.bias", DType: safetensors.F32, Shape: []int{1, 1, 64, 64}, Data: mask},
				&safetensors.Tensor{Name: "h." + string(rune('0'+i)) + ".attn.masked_bias", DType: safetensors.F32, Shape: []int{}, Data: []byte{0, 0x40, 0x1c, 0xc6}})
		}
		return ts
	})
	published, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fixture := testutil.Data(t, "archs", "gpt2")
	m, err := LoadDir(fixture)
	if err != nil {
		t.Fatal(err)
	}
	ids := ints(t, golden(t, filepath.Join(fixture, "golden.safetensors")), "input_ids")
	got := fullAndIncremental(t, published, ids, KVFloat32)
	sameLogits(t, "published spelling", got, logitsOf(t, m, ids))
	checkGolden(t, "published spelling", got, floats(t, golden(t, filepath.Join(fixture, "golden.safetensors")), "logits"), 1e-4)
}

// toHalf rewrites every F32 tensor as BF16 or F16 (rounding to nearest even).
func toHalf(dtype safetensors.DType) func([]*safetensors.Tensor) []*safetensors.Tensor {
	return func(ts []*safetensors.Tensor) []*safetensors.Tensor {
		for _, x := range ts {
			if x.DType != safetensors.F32 {
				continue
			}
			n := x.Elements()
			data := make([]byte, 2*n)
			for i := 0; i < n; i++ {
				v := math.Float32frombits(binary.LittleEndian.Uint32(x.Data[4*i:]))
				var h uint16
				if dtype == safetensors.BF16 {
					b := math.Float32bits(v)
					h = uint16((b + 0x7fff + (b>>16)&1) >> 16)
				} else {
					h = kernel.Float32ToF16(v)
				}
				binary.LittleEndian.PutUint16(data[2*i:], h)
			}
			x.DType, x.Data = dtype, data
		}
		return ts
	}
}

// widen rewrites every BF16 or F16 tensor as F32 (exactly).
func widen(ts []*safetensors.Tensor) []*safetensors.Tensor {
	for _, x := range ts {
		if x.DType != safetensors.BF16 && x.DType != safetensors.F16 {
			continue
		}
		v, _ := x.Float32()
		data := make([]byte, 4*len(v))
		for i, f := range v {
			binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(f))
		}
		x.DType, x.Data = safetensors.F32, data
	}
	return ts
}

// TestStorage checks that every architecture computes the same bits
// whether its bfloat16 (or float16) weights are kept as they are stored or
// widened to float32, and that the native storage is bfloat16 in memory.
func TestStorage(t *testing.T) {
	for _, arch := range tinyArchs {
		t.Run(arch, func(t *testing.T) {
			ids := ints(t, golden(t, filepath.Join(testutil.Data(t, "archs", arch), "golden.safetensors")), "input_ids")
			for _, dtype := range []safetensors.DType{safetensors.BF16, safetensors.F16} {
				half := rewriteFixture(t, arch, toHalf(dtype))
				wide := rewriteFixture(t, arch, func(ts []*safetensors.Tensor) []*safetensors.Tensor { return widen(toHalf(dtype)(ts)) })
				native := loadWith(t, half, nil)
				ref := logitsOf(t, loadWith(t, wide, nil), ids)
				sameLogits(t, string(dtype)+" native", fullAndIncremental(t, native, ids, KVFloat32), ref)
				sameLogits(t, string(dtype)+" as float32", logitsOf(t, loadWith(t, half, &Options{Linear: StoreFloat32, Head: StoreFloat32, Embedding: StoreFloat32}), ids), ref)
				co := native.(interface{ base() *core }).base()
				if isBF16 := co.head.w.IsBF16() && co.embed.bf16 != nil; isBF16 != (dtype == safetensors.BF16) {
					t.Errorf("%s checkpoint: head and embedding stored as bfloat16: %v", dtype, isBF16)
				}
			}
		})
	}
}

// TestUnusedTensorsRefused: a checkpoint with weights its config does not
// describe (here an output projection bias that attention_bias = false
// leaves out) is refused rather than run without them.
func TestUnusedTensorsRefused(t *testing.T) {
	dir := rewriteFixture(t, "llama", func(ts []*safetensors.Tensor) []*safetensors.Tensor {
		return append(ts, &safetensors.Tensor{Name: "model.layers.1.self_attn.o_proj.bias", DType: safetensors.F32, Shape: []int{64}, Data: make([]byte, 256)})
	})
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "model.layers.1.self_attn.o_proj.bias") {
		t.Fatalf("got %v", err)
	}
	// A missing tensor, a wrong shape and an integer tensor.
	for _, tc := range []struct {
		want string
		edit func([]*safetensors.Tensor) []*safetensors.Tensor
	}{
		{"model.norm.weight is missing", func(ts []*safetensors.Tensor) []*safetensors.Tensor {
			for i, x := range ts {
				if x.Name == "model.norm.weight" {
					return append(ts[:i], ts[i+1:]...)
				}
			}
			return ts
		}},
		{"has shape [32 32], want [64 64]", func(ts []*safetensors.Tensor) []*safetensors.Tensor {
			for _, x := range ts {
				if x.Name == "model.layers.0.self_attn.o_proj.weight" {
					x.Shape = []int{32, 32}
					x.Data = x.Data[:4*32*32]
				}
			}
			return ts
		}},
		{"element type I32", func(ts []*safetensors.Tensor) []*safetensors.Tensor {
			for _, x := range ts {
				if x.Name == "model.norm.weight" {
					x.DType = safetensors.I32
				}
			}
			return ts
		}},
	} {
		dir := rewriteFixture(t, "llama", tc.edit)
		if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error mentioning %q", err, tc.want)
		}
		if err := checkDir(t, dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check: got %v, want an error mentioning %q", err, tc.want)
		}
	}
	if err := checkDir(t, dir); err == nil || !strings.Contains(err.Error(), "model.layers.1.self_attn.o_proj.bias") {
		t.Errorf("Check of unused tensors: got %v", err)
	}
}

// checkDir runs Check on the checkpoint in dir.
func checkDir(t *testing.T, dir string) error {
	t.Helper()
	return Check(openCheckpoint(t, dir))
}

// TestCheckAcceptsEveryArch: Check passes every tiny architecture's
// checkpoint that New builds.
func TestCheckAcceptsEveryArch(t *testing.T) {
	for _, arch := range tinyArchs {
		if err := checkDir(t, testutil.Data(t, "archs", arch)); err != nil {
			t.Errorf("%s: %v", arch, err)
		}
	}
}

// base returns the model's core (for tests that look inside).
func (m *core) base() *core { return m }

// TestDefaultModelsStorage checks that the default models, whose weights
// are bfloat16, compute the same bits from bfloat16 panels (the default) as
// from float32 ones, and that their weights stay bfloat16.
func TestDefaultModelsStorage(t *testing.T) {
	for _, name := range []string{"lmzip-small", "lmzip-base"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(testutil.RepoRoot(t), "models", name)
			ids := ints(t, golden(t, testutil.Data(t, "models", name, "golden.safetensors")), "input_ids")[:64]
			native := loadWith(t, dir, nil)
			co := native.(interface{ base() *core }).base()
			if !co.head.w.IsBF16() || co.embed.bf16 == nil || !native.(*llama).layers[0].attn.qkv.w.IsBF16() {
				t.Fatal("weights not kept as bfloat16")
			}
			wide := loadWith(t, dir, &Options{Linear: StoreFloat32, Head: StoreFloat32, Embedding: StoreFloat32})
			if wide.(*llama).layers[0].mlp.down.w.IsBF16() {
				t.Fatal("StoreFloat32 kept bfloat16")
			}
			sameLogits(t, name, logitsOf(t, native, ids), logitsOf(t, wide, ids))
		})
	}
}

// TestApproximateStorage runs every architecture with its linear layers
// quantized to int8, and with every weight rounded to bfloat16: what a
// recipe with such storage would compute. Each stays bit-identical between
// the full pass and one-token decoding, and across kernels, threads and
// batch shapes, and stays near transformers' logits.
func TestApproximateStorage(t *testing.T) {
	for _, arch := range tinyArchs {
		t.Run(arch, func(t *testing.T) {
			dir := testutil.Data(t, "archs", arch)
			g := golden(t, filepath.Join(dir, "golden.safetensors"))
			ids, want := ints(t, g, "input_ids"), floats(t, g, "logits")
			scale := 0.0
			for _, v := range want {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			for _, tc := range []struct {
				name string
				opts Options
				tol  float64 // relative to the largest logit
			}{
				{"int8", Options{Linear: StoreInt8}, 0.1}, // activations of these tiny random models quantize coarsely
				{"bfloat16", Options{Linear: StoreBFloat16, Head: StoreBFloat16, Embedding: StoreBFloat16}, 0.04},
			} {
				m := loadWith(t, dir, &tc.opts)
				checkGolden(t, arch+" "+tc.name, fullAndIncremental(t, m, ids, KVFloat32), want, tc.tol*scale)
				other := append([]int32(nil), ids...)
				slices.Reverse(other)
				restore := kernel.UseGeneric()
				old := kernel.SetThreads(1)
				ref, refOther := logitsOf(t, m, ids), logitsOf(t, m, other)
				kernel.SetThreads(old)
				restore()
				for _, impl := range kernel.Implementations() {
					restore, err := kernel.UseImplementation(impl)
					if err != nil {
						t.Fatal(err)
					}
					old := kernel.SetThreads(3)
					a, b := batchedLogits(t, m, ids, other, 5)
					kernel.SetThreads(old)
					restore()
					sameLogits(t, tc.name+" "+impl, a, ref)
					sameLogits(t, tc.name+" "+impl, b, refOther)
				}
			}
			if _, err := New(mustRead(t, filepath.Join(dir, "config.json")), openSet(t, dir), &Options{Embedding: StoreInt8}); err == nil || !strings.Contains(err.Error(), "int8 is not supported for embeddings") {
				t.Errorf("int8 embeddings: %v", err)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openSet(t *testing.T, dir string) *safetensors.Set {
	t.Helper()
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close() })
	return set
}
