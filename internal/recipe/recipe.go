// Package recipe names the numeric recipes of lmzip archives.
//
// A recipe fixes every number that decides a language model's
// probabilities, and so whether an archive decodes: how the weights are
// held while the model runs, how the KV cache stores keys and values, the
// arithmetic rules of the kernels (package kernel), and how logits become
// integer frequencies (package rans). Compression and decompression must
// use the same recipe, so archives record its ID.
//
// The table below is append-only. A change to anything a recipe fixes (a
// kernel's operation order, Exp, the quantizer, the cache's rounding) that
// alters any probability is a new entry with a new ID; the old entries keep
// decoding the archives that name them. The frozen archives in
// testdata/frozen (one per recipe, with its input) are decoded by a test on
// every run, so a change that breaks an old recipe cannot pass unnoticed.
package recipe

import (
	"fmt"
	"strings"

	"github.com/lmzip/lmzip/internal/model"
)

// Weights is how a recipe holds the linear layers' weights while the model
// runs.
type Weights int

const (
	// WeightsExact keeps every weight exactly as the checkpoint stores it
	// (float32, or bfloat16/float16 widened exactly when used); the
	// arithmetic is float32.
	WeightsExact Weights = iota
)

func (w Weights) String() string {
	switch w {
	case WeightsExact:
		return "as stored, float32 arithmetic"
	}
	return fmt.Sprintf("Weights(%d)", int(w))
}

// Recipe is one numeric recipe.
type Recipe struct {
	// ID is what archives record.
	ID int
	// Name is what users type (lmzip --recipe NAME).
	Name string
	// Summary says in a line what sets the recipe apart.
	Summary string
	// Weights is how the linear layers' weights are held.
	Weights Weights
	// KV is how the KV cache stores keys and values.
	KV model.KV
	// Kernels is the version of package kernel's arithmetic rules
	// (kernel.RecipeID) the recipe runs on.
	Kernels int
	// Quantizer is the version of the logits-to-frequencies quantizer
	// (rans.Quantizer) the recipe uses.
	Quantizer int
}

func (r *Recipe) String() string { return fmt.Sprintf("%d (%s)", r.ID, r.Name) }

// table is every recipe this lmzip implements, in ID order. Append only.
var table = []*Recipe{
	{
		ID: 1, Name: "f32",
		Summary: "float32 KV cache: the reference, which matches transformers",
		Weights: WeightsExact, KV: model.KVFloat32, Kernels: 1, Quantizer: 1,
	},
	{
		ID: 2, Name: "f16kv",
		Summary: "float16 KV cache: half the cache memory and traffic",
		Weights: WeightsExact, KV: model.KVFloat16, Kernels: 1, Quantizer: 1,
	},
}

// Default is the recipe compression uses unless told otherwise.
var Default = table[1]

// All returns every recipe, in ID order.
func All() []*Recipe { return append([]*Recipe(nil), table...) }

// Lookup returns the recipe with the given ID.
func Lookup(id int) (*Recipe, error) {
	for _, r := range table {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, fmt.Errorf("numeric recipe %d is not implemented by this lmzip (it has %s): upgrade lmzip", id, list())
}

// Parse returns the recipe named by s: its name or its ID.
func Parse(s string) (*Recipe, error) {
	for _, r := range table {
		if s == r.Name || s == fmt.Sprint(r.ID) {
			return r, nil
		}
	}
	return nil, fmt.Errorf("unknown recipe %q (recipes: %s)", s, list())
}

func list() string {
	var names []string
	for _, r := range table {
		names = append(names, r.String())
	}
	return strings.Join(names, ", ")
}
