// Package lm bundles what lmzip needs of a language model: the network, its
// tokenizer, the token that starts every segment, and an identity (name and
// hash of the weights, config and tokenizer) that archives record.
package lm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/lmzip/lmzip/internal/gguf"
	"github.com/lmzip/lmzip/internal/hub"
	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/recipe"
	"github.com/lmzip/lmzip/internal/safetensors"
	"github.com/lmzip/lmzip/internal/tokenizer"
	"github.com/lmzip/lmzip/models"
)

// LM is a loaded language model with its tokenizer. It is safe for
// concurrent use.
type LM struct {
	// Name is the model's name: an embedded model's name, or the base
	// name of its directory or GGUF file.
	Name string
	// Hash is the SHA-256 of config.json, tokenizer.json and the weights
	// files (each preceded by its length), in that order; for a GGUF
	// model, the SHA-256 of the file.
	Hash [32]byte
	// Tokenizer maps bytes to tokens and back.
	Tokenizer *tokenizer.Tokenizer
	// Start is the token that begins every segment (the model's BOS token,
	// <|endoftext|> for GPT-2-style models).
	Start int32
	// Context is the number of positions the model attends to.
	Context int
	// MaxTokenBytes is the most text one token stands for: the length of
	// the tokenizer's longest token, and at least 4 (an unknown token
	// stands for one character).
	MaxTokenBytes int

	cfgJSON []byte
	cfg     *model.Config
	// reopen opens the checkpoint again, to build the network of another
	// recipe: it returns the tensors and what releases them, and fails if
	// the checkpoint no longer has the identity Hash.
	reopen func() (*safetensors.Set, func(), error)

	netMu sync.Mutex
	nets  map[model.Options]model.Model
}

// ID returns the short form of Hash that archives record.
func (l *LM) ID() [8]byte {
	var id [8]byte
	copy(id[:], l.Hash[:8])
	return id
}

// Network returns the network that computes probabilities by recipe r,
// with the weights held as the recipe says (r.Weights.Options). Networks
// are built from the checkpoint on first use and cached: a process that
// runs only the int8 recipe never holds the stored-precision network.
func (l *LM) Network(r *recipe.Recipe) (model.Model, error) {
	return l.network(r.Weights.Options(), r.String())
}

// Model returns the network with the weights as the checkpoint stores
// them: what the recipes that keep the weights compute with, and the
// seed's toolkit.
func (l *LM) Model() (model.Model, error) {
	return l.network(model.Options{}, "with the stored weights")
}

func (l *LM) network(opts model.Options, what string) (model.Model, error) {
	l.netMu.Lock()
	defer l.netMu.Unlock()
	if m := l.nets[opts]; m != nil {
		return m, nil
	}
	if l.reopen == nil {
		return nil, fmt.Errorf("model %s: the network %s needs the checkpoint, which cannot be reopened", l.Name, what)
	}
	set, release, err := l.reopen()
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", l.Name, err)
	}
	defer release()
	m, err := model.New(l.cfgJSON, set, &opts)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", l.Name, err)
	}
	if l.nets == nil {
		l.nets = map[model.Options]model.Model{}
	}
	l.nets[opts] = m
	return m, nil
}

// Config returns the network's configuration.
func (l *LM) Config() *model.Config { return l.cfg }

var (
	cacheMu sync.Mutex
	cache   = map[string]*LM{}
)

// Load returns the model named by spec (see Resolve): "base", "small",
// "lmzip-base", "lmzip-small" (the embedded models), the path of a Hugging
// Face model directory or of a GGUF file (llama architecture), or
// "org/name[@revision]", a model in the Hugging Face cache (the error is a
// *hub.NotCachedError when it is not there; such a model is named
// "org/name@commit"). Loaded models are cached for the life of the process.
func Load(spec string) (*LM, error) {
	src, err := Resolve(spec)
	if err != nil {
		return nil, err
	}
	var key, dir, hubName string
	switch {
	case src.Builtin != "":
		key = "embedded:" + src.Builtin
	case src.Hub != nil:
		snap, err := hub.DefaultCache().Resolve(*src.Hub)
		if err != nil {
			return nil, err
		}
		key, dir, hubName = "hub:"+snap.Name(), snap.Dir, snap.Name()
	default:
		abs, err := filepath.Abs(src.Path)
		if err != nil {
			return nil, err
		}
		key, dir = "path:"+abs, src.Path
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if l := cache[key]; l != nil {
		return l, nil
	}
	var l *LM
	switch {
	case src.Builtin != "":
		l, err = loadEmbedded(src.Builtin)
	case src.Hub == nil && isGGUF(dir):
		l, err = loadGGUF(dir)
	default:
		l, err = loadDir(dir, hubName)
	}
	if err != nil {
		return nil, err
	}
	cache[key] = l
	return l, nil
}

// Source is what a model spec names: exactly one of its fields is set.
type Source struct {
	Builtin string   // the full name of an embedded model
	Path    string   // a model directory or GGUF file
	Hub     *hub.Ref // a model in the Hugging Face cache
}

// Resolve says what a model spec names, by the rules every command shares:
//
//  1. A built-in name ("base", "small", "lmzip-base", "lmzip-small", or ""
//     for the default) always means the embedded model, whatever exists on
//     disk.
//  2. A path (starting with "/", "./", "../" or "~/", or "." or "..")
//     names a model directory or GGUF file, with "~/" expanded; so does a
//     bare file name ending in ".gguf" that exists.
//  3. "org/name[@revision]" names a model in the Hugging Face cache, unless
//     a directory of that relative path exists (as transformers'
//     from_pretrained does).
//  4. Any other spec with a path separator is a path too.
//  5. A bare word that is not a built-in name is a root-level Hub model
//     of the Hub's early days ("gpt2") if the cache holds it or it is one
//     of the best-known ones (hub.ParseLegacy); any other is an error,
//     which suggests ./WORD if such a folder exists.
func Resolve(spec string) (Source, error) {
	if spec == "" {
		spec = models.Default
	}
	if name, ok := models.Canonical(spec); ok {
		return Source{Builtin: name}, nil
	}
	if rest, ok := strings.CutPrefix(spec, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return Source{}, fmt.Errorf("model %s: %w", spec, err)
		}
		return Source{Path: filepath.Join(home, rest)}, nil
	}
	if spec == "." || spec == ".." || strings.HasPrefix(spec, "/") || strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") ||
		strings.HasSuffix(spec, ".gguf") && exists(spec) {
		return Source{Path: spec}, nil
	}
	if ref, ok := hub.ParseSpec(spec); ok && !exists(spec) {
		return Source{Hub: &ref}, nil
	}
	if strings.ContainsRune(spec, '/') || strings.ContainsRune(spec, filepath.Separator) {
		return Source{Path: spec}, nil
	}
	if ref, ok := hub.ParseLegacy(spec, hub.DefaultCache()); ok {
		return Source{Hub: &ref}, nil
	}
	msg := fmt.Sprintf("unknown model %q: the built-in models are %s; give a model directory or GGUF file as a path, or a Hugging Face model as org/name", spec, strings.Join(models.Names(), ", "))
	if isDir(spec) {
		msg += fmt.Sprintf(" (did you mean ./%s?)", spec)
	}
	return Source{}, errors.New(msg)
}

// EmbeddedByID returns the name of the embedded model whose identity starts
// with id (as archives record it), without loading the model.
func EmbeddedByID(id [8]byte) (string, bool) {
	for _, name := range models.Names() {
		h := embeddedHash(name)
		if [8]byte(h[:8]) == id {
			return name, true
		}
	}
	return "", false
}

var (
	embeddedHashMu sync.Mutex
	embeddedHashes = map[string][32]byte{}
)

// embeddedHash returns the identity hash of an embedded model.
func embeddedHash(name string) [32]byte {
	embeddedHashMu.Lock()
	defer embeddedHashMu.Unlock()
	if h, ok := embeddedHashes[name]; ok {
		return h
	}
	f, _ := models.Get(name)
	h := newHasher()
	h.add(f.Config)
	h.add(f.Tokenizer)
	h.add(f.Weights)
	embeddedHashes[name] = h.sum()
	return embeddedHashes[name]
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// isGGUF reports whether p is a file that starts with the GGUF magic.
func isGGUF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && string(magic[:]) == gguf.Magic
}

// loadGGUF loads a GGUF model. Its identity is the SHA-256 of the file.
func loadGGUF(path string) (*LM, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	defer f.Close()
	cfg, set, err := f.Checkpoint()
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	tok, err := f.Tokenizer()
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	h := sha256.New()
	if err := hashFile(h, path); err != nil {
		return nil, err
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	if err := model.Check(cfg, set); err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	l, err := build(filepath.Base(path), cfg, tok, sum)
	if err != nil {
		return nil, err
	}
	l.reopen = func() (*safetensors.Set, func(), error) {
		f, err := gguf.Open(path)
		if err != nil {
			return nil, nil, err
		}
		h := sha256.New()
		if err := hashFile(h, path); err != nil {
			f.Close()
			return nil, nil, err
		}
		if !bytes.Equal(h.Sum(nil), sum[:]) {
			f.Close()
			return nil, nil, fmt.Errorf("%s changed since it was loaded", path)
		}
		_, set, err := f.Checkpoint()
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		return set, func() { f.Close() }, nil
	}
	return l, nil
}

func hashFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

func loadEmbedded(name string) (*LM, error) {
	f, ok := models.Get(name)
	if !ok {
		return nil, fmt.Errorf("no embedded model %q (embedded: %s)", name, strings.Join(models.Names(), ", "))
	}
	st, err := safetensors.Parse(f.Weights)
	if err != nil {
		return nil, fmt.Errorf("embedded model %s: %w", name, err)
	}
	set, err := safetensors.NewSet(st)
	if err != nil {
		return nil, err
	}
	if err := model.Check(f.Config, set); err != nil {
		return nil, fmt.Errorf("embedded model %s: %w", name, err)
	}
	l, err := buildJSON(name, f.Config, f.Tokenizer, embeddedHash(name))
	if err != nil {
		return nil, err
	}
	// The weights are in the binary: the set can be parsed again at will.
	l.reopen = func() (*safetensors.Set, func(), error) {
		st, err := safetensors.Parse(f.Weights)
		if err != nil {
			return nil, nil, err
		}
		set, err := safetensors.NewSet(st)
		return set, func() {}, err
	}
	return l, nil
}

// loadDir loads a model directory; name is the model's name, the
// directory's base name if empty.
func loadDir(dir, name string) (*LM, error) {
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", dir, err)
	}
	tok, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", dir, err)
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", dir, err)
	}
	defer set.Close()
	if err := model.Check(cfg, set); err != nil {
		return nil, fmt.Errorf("model %s: %w", dir, err)
	}
	h := newHasher()
	h.add(cfg)
	h.add(tok)
	if err := hashWeights(h, dir); err != nil {
		return nil, err
	}
	if name == "" {
		abs, _ := filepath.Abs(dir)
		name = filepath.Base(abs)
	}
	sum := h.sum()
	l, err := buildJSON(name, cfg, tok, sum)
	if err != nil {
		return nil, err
	}
	l.reopen = func() (*safetensors.Set, func(), error) {
		set, err := safetensors.OpenDir(dir)
		if err != nil {
			return nil, nil, err
		}
		if now, err := DirHash(dir); err != nil || now != sum {
			set.Close()
			if err == nil {
				err = fmt.Errorf("%s changed since it was loaded", dir)
			}
			return nil, nil, err
		}
		return set, func() { set.Close() }, nil
	}
	return l, nil
}

// DirHash returns the identity (LM.Hash) of the model in a directory
// without loading it.
func DirHash(dir string) ([32]byte, error) {
	h := newHasher()
	for _, name := range []string{"config.json", "tokenizer.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return [32]byte{}, err
		}
		h.add(b)
	}
	if err := hashWeights(h, dir); err != nil {
		return [32]byte{}, err
	}
	return h.sum(), nil
}

// hashWeights adds the weights files of dir to h: model.safetensors, or the
// index and its shards in name order.
func hashWeights(h *hasher, dir string) error {
	files := []string{"model.safetensors"}
	if _, err := os.Stat(filepath.Join(dir, files[0])); err != nil {
		files = []string{"model.safetensors.index.json"}
		shards, _ := filepath.Glob(filepath.Join(dir, "*.safetensors"))
		sort.Strings(shards)
		for _, s := range shards {
			files = append(files, filepath.Base(s))
		}
	}
	for _, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err == nil {
			h.addLen(st.Size())
			_, err = io.Copy(h.h, f)
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func buildJSON(name string, cfgJSON, tokJSON []byte, hash [32]byte) (*LM, error) {
	tok, err := tokenizer.Load(tokJSON)
	if err != nil {
		return nil, fmt.Errorf("model %s: tokenizer.json: %w", name, err)
	}
	return build(name, cfgJSON, tok, hash)
}

// build returns the model of config.json cfgJSON and tokenizer tok. Its
// networks are built when first asked for (Network, Model), from the
// checkpoint that reopen gives.
func build(name string, cfgJSON []byte, tok *tokenizer.Tokenizer, hash [32]byte) (*LM, error) {
	c, err := model.ParseConfig(cfgJSON)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	if tok.VocabSize() > c.VocabSize {
		return nil, fmt.Errorf("model %s: the tokenizer has %d tokens but the model only %d", name, tok.VocabSize(), c.VocabSize)
	}
	start, err := startToken(cfgJSON, tok)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	// A token stands for at most its bytes or, when it is the unknown
	// token, one character of the text (see tokenizer.EncodeSpans).
	longest := 4
	for id := 0; id < tok.VocabSize(); id++ {
		longest = max(longest, len(tok.TokenBytes(int32(id))))
	}
	return &LM{Name: name, Hash: hash, Tokenizer: tok, Start: start, Context: c.MaxPositions, MaxTokenBytes: longest, cfgJSON: cfgJSON, cfg: c}, nil
}

// startToken picks the token that starts each segment: config.json's
// bos_token_id, else the tokenizer's <|endoftext|>.
func startToken(cfgJSON []byte, tok *tokenizer.Tokenizer) (int32, error) {
	var c struct {
		BOS *int32 `json:"bos_token_id"`
	}
	if json.Unmarshal(cfgJSON, &c) == nil && c.BOS != nil && *c.BOS >= 0 && int(*c.BOS) < tok.VocabSize() {
		return *c.BOS, nil
	}
	if id, ok := tok.TokenID("<|endoftext|>"); ok {
		return id, nil
	}
	return 0, fmt.Errorf("no start token: config.json has no bos_token_id and the tokenizer no <|endoftext|>")
}

type hasher struct {
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func newHasher() *hasher { return &hasher{h: sha256.New()} }

func (h *hasher) addLen(n int64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	h.h.Write(b[:])
}

func (h *hasher) add(b []byte) {
	h.addLen(int64(len(b)))
	h.h.Write(b)
}

func (h *hasher) sum() (s [32]byte) {
	copy(s[:], h.h.Sum(nil))
	return s
}
