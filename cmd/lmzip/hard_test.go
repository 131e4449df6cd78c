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

// TestInfoMembers: info describes every member of a concatenation, reports
// zero padding, and fails on trailing garbage as test does (item 8).
func TestInfoMembers(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	a := runCLI(t, dir, []byte("first part\n"), "-m", m, "-c").stdout
	b := runCLI(t, dir, []byte("second, longer part\n"), "-m", m, "-c").stdout
	write(t, filepath.Join(dir, "cat.lmz"), []byte(a+b+"\x00\x00"))
	r := runCLI(t, dir, nil, "info", "cat.lmz")
	if r.code != 0 || !strings.Contains(r.stdout, "31 bytes in 2 members") || !strings.Contains(r.stdout, "2 zero bytes") {
		t.Fatalf("info of two members and padding: %+v", r)
	}
	write(t, filepath.Join(dir, "bad.lmz"), []byte(a+b+"junk"))
	for _, args := range [][]string{{"info"}, {"test", "-m", m}} {
		if r := runCLI(t, dir, nil, append(args, "bad.lmz")...); r.code != 1 || !strings.Contains(r.stderr, "trailing data") {
			t.Errorf("%s of an archive with trailing garbage: %+v", args[0], r)
		}
	}
}

// TestInfoEscapes: info prints an archive's model name with its control
// characters escaped (item 9).
func TestInfoEscapes(t *testing.T) {
	dir := t.TempDir()
	arc := []byte(runCLI(t, dir, []byte(text), "-m", tiny(t), "-c").stdout)
	// The header: magic (4), version, recipe, name length, name.
	n := int(arc[6])
	evil := "evil\x1b[2J\x07\r\n"
	arc = append(append(append(arc[:6:6], byte(len(evil))), evil...), arc[7+n:]...)
	write(t, filepath.Join(dir, "evil.lmz"), arc)
	r := runCLI(t, dir, nil, "info", "evil.lmz")
	if r.code != 0 || strings.ContainsAny(r.stdout, "\x1b\x07\r") || !strings.Contains(r.stdout, `"evil\x1b[2J\a\r\n"`) {
		t.Fatalf("info: %+v", r)
	}
}
