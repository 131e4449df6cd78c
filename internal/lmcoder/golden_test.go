package lmcoder

import (
	"github.com/lmzip/lmzip/internal/recipe"
	"path/filepath"
	"testing"

	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/safetensors"
	"github.com/lmzip/lmzip/internal/testutil"
)

// TestIdealCodeLength checks that the coded cost of the golden text is the
// model's ideal code length (golden total_bits) plus a little quantisation.
func TestIdealCodeLength(t *testing.T) {
	m, err := model.LoadDir(filepath.Join(testutil.RepoRoot(t), "models", "lmzip-small"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := safetensors.Open(testutil.Data(t, "models", "lmzip-small", "golden.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ids, _ := g.Tensors["input_ids"].Int32()
	// The golden text starts with the start token? Code tokens 1.. after ids[0] as context.
	t.Logf("first ids %v", ids[:5])
	f32, _ := recipe.Lookup(1)
	c := New(m, ids[0], f32)
	syms, err := c.Analyze(ids[1:], nil)
	if err != nil {
		t.Fatal(err)
	}
	var bits uint64
	for _, s := range syms {
		bits += s.Cost()
	}
	t.Logf("coded cost %.3f bits, golden total_bits %s", float64(bits)/65536, g.Metadata["total_bits"])
}
