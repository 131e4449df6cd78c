package lmzip

import (
	"errors"
	"fmt"

	"github.com/lmzip/lmzip/internal/hub"
	"github.com/lmzip/lmzip/internal/lm"
)

// resolveHubModel finds the model of an archive made with a model from the
// Hugging Face cache, which the header names "org/name@commit": that
// snapshot, or else another snapshot of the same repository with the same
// identity (a later commit that left the model's files alone). When there is
// none, the error says what to download.
func resolveHubModel(h *Header, ref hub.Ref) (*lm.LM, error) {
	l, err := lm.Load(h.Model)
	if err == nil {
		if l.ID() != h.ModelID {
			return nil, fmt.Errorf("%w: the archive was made with model %s (id %x), but that revision in the cache has id %x", ErrWrongModel, h.Model, h.ModelID, l.ID())
		}
		return l, nil
	}
	var nc *hub.NotCachedError
	if !errors.As(err, &nc) {
		return nil, err
	}
	cache := hub.DefaultCache()
	for _, s := range cache.Snapshots(ref.Repo) {
		if hub.CheckModel(s.Dir) != nil {
			continue
		}
		if hash, err := lm.DirHash(s.Dir); err != nil || [8]byte(hash[:8]) != h.ModelID {
			continue
		}
		if l, err := lm.Load(ref.Repo + "@" + s.Commit); err == nil && l.ID() == h.ModelID {
			return l, nil
		}
	}
	pull := h.Model
	if len(ref.Revision) < 40 && isHex(ref.Revision) {
		// A short archive records a commit prefix, which only the cache
		// resolves: name the repository, and the commit to look for.
		pull = ref.Repo + " (the archive was made with commit " + ref.Revision + "…)"
	}
	return nil, fmt.Errorf("%w: the archive was made with model %s (id %x), which is not in the Hugging Face cache (%s); download it with: lmzip pull %s", ErrWrongModel, h.Model, h.ModelID, cache.Dir, pull)
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}
