package lmcoder

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lmzip/lmzip/internal/recipe"

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
	// Code tokens 1.. with ids[0] as the start token: the positions the
	// golden total_bits sums over.
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
	ideal, err := strconv.ParseFloat(g.Metadata["total_bits"], 64)
	if err != nil {
		t.Fatal(err)
	}
	// The coded cost differs from the ideal by the quantisation (every
	// token at least 1/2^28, the remainder to the most probable one), the
	// fixed-point code length (2/65536 bit a token) and the engine's
	// difference from transformers (1e-4 nat a token at most, see package
	// model): well under 2e-4 bit a token.
	coded := float64(bits) / 65536
	n := float64(len(syms))
	t.Logf("coded cost %.4f bits, golden total_bits %.4f, %d tokens", coded, ideal, len(syms))
	if math.Abs(coded-ideal) > 2e-4*n {
		t.Fatalf("coded cost %.4f bits is %.4f from the ideal %.4f (%d tokens; bound %.4f)", coded, coded-ideal, ideal, len(syms), 2e-4*n)
	}
}
