package lmzip

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lmzip/lmzip/internal/hub"
	"github.com/lmzip/lmzip/internal/hub/hubtest"
	"github.com/lmzip/lmzip/internal/testutil"
)

// An archive made with a model from the Hugging Face cache names it
// org/name@commit, and decompression with no model given finds it there
// again, or says what to download.
func TestHubModelArchive(t *testing.T) {
	files, err := hubtest.ReadDir(tinyModel(t), "config.json", "tokenizer.json", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	srv := hubtest.New()
	commit := srv.Add("org/tiny", "main", files)
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	c := &hub.Client{Endpoint: srv.URL(), Cache: hub.Cache{Dir: cache}, UserAgent: "test", StallTimeout: 10 * time.Second}
	if _, err := c.Pull(context.Background(), hub.Ref{Repo: "org/tiny"}); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	t.Setenv("HF_HUB_OFFLINE", "1")

	// A short input records a 12-digit commit prefix (the growth bound
	// leaves no room for the whole name), which the cache resolves too.
	short := []byte("The Hub's models are found again in the cache, by name and commit.\n")
	arc, err := Compress(short, &Options{Model: "org/tiny"})
	if err != nil {
		t.Fatal(err)
	}
	if info, err := Inspect(bytes.NewReader(arc)); err != nil || info.Model != "org/tiny@"+commit[:12] {
		t.Fatalf("header model %q (%v), want org/tiny@%s", info.Model, err, commit[:12])
	}
	if got, err := Decompress(arc, nil); err != nil || !bytes.Equal(got, short) {
		t.Fatalf("decompress with a commit prefix: %v", err)
	}

	data := bytes.Repeat(short, 1000) // enough input to record the whole name
	arc, err = Compress(data, &Options{Model: "org/tiny"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(bytes.NewReader(arc))
	if err != nil || info.Model != "org/tiny@"+commit {
		t.Fatalf("header model %q (%v), want org/tiny@%s", info.Model, err, commit)
	}
	decode := func() error {
		got, err := Decompress(arc, nil)
		if err == nil && !bytes.Equal(got, data) {
			t.Fatal("round trip differs")
		}
		return err
	}
	if err := decode(); err != nil {
		t.Fatalf("decompress with the model in the cache: %v", err)
	}

	// The commit moved on without changing the model: another snapshot of
	// the same repository with the same identity is used.
	repo := filepath.Join(cache, "models--org--tiny")
	later := strings.Repeat("c", 40)
	if err := os.Rename(filepath.Join(repo, "snapshots", commit), filepath.Join(repo, "snapshots", later)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(repo, "refs", "main"), []byte(later), 0o644)
	if err := decode(); err != nil {
		t.Fatalf("decompress with the model under a later commit: %v", err)
	}

	// A different model in that repository is not taken for it.
	cfg := filepath.Join(repo, "snapshots", later, "config.json")
	b, _ := os.ReadFile(cfg)
	os.Remove(cfg)
	os.WriteFile(cfg, append(b, ' '), 0o644)
	err = decode()
	want := "the archive was made with model org/tiny@" + commit
	if !errors.Is(err, ErrWrongModel) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "download it with: lmzip pull org/tiny@"+commit) {
		t.Fatalf("decompress with another model in the cache: %v", err)
	}

	// Nothing in the cache.
	os.RemoveAll(repo)
	err = decode()
	if !errors.Is(err, ErrWrongModel) || !strings.Contains(err.Error(), "which is not in the Hugging Face cache ("+cache+"); download it with: lmzip pull org/tiny@"+commit) {
		t.Fatalf("decompress with no model in the cache: %v", err)
	}
	// A commit prefix: the message names the repository to pull and the
	// commit to look for.
	arc, err = Compress(short, &Options{Model: tinyModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewReader(bytes.NewReader(replaceName(t, arc, "org/tiny@"+commit[:12])), nil)
	if !errors.Is(err, ErrWrongModel) || !strings.Contains(err.Error(), "lmzip pull org/tiny (the archive was made with commit "+commit[:12]) {
		t.Fatalf("decompress a short archive with no model in the cache: %v", err)
	}
}

// replaceName returns arc with the model name in its header replaced.
func replaceName(t *testing.T, arc []byte, name string) []byte {
	t.Helper()
	var h Header
	r, err := NewReader(bytes.NewReader(arc), &ReaderOptions{Model: tinyModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	h = r.Header()
	old := h.append(nil)
	h.Model = name
	return append(h.append(nil), arc[len(old):]...)
}

// An archive made with the seed's "gpt2" from the cache decodes with no -m.
func TestLegacyHubArchive(t *testing.T) {
	src := testutil.Data(t, "archs", "gpt2")
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_HUB_OFFLINE", "1")
	commit := strings.Repeat("7a", 20)
	snap := filepath.Join(cache, "models--gpt2", "snapshots", commit)
	if err := os.MkdirAll(snap, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.json", "tokenizer.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(snap, f), b, 0o644)
	}
	os.MkdirAll(filepath.Join(cache, "models--gpt2", "refs"), 0o755)
	os.WriteFile(filepath.Join(cache, "models--gpt2", "refs", "main"), []byte(commit), 0o644)
	data := bytes.Repeat([]byte("The seed ranks every token with GPT-2. "), 10)
	arc, err := Compress(data, &Options{Model: "gpt2", Coders: []string{"lm"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decompress(arc, nil)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("decompress with gpt2 from the cache: %v", err)
	}
}
