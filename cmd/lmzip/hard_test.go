package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tests for the second round of hardening (issue 11): data-loss paths,
// gzip conventions, messages.

// TestBuiltinNameOverFolder: folders named like the built-in models do not
// take their place; a directory is taken only when the spec is a path.
func TestBuiltinNameOverFolder(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"small", "base", "lmzip-small", "lmzip-base"} {
		os.Mkdir(filepath.Join(dir, name), 0o755)
	}
	write(t, filepath.Join(dir, "f.txt"), []byte(text))
	if r := runCLI(t, dir, nil, "f.txt"); r.code != 0 {
		t.Fatalf("lmzip f.txt beside a folder named base: %+v", r)
	}
	if r := runCLI(t, dir, nil, "info", "f.txt.lmz"); r.code != 0 || !strings.Contains(r.stdout, "lmzip-base") {
		t.Fatalf("info: %+v", r)
	}
	if r := runCLI(t, dir, nil, "-m", "small", "-c", "f.txt"); r.code != 0 {
		t.Fatalf("-m small beside a folder named small: %+v", r)
	}
	if r := runCLI(t, dir, nil, "-d", "-c", "f.txt.lmz"); r.code != 0 || r.stdout != text {
		t.Fatalf("decompress: %+v", r)
	}
	if r := runCLI(t, dir, nil, "-m", "./small", "-c", "f.txt"); r.code == 0 || !strings.Contains(r.stderr, "small") {
		t.Fatalf("-m ./small (an empty folder) succeeded: %+v", r)
	}
}
