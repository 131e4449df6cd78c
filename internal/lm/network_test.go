package lm

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/recipe"
	"github.com/lmzip/lmzip/internal/testutil"
)

// logits runs tokens through m and returns the logits of the last one.
func logits(t *testing.T, m model.Model, tokens []int32) []float32 {
	t.Helper()
	c := m.Config()
	hidden := make([]float32, len(tokens)*c.HiddenSize)
	if err := m.Forward([]model.Input{{Cache: m.NewCache(len(tokens), model.KVFloat32), Tokens: tokens}}, hidden); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, c.VocabSize)
	m.Logits(out, hidden[(len(tokens)-1)*c.HiddenSize:], 1)
	return out
}

// checkInt8 checks that l's int8 network is built once, differs from the
// exact model (the recipe took effect) and stays close to it.
func checkInt8(t *testing.T, l *LM, tokens []int32) {
	t.Helper()
	int8r, err := recipe.Parse("int8")
	if err != nil {
		t.Fatal(err)
	}
	exact, err := recipe.Parse("f16kv")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := l.Model()
	if err != nil {
		t.Fatal(err)
	}
	if m, err := l.Network(exact); err != nil || m != stored {
		t.Fatalf("exact network: %v, %v; want the model itself", m, err)
	}
	q, err := l.Network(int8r)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := l.Network(int8r); err != nil || again != q {
		t.Fatalf("second Network(int8): %p %v, want the cached %p", again, err, q)
	}
	want, got := logits(t, stored, tokens), logits(t, q, tokens)
	var diff, norm float64
	same := true
	for i := range want {
		d := float64(got[i] - want[i])
		diff += d * d
		norm += float64(want[i]) * float64(want[i])
		same = same && got[i] == want[i]
	}
	if same {
		t.Fatal("the int8 network computes the exact model's logits: its weights were not quantized")
	}
	if rel := math.Sqrt(diff / norm); rel > 0.05 {
		t.Fatalf("int8 logits differ from the exact ones by %.3f (relative RMS)", rel)
	}
}

func TestNetworkInt8Embedded(t *testing.T) {
	l, err := Load("small")
	if err != nil {
		t.Fatal(err)
	}
	checkInt8(t, l, l.Tokenizer.Encode([]byte("It was the best of times, it was the worst of times")))
}

// TestNetworkReopen builds the int8 network of a directory model by
// reopening the checkpoint, and refuses a checkpoint that changed since
// it was loaded.
func TestNetworkReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "llama")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := testutil.Data(t, "archs", "llama")
	for _, name := range []string{"config.json", "tokenizer.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkInt8(t, l, []int32{1, 5, 9, 200, 17, 3})

	l2, err := loadDir(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"llama"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	int8r, _ := recipe.Parse("int8")
	if _, err := l2.Network(int8r); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("a changed checkpoint: %v, want an error that says so", err)
	}
}

func TestNetworkGGUF(t *testing.T) {
	l, err := Load(testutil.Data(t, "gguf", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	checkInt8(t, l, []int32{1, 403, 407, 261, 378, 30})
}

// TestNetworksBuiltOnDemand: loading a model builds no network, and a
// process that runs only the int8 recipe never holds the stored-precision
// one (for a 135M-parameter model, 270 MB of bfloat16 weights).
func TestNetworksBuiltOnDemand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "llama")
	if err := os.CopyFS(dir, os.DirFS(testutil.Data(t, "archs", "llama"))); err != nil {
		t.Fatal(err)
	}
	l, err := loadDir(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.nets) != 0 {
		t.Fatalf("loading built %d networks", len(l.nets))
	}
	if l.Config().HiddenSize != 64 {
		t.Fatalf("config: hidden size %d", l.Config().HiddenSize)
	}
	int8r, _ := recipe.Parse("int8")
	if _, err := l.Network(int8r); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.nets[model.Options{}]; ok || len(l.nets) != 1 {
		t.Fatalf("after Network(int8): %d networks, stored one built: %v", len(l.nets), ok)
	}
}
