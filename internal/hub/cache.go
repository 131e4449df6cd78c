package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CacheDir returns the Hugging Face cache folder as huggingface_hub chooses
// it: HF_HUB_CACHE (or its older name HUGGINGFACE_HUB_CACHE), else
// HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub. A leading ~ is the home folder.
func CacheDir() string {
	for _, v := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"} {
		if d := os.Getenv(v); d != "" {
			return expandHome(d)
		}
	}
	return filepath.Join(hfHome(), "hub")
}

// hfHome is HF_HOME, else XDG_CACHE_HOME/huggingface, else
// ~/.cache/huggingface.
func hfHome() string {
	if d := os.Getenv("HF_HOME"); d != "" {
		return expandHome(d)
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(expandHome(d), "huggingface")
	}
	return filepath.Join(expandHome("~"), ".cache", "huggingface")
}

func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, `~\`) {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, p[1:])
}

// Offline reports whether HF_HUB_OFFLINE is set to a true value (1, on,
// yes or true, as huggingface_hub reads it): then nothing may touch the
// network.
func Offline() bool {
	switch strings.ToUpper(strings.TrimSpace(os.Getenv("HF_HUB_OFFLINE"))) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}

// Cache is a Hugging Face cache folder.
type Cache struct {
	Dir string
}

// DefaultCache returns the cache CacheDir names.
func DefaultCache() Cache { return Cache{Dir: CacheDir()} }

// RepoDir returns the folder of a repository in the cache.
func (c Cache) RepoDir(repo string) string { return filepath.Join(c.Dir, repoFolder(repo)) }

// Snapshot is one revision of a repository in the cache.
type Snapshot struct {
	Repo   string
	Commit string
	// Dir is snapshots/COMMIT: a model directory as transformers reads it.
	Dir string
	// Refs are the branches and tags that point to this commit.
	Refs []string
}

// Name returns "org/name@commit", the name lmzip records in archives.
func (s *Snapshot) Name() string { return s.Repo + "@" + s.Commit }

// NotCachedError reports that a model is not in the cache, or not all of
// the files lmzip needs are.
type NotCachedError struct {
	Ref    Ref
	Cache  string // the cache folder
	Reason string // what is missing
}

func (e *NotCachedError) Error() string {
	return e.what() + "; download it with: lmzip pull " + e.Ref.String()
}

func (e *NotCachedError) what() string {
	if e.Reason != "" {
		return fmt.Sprintf("model %s is not complete in the Hugging Face cache (%s): %s", e.Ref, e.Cache, e.Reason)
	}
	return fmt.Sprintf("model %s is not in the Hugging Face cache (%s)", e.Ref, e.Cache)
}

// OfflineError reports a model missing from the cache while HF_HUB_OFFLINE
// forbids downloading it. It matches ErrOffline and its cause with
// errors.Is and errors.As.
type OfflineError struct {
	Err error // why the cache could not serve the model
}

func (e *OfflineError) Error() string {
	var nc *NotCachedError
	if errors.As(e.Err, &nc) {
		return nc.what() + ", and HF_HUB_OFFLINE is set, so it cannot be downloaded (unset HF_HUB_OFFLINE and run: lmzip pull " + nc.Ref.String() + ")"
	}
	return e.Err.Error()
}

func (e *OfflineError) Unwrap() []error { return []error{ErrOffline, e.Err} }

// Resolve finds the snapshot a reference names, without the network: a
// commit hash names snapshots/COMMIT (a unique prefix of at least 7 digits
// will do), a branch or tag the commit refs/NAME holds. The snapshot must
// hold every file lmzip needs (see CheckModel). The error is a
// *NotCachedError when the model is not there.
func (c Cache) Resolve(ref Ref) (*Snapshot, error) {
	if err := ValidateRepo(ref.Repo); err != nil {
		return nil, err
	}
	rev := ref.Rev()
	if err := ValidateRevision(rev); err != nil {
		return nil, err
	}
	notCached := func(reason string) error { return &NotCachedError{Ref: ref, Cache: c.Dir, Reason: reason} }
	repoDir := c.RepoDir(ref.Repo)
	if _, err := os.Stat(repoDir); err != nil {
		return nil, notCached("")
	}
	commit := ""
	if IsCommit(rev) && isDir(filepath.Join(repoDir, "snapshots", rev)) {
		commit = rev
	} else if b, err := os.ReadFile(filepath.Join(repoDir, "refs", filepath.FromSlash(rev))); err == nil {
		commit = strings.TrimSpace(string(b))
		if !IsCommit(commit) {
			return nil, fmt.Errorf("%s: refs/%s holds %q, not a commit hash", repoDir, rev, truncate(commit, 60))
		}
	} else if len(rev) >= 7 && len(rev) < 40 && isHex(rev) {
		var matches []string
		for _, s := range c.snapshotCommits(ref.Repo) {
			if strings.HasPrefix(s, rev) {
				matches = append(matches, s)
			}
		}
		switch len(matches) {
		case 0:
		case 1:
			commit = matches[0]
		default:
			return nil, fmt.Errorf("model %s: revision %s is ambiguous in the cache (%s)", ref.Repo, rev, strings.Join(matches, ", "))
		}
	}
	if commit == "" {
		return nil, notCached("")
	}
	s := &Snapshot{Repo: ref.Repo, Commit: commit, Dir: filepath.Join(repoDir, "snapshots", commit)}
	if !isDir(s.Dir) {
		return nil, notCached("")
	}
	if err := CheckModel(s.Dir); err != nil {
		return nil, notCached(err.Error())
	}
	s.Refs = c.refsTo(ref.Repo)[commit]
	return s, nil
}

// CheckModel checks that dir holds the files lmzip needs: config.json,
// tokenizer.json and the weights (model.safetensors, or
// model.safetensors.index.json and every shard it lists).
func CheckModel(dir string) error {
	var missing []string
	for _, name := range []string{"config.json", "tokenizer.json"} {
		if !isFile(filepath.Join(dir, name)) {
			missing = append(missing, name)
		}
	}
	if !isFile(filepath.Join(dir, "model.safetensors")) {
		shards, err := IndexShards(filepath.Join(dir, "model.safetensors.index.json"))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, "model.safetensors")
		case err != nil:
			return err
		}
		for _, s := range shards {
			if !isFile(filepath.Join(dir, s)) {
				missing = append(missing, s)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no %s", strings.Join(missing, ", "))
	}
	return nil
}

// IndexShards reads a model.safetensors.index.json and returns the shard
// file names its weight_map lists, sorted. A name with a path separator is
// an error.
func IndexShards(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &index); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	seen := map[string]bool{}
	var shards []string
	for _, s := range index.WeightMap {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\`) {
			return nil, fmt.Errorf("%s: bad shard name %q", path, s)
		}
		if !seen[s] {
			seen[s] = true
			shards = append(shards, s)
		}
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("%s: empty weight_map", path)
	}
	sort.Strings(shards)
	return shards, nil
}

// Repo is a model repository in the cache.
type Repo struct {
	Repo      string
	Dir       string
	Snapshots []*Snapshot // by commit
}

// List returns the model repositories in the cache, by name, each with its
// snapshots (complete or not). A missing cache folder is an empty list.
func (c Cache) List() ([]*Repo, error) {
	entries, err := os.ReadDir(c.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var repos []*Repo
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "models--")
		if !ok || !e.IsDir() {
			continue
		}
		name := strings.Replace(rest, "--", "/", 1)
		if ValidateRepo(name) != nil {
			continue
		}
		r := &Repo{Repo: name, Dir: filepath.Join(c.Dir, e.Name())}
		r.Snapshots = c.Snapshots(name)
		repos = append(repos, r)
	}
	sort.Slice(repos, func(i, j int) bool { return repos[i].Repo < repos[j].Repo })
	return repos, nil
}

// Snapshots returns the snapshots of a repository in the cache, by commit,
// each with the refs that point to it.
func (c Cache) Snapshots(repo string) []*Snapshot {
	refs := c.refsTo(repo)
	var out []*Snapshot
	for _, commit := range c.snapshotCommits(repo) {
		out = append(out, &Snapshot{Repo: repo, Commit: commit, Dir: filepath.Join(c.RepoDir(repo), "snapshots", commit), Refs: refs[commit]})
	}
	return out
}

func (c Cache) snapshotCommits(repo string) []string {
	entries, _ := os.ReadDir(filepath.Join(c.RepoDir(repo), "snapshots"))
	var commits []string
	for _, e := range entries {
		if e.IsDir() && IsCommit(e.Name()) {
			commits = append(commits, e.Name())
		}
	}
	return commits
}

// refsTo maps each commit to the refs (refs/NAME files, NAME possibly with
// slashes) that hold it.
func (c Cache) refsTo(repo string) map[string][]string {
	root := filepath.Join(c.RepoDir(repo), "refs")
	m := map[string][]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		commit := strings.TrimSpace(string(b))
		if rel, err := filepath.Rel(root, p); err == nil && IsCommit(commit) {
			m[commit] = append(m[commit], filepath.ToSlash(rel))
		}
		return nil
	})
	for _, v := range m {
		sort.Strings(v)
	}
	return m
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
