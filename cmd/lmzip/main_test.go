package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lmzip/lmzip/internal/testutil"
)

var binary string // the lmzip binary built for these tests

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lmzip-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "lmzip")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the binary in dir with stdin.
func runCLI(t *testing.T, dir string, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

func tiny(t *testing.T) string { return testutil.Data(t, "archs", "llama") }

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// files lists the names in dir, so tests can check nothing was left behind.
func files(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

const text = "It is a truth universally acknowledged, that a single man in possession\r\nof a good fortune, must be in want of a wife.\r\n"

func TestCompressDecompressFiles(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	write(t, filepath.Join(dir, "a.txt"), []byte(text))
	if r := runCLI(t, dir, nil, "-m", m, "a.txt"); r.code != 0 {
		t.Fatalf("compress: %+v", r)
	}
	if got := files(t, dir); got != "a.txt a.txt.lmz" {
		t.Fatalf("files after compress: %s (input must be kept)", got)
	}
	// Refuses to overwrite without -f, succeeds with it.
	if r := runCLI(t, dir, nil, "-m", m, "a.txt"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("overwrite without -f: %+v", r)
	}
	if r := runCLI(t, dir, nil, "-f", "-m", m, "a.txt"); r.code != 0 {
		t.Fatalf("overwrite with -f: %+v", r)
	}
	os.Rename(filepath.Join(dir, "a.txt"), filepath.Join(dir, "orig.txt"))
	if r := runCLI(t, dir, nil, "-d", "-m", m, "a.txt.lmz"); r.code != 0 {
		t.Fatalf("decompress: %+v", r)
	}
	if !bytes.Equal(read(t, filepath.Join(dir, "a.txt")), []byte(text)) {
		t.Fatal("decompressed file differs")
	}
	// --rm removes the input after success.
	os.Remove(filepath.Join(dir, "a.txt"))
	if r := runCLI(t, dir, nil, "decompress", "--rm", "-m", m, "a.txt.lmz"); r.code != 0 {
		t.Fatalf("decompress --rm: %+v", r)
	}
	if got := files(t, dir); got != "a.txt orig.txt" {
		t.Fatalf("files after --rm: %s", got)
	}
	// -c and stdin/stdout; test and info.
	r := runCLI(t, dir, []byte(text), "-m", m, "-c")
	if r.code != 0 || len(r.stdout) == 0 {
		t.Fatalf("stdin to stdout: %+v", r)
	}
	write(t, filepath.Join(dir, "s.lmz"), []byte(r.stdout))
	if r := runCLI(t, dir, nil, "test", "-m", m, "s.lmz"); r.code != 0 {
		t.Fatalf("test: %+v", r)
	}
	if r := runCLI(t, dir, nil, "info", "s.lmz"); r.code != 0 || !strings.Contains(r.stdout, "llama") || !strings.Contains(r.stdout, "bits per byte") {
		t.Fatalf("info: %+v", r)
	}
	if r := runCLI(t, dir, []byte(r.stdout), "-d", "-c", "-m", m); r.code != 0 || r.stdout != text {
		t.Fatalf("stdin decompress: %+v", r)
	}
	// Unknown suffix and usage errors.
	if r := runCLI(t, dir, nil, "-d", "-m", m, "orig.txt"); r.code != 1 || !strings.Contains(r.stderr, "suffix") {
		t.Fatalf("bad suffix: %+v", r)
	}
	if r := runCLI(t, dir, nil, "compress", "--no-such-flag"); r.code != 2 {
		t.Fatalf("bad flag: %+v", r)
	}
	if r := runCLI(t, dir, nil, "--help"); r.code != 0 || !strings.Contains(r.stdout, "Examples") {
		t.Fatalf("help: %+v", r)
	}
}

// TestFaults checks that each failure ends with a message, a non-zero exit,
// the input untouched and no partial output.
func TestFaults(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	write(t, filepath.Join(dir, "a.txt"), []byte(text))
	r := runCLI(t, dir, nil, "-m", m, "-c", "a.txt")
	good := []byte(r.stdout)
	write(t, filepath.Join(dir, "good.lmz"), good)

	check := func(name string, r result, wantMsg string) {
		t.Helper()
		if r.code == 0 || !strings.Contains(r.stderr, wantMsg) {
			t.Errorf("%s: exit %d, stderr %q (want a message containing %q)", name, r.code, r.stderr, wantMsg)
		}
		if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("%s: panicked: %s", name, r.stderr)
		}
		if !bytes.Equal(read(t, filepath.Join(dir, "a.txt")), []byte(text)) {
			t.Errorf("%s: input changed", name)
		}
		if got := files(t, dir); strings.Contains(got, ".tmp") {
			t.Errorf("%s: left %s", name, got)
		}
	}

	// A full disk.
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err == nil {
		cmd := exec.Command(binary, "-m", m, "-c", "a.txt")
		cmd.Dir, cmd.Stdout = dir, full
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		full.Close()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		check("/dev/full", result{code: code, stderr: errb.String()}, "no space")
	}

	// An unwritable directory (root ignores permissions, so use /proc).
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o500)
	target := filepath.Join(ro, "out.lmz")
	if os.Getuid() == 0 {
		target = "/proc/lmzip-test.lmz"
	}
	check("unwritable directory", runCLI(t, dir, nil, "-m", m, "-o", target, "a.txt"), "lmzip: a.txt:")

	// Truncated and bit-flipped archives.
	write(t, filepath.Join(dir, "trunc.lmz"), good[:len(good)-3])
	check("truncated", runCLI(t, dir, nil, "-d", "-m", m, "trunc.lmz"), "truncated")
	if _, err := os.Stat(filepath.Join(dir, "trunc")); err == nil {
		t.Error("truncated: output left behind")
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	write(t, filepath.Join(dir, "flip.lmz"), flipped)
	check("bit flip", runCLI(t, dir, nil, "-d", "-m", m, "flip.lmz"), "corrupt")
	if _, err := os.Stat(filepath.Join(dir, "flip")); err == nil {
		t.Error("bit flip: output left behind")
	}

	// The wrong model names the one needed.
	check("wrong model", runCLI(t, dir, nil, "-d", "-m", "small", "good.lmz"), "made with the model llama (id ")
	check("missing model", runCLI(t, dir, nil, "-d", "good.lmz"), "give its directory or GGUF file with -m")

	// A newer format version.
	newer := bytes.Clone(good)
	newer[4] = 99
	write(t, filepath.Join(dir, "newer.lmz"), newer)
	check("newer version", runCLI(t, dir, nil, "-d", "-m", m, "newer.lmz"), "newer than this lmzip")

	// Not an archive at all.
	check("not an archive", runCLI(t, dir, nil, "-d", "-m", m, "-o", "x.out", "a.txt"), "not an lmzip archive")
	// Compressed data to a terminal is refused; a missing input is reported.
	check("missing input", runCLI(t, dir, nil, "-m", m, "nope.txt"), "no such file")
}

// TestInterrupt sends SIGINT, SIGTERM and SIGQUIT in the middle of a
// compression: none may leave a temporary file.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	raw, err := os.ReadFile(testutil.Data(t, "corpora", "calgary", "book1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "book"), raw)
		cmd := exec.Command(binary, "-m", "small", "book")
		cmd.Dir = dir
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the temporary output to appear, then interrupt.
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(files(t, dir), ".tmp") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(time.Second) // the model is loaded and running by now
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 128+int(sig) {
			t.Fatalf("%v: exit %v, stderr %s", sig, err, errb.String())
		}
		if got := files(t, dir); got != "book" {
			t.Fatalf("%v: left %s", sig, got)
		}
		if !bytes.Equal(read(t, filepath.Join(dir, "book")), raw) {
			t.Fatalf("%v: input changed", sig)
		}
	}
}

// TestReadErrorMidInput feeds the input through a TCP connection that the
// sender resets midway: the read fails with an error (not an end of file),
// and lmzip must fail without leaving output.
func TestReadErrorMidInput(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip("no loopback network:", err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	f, err := client.(*net.TCPConn).File()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "-m", tiny(t), "-o", "out.lmz", "-")
	cmd.Dir, cmd.Stdin = dir, f
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	client.Close()
	server.Write(bytes.Repeat([]byte(text), 500))
	time.Sleep(300 * time.Millisecond)
	server.(*net.TCPConn).SetLinger(0) // close with a reset
	server.Close()
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errb.String(), "reset") {
		t.Fatalf("exit %v, stderr %q", err, errb.String())
	}
	if got := files(t, dir); got != "" {
		t.Fatalf("left %s", got)
	}
}

// TestManyFiles compresses and restores several files in one invocation;
// one bad file fails alone with exit status 1.
func TestManyFiles(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	names := []string{"a.txt", "b.txt", "c.txt", "d.txt"}
	for i, n := range names {
		write(t, filepath.Join(dir, n), []byte(strings.Repeat(text, i+1)))
	}
	if r := runCLI(t, dir, nil, append([]string{"-m", m, "--rm"}, names...)...); r.code != 0 {
		t.Fatalf("compress: %+v", r)
	}
	if got := files(t, dir); got != "a.txt.lmz b.txt.lmz c.txt.lmz d.txt.lmz" {
		t.Fatalf("after compress --rm: %s", got)
	}
	write(t, filepath.Join(dir, "bad.lmz"), []byte("not an archive"))
	r := runCLI(t, dir, nil, "-d", "-m", m, "a.txt.lmz", "bad.lmz", "b.txt.lmz", "c.txt.lmz", "d.txt.lmz")
	if r.code != 1 || !strings.Contains(r.stderr, "bad.lmz") {
		t.Fatalf("decompress with one bad file: %+v", r)
	}
	for i, n := range names {
		if got := read(t, filepath.Join(dir, n)); string(got) != strings.Repeat(text, i+1) {
			t.Fatalf("%s differs", n)
		}
	}
}

func TestLevels(t *testing.T) {
	dir := t.TempDir()
	m := tiny(t)
	data := []byte(strings.Repeat(text, 20))
	for _, c := range []struct {
		flags   []string
		version string
	}{
		{[]string{"-1"}, "version 1"},
		{[]string{"--fast"}, "version 1"},
		{[]string{"-4"}, "version 1"},
		{[]string{"-6"}, "version 2"},
		{[]string{"-9"}, "version 2"},
		{[]string{"--best"}, "version 2"},
		{[]string{"--level", "5"}, "version 2"},
		{[]string{"-9k"}, "version 2"},
	} {
		args := append([]string{"-m", m, "-c"}, c.flags...)
		r := runCLI(t, dir, data, args...)
		if r.code != 0 {
			t.Fatalf("%v: %+v", c.flags, r)
		}
		write(t, filepath.Join(dir, "x.lmz"), []byte(r.stdout))
		info := runCLI(t, dir, nil, "info", "x.lmz")
		if info.code != 0 || !strings.Contains(info.stdout, c.version) {
			t.Fatalf("%v: want %s: %+v", c.flags, c.version, info)
		}
		if c.version == "version 2" && !strings.Contains(info.stdout, "scheme") {
			t.Fatalf("%v: info does not show the scheme: %s", c.flags, info.stdout)
		}
		if back := runCLI(t, dir, []byte(r.stdout), "-d", "-c", "-m", m); back.code != 0 || back.stdout != string(data) {
			t.Fatalf("%v: round trip: %+v", c.flags, back)
		}
	}
	for _, bad := range [][]string{{"--level", "10"}, {"--level", "0x"}} {
		if r := runCLI(t, dir, data, append([]string{"-m", m, "-c"}, bad...)...); r.code != 2 {
			t.Fatalf("%v: exit %d, want 2: %+v", bad, r.code, r)
		}
	}
}

// TestGGUFModel compresses and decompresses with a GGUF model given by its
// path, as a model directory is given.
func TestGGUFModel(t *testing.T) {
	dir := t.TempDir()
	m := testutil.Data(t, "gguf", "stories260K.gguf")
	story := strings.Repeat("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "+
		"One day, she saw a big, red ball. She was very happy. Zoë said: \"Let's play!\"\n", 3)
	write(t, filepath.Join(dir, "s.txt"), []byte(story))
	if r := runCLI(t, dir, nil, "compress", "-m", m, "s.txt"); r.code != 0 {
		t.Fatalf("compress: %+v", r)
	}
	sum := sha256.Sum256(read(t, m))
	r := runCLI(t, dir, nil, "info", "s.txt.lmz")
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("stories260K.gguf (id %x)", sum[:8])) {
		t.Fatalf("info: %+v", r)
	}
	if !regexp.MustCompile(`segments +[1-9]\d* lm`).MatchString(r.stdout) {
		t.Errorf("the model coded no segment: %s", r.stdout)
	}
	os.Rename(filepath.Join(dir, "s.txt"), filepath.Join(dir, "orig.txt"))
	if r := runCLI(t, dir, nil, "-d", "s.txt.lmz"); r.code != 1 || !strings.Contains(r.stderr, "stories260K.gguf") {
		t.Errorf("decompress without the model: %+v", r)
	}
	if r := runCLI(t, dir, nil, "-d", "-m", tiny(t), "s.txt.lmz"); r.code != 1 || !strings.Contains(r.stderr, "wrong model") {
		t.Errorf("decompress with another model: %+v", r)
	}
	if r := runCLI(t, dir, nil, "-d", "-m", m, "s.txt.lmz"); r.code != 0 {
		t.Fatalf("decompress: %+v", r)
	}
	if got := read(t, filepath.Join(dir, "s.txt")); !bytes.Equal(got, []byte(story)) {
		t.Fatalf("decompressed %q", got)
	}
}
