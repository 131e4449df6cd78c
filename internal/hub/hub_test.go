package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lmzip/lmzip/internal/hub/hubtest"
	"github.com/lmzip/lmzip/internal/testutil"
)

func TestParseSpec(t *testing.T) {
	good := map[string]Ref{
		"org/name":                        {"org", ""},
		"openai-community/gpt2":           {"openai-community/gpt2", ""},
		"HuggingFaceTB/SmolLM2-135M@main": {"HuggingFaceTB/SmolLM2-135M", "main"},
		"a/b.c_d-e@v1.0":                  {"a/b.c_d-e", "v1.0"},
		"org/name@refs/pr/1":              {"org/name", "refs/pr/1"},
		"org/name@0123456789abcdef0123456789abcdef01234567": {"org/name", "0123456789abcdef0123456789abcdef01234567"},
	}
	good["org/name"] = Ref{"org/name", ""}
	for spec, want := range good {
		got, ok := ParseSpec(spec)
		if !ok || got != want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", spec, got, ok, want)
		}
		if got.String() != spec {
			t.Errorf("%+v.String() = %q, want %q", got, got.String(), spec)
		}
	}
	for _, spec := range []string{
		"", "base", "org", "/abs/path", "./org/name", "../org/name", "~/models", ".", "..",
		"a/b/c", "org/", "/name", "org/na me", "org/-name", "org/name-", "org/.name", "org/na--me",
		"org/na..me", "org/name.git", "org/name@", "org/name@..", "org/name@a..b", "org/name@/main",
		"org/name@main/", "org/name@a//b", "org/name@x.lock", "org/name@a b", "org/name@a:b",
		"org/name@.hidden", `org\name`, "org/" + strings.Repeat("x", 97), "org/name@a@{b",
		"dir/model.gguf@x~1",
	} {
		if r, ok := ParseSpec(spec); ok {
			t.Errorf("ParseSpec(%q) = %+v, want rejection", spec, r)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"org/name", "org/name@main", "a/b@refs/pr/1", "../x", "a/b@..", "a/b@c/../d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		r, ok := ParseSpec(spec)
		if !ok {
			return
		}
		if r.String() != spec {
			t.Fatalf("%q round-trips to %q", spec, r.String())
		}
		// Whatever is accepted stays inside the repository's folder.
		base := filepath.Join("cache", repoFolder(r.Repo))
		for _, p := range []string{filepath.Join(base, "refs", filepath.FromSlash(r.Rev())), filepath.Join(base, "snapshots", r.Rev())} {
			if rel, err := filepath.Rel(base, p); err != nil || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
				t.Fatalf("%q leaves the repository folder: %s", spec, p)
			}
		}
	})
}

func TestCacheDir(t *testing.T) {
	for _, v := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"} {
		t.Setenv(v, "")
	}
	home, _ := os.UserHomeDir()
	if got, want := CacheDir(), filepath.Join(home, ".cache", "huggingface", "hub"); got != want {
		t.Errorf("default: %s, want %s", got, want)
	}
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if got := CacheDir(); got != filepath.Join("/xdg", "huggingface", "hub") {
		t.Errorf("XDG_CACHE_HOME: %s", got)
	}
	t.Setenv("HF_HOME", "~/hf")
	if got := CacheDir(); got != filepath.Join(home, "hf", "hub") {
		t.Errorf("HF_HOME: %s", got)
	}
	t.Setenv("HF_HUB_CACHE", "/cache")
	if got := CacheDir(); got != "/cache" {
		t.Errorf("HF_HUB_CACHE: %s", got)
	}
	for _, v := range []string{"1", "true", "ON", "yes"} {
		t.Setenv("HF_HUB_OFFLINE", v)
		if !Offline() {
			t.Errorf("HF_HUB_OFFLINE=%s is not offline", v)
		}
	}
	for _, v := range []string{"", "0", "false"} {
		t.Setenv("HF_HUB_OFFLINE", v)
		if Offline() {
			t.Errorf("HF_HUB_OFFLINE=%q is offline", v)
		}
	}
}

// tinyFiles is the tiny llama of testdata/archs as a repository holds it.
func tinyFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := hubtest.ReadDir(testutil.Data(t, "archs", "llama"), "config.json", "tokenizer.json", "generation_config.json", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	files["README.md"] = []byte("# tiny\n")
	files["pytorch_model.bin"] = []byte("not downloaded")
	return files
}

func testClient(t *testing.T, srv *hubtest.Server) *Client {
	return &Client{Endpoint: srv.URL(), Cache: Cache{Dir: t.TempDir()}, UserAgent: "lmzip-test", Retries: 3, RetryWait: time.Millisecond, StallTimeout: 10 * time.Second}
}

func pull(t *testing.T, c *Client, spec string) *PullResult {
	t.Helper()
	ref, ok := ParseSpec(spec)
	if !ok {
		t.Fatalf("bad spec %q", spec)
	}
	res, err := c.Pull(context.Background(), ref)
	if err != nil {
		t.Fatalf("pull %s: %v", spec, err)
	}
	return res
}

// checkSnapshot checks that the snapshot holds exactly the files lmzip
// takes, as relative links into blobs/ named by the Hub's ETags.
func checkSnapshot(t *testing.T, s *Snapshot, files map[string][]byte, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("snapshot holds %v, want %v", names, want)
	}
	for _, n := range want {
		p := filepath.Join(s.Dir, n)
		target, err := os.Readlink(p)
		if err != nil {
			t.Fatalf("%s: not a link: %v", n, err)
		}
		etag := hubtest.GitSHA1(files[n])
		if hubtest.IsLFS(n) {
			etag = hubtest.SHA256(files[n])
		}
		if want := filepath.Join("..", "..", "blobs", etag); target != want {
			t.Errorf("%s links to %s, want %s", n, target, want)
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(b, files[n]) {
			t.Errorf("%s: content differs from the repository's (%v)", n, err)
		}
	}
}

func TestPull(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	files := tinyFiles(t)
	commit := srv.Add("org/tiny", "main", files)
	c := testClient(t, srv)
	res := pull(t, c, "org/tiny")
	s := res.Snapshot
	if s.Commit != commit || s.Name() != "org/tiny@"+commit {
		t.Fatalf("snapshot %+v, want commit %s", s, commit)
	}
	if want := filepath.Join(c.Cache.Dir, "models--org--tiny", "snapshots", commit); s.Dir != want {
		t.Fatalf("snapshot in %s, want %s", s.Dir, want)
	}
	checkSnapshot(t, s, files, "config.json", "generation_config.json", "model.safetensors", "tokenizer.json")
	if res.Reused != 0 || res.Downloaded != int64(len(files["config.json"])+len(files["tokenizer.json"])+len(files["generation_config.json"])+len(files["model.safetensors"])) {
		t.Errorf("downloaded %d bytes, reused %d files", res.Downloaded, res.Reused)
	}
	if b, err := os.ReadFile(filepath.Join(c.Cache.RepoDir("org/tiny"), "refs", "main")); err != nil || string(b) != commit {
		t.Fatalf("refs/main: %q %v", b, err)
	}
	// Only the LFS file went to the download server, without the token.
	cdn := 0
	for _, r := range srv.Requests() {
		if r.Server == "cdn" {
			cdn++
			if !strings.HasSuffix(r.Path, hubtest.SHA256(files["model.safetensors"])) {
				t.Errorf("CDN request %s", r.Path)
			}
		}
	}
	if cdn != 1 {
		t.Errorf("%d CDN requests, want 1", cdn)
	}

	// Found again without the network, by branch, commit or short commit.
	for _, spec := range []string{"org/tiny", "org/tiny@main", "org/tiny@" + commit, "org/tiny@" + commit[:7]} {
		ref, _ := ParseSpec(spec)
		got, err := c.Cache.Resolve(ref)
		if err != nil || got.Commit != commit || got.Dir != s.Dir {
			t.Errorf("Resolve(%s) = %+v, %v", spec, got, err)
		}
		if err == nil && strings.Join(got.Refs, ",") != "main" {
			t.Errorf("Resolve(%s): refs %v", spec, got.Refs)
		}
	}

	// A second pull asks the Hub but downloads nothing.
	before := len(srv.Requests())
	res = pull(t, c, "org/tiny")
	if res.Downloaded != 0 || res.Reused != 4 {
		t.Errorf("second pull: downloaded %d bytes, reused %d files", res.Downloaded, res.Reused)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Method == "GET" && !strings.HasPrefix(r.Path, "/api/") {
			t.Errorf("second pull downloaded %s", r.Path)
		}
	}
}

func TestPullRevisions(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	files := tinyFiles(t)
	v1 := srv.Add("org/tiny", "v1.0", files)
	changed := map[string][]byte{}
	for k, v := range files {
		changed[k] = v
	}
	changed["config.json"] = append(bytes.Clone(files["config.json"]), '\n')
	main := srv.Add("org/tiny", "main", changed)
	c := testClient(t, srv)

	if s := pull(t, c, "org/tiny@v1.0").Snapshot; s.Commit != v1 {
		t.Fatalf("v1.0 is %s, want %s", s.Commit, v1)
	}
	// A second revision with the same weights reuses their blob.
	before := len(srv.Requests())
	res := pull(t, c, "org/tiny")
	if res.Snapshot.Commit != main || res.Reused != 3 {
		t.Fatalf("main: %+v", res)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Server == "cdn" {
			t.Errorf("the weights were downloaded again: %+v", r)
		}
	}
	for spec, want := range map[string]string{"org/tiny@v1.0": v1, "org/tiny": main, "org/tiny@" + v1: v1} {
		ref, _ := ParseSpec(spec)
		if s, err := c.Cache.Resolve(ref); err != nil || s.Commit != want {
			t.Errorf("Resolve(%s) = %v, %v; want %s", spec, s, err, want)
		}
	}
	// Pulling by commit writes no ref.
	pull(t, c, "org/tiny@"+v1)
	refs, _ := os.ReadDir(filepath.Join(c.Cache.RepoDir("org/tiny"), "refs"))
	if len(refs) != 2 {
		t.Errorf("refs/ holds %d entries, want main and v1.0", len(refs))
	}
	// A branch name with slashes.
	pr := srv.Add("org/tiny", "refs/pr/1", files)
	if s := pull(t, c, "org/tiny@refs/pr/1").Snapshot; s.Commit != pr {
		t.Fatalf("refs/pr/1: %s, want %s", s.Commit, pr)
	}
	ref, _ := ParseSpec("org/tiny@refs/pr/1")
	if s, err := c.Cache.Resolve(ref); err != nil || s.Commit != pr {
		t.Errorf("Resolve(refs/pr/1) = %v, %v", s, err)
	}
	snaps := c.Cache.Snapshots("org/tiny")
	if len(snaps) != 3 {
		t.Errorf("%d snapshots, want 3", len(snaps))
	}
}

func TestPullResumes(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	files := tinyFiles(t)
	srv.Add("org/tiny", "main", files)
	weights := files["model.safetensors"]
	const cut = 200_000
	ranges := func() []string {
		var r []string
		for _, q := range srv.Requests() {
			if q.Server == "cdn" {
				r = append(r, q.Range)
			}
		}
		return r
	}

	// Without retries the pull fails and keeps the partial file.
	c := testClient(t, srv)
	c.Retries = 0
	srv.CutAfter("model.safetensors", cut)
	ref, _ := ParseSpec("org/tiny")
	_, err := c.Pull(context.Background(), ref)
	if err == nil || !strings.Contains(err.Error(), "run again to resume") {
		t.Fatalf("pull with a cut connection: %v", err)
	}
	inc := filepath.Join(c.Cache.RepoDir("org/tiny"), "blobs", hubtest.SHA256(weights)+".incomplete")
	if b, err := os.ReadFile(inc); err != nil || len(b) != cut || !bytes.Equal(b, weights[:cut]) {
		t.Fatalf("partial file: %d bytes, %v", len(b), err)
	}
	if _, err := os.Lstat(filepath.Join(c.Cache.RepoDir("org/tiny"), "snapshots")); err == nil {
		if _, err := c.Cache.Resolve(ref); err == nil {
			t.Fatal("an interrupted pull left a usable snapshot")
		}
	}
	if _, err := os.Stat(filepath.Join(c.Cache.RepoDir("org/tiny"), "refs", "main")); err == nil {
		t.Fatal("an interrupted pull wrote refs/main")
	}
	// The next run resumes where the last stopped.
	res := pull(t, c, "org/tiny")
	if got := ranges(); len(got) != 2 || got[0] != "" || got[1] != "bytes=200000-" {
		t.Fatalf("download requests' ranges %q, want none then bytes=200000-", got)
	}
	if res.Downloaded != int64(len(weights)-cut) {
		t.Errorf("resumed pull downloaded %d bytes of the weights, want %d", res.Downloaded, len(weights)-cut)
	}
	checkSnapshot(t, res.Snapshot, files, "config.json", "generation_config.json", "model.safetensors", "tokenizer.json")
	if _, err := os.Stat(inc); err == nil {
		t.Error("the .incomplete file is still there")
	}

	// With retries one pull survives the cut.
	c2 := testClient(t, srv)
	srv.CutAfter("model.safetensors", 12345)
	n := len(ranges())
	res = pull(t, c2, "org/tiny")
	checkSnapshot(t, res.Snapshot, files, "config.json", "generation_config.json", "model.safetensors", "tokenizer.json")
	if got := ranges()[n:]; len(got) != 2 || got[1] != "bytes=12345-" {
		t.Fatalf("ranges %q", got)
	}
}

// A download that stops sending is abandoned after the stall time-out and
// resumed.
func TestPullStall(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	files := tinyFiles(t)
	srv.Add("org/tiny", "main", files)
	srv.StallAfter("model.safetensors", 4096)
	c := testClient(t, srv)
	c.StallTimeout = 300 * time.Millisecond
	res := pull(t, c, "org/tiny")
	checkSnapshot(t, res.Snapshot, files, "config.json", "generation_config.json", "model.safetensors", "tokenizer.json")
	var ranges []string
	for _, r := range srv.Requests() {
		if r.Server == "cdn" {
			ranges = append(ranges, r.Range)
		}
	}
	if len(ranges) != 2 || ranges[1] != "bytes=4096-" {
		t.Fatalf("download ranges %q", ranges)
	}
}

func TestPullHashMismatch(t *testing.T) {
	for _, file := range []string{"model.safetensors", "tokenizer.json"} {
		t.Run(file, func(t *testing.T) {
			srv := hubtest.New()
			defer srv.Close()
			files := tinyFiles(t)
			srv.Add("org/tiny", "main", files)
			srv.Corrupt(file)
			c := testClient(t, srv)
			ref, _ := ParseSpec("org/tiny")
			_, err := c.Pull(context.Background(), ref)
			if err == nil || !strings.Contains(err.Error(), "mismatch") || !strings.Contains(err.Error(), file) {
				t.Fatalf("pull of a corrupted %s: %v", file, err)
			}
			repo := c.Cache.RepoDir("org/tiny")
			etag := hubtest.GitSHA1(files[file])
			if hubtest.IsLFS(file) {
				etag = hubtest.SHA256(files[file])
			}
			filepath.Walk(repo, func(p string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() && !strings.Contains(p, ".locks") {
					if filepath.Base(p) == file || filepath.Base(p) == etag || strings.HasSuffix(p, ".incomplete") {
						t.Errorf("left behind: %s", p)
					}
				}
				return nil
			})
			if _, err := c.Cache.Resolve(ref); err == nil {
				t.Fatal("the cache resolves a model whose download failed")
			}
		})
	}
}

func TestPullSizeMismatch(t *testing.T) {
	for _, delta := range []int64{-1000, 1000} {
		srv := hubtest.New()
		files := tinyFiles(t)
		srv.Add("org/tiny", "main", files)
		size := int64(len(files["model.safetensors"])) + delta
		srv.ReportSize("model.safetensors", size)
		c := testClient(t, srv)
		ref, _ := ParseSpec("org/tiny")
		_, err := c.Pull(context.Background(), ref)
		want := "the server sent more than the " + fmt.Sprint(size) + " bytes the Hub reported"
		if delta > 0 {
			want = fmt.Sprintf("the server sent a file of %d bytes, the Hub reported %d", len(files["model.safetensors"]), size)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("size %+d: %v\nwant %s", delta, err, want)
		}
		filepath.Walk(c.Cache.RepoDir("org/tiny"), func(p string, info os.FileInfo, err error) error {
			if err == nil && info.Mode().IsRegular() && info.Size() > 0 && (filepath.Base(p) == "model.safetensors" || strings.Contains(p, hubtest.SHA256(files["model.safetensors"]))) {
				t.Errorf("size %+d: left behind %s", delta, p)
			}
			return nil
		})
		if _, err := c.Cache.Resolve(ref); err == nil {
			t.Errorf("size %+d: the model resolves", delta)
		}
		srv.Close()
	}
}

func TestPullOffline(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	files := tinyFiles(t)
	commit := srv.Add("org/tiny", "main", files)
	c := testClient(t, srv)
	c.Offline = true
	ref, _ := ParseSpec("org/tiny")
	_, err := c.Pull(context.Background(), ref)
	var nc *NotCachedError
	if !errors.Is(err, ErrOffline) || !errors.As(err, &nc) || !strings.Contains(err.Error(), "HF_HUB_OFFLINE is set, so it cannot be downloaded (unset HF_HUB_OFFLINE and run: lmzip pull org/tiny)") {
		t.Fatalf("offline pull of a missing model: %v", err)
	}
	c.Offline = false
	pull(t, c, "org/tiny")
	n := len(srv.Requests())
	c.Offline = true
	res, err := c.Pull(context.Background(), ref)
	if err != nil || !res.Offline || res.Snapshot.Commit != commit {
		t.Fatalf("offline pull of a cached model: %+v, %v", res, err)
	}
	if len(srv.Requests()) != n {
		t.Fatal("offline mode touched the network")
	}
}

func TestPullSharded(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	files := tinyFiles(t)
	delete(files, "model.safetensors")
	files["model-00001-of-00002.safetensors"] = bytes.Repeat([]byte{1}, 5000)
	files["model-00002-of-00002.safetensors"] = bytes.Repeat([]byte{2}, 7000)
	files["model.safetensors.index.json"] = []byte(`{"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}`)
	files["other.safetensors"] = []byte("not listed")
	srv.Add("org/sharded", "main", files)
	c := testClient(t, srv)
	res := pull(t, c, "org/sharded")
	checkSnapshot(t, res.Snapshot, files, "config.json", "generation_config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json")

	// An index naming a file outside the folder is refused.
	files["model.safetensors.index.json"] = []byte(`{"weight_map":{"a":"../../evil.safetensors"}}`)
	srv.Add("org/evil", "main", files)
	ref, _ := ParseSpec("org/evil")
	if _, err := c.Pull(context.Background(), ref); err == nil || !strings.Contains(err.Error(), "bad shard name") {
		t.Fatalf("evil index: %v", err)
	}
}

func TestPullErrors(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	files := tinyFiles(t)
	srv.Add("org/tiny", "main", files)
	noTok := tinyFiles(t)
	delete(noTok, "tokenizer.json")
	srv.Add("org/notok", "main", noTok)
	noWeights := tinyFiles(t)
	delete(noWeights, "model.safetensors")
	srv.Add("org/bin", "main", noWeights)
	c := testClient(t, srv)
	for spec, want := range map[string]string{
		"org/missing":    "repository org/missing not found on " + srv.URL() + " (if it is private or gated, set HF_TOKEN)",
		"org/tiny@v9":    `org/tiny has no revision "v9"`,
		"org/notok":      "org/notok has no tokenizer.json, which lmzip needs",
		"org/bin":        "org/bin has no safetensors weights (model.safetensors or model.safetensors.index.json); it has pytorch_model.bin, which lmzip does not read from the Hub",
		"org/tiny@0abc1": `org/tiny has no revision "0abc1"`,
	} {
		ref, _ := ParseSpec(spec)
		_, err := c.Pull(context.Background(), ref)
		if err == nil || err.Error() != want {
			t.Errorf("pull %s: %v\nwant %s", spec, err, want)
		}
	}
	// No server at all.
	dead := &Client{Endpoint: "http://127.0.0.1:1", Cache: c.Cache, UserAgent: "t"}
	ref, _ := ParseSpec("org/tiny")
	if _, err := dead.Pull(context.Background(), ref); err == nil || !strings.Contains(err.Error(), "cannot reach the Hugging Face Hub at http://127.0.0.1:1") {
		t.Errorf("unreachable Hub: %v", err)
	}
}

func TestPullToken(t *testing.T) {
	for _, gated := range []bool{false, true} {
		srv := hubtest.New()
		files := tinyFiles(t)
		srv.Add("org/private", "main", files)
		srv.RequireToken("hf_secret", gated)
		c := testClient(t, srv)
		ref, _ := ParseSpec("org/private")
		_, err := c.Pull(context.Background(), ref)
		want := "repository org/private not found on " + srv.URL() + " (if it is private or gated, set HF_TOKEN)"
		if gated {
			want = "org/private is gated: accept its conditions at " + srv.URL() + "/org/private, then set HF_TOKEN to a token of that account"
		}
		if err == nil || err.Error() != want {
			t.Errorf("no token: %v\nwant %s", err, want)
		}
		c.Token = "hf_secret"
		res := pull(t, c, "org/private")
		checkSnapshot(t, res.Snapshot, files, "config.json", "generation_config.json", "model.safetensors", "tokenizer.json")
		for _, r := range srv.Requests() {
			if r.Server == "cdn" && r.Auth != "" {
				t.Errorf("the token was sent to the download server: %+v", r)
			}
		}
		srv.Close()
	}
}

func TestPullRenamed(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	files := tinyFiles(t)
	commit := srv.Add("org/new", "main", files)
	srv.Rename("org/old", "org/new")
	c := testClient(t, srv)
	// The API follows the redirect itself (Go's client does for GET); the
	// resolve HEAD requests follow it by hand.
	res := pull(t, c, "org/old")
	if res.Snapshot.Commit != commit || res.Snapshot.Repo != "org/old" {
		t.Fatalf("%+v", res.Snapshot)
	}
}

func TestNewClientFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HF_ENDPOINT", "http://hub.example/")
	t.Setenv("HF_HUB_CACHE", filepath.Join(dir, "cache"))
	t.Setenv("HF_HOME", dir)
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	t.Setenv("HF_TOKEN_PATH", "")
	t.Setenv("HF_HUB_OFFLINE", "1")
	os.WriteFile(filepath.Join(dir, "token"), []byte("hf_fromfile\n"), 0o600)
	c := NewClient()
	if c.Endpoint != "http://hub.example" || c.Cache.Dir != filepath.Join(dir, "cache") || !c.Offline || c.Token != "hf_fromfile" {
		t.Fatalf("%+v", c)
	}
	t.Setenv("HF_TOKEN", "hf_env")
	if c := NewClient(); c.Token != "hf_env" {
		t.Fatalf("token %q", c.Token)
	}
}

func TestResolveIncomplete(t *testing.T) {
	c := Cache{Dir: t.TempDir()}
	commit := strings.Repeat("ab", 20)
	snap := filepath.Join(c.RepoDir("org/part"), "snapshots", commit)
	os.MkdirAll(snap, 0o755)
	os.MkdirAll(filepath.Join(c.RepoDir("org/part"), "refs"), 0o755)
	os.WriteFile(filepath.Join(c.RepoDir("org/part"), "refs", "main"), []byte(commit), 0o644)
	os.WriteFile(filepath.Join(snap, "config.json"), []byte("{}"), 0o644)
	ref, _ := ParseSpec("org/part")
	_, err := c.Resolve(ref)
	var nc *NotCachedError
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), "not complete in the Hugging Face cache") || !strings.Contains(err.Error(), "no tokenizer.json, model.safetensors") {
		t.Fatalf("incomplete snapshot: %v", err)
	}
	ref, _ = ParseSpec("org/absent@v2")
	if _, err := c.Resolve(ref); !errors.As(err, &nc) || err.Error() != "model org/absent@v2 is not in the Hugging Face cache ("+c.Dir+"); download it with: lmzip pull org/absent@v2" {
		t.Fatalf("absent: %v", err)
	}
}
