// Package hub finds language models in the Hugging Face cache and downloads
// them from the Hugging Face Hub into it.
//
// The cache is the one transformers and huggingface_hub share (HF_HUB_CACHE,
// else HF_HOME/hub, else ~/.cache/huggingface/hub). Each repository is a
// folder models--ORG--NAME holding
//
//	blobs/ETAG                 file contents, named by the Hub's ETag (the
//	                           SHA-256 of an LFS file, the git blob SHA-1 of
//	                           any other); ETAG.incomplete while downloading
//	snapshots/COMMIT/FILE      a relative symbolic link to ../../blobs/ETAG
//	refs/BRANCH                the commit a branch or tag pointed to when it
//	                           was last downloaded
//
// so a model pulled by lmzip is found by transformers' from_pretrained and
// the other way round. Looking a model up never touches the network; Pull
// does, unless HF_HUB_OFFLINE is set.
package hub

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultRevision is the branch a reference without a revision means.
const DefaultRevision = "main"

// Ref names a model on the Hub: a repository "org/name" and a revision (a
// branch, a tag or a commit hash; empty means "main").
type Ref struct {
	Repo     string
	Revision string
}

// String returns the reference as written on the command line:
// "org/name" or "org/name@revision".
func (r Ref) String() string {
	if r.Revision == "" {
		return r.Repo
	}
	return r.Repo + "@" + r.Revision
}

// Rev returns the revision, "main" when none is given.
func (r Ref) Rev() string {
	if r.Revision == "" {
		return DefaultRevision
	}
	return r.Revision
}

// ParseSpec reads "org/name" or "org/name@revision". It reports false for
// anything else (a path, a built-in model's name, a bare word): the repository
// must be two names of the Hub's characters (letters, digits, '_', '-', '.';
// at most 96 each, starting and ending with a letter, digit or '_', no "--" or
// ".."), and the revision a valid git ref name or commit hash.
func ParseSpec(spec string) (Ref, bool) {
	repo, rev, hasRev := strings.Cut(spec, "@")
	if hasRev && ValidateRevision(rev) != nil {
		return Ref{}, false
	}
	if !strings.Contains(repo, "/") || ValidateRepo(repo) != nil {
		return Ref{}, false
	}
	return Ref{Repo: repo, Revision: rev}, true
}

// legacyNames are the Hub's best-known models from before it had
// organisations, with the names they have now. transformers still caches
// them under the old name (from_pretrained("gpt2") fills models--gpt2), and
// the seed project names GPT-2 "gpt2".
var legacyNames = map[string]string{
	"gpt2":        "openai-community/gpt2",
	"gpt2-medium": "openai-community/gpt2-medium",
	"gpt2-large":  "openai-community/gpt2-large",
	"gpt2-xl":     "openai-community/gpt2-xl",
	"distilgpt2":  "distilbert/distilgpt2",
}

// ParseLegacy reads a root-level model name of the Hub's early days
// ("gpt2", "gpt2@revision"): the repository is the name as it is cached in
// c (models--gpt2, as transformers caches it), else its name today
// (openai-community/gpt2) if it is one of the best-known ones. It reports
// false for any other bare word.
func ParseLegacy(spec string, c Cache) (Ref, bool) {
	name, rev, hasRev := strings.Cut(spec, "@")
	if hasRev && ValidateRevision(rev) != nil || strings.Contains(name, "/") || validName(name) != nil {
		return Ref{}, false
	}
	if isDir(c.RepoDir(name)) {
		return Ref{Repo: name, Revision: rev}, true
	}
	if now, ok := legacyNames[name]; ok {
		return Ref{Repo: now, Revision: rev}, true
	}
	return Ref{}, false
}

// ValidateRepo checks a repository id "org/name" as the Hub does (or a
// root-level "name" of its early days, such as "gpt2").
func ValidateRepo(repo string) error {
	org, name, ok := strings.Cut(repo, "/")
	if !ok {
		if err := validName(repo); err != nil {
			return fmt.Errorf("repository %q: %v", repo, err)
		}
		return nil
	}
	if strings.Contains(name, "/") {
		return fmt.Errorf("repository %q is not of the form org/name", repo)
	}
	for _, part := range []string{org, name} {
		if err := validName(part); err != nil {
			return fmt.Errorf("repository %q: %v", repo, err)
		}
	}
	if strings.HasSuffix(name, ".git") {
		return fmt.Errorf("repository %q: a name may not end in .git", repo)
	}
	return nil
}

func validName(s string) error {
	if len(s) == 0 || len(s) > 96 {
		return errors.New("each part must have 1 to 96 characters")
	}
	if strings.Contains(s, "--") || strings.Contains(s, "..") {
		return errors.New(`"--" and ".." are not allowed`)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		word := c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !word && c != '-' && c != '.' {
			return fmt.Errorf("character %q is not allowed", c)
		}
		if !word && (i == 0 || i == len(s)-1) {
			return errors.New("each part must start and end with a letter, digit or '_'")
		}
	}
	return nil
}

// ValidateRevision checks a revision: a commit hash, or a branch or tag name
// by git's rules (git check-ref-format), which also keeps it a safe relative
// path under refs/.
func ValidateRevision(rev string) error {
	bad := func(why string) error { return fmt.Errorf("revision %q: %s", rev, why) }
	if rev == "" || len(rev) > 255 {
		return bad("must have 1 to 255 characters")
	}
	if strings.HasPrefix(rev, "/") || strings.HasSuffix(rev, "/") || strings.Contains(rev, "//") {
		return bad("empty path component")
	}
	if strings.Contains(rev, "..") || strings.Contains(rev, "@{") || rev == "@" {
		return bad(`".." and "@{" are not allowed`)
	}
	if strings.HasSuffix(rev, ".") || strings.HasSuffix(rev, ".lock") {
		return bad(`may not end in "." or ".lock"`)
	}
	for _, part := range strings.Split(rev, "/") {
		if strings.HasPrefix(part, ".") {
			return bad(`a component may not start with "."`)
		}
	}
	for i := 0; i < len(rev); i++ {
		c := rev[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return bad(fmt.Sprintf("character %q is not allowed", c))
		}
	}
	return nil
}

// IsCommit reports whether rev is a full commit hash (40 lower-case hex
// digits), as the Hub reports them.
func IsCommit(rev string) bool {
	return len(rev) == 40 && isHex(rev)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return len(s) > 0
}

// repoFolder is the cache folder name of a model repository.
func repoFolder(repo string) string {
	return "models--" + strings.ReplaceAll(repo, "/", "--")
}
