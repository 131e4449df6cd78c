//go:build unix

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOutputIsInput: an output that is the input, by any path, is refused
// and the input is never removed (item 1).
func TestOutputIsInput(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	notes := filepath.Join(dir, "notes.txt")
	write(t, notes, []byte(text))
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.Link(notes, filepath.Join(dir, "hard.txt"))
	os.Symlink("notes.txt", filepath.Join(dir, "sym.txt"))
	unchanged := func(what string, r result) {
		t.Helper()
		if r.code != 1 || !strings.Contains(r.stderr, "input file") {
			t.Errorf("%s: exit %d, stderr %q (want a refusal)", what, r.code, r.stderr)
		}
		if got, err := os.ReadFile(notes); err != nil || string(got) != text {
			t.Fatalf("%s: the input is gone or changed (%v)", what, err)
		}
	}
	for _, out := range []string{"notes.txt", "./sub/../notes.txt", filepath.Join(dir, "notes.txt"), "hard.txt", "sym.txt"} {
		unchanged("-f --rm -o "+out, runCLI(t, dir, nil, "-m", m, "-f", "--rm", "-o", out, "notes.txt"))
		unchanged("-f -o "+out, runCLI(t, dir, nil, "-m", m, "-f", "-o", out, "notes.txt"))
	}
	// Decompression likewise.
	r := runCLI(t, dir, nil, "-m", m, "-c", "notes.txt")
	arc := []byte(r.stdout)
	write(t, filepath.Join(dir, "x.lmz"), arc)
	r = runCLI(t, dir, nil, "-d", "-m", m, "-f", "--rm", "-o", "x.lmz", "x.lmz")
	if got, err := os.ReadFile(filepath.Join(dir, "x.lmz")); r.code != 1 || err != nil || !bytes.Equal(got, arc) {
		t.Fatalf("-d -f --rm -o x.lmz x.lmz: %+v; archive now %d bytes (%v)", r, len(got), err)
	}
	// Standard output appended to the input file.
	f, err := os.OpenFile(notes, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "-m", m, "-c", "notes.txt")
	cmd.Dir, cmd.Stdout = dir, f
	err = cmd.Run()
	f.Close()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("-c notes.txt >> notes.txt: %v", err)
	}
	unchanged("-c >> input", result{code: 1, stderr: "input file"})
}

// TestOutputNotRegular: -f -o to a FIFO writes into it, and to a symbolic
// link replaces the file it points to; neither node is replaced (item 2).
func TestOutputNotRegular(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	write(t, filepath.Join(dir, "a.txt"), []byte(text))
	r := runCLI(t, dir, nil, "-m", m, "-c", "a.txt")
	write(t, filepath.Join(dir, "a.lmz"), []byte(r.stdout))

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs:", err)
	}
	// Open it read-write, so that lmzip's open does not block and the
	// data waits in the pipe.
	p, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if r := runCLI(t, dir, nil, "-d", "-m", m, "-f", "-o", "fifo", "a.lmz"); r.code != 0 {
		t.Fatalf("-d -f -o fifo: %+v", r)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v %v", st.Mode(), err)
	}
	p.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, len(text)+10)
	n, err := io.ReadAtLeast(p, got, len(text))
	if err != nil || string(got[:n]) != text {
		t.Fatalf("read %q from the FIFO (%v)", got[:n], err)
	}

	// A symbolic link: the target is replaced, the link stays.
	write(t, filepath.Join(dir, "target.txt"), []byte("old"))
	os.Symlink("target.txt", filepath.Join(dir, "link.txt"))
	if r := runCLI(t, dir, nil, "-d", "-m", m, "-f", "-o", "link.txt", "a.lmz"); r.code != 0 {
		t.Fatalf("-d -f -o link.txt: %+v", r)
	}
	if st, err := os.Lstat(filepath.Join(dir, "link.txt")); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	if got := read(t, filepath.Join(dir, "target.txt")); string(got) != text {
		t.Fatalf("target holds %q", got)
	}
	if got := files(t, dir); strings.Contains(got, ".tmp") {
		t.Fatalf("left %s", got)
	}
	// /dev/null, where replacing it cannot happen (not as root: an lmzip
	// that renamed over it would damage the system under test).
	if os.Getuid() != 0 {
		if r := runCLI(t, dir, nil, "-d", "-m", m, "-f", "-o", "/dev/null", "a.lmz"); r.code != 0 {
			t.Fatalf("-d -f -o /dev/null: %+v", r)
		}
	}
}

// TestUmask: output created from standard input gets 0666 less the umask
// (item 6); output from a file keeps the file's mode.
func TestUmask(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	cmd := exec.Command("sh", "-c", `umask 077 && "$0" -m "$1" -o out.lmz - && "$0" -d -m "$1" -o out.txt - < out.lmz`, binary, m)
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, name := range []string{"out.lmz", "out.txt"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: mode %v under umask 077 (%v)", name, st.Mode().Perm(), err)
		}
	}
	write(t, filepath.Join(dir, "g.txt"), []byte(text))
	os.Chmod(filepath.Join(dir, "g.txt"), 0o640)
	if r := runCLI(t, dir, nil, "-m", m, "g.txt"); r.code != 0 {
		t.Fatal(r)
	}
	if st, _ := os.Stat(filepath.Join(dir, "g.txt.lmz")); st.Mode().Perm() != 0o640 {
		t.Fatalf("g.txt.lmz mode %v, want the input's 0640", st.Mode().Perm())
	}
}

// TestLongName: a name as long as the file system allows can be written:
// temporary names are short (item 13).
func TestLongName(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	long := strings.Repeat("n", 244)
	write(t, filepath.Join(dir, long), []byte(text))
	if r := runCLI(t, dir, nil, "-m", m, long); r.code != 0 {
		t.Fatalf("a 244-byte name: %+v", r)
	}
}

// TestStaleTemps: a dead run's leftovers are removed by a later run that
// writes into the same folder, but not a live run's or anyone else's
// (item 13).
func TestStaleTemps(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	write(t, filepath.Join(dir, "a.txt"), []byte(text))
	old := time.Now().Add(-time.Hour)
	mk := func(name string, age time.Time) string {
		p := filepath.Join(dir, name)
		write(t, p, []byte("partial"))
		os.Chtimes(p, age, age)
		return p
	}
	stale := mk(".lmzip-0123456789abcdef.tmp", old)
	fresh := mk(".lmzip-1123456789abcdef.tmp", time.Now())
	other := mk(".lmzip-notours.tmp", old)
	held := mk(".lmzip-2123456789abcdef.tmp", old)
	f, err := os.Open(held)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Skip("no flock:", err)
	}
	if r := runCLI(t, dir, nil, "-m", m, "a.txt"); r.code != 0 {
		t.Fatal(r)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a dead run's temporary file was left")
	}
	for _, p := range []string{fresh, other, held} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", filepath.Base(p))
		}
	}
}

// maxRSS returns the peak resident memory of a finished command, in bytes.
func maxRSS(cmd *exec.Cmd) int64 {
	if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return u.Maxrss << 10 // KiB on Linux
	}
	return 0
}

// TestNoTempNamesInErrors: a write that fails names the output, not its
// temporary file (item 17).
func TestNoTempNamesInErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "r.bin"), bytes.Repeat([]byte("0123456789abcdef"), 4096))
	// Files may grow to 2 KiB only: the write fails with "file too large".
	cmd := exec.Command("sh", "-c", `ulimit -f 4 && exec "$0" -m "$1" --coders raw r.bin`, binary, tiny(t))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "r.bin.lmz") || strings.Contains(string(out), ".tmp") || strings.Contains(string(out), ".lmzip-") {
		t.Fatalf("%v: %s", err, out)
	}
	if got := files(t, dir); got != "r.bin" {
		t.Fatalf("left %s", got)
	}
}
