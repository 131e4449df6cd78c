// Package testutil finds the project's shared test data for tests.
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedDir returns the path of the shared data folder that sits beside the
// repository checkout (../shared from the repository root), or the folder
// named by the environment variable LMZIP_SHARED. The test fails when it
// cannot be found: tests that need it must not pass silently without it.
func SharedDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("LMZIP_SHARED"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(dir, "..", "shared")
			if _, err := os.Stat(filepath.Join(shared, "seed")); err != nil {
				t.Fatalf("shared test data not found at %s (set LMZIP_SHARED): %v", shared, err)
			}
			return shared
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found above the test's directory")
		}
		dir = parent
	}
}

// Shared returns the path of a file or folder inside SharedDir.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{SharedDir(t)}, elem...)...)
}

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
