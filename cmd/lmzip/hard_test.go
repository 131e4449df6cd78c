//go:build unix

package main

import (
	"os"
	"os/exec"
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

// TestCombinedModeFlags: -d, -t and -l combine with other short flags as
// in gzip and zstd: -dc, -cd, -df, -tv, -lv (item 4).
func TestCombinedModeFlags(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	write(t, filepath.Join(dir, "a.txt"), []byte(text))
	if r := runCLI(t, dir, nil, "-km", m, "a.txt"); r.code != 0 {
		t.Fatalf("-km: %+v", r)
	}
	for _, flags := range [][]string{{"-dc"}, {"-cd"}, {"-d", "-c"}, {"-dcm", m}, {"-cdq"}} {
		args := append(append([]string{"-m", m}, flags...), "a.txt.lmz")
		if r := runCLI(t, dir, nil, args...); r.code != 0 || r.stdout != text {
			t.Errorf("%v: %+v", flags, r)
		}
	}
	if r := runCLI(t, dir, nil, "-df", "-m", m, "a.txt.lmz"); r.code != 0 || string(read(t, filepath.Join(dir, "a.txt"))) != text {
		t.Errorf("-df over the existing a.txt: %+v", r)
	}
	if r := runCLI(t, dir, nil, "-tv", "-m", m, "a.txt.lmz"); r.code != 0 || !strings.Contains(r.stderr, "a.txt.lmz: OK") {
		t.Errorf("-tv: %+v", r)
	}
	if r := runCLI(t, dir, nil, "-lv", "a.txt.lmz"); r.code != 0 || !strings.Contains(r.stdout, "member 1") {
		t.Errorf("-lv: %+v", r)
	}
}

// TestBadOptionValues: a bad option value is a bad command line, exit 2,
// reported once before any file is touched; a missing input is exit 1
// (item 10). Numbers out of range are errors, not silent defaults; -T is
// capped (item 11).
func TestBadOptionValues(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	write(t, filepath.Join(dir, "a.txt"), []byte(text))
	write(t, filepath.Join(dir, "b.txt"), []byte(text))
	for _, args := range [][]string{
		{"--group", "33"}, {"--group", "-1"}, {"--segment", "-5"}, {"--segment", "2000000"}, {"-4", "--segment", "100000"}, {"--level", "10"},
		{"--coders", "bogus"}, {"-T", "-1"}, {"-m", "nonexistent"}, {"-m", "./nonexistent"}, {"--recipe", "bogus"},
	} {
		if args[0] != "-m" {
			args = append([]string{"-m", m}, args...)
		}
		r := runCLI(t, dir, nil, append(args, "a.txt", "b.txt")...)
		if r.code != 2 || strings.Count(r.stderr, "\n") != 1 && !strings.Contains(r.stderr, "Usage:") {
			t.Errorf("%v: exit %d, stderr %q (want exit 2 and one message)", args, r.code, r.stderr)
		}
		if got := files(t, dir); got != "a.txt b.txt" {
			t.Fatalf("%v: left %s", args, got)
		}
	}
	if r := runCLI(t, dir, nil, "-d", "-m", "nonexistent", "x.lmz"); r.code != 2 {
		t.Errorf("-d -m nonexistent: %+v", r)
	}
	if r := runCLI(t, dir, nil, "-m", m, "nope.txt", "a.txt"); r.code != 1 || !strings.Contains(r.stderr, "nope.txt: no such file") {
		t.Errorf("a missing input: %+v", r)
	}
	// -T far beyond any machine's cores is capped: memory stays small.
	cmd := exec.Command(binary, "-4", "-m", m, "-T", "1000000", "-c", "a.txt") // level 4: no mixer tables
	cmd.Dir = dir
	if out, err := cmd.Output(); err != nil || len(out) == 0 {
		t.Fatalf("-T 1000000: %v", err)
	}
	if rss := maxRSS(cmd); rss > 150<<20 { // uncapped: over 300 MiB
		t.Fatalf("-T 1000000 used %d MiB", rss>>20)
	}
}

// TestCommandNamedFiles: a file whose name is a command is compressed when
// named after flags or --; the command name alone with such a file present
// and no input named is refused rather than reading standard input
// (item 14).
func TestCommandNamedFiles(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	for _, name := range []string{"x", "d", "info", "test"} {
		write(t, filepath.Join(dir, name), []byte(text))
		r := runCLI(t, dir, []byte("standard input"), name)
		if r.code != 2 || !strings.Contains(r.stderr, "lmzip -- "+name) {
			t.Errorf("lmzip %s with a file %s: %+v", name, name, r)
		}
		if r := runCLI(t, dir, nil, "-m", m, "--", name); r.code != 0 {
			t.Errorf("lmzip -- %s: %+v", name, r)
		}
		if r := runCLI(t, dir, nil, "-f", "-m", m, name); r.code != 0 {
			t.Errorf("lmzip -f %s: %+v", name, r)
		}
		if _, err := os.Stat(filepath.Join(dir, name+".lmz")); err != nil {
			t.Errorf("%s.lmz: %v", name, err)
		}
	}
	// A command with its input named still runs.
	if r := runCLI(t, dir, nil, "test", "-m", m, "x.lmz"); r.code != 0 {
		t.Errorf("lmzip test x.lmz beside a file named test: %+v", r)
	}
}

// TestDashNamesAndKeep: "lmzip -d -- -.lmz" writes a file named "-", as
// gzip does; of -k and --rm the last one wins (item 15).
func TestDashNamesAndKeep(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	arc := runCLI(t, dir, []byte(text), "-m", m, "-c").stdout
	write(t, filepath.Join(dir, "-.lmz"), []byte(arc))
	r := runCLI(t, dir, nil, "-d", "-m", m, "--", "-.lmz")
	if r.code != 0 || r.stdout != "" || string(read(t, filepath.Join(dir, "-"))) != text {
		t.Fatalf("-d -- -.lmz: %+v", r)
	}
	write(t, filepath.Join(dir, "a.txt"), []byte(text))
	if r := runCLI(t, dir, nil, "-m", m, "--rm", "-k", "a.txt"); r.code != 0 {
		t.Fatal(r)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.txt")); err != nil {
		t.Fatal("--rm -k removed the input")
	}
	if r := runCLI(t, dir, nil, "-f", "-m", m, "-k", "--rm", "a.txt"); r.code != 0 {
		t.Fatal(r)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.txt")); err == nil {
		t.Fatal("-k --rm kept the input")
	}
}

// TestMessages: one "lmzip:" prefix, however an error is wrapped; help for
// a command lists only its flags, and "lmzip help COMMAND" is
// "lmzip COMMAND --help" (items 17, 19).
func TestMessages(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	arc := runCLI(t, dir, []byte(text), "-m", m, "-c").stdout
	write(t, filepath.Join(dir, "two.lmz"), []byte(arc+"\x89LMZ\x63"))
	r := runCLI(t, dir, nil, "test", "-m", m, "two.lmz")
	if r.code != 1 || strings.Count(r.stderr, "lmzip:") != 1 {
		t.Errorf("a bad second member: %+v", r)
	}
	r = runCLI(t, dir, nil, "test", "--help")
	for _, flag := range []string{"--output", "--stdout", "--force", "--keep", "--rm", "--suffix", "--segment"} {
		if strings.Contains(r.stdout, flag) {
			t.Errorf("test --help lists %s:\n%s", flag, r.stdout)
		}
	}
	seen := map[string]bool{}
	for _, c := range commands {
		if seen[c.name] {
			continue
		}
		seen[c.name] = true
		a, b := runCLI(t, dir, nil, "help", c.name), runCLI(t, dir, nil, c.name, "--help")
		if a.code != 0 || a.stdout != b.stdout || !strings.Contains(a.stdout, "Flags:") {
			t.Errorf("help %s differs from %s --help:\n%s\n---\n%s", c.name, c.name, a.stdout, b.stdout)
		}
	}
}
