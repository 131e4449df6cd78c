// Package hubtest serves model repositories over HTTP the way the Hugging
// Face Hub does, for tests that must not touch the internet: the API's
// /api/models/REPO/revision/REV (commit and file list), the resolve URLs
// /REPO/resolve/REV/FILE with the Hub's headers (X-Repo-Commit, ETag, and
// for LFS files a redirect to a second server with X-Linked-Etag and
// X-Linked-Size), HTTP ranges, the Hub's error codes, and faults on demand:
// a connection cut mid-file, corrupted bytes, a required token.
package hubtest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Server is a fake Hub. Hub serves the API and resolve URLs; CDN, on
// another address as the Hub's download servers are, serves LFS files.
type Server struct {
	Hub *httptest.Server
	CDN *httptest.Server

	mu       sync.Mutex
	repos    map[string]*repo
	renamed  map[string]string
	token    string
	gated    bool
	cuts     map[string]int64
	corrupt  map[string]bool
	sizes    map[string]int64
	stalls   map[string]int64
	requests []Request
	commits  int
	salt     [8]byte // makes each server's commit hashes its own
}

type repo struct {
	commits map[string]map[string][]byte // commit -> file -> content
	refs    map[string]string            // branch or tag -> commit
}

// Request is one request a server received.
type Request struct {
	Server string // "hub" or "cdn"
	Method string
	Path   string // unescaped
	Range  string
	Auth   string // the Authorization header
}

// New starts a fake Hub. Close it when done.
func New() *Server {
	s := &Server{repos: map[string]*repo{}, renamed: map[string]string{}, cuts: map[string]int64{}, corrupt: map[string]bool{}, sizes: map[string]int64{}, stalls: map[string]int64{}}
	rand.Read(s.salt[:])
	s.Hub = httptest.NewServer(http.HandlerFunc(s.serveHub))
	s.CDN = httptest.NewServer(http.HandlerFunc(s.serveCDN))
	return s
}

// URL is the Hub's address, for HF_ENDPOINT.
func (s *Server) URL() string { return s.Hub.URL }

// Close stops both servers.
func (s *Server) Close() {
	s.Hub.Close()
	s.CDN.Close()
}

// Add commits files to a repository and points rev (a branch or tag, "main"
// if empty) at the new commit, which it returns.
func (s *Server) Add(repoID, rev string, files map[string][]byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rev == "" {
		rev = "main"
	}
	r := s.repos[repoID]
	if r == nil {
		r = &repo{commits: map[string]map[string][]byte{}, refs: map[string]string{}}
		s.repos[repoID] = r
	}
	s.commits++
	h := sha1.New()
	fmt.Fprintf(h, "%x %s %d\n", s.salt, repoID, s.commits)
	for _, name := range sortedNames(files) {
		fmt.Fprintf(h, "%s %x\n", name, sha256.Sum256(files[name]))
	}
	commit := hex.EncodeToString(h.Sum(nil))
	r.commits[commit] = files
	r.refs[rev] = commit
	return commit
}

// Rename makes the old repository id redirect to the new one, as the Hub
// does for renamed repositories.
func (s *Server) Rename(oldID, newID string) {
	s.mu.Lock()
	s.renamed[oldID] = newID
	s.mu.Unlock()
}

// RequireToken makes the API and resolve URLs answer 401 unless the request
// carries "Authorization: Bearer TOKEN"; gated chooses the Hub's answer for
// a gated repository, else the one for a private repository.
func (s *Server) RequireToken(token string, gated bool) {
	s.mu.Lock()
	s.token, s.gated = token, gated
	s.mu.Unlock()
}

// CutAfter makes the next download of file (by name) send only n bytes
// and then drop the connection.
func (s *Server) CutAfter(file string, n int64) {
	s.mu.Lock()
	s.cuts[file] = n
	s.mu.Unlock()
}

// StallAfter makes the next download of file send n bytes and then
// nothing, holding the connection open until the client gives up.
func (s *Server) StallAfter(file string, n int64) {
	s.mu.Lock()
	s.stalls[file] = n
	s.mu.Unlock()
}

// Corrupt makes every download of file send one byte changed.
func (s *Server) Corrupt(file string) {
	s.mu.Lock()
	s.corrupt[file] = true
	s.mu.Unlock()
}

// ReportSize makes the resolve URL report size as the file's size
// (X-Linked-Size for LFS files) whatever its real size.
func (s *Server) ReportSize(file string, size int64) {
	s.mu.Lock()
	s.sizes[file] = size
	s.mu.Unlock()
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ReadDir reads the named files of a folder (all regular files if none are
// named) into a map for Add.
func ReadDir(dir string, names ...string) (map[string][]byte, error) {
	if len(names) == 0 {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				names = append(names, e.Name())
			}
		}
	}
	files := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		files[n] = b
	}
	return files, nil
}

// IsLFS reports whether the fake Hub stores a file with git LFS (and so
// redirects its downloads): the safetensors files, as real repositories do.
func IsLFS(name string) bool { return strings.HasSuffix(name, ".safetensors") }

// SHA256 is the LFS ETag of content.
func SHA256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// GitSHA1 is the git blob hash of content, the ETag of a non-LFS file.
func GitSHA1(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func sortedNames(files map[string][]byte) []string {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (s *Server) record(server string, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Server: server, Method: r.Method, Path: r.URL.Path, Range: r.Header.Get("Range"), Auth: r.Header.Get("Authorization")})
	s.mu.Unlock()
}

func hubError(w http.ResponseWriter, status int, code, msg string) {
	if code != "" {
		w.Header().Set("X-Error-Code", code)
	}
	w.Header().Set("X-Error-Message", msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// splitEscaped splits an escaped path into unescaped segments.
func splitEscaped(p string) ([]string, bool) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, x := range parts {
		u, err := url.PathUnescape(x)
		if err != nil {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

func (s *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	s.record("hub", r)
	parts, ok := splitEscaped(r.URL.EscapedPath())
	if !ok {
		hubError(w, 400, "", "bad path")
		return
	}
	// /api/models/ORG/NAME/revision/REV
	if len(parts) == 6 && parts[0] == "api" && parts[1] == "models" && parts[4] == "revision" && r.Method == http.MethodGet {
		s.serveAPI(w, r, parts[2]+"/"+parts[3], parts[5])
		return
	}
	// /ORG/NAME/resolve/REV/FILE...
	if len(parts) >= 5 && parts[2] == "resolve" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.serveResolve(w, r, parts[0]+"/"+parts[1], parts[3], strings.Join(parts[4:], "/"))
		return
	}
	hubError(w, 404, "", "not found")
}

// lookup finds a repository and revision, or writes the Hub's error (or a
// redirect for a renamed repository) and returns false.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, repoID, rev string) (string, map[string][]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
		if s.gated {
			hubError(w, 401, "GatedRepo", "Access to model "+repoID+" is restricted. You must have access to it and be authenticated to access it. Please log in.")
		} else {
			hubError(w, 401, "RepoNotFound", "Repository not found")
		}
		return "", nil, false
	}
	if to, ok := s.renamed[repoID]; ok {
		w.Header().Set("Location", strings.Replace(r.URL.EscapedPath(), "/"+repoID+"/", "/"+to+"/", 1))
		w.WriteHeader(http.StatusTemporaryRedirect)
		return "", nil, false
	}
	rp := s.repos[repoID]
	if rp == nil {
		hubError(w, 404, "RepoNotFound", "Repository not found")
		return "", nil, false
	}
	commit := rp.refs[rev]
	if commit == "" {
		if _, ok := rp.commits[rev]; ok {
			commit = rev
		} else if len(rev) >= 7 {
			for c := range rp.commits {
				if strings.HasPrefix(c, rev) {
					commit = c
				}
			}
		}
	}
	if commit == "" {
		hubError(w, 404, "RevisionNotFound", "Invalid rev id: "+rev)
		return "", nil, false
	}
	return commit, rp.commits[commit], true
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, repoID, rev string) {
	commit, files, ok := s.lookup(w, r, repoID, rev)
	if !ok {
		return
	}
	type lfs struct {
		SHA256 string `json:"sha256"`
		Size   int    `json:"size"`
	}
	type sibling struct {
		RFilename string `json:"rfilename"`
		Size      int    `json:"size,omitempty"`
		BlobID    string `json:"blobId,omitempty"`
		LFS       *lfs   `json:"lfs,omitempty"`
	}
	blobs := r.URL.Query().Get("blobs") != ""
	var sib []sibling
	for _, n := range sortedNames(files) {
		e := sibling{RFilename: n}
		if blobs {
			e.Size, e.BlobID = len(files[n]), GitSHA1(files[n])
			if IsLFS(n) {
				e.LFS = &lfs{SHA256: SHA256(files[n]), Size: len(files[n])}
			}
		}
		sib = append(sib, e)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"_id": "0", "id": repoID, "modelId": repoID, "sha": commit, "siblings": sib})
}

func (s *Server) serveResolve(w http.ResponseWriter, r *http.Request, repoID, rev, file string) {
	commit, files, ok := s.lookup(w, r, repoID, rev)
	if !ok {
		return
	}
	b, ok := files[file]
	if !ok {
		w.Header().Set("X-Repo-Commit", commit)
		hubError(w, 404, "EntryNotFound", file+" does not exist on \""+rev+"\"")
		return
	}
	w.Header().Set("X-Repo-Commit", commit)
	s.mu.Lock()
	size, lie := s.sizes[file]
	s.mu.Unlock()
	if !lie {
		size = int64(len(b))
	}
	if IsLFS(file) {
		sum := SHA256(b)
		w.Header().Set("X-Linked-Etag", `"`+sum+`"`)
		w.Header().Set("X-Linked-Size", fmt.Sprint(size))
		w.Header().Set("ETag", `"`+GitSHA1([]byte("version https://git-lfs.github.com/spec/v1\noid sha256:"+sum+"\n"))+`"`)
		w.Header().Set("Location", s.CDN.URL+"/blobs/"+sum+"?file="+url.QueryEscape(file))
		w.WriteHeader(http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+GitSHA1(b)+`"`)
	s.serveBytes(w, r, file, b)
}

func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	s.record("cdn", r)
	sum, ok := strings.CutPrefix(r.URL.Path, "/blobs/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	var content []byte
	for _, rp := range s.repos {
		for _, files := range rp.commits {
			for _, b := range files {
				if SHA256(b) == sum {
					content = b
				}
			}
		}
	}
	s.mu.Unlock()
	if content == nil {
		http.NotFound(w, r)
		return
	}
	s.serveBytes(w, r, r.URL.Query().Get("file"), content)
}

// serveBytes answers with content, honouring Range, and applies the
// faults set for the file.
func (s *Server) serveBytes(w http.ResponseWriter, r *http.Request, file string, content []byte) {
	s.mu.Lock()
	cut, isCut := s.cuts[file]
	if isCut && r.Method == http.MethodGet {
		delete(s.cuts, file)
	}
	stall, isStall := s.stalls[file]
	if isStall && r.Method == http.MethodGet {
		delete(s.stalls, file)
	}
	if s.corrupt[file] {
		content = bytes.Clone(content)
		content[len(content)/2] ^= 0x55
	}
	s.mu.Unlock()
	var out http.ResponseWriter = w
	if isCut && r.Method == http.MethodGet {
		out = &cutWriter{ResponseWriter: w, left: cut}
	}
	if isStall && r.Method == http.MethodGet {
		out = &cutWriter{ResponseWriter: w, left: stall, stall: r.Context().Done()}
	}
	http.ServeContent(out, r, "", time.Time{}, bytes.NewReader(content))
}

// cutWriter passes on a number of body bytes and then drops the
// connection.
type cutWriter struct {
	http.ResponseWriter
	left  int64
	stall <-chan struct{} // if set, wait for it before dropping the connection
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= c.left {
		c.left -= int64(len(p))
		return c.ResponseWriter.Write(p)
	}
	c.ResponseWriter.Write(p[:c.left])
	c.left = 0
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	if c.stall != nil {
		<-c.stall
	}
	panic(http.ErrAbortHandler)
}
