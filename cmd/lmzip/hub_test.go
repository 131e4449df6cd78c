package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/hub/hubtest"
)

// runEnv runs the binary in dir with extra environment variables.
func runEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
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

// The whole story from the command line: pull a model from a (fake) Hub,
// list it, compress with it, decompress with no network and no -m, fetch
// on demand, and the messages when a model is missing.
func TestHubCLI(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	files, err := hubtest.ReadDir(tiny(t), "config.json", "tokenizer.json", "generation_config.json", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	commit := srv.Add("org/tiny", "main", files)
	other := srv.Add("org/other", "v1", files)
	srv.Add("org/third", "main", files)
	bert := map[string][]byte{"config.json": []byte(`{"model_type":"bert"}`), "tokenizer.json": files["tokenizer.json"], "model.safetensors": files["model.safetensors"]}
	srv.Add("org/bert", "main", bert)

	work := t.TempDir()
	cache := filepath.Join(t.TempDir(), "hub")
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	offline := []string{"HF_HUB_OFFLINE=1"}

	r := runEnv(t, work, nil, "pull", "org/tiny")
	if r.code != 0 || !strings.Contains(r.stdout, "org/tiny@"+commit+": 4 files") {
		t.Fatalf("pull: %+v", r)
	}
	snap := filepath.Join(cache, "models--org--tiny", "snapshots", commit)
	if target, err := os.Readlink(filepath.Join(snap, "model.safetensors")); err != nil || !strings.HasPrefix(target, filepath.Join("..", "..", "blobs")) {
		t.Fatalf("snapshot link %q %v", target, err)
	}
	r = runEnv(t, work, nil, "pull", "org/bert")
	if r.code != 0 || !strings.Contains(r.stderr, "org/bert@") || !strings.Contains(r.stderr, "cannot be used yet: no: model_type bert is not supported") {
		t.Fatalf("pull of an unsupported model: %+v", r)
	}
	r = runEnv(t, work, nil, "pull", "org/nothere")
	if r.code != 1 || !strings.Contains(r.stderr, "repository org/nothere not found on "+srv.URL()) {
		t.Fatalf("pull of a missing repository: %+v", r)
	}
	if r = runEnv(t, work, nil, "pull", "not-a-model"); r.code != 2 {
		t.Fatalf("pull of a bad name: %+v", r)
	}

	r = runEnv(t, work, offline, "models")
	if r.code != 0 {
		t.Fatalf("models: %+v", r)
	}
	for _, want := range []string{
		"lmzip-base (default)  built in",
		"org/bert", "bert", "no: model_type bert is not supported",
		"org/tiny", "main " + commit[:12], "llama", "127.3 K", "yes",
		"Hugging Face cache: " + cache + " (2 model revisions)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("models output lacks %q:\n%s", want, r.stdout)
		}
	}

	text := bytes.Repeat([]byte("Models from the Hub compress too. "), 2000) // long enough to record the whole name
	write(t, filepath.Join(work, "a.txt"), text)
	r = runEnv(t, work, offline, "-m", "org/tiny", "a.txt")
	if r.code != 0 {
		t.Fatalf("compress with a cached model, offline: %+v", r)
	}
	r = runEnv(t, work, offline, "info", "a.txt.lmz")
	if !strings.Contains(r.stdout, "model       org/tiny@"+commit+" ") {
		t.Fatalf("info: %+v", r)
	}
	// With the Hub gone: decompression finds the model by itself.
	os.Remove(filepath.Join(work, "a.txt"))
	before := len(srv.Requests())
	r = runEnv(t, work, append(offline, "HF_ENDPOINT=http://127.0.0.1:1"), "-d", "a.txt.lmz")
	if r.code != 0 || !bytes.Equal(read(t, filepath.Join(work, "a.txt")), text) {
		t.Fatalf("decompress offline with no -m: %+v", r)
	}
	if len(srv.Requests()) != before {
		t.Fatal("decompression touched the network")
	}

	// Compressing with a model not in the cache fetches it, and says so.
	write(t, filepath.Join(work, "b.txt"), text)
	r = runEnv(t, work, nil, "-m", "org/other@v1", "b.txt")
	if r.code != 0 || !strings.Contains(r.stderr, "lmzip: org/other@v1 is not in the Hugging Face cache ("+cache+"); downloading it from "+srv.URL()) {
		t.Fatalf("compress with a model to fetch: %+v", r)
	}
	if b, err := os.ReadFile(filepath.Join(cache, "models--org--other", "refs", "v1")); err != nil || string(b) != other {
		t.Fatalf("refs/v1: %q %v", b, err)
	}
	// ... but not when offline, and then the network is not touched.
	before = len(srv.Requests())
	write(t, filepath.Join(work, "c.txt"), text)
	r = runEnv(t, work, offline, "-m", "org/third", "c.txt")
	if r.code != 1 || !strings.Contains(r.stderr, "model org/third is not in the Hugging Face cache ("+cache+"), and HF_HUB_OFFLINE is set, so it cannot be downloaded (unset HF_HUB_OFFLINE and run: lmzip pull org/third)") {
		t.Fatalf("offline compress with a missing model: %+v", r)
	}
	if len(srv.Requests()) != before {
		t.Fatal("HF_HUB_OFFLINE=1 touched the network")
	}
	if _, err := os.Stat(filepath.Join(work, "c.txt.lmz")); err == nil {
		t.Fatal("an archive was written")
	}

	// Decompression when the model is gone says exactly what to fetch.
	os.RemoveAll(filepath.Join(cache, "models--org--tiny"))
	r = runEnv(t, work, offline, "-t", "a.txt.lmz")
	if r.code != 1 || !strings.Contains(r.stderr, "the archive was made with model org/tiny@"+commit) || !strings.Contains(r.stderr, "download it with: lmzip pull org/tiny@"+commit) {
		t.Fatalf("decompress with the model gone: %+v", r)
	}
	// ... and after that pull it works again.
	if r = runEnv(t, work, nil, "pull", "org/tiny@"+commit); r.code != 0 {
		t.Fatalf("pull by commit: %+v", r)
	}
	if r = runEnv(t, work, offline, "-t", "a.txt.lmz"); r.code != 0 {
		t.Fatalf("decompress after pulling the commit: %+v", r)
	}
}
