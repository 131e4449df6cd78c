package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// The parameter counts read from the safetensors headers match the counts
// transformers reported for each tiny architecture (testdata/archs/INDEX.json).
func TestCountParams(t *testing.T) {
	b, err := os.ReadFile(testutil.Data(t, "archs", "INDEX.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index map[string]struct {
		ModelType string `json:"model_type"`
		Params    int64  `json:"params"`
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	if len(index) < 10 {
		t.Fatalf("INDEX.json lists %d models", len(index))
	}
	for name, want := range index {
		dir := testutil.Data(t, "archs", name)
		if got := countParams(dir); got != want.Params {
			t.Errorf("%s: %d parameters, transformers says %d", name, got, want.Params)
		}
		if d := describeDir(dir); d.arch != want.ModelType {
			t.Errorf("%s: architecture %q, want %q", name, d.arch, want.ModelType)
		}
	}
}
