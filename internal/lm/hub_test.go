package lm

import (
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

// pullTiny serves the tiny llama from a fake Hub, pulls it into a fresh
// cache (HF_HUB_CACHE) and stops the server. It returns the commit.
func pullTiny(t *testing.T, repo string) string {
	t.Helper()
	files, err := hubtest.ReadDir(testutil.Data(t, "archs", "llama"), "config.json", "tokenizer.json", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	srv := hubtest.New()
	defer srv.Close()
	commit := srv.Add(repo, "main", files)
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	c := &hub.Client{Endpoint: srv.URL(), Cache: hub.Cache{Dir: cache}, UserAgent: "test", StallTimeout: 10 * time.Second}
	if _, err := c.Pull(context.Background(), hub.Ref{Repo: repo}); err != nil {
		t.Fatal(err)
	}
	return commit
}

func TestLoadFromHubCache(t *testing.T) {
	commit := pullTiny(t, "org/tiny")
	t.Setenv("HF_HUB_OFFLINE", "1")
	want, err := Load(testutil.Data(t, "archs", "llama"))
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{"org/tiny", "org/tiny@main", "org/tiny@" + commit, "org/tiny@" + commit[:10]} {
		l, err := Load(spec)
		if err != nil {
			t.Fatalf("Load(%s): %v", spec, err)
		}
		if l.Name != "org/tiny@"+commit || l.Hash != want.Hash {
			t.Errorf("Load(%s): name %s hash %x; want org/tiny@%s, %x", spec, l.Name, l.Hash[:8], commit, want.Hash[:8])
		}
		if h, err := DirHash(filepath.Join(os.Getenv("HF_HUB_CACHE"), "models--org--tiny", "snapshots", commit)); err != nil || h != want.Hash {
			t.Errorf("DirHash: %x, %v", h[:8], err)
		}
	}
	_, err = Load("org/absent")
	var nc *hub.NotCachedError
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), "lmzip pull org/absent") {
		t.Fatalf("Load of a model not in the cache: %v", err)
	}
}

// A relative directory named like a Hub model wins over the cache, as in
// transformers' from_pretrained.
func TestLoadRelativeDirBeforeCache(t *testing.T) {
	pullTiny(t, "org/tiny2")
	fixture := testutil.Data(t, "archs", "llama")
	t.Chdir(t.TempDir())
	if err := os.MkdirAll(filepath.Join("org", "tiny2"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.json", "tokenizer.json", "model.safetensors"} {
		b, err := os.ReadFile(filepath.Join(fixture, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join("org", "tiny2", f), b, 0o644)
	}
	l, err := Load("org/tiny2")
	if err != nil || l.Name != "tiny2" {
		t.Fatalf("Load(org/tiny2) with a directory of that name: %v, %v", l, err)
	}
}

// The seed's "gpt2": a root-level Hub name of the Hub's early days, found
// where transformers caches it (models--gpt2), or else named as the Hub
// names it today.
func TestLegacyHubName(t *testing.T) {
	src := testutil.Data(t, "archs", "gpt2")
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_HUB_OFFLINE", "1")
	t.Chdir(t.TempDir())
	_, err := Load("gpt2")
	if err == nil || !strings.Contains(err.Error(), "lmzip pull openai-community/gpt2") {
		t.Fatalf(`Load("gpt2") with an empty cache: %v`, err)
	}
	commit := strings.Repeat("5e", 20)
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
	l, err := Load("gpt2")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "gpt2@"+commit || l.Hash != want.Hash {
		t.Fatalf(`Load("gpt2") = %s %x, want gpt2@%s %x`, l.Name, l.Hash[:8], commit, want.Hash[:8])
	}
	if _, err := Resolve("notamodel"); err == nil {
		t.Fatal("a bare unknown word resolved")
	}
}
