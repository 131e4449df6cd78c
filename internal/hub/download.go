package hub

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultEndpoint is the Hub's address unless HF_ENDPOINT says otherwise.
const DefaultEndpoint = "https://huggingface.co"

// ErrOffline reports that a download was needed while HF_HUB_OFFLINE is set.
var ErrOffline = errors.New("HF_HUB_OFFLINE is set: nothing may be downloaded")

// Files lmzip takes from a repository besides the weights: required ones
// and ones taken when the repository has them.
var (
	requiredFiles = []string{"config.json", "tokenizer.json"}
	optionalFiles = []string{"generation_config.json"}
)

// Client downloads models from the Hub into a cache.
type Client struct {
	// Endpoint is the Hub's address (HF_ENDPOINT, default
	// https://huggingface.co).
	Endpoint string
	// Token, if set, is sent as "Authorization: Bearer TOKEN" to the
	// endpoint (never to the servers it redirects downloads to).
	Token string
	// Cache is where files go.
	Cache Cache
	// Offline forbids any request (HF_HUB_OFFLINE).
	Offline bool
	// HTTP is the client requests go through (nil: one with connection
	// and header time-outs and no overall time-out).
	HTTP *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// Retries is how many times a download that broke off is resumed
	// before Pull gives up (the partial file stays for the next run).
	Retries int
	// RetryWait is the pause before the first resumption; it doubles each
	// time.
	RetryWait time.Duration
	// StallTimeout ends a transfer that receives nothing for this long (it
	// is then resumed like a broken one).
	StallTimeout time.Duration
	// Progress, if set, is called as each file downloads, with the bytes
	// of that file present so far and its size.
	Progress func(file string, done, total int64)
}

// NewClient returns a client configured as huggingface_hub is, from the
// environment: HF_ENDPOINT, HF_TOKEN (else the token file of
// `huggingface-cli login`: HF_TOKEN_PATH, else HF_HOME/token), the cache
// of CacheDir and HF_HUB_OFFLINE.
func NewClient() *Client {
	return &Client{
		Endpoint:     endpointFromEnv(),
		Token:        tokenFromEnv(),
		Cache:        DefaultCache(),
		Offline:      Offline(),
		UserAgent:    "lmzip",
		Retries:      5,
		RetryWait:    time.Second,
		StallTimeout: time.Minute,
	}
}

func endpointFromEnv() string {
	if e := strings.TrimRight(os.Getenv("HF_ENDPOINT"), "/"); e != "" {
		return e
	}
	return DefaultEndpoint
}

func tokenFromEnv() string {
	for _, v := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if t := strings.TrimSpace(os.Getenv(v)); t != "" {
			return t
		}
	}
	path := os.Getenv("HF_TOKEN_PATH")
	if path == "" {
		path = filepath.Join(hfHome(), "token")
	}
	if b, err := os.ReadFile(expandHome(path)); err == nil {
		return strings.TrimSpace(string(b))
	}
	return ""
}

var defaultHTTP = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout:   30 * time.Second,
	ResponseHeaderTimeout: 60 * time.Second,
	MaxIdleConnsPerHost:   4,
	IdleConnTimeout:       90 * time.Second,
	ForceAttemptHTTP2:     true,
}}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

// PullResult describes a finished Pull.
type PullResult struct {
	Snapshot *Snapshot
	// Files are the files lmzip uses, all present in Snapshot.Dir.
	Files []string
	// Downloaded counts the bytes received in this run; Reused the files
	// that were already in the cache.
	Downloaded int64
	Reused     int
	// Offline is set when HF_HUB_OFFLINE kept Pull from asking the Hub
	// and the model was already in the cache.
	Offline bool
}

// Pull makes sure the cache holds the files lmzip needs of a model at a
// revision: it asks the Hub which commit the revision is and which files it
// has, downloads what is missing (resuming partial downloads, checking each
// file's size and hash against what the Hub reports) and records the
// branch or tag under refs/. With Offline set it never touches the network:
// it returns the cached snapshot, or an error wrapping ErrOffline.
func (c *Client) Pull(ctx context.Context, ref Ref) (*PullResult, error) {
	if err := ValidateRepo(ref.Repo); err != nil {
		return nil, err
	}
	if err := ValidateRevision(ref.Rev()); err != nil {
		return nil, err
	}
	if c.Offline {
		s, err := c.Cache.Resolve(ref)
		if err != nil {
			return nil, &OfflineError{err}
		}
		return &PullResult{Snapshot: s, Offline: true}, nil
	}
	info, err := c.repoInfo(ctx, ref)
	if err != nil {
		return nil, err
	}
	commit := info.SHA
	if !IsCommit(commit) {
		return nil, fmt.Errorf("%s: the Hub reported commit %q, not a commit hash", ref, truncate(commit, 60))
	}
	has := map[string]bool{}
	for _, s := range info.Siblings {
		has[s.RFilename] = true
	}
	res := &PullResult{}
	var files []string
	for _, f := range requiredFiles {
		if !has[f] {
			return nil, fmt.Errorf("%s has no %s, which lmzip needs", ref, f)
		}
		files = append(files, f)
	}
	for _, f := range optionalFiles {
		if has[f] {
			files = append(files, f)
		}
	}
	if !has["model.safetensors"] && !has["model.safetensors.index.json"] {
		var other []string
		for _, s := range info.Siblings {
			switch filepath.Ext(s.RFilename) {
			case ".bin", ".pt", ".pth", ".gguf", ".h5", ".msgpack", ".ckpt":
				other = append(other, s.RFilename)
			}
		}
		msg := fmt.Sprintf("%s has no safetensors weights (model.safetensors or model.safetensors.index.json)", ref)
		if len(other) > 4 {
			other = append(other[:4], fmt.Sprintf("and %d more", len(other)-4))
		}
		if len(other) > 0 {
			msg += "; it has " + strings.Join(other, ", ") + ", which lmzip does not read from the Hub"
		}
		return nil, errors.New(msg)
	}
	fetch := func(name string) error {
		n, reused, err := c.fetch(ctx, ref.Repo, commit, name)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", ref.Repo, name, err)
		}
		res.Downloaded += n
		if reused {
			res.Reused++
		}
		res.Files = append(res.Files, name)
		return nil
	}
	for _, f := range files {
		if err := fetch(f); err != nil {
			return nil, err
		}
	}
	snapDir := filepath.Join(c.Cache.RepoDir(ref.Repo), "snapshots", commit)
	if has["model.safetensors"] {
		if err := fetch("model.safetensors"); err != nil {
			return nil, err
		}
	} else {
		if err := fetch("model.safetensors.index.json"); err != nil {
			return nil, err
		}
		shards, err := IndexShards(filepath.Join(snapDir, "model.safetensors.index.json"))
		if err != nil {
			return nil, err
		}
		for _, s := range shards {
			if !has[s] {
				return nil, fmt.Errorf("%s: model.safetensors.index.json lists %s, which the repository does not have", ref, s)
			}
		}
		for _, s := range shards {
			if err := fetch(s); err != nil {
				return nil, err
			}
		}
	}
	rev := ref.Rev()
	if rev != commit && !(isHex(rev) && strings.HasPrefix(commit, rev)) {
		if err := c.writeRef(ref.Repo, rev, commit); err != nil {
			return nil, err
		}
	}
	s, err := c.Cache.Resolve(Ref{Repo: ref.Repo, Revision: commit})
	if err != nil {
		return nil, err
	}
	res.Snapshot = s
	return res, nil
}

// repoInfo is what the Hub's API says about a model at a revision.
type repoInfo struct {
	ID       string `json:"id"`
	SHA      string `json:"sha"`
	Siblings []struct {
		RFilename string `json:"rfilename"`
	} `json:"siblings"`
}

// repoInfo asks GET /api/models/REPO/revision/REV: the commit and the list
// of files.
func (c *Client) repoInfo(ctx context.Context, ref Ref) (*repoInfo, error) {
	u := c.Endpoint + "/api/models/" + ref.Repo + "/revision/" + url.PathEscape(ref.Rev())
	req, err := c.newRequest(ctx, http.MethodGet, u)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, c.netError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(resp, ref, "")
	}
	var info repoInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&info); err != nil {
		return nil, fmt.Errorf("%s: the Hub's answer about %s is not valid JSON: %v", c.Endpoint, ref, err)
	}
	return &info, nil
}

// fileMeta is what a HEAD request of a file's resolve URL tells.
type fileMeta struct {
	commit   string
	etag     string
	size     int64
	location string // where to GET the bytes
}

// head asks HEAD /REPO/resolve/COMMIT/FILE, following only relative
// redirects (a renamed repository), not those to a download server.
func (c *Client) head(ctx context.Context, repo, commit, name string) (*fileMeta, error) {
	u := c.resolveURL(repo, commit, name)
	hc := *c.http()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for redirects := 0; ; redirects++ {
		req, err := c.newRequest(ctx, http.MethodHead, u)
		if err != nil {
			return nil, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, c.netError(err)
		}
		resp.Body.Close()
		m := &fileMeta{location: u}
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			raw, err := url.Parse(resp.Header.Get("Location"))
			if err != nil || resp.Header.Get("Location") == "" {
				return nil, fmt.Errorf("%s: redirect without a valid Location", u)
			}
			loc := req.URL.ResolveReference(raw)
			if raw.Host == "" {
				if redirects >= 10 {
					return nil, fmt.Errorf("%s: too many redirects", u)
				}
				u = loc.String()
				continue
			}
			m.location = loc.String()
		case resp.StatusCode < 200 || resp.StatusCode >= 300:
			return nil, c.statusError(resp, Ref{Repo: repo, Revision: commit}, name)
		}
		m.commit = resp.Header.Get("X-Repo-Commit")
		m.etag = normalizeETag(firstOf(resp.Header.Get("X-Linked-Etag"), resp.Header.Get("ETag")))
		m.size = resp.ContentLength
		if s := resp.Header.Get("X-Linked-Size"); s != "" {
			if m.size, err = strconv.ParseInt(s, 10, 64); err != nil || m.size < 0 {
				return nil, fmt.Errorf("%s: bad X-Linked-Size %q", u, s)
			}
		}
		return m, nil
	}
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// normalizeETag strips the weak marker and the quotes of an ETag header.
func normalizeETag(e string) string {
	e = strings.TrimPrefix(strings.TrimSpace(e), "W/")
	return strings.Trim(e, `"`)
}

// validETag reports whether an ETag can name a blob file.
func validETag(e string) bool {
	if e == "" || len(e) > 200 || e == "." || e == ".." {
		return false
	}
	for i := 0; i < len(e); i++ {
		c := e[i]
		if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func (c *Client) resolveURL(repo, rev, name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return c.Endpoint + "/" + repo + "/resolve/" + url.PathEscape(rev) + "/" + strings.Join(parts, "/")
}

func (c *Client) newRequest(ctx context.Context, method, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.UserAgent)
	// The bytes as stored: no transparent compression, so sizes, hashes and
	// ranges refer to the file itself.
	req.Header.Set("Accept-Encoding", "identity")
	if c.Token != "" && c.sameHost(req.URL) {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return req, nil
}

// sameHost reports whether u is on the endpoint's host, the only one the
// token is sent to.
func (c *Client) sameHost(u *url.URL) bool {
	e, err := url.Parse(c.Endpoint)
	return err == nil && strings.EqualFold(e.Host, u.Host) && e.Scheme == u.Scheme
}

// fetch makes sure snapshots/COMMIT/NAME is in the cache. It returns the
// bytes downloaded and whether the file was already there.
func (c *Client) fetch(ctx context.Context, repo, commit, name string) (int64, bool, error) {
	m, err := c.head(ctx, repo, commit, name)
	if err != nil {
		return 0, false, err
	}
	if m.commit != "" && m.commit != commit {
		return 0, false, fmt.Errorf("the Hub served commit %s, not %s", truncate(m.commit, 60), commit)
	}
	if !validETag(m.etag) {
		return 0, false, fmt.Errorf("the Hub reported no usable ETag (%q)", truncate(m.etag, 60))
	}
	if m.size < 0 {
		return 0, false, errors.New("the Hub reported no size")
	}
	repoDir := c.Cache.RepoDir(repo)
	pointer := filepath.Join(repoDir, "snapshots", commit, filepath.FromSlash(name))
	blob := filepath.Join(repoDir, "blobs", m.etag)
	if st, err := os.Stat(pointer); err == nil && st.Mode().IsRegular() && st.Size() == m.size {
		c.progress(name, m.size, m.size)
		return 0, true, nil
	}
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return 0, false, err
	}
	lockDir := filepath.Join(c.Cache.Dir, ".locks", repoFolder(repo))
	if err := os.MkdirAll(lockDir, 0o755); err != nil {
		return 0, false, err
	}
	unlock, err := lockFile(filepath.Join(lockDir, m.etag+".lock"))
	if err != nil {
		return 0, false, err
	}
	defer unlock()
	var n int64
	reused := true
	if st, err := os.Stat(blob); err != nil || st.Size() != m.size {
		reused = false
		if n, err = c.download(ctx, name, m, blob); err != nil {
			return n, false, err
		}
	} else {
		c.progress(name, m.size, m.size)
	}
	return n, reused, link(blob, pointer)
}

func (c *Client) progress(name string, done, total int64) {
	if c.Progress != nil {
		c.Progress(name, done, total)
	}
}

// download fetches a file into blob: into blob.incomplete first, resuming
// what an earlier run left there, then checked and renamed. On a hash or
// size mismatch the partial file is removed; on a broken connection it is
// kept for the next run.
func (c *Client) download(ctx context.Context, name string, m *fileMeta, blob string) (int64, error) {
	inc := blob + ".incomplete"
	f, err := os.OpenFile(inc, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return 0, err
	}
	var got int64
	wait := c.RetryWait
	for attempt := 0; ; attempt++ {
		n, err := c.transfer(ctx, f, name, m)
		got += n
		if err == nil {
			break
		}
		var re *retryable
		if !errors.As(err, &re) || attempt >= c.Retries || ctx.Err() != nil {
			f.Close()
			if errors.As(err, &re) {
				err = fmt.Errorf("%w (%s of %s kept in %s; run again to resume)", re.err, sizeOf(inc), humanSize(m.size), inc)
			}
			return got, err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			f.Close()
			return got, ctx.Err()
		}
		wait *= 2
	}
	if err := verify(f, m); err != nil {
		f.Close()
		os.Remove(inc)
		return got, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return got, err
	}
	if err := f.Close(); err != nil {
		return got, err
	}
	return got, os.Rename(inc, blob)
}

func sizeOf(name string) string {
	if st, err := os.Stat(name); err == nil {
		return humanSize(st.Size())
	}
	return "?"
}

// retryable marks an error after which a download may be resumed.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

var errStalled = errors.New("no data received for too long")

// transfer appends the rest of the file to f, from f's current size,
// with an HTTP Range request. It returns the bytes received.
func (c *Client) transfer(parent context.Context, f *os.File, name string, m *fileMeta) (int64, error) {
	off, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if off > m.size {
		if err := truncate0(f); err != nil {
			return 0, err
		}
		off = 0
	}
	if off == m.size {
		return 0, nil
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	stall := c.StallTimeout
	if stall <= 0 {
		stall = time.Minute
	}
	var stalled atomic.Bool
	timer := time.AfterFunc(stall, func() { stalled.Store(true); cancel() })
	defer timer.Stop()
	req, err := c.newRequest(ctx, http.MethodGet, m.location)
	if err != nil {
		return 0, err
	}
	if off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", off))
	}
	resp, err := c.http().Do(req)
	if err != nil {
		if stalled.Load() {
			return 0, &retryable{errStalled}
		}
		if parent.Err() != nil {
			return 0, parent.Err()
		}
		return 0, &retryable{c.netError(err)}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, ok := contentRangeStart(resp.Header.Get("Content-Range"))
		if !ok || start != off {
			// Not the range asked for: start again from the beginning.
			if err := truncate0(f); err != nil {
				return 0, err
			}
			return 0, &retryable{fmt.Errorf("the server sent range %q for bytes=%d-", resp.Header.Get("Content-Range"), off)}
		}
	case http.StatusOK:
		if off > 0 {
			if err := truncate0(f); err != nil {
				return 0, err
			}
			off = 0
		}
	case http.StatusRequestedRangeNotSatisfiable:
		if err := truncate0(f); err != nil {
			return 0, err
		}
		return 0, &retryable{errors.New("the server refused to resume (416)")}
	default:
		err := c.statusError(resp, Ref{}, name)
		var he *HTTPError
		if errors.As(err, &he) && (he.Status >= 500 || he.Status == http.StatusTooManyRequests) {
			return 0, &retryable{err}
		}
		return 0, err
	}
	c.progress(name, off, m.size)
	buf := make([]byte, 1<<20)
	var got int64
	last := time.Now()
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			timer.Reset(stall)
			if off+int64(n) > m.size {
				truncate0(f)
				return got, fmt.Errorf("the server sent more than the %d bytes the Hub reported; the partial file was discarded", m.size)
			}
			if _, err := f.Write(buf[:n]); err != nil {
				return got, err
			}
			off += int64(n)
			got += int64(n)
			if now := time.Now(); now.Sub(last) > 100*time.Millisecond || off == m.size {
				last = now
				c.progress(name, off, m.size)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if stalled.Load() {
				return got, &retryable{errStalled}
			}
			if parent.Err() != nil {
				return got, parent.Err()
			}
			return got, &retryable{fmt.Errorf("download broke off after %s: %v", humanSize(off), rerr)}
		}
	}
	if off < m.size {
		// The body ended cleanly (a connection that breaks off ends with
		// io.ErrUnexpectedEOF instead): the file is shorter than reported.
		truncate0(f)
		return got, fmt.Errorf("the server sent a file of %d bytes, the Hub reported %d; the partial file was discarded", off, m.size)
	}
	c.progress(name, off, m.size)
	return got, nil
}

func truncate0(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

// contentRangeStart reads the first byte position of "bytes START-END/TOTAL".
func contentRangeStart(h string) (int64, bool) {
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, false
	}
	s, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// verify checks a finished download against the size and the ETag the Hub
// reported: for a file stored with git LFS the ETag is the SHA-256 of its
// content, for another the git blob SHA-1 ("blob SIZE\x00" and the content).
// An ETag of neither form is checked by size only.
func verify(f *os.File, m *fileMeta) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() != m.size {
		return fmt.Errorf("downloaded %d bytes, the Hub reported %d; the partial file was removed, run again", st.Size(), m.size)
	}
	var h hash.Hash
	kind := ""
	switch {
	case len(m.etag) == 64 && isHex(strings.ToLower(m.etag)):
		h, kind = sha256.New(), "SHA-256"
	case len(m.etag) == 40 && isHex(strings.ToLower(m.etag)):
		h, kind = sha1.New(), "git SHA-1"
		fmt.Fprintf(h, "blob %d\x00", m.size)
	default:
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(m.etag) {
		return fmt.Errorf("%s mismatch: the download has %s, the Hub reported %s; the file was discarded, run again", kind, got, m.etag)
	}
	return nil
}

// link points snapshots/COMMIT/NAME at the blob by a relative symbolic
// link, as huggingface_hub does, replacing what was there. Where the file
// system has no symbolic links the blob is copied.
func link(blob, pointer string) error {
	dir := filepath.Dir(pointer)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rel, err := filepath.Rel(dir, blob)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+filepath.Base(pointer)+".tmp-"+randomSuffix())
	if err := os.Symlink(rel, tmp); err != nil {
		if err := copyFile(blob, tmp); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, pointer); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// writeRef records that a branch or tag points to commit.
func (c *Client) writeRef(repo, rev, commit string) error {
	p := filepath.Join(c.Cache.RepoDir(repo), "refs", filepath.FromSlash(rev))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp := p + ".tmp-" + randomSuffix()
	if err := os.WriteFile(tmp, []byte(commit), 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// HTTPError is an error answer from the Hub.
type HTTPError struct {
	Status int
	Code   string // X-Error-Code: RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo...
	msg    string
}

func (e *HTTPError) Error() string { return e.msg }

// statusError turns an error answer into a message that says what to do.
func (c *Client) statusError(resp *http.Response, ref Ref, file string) error {
	code := resp.Header.Get("X-Error-Code")
	detail := resp.Header.Get("X-Error-Message")
	if detail == "" && resp.Request != nil && resp.Request.Method != http.MethodHead {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		var j struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &j) == nil && j.Error != "" {
			detail = j.Error
		} else {
			detail = strings.TrimSpace(string(b))
		}
	}
	detail = truncate(strings.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, detail), 300)
	e := &HTTPError{Status: resp.StatusCode, Code: code}
	what := ref.String()
	if file != "" {
		what = fmt.Sprintf("%s: %s", what, file)
	}
	switch {
	case code == "GatedRepo":
		e.msg = fmt.Sprintf("%s is gated: accept its conditions at %s/%s, then set HF_TOKEN to a token of that account", ref.Repo, c.Endpoint, ref.Repo)
	case code == "RepoNotFound" || resp.StatusCode == http.StatusUnauthorized:
		e.msg = fmt.Sprintf("repository %s not found on %s", ref.Repo, c.Endpoint)
		if c.Token == "" {
			e.msg += " (if it is private or gated, set HF_TOKEN)"
		} else {
			e.msg += " (or the token in HF_TOKEN cannot read it)"
		}
	case code == "RevisionNotFound":
		e.msg = fmt.Sprintf("%s has no revision %q", ref.Repo, ref.Rev())
	case code == "EntryNotFound" || resp.StatusCode == http.StatusNotFound && file != "":
		e.msg = fmt.Sprintf("%s: no such file on the Hub", what)
	default:
		e.msg = fmt.Sprintf("%s: %s answered %s", what, c.Endpoint, resp.Status)
		if detail != "" {
			e.msg += ": " + detail
		}
	}
	return e
}

// netError explains a failed connection.
func (c *Client) netError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("cannot reach the Hugging Face Hub at %s (%v); set HF_HUB_OFFLINE=1 to use only the cache", c.Endpoint, err)
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
