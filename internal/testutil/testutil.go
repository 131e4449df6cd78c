// Package testutil finds the project's test data for tests.
//
// Everything a test needs lives in the repository: the fixtures under
// testdata/ (tiny models of each architecture, tokenizer goldens, GGUF
// files, the seed's golden outputs, the text corpora and the default
// models' golden logits) and the models under models/. Tests never read
// the shared folder beside the checkout, so `go test ./...` passes on a
// plain clone.
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot returns the repository root (the folder holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
}

// Repo returns the path of a file or folder relative to the repository
// root.
func Repo(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{RepoRoot(t)}, elem...)...)
}

// Data returns the path of a file or folder inside the repository's
// testdata/ folder (see testdata/README.md). The test fails if it does not
// exist: fixtures are part of the repository.
func Data(t testing.TB, elem ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{RepoRoot(t), "testdata"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test fixture missing: %v", err)
	}
	return p
}
