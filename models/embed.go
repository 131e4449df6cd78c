// Package models embeds lmzip's two default language models, lmzip-base and
// lmzip-small (see MODEL_CARD.md), so that the lmzip binary works with no
// download and no network.
package models

import (
	_ "embed"
	"sort"
	"unsafe"
)

// Files are the files of an embedded model directory.
type Files struct {
	Config    []byte // config.json
	Tokenizer []byte // tokenizer.json
	Weights   []byte // model.safetensors (read-only memory: never write to it)
}

var (
	//go:embed lmzip-base/config.json
	baseConfig string
	//go:embed lmzip-base/tokenizer.json
	baseTokenizer string
	//go:embed lmzip-base/model.safetensors
	baseWeights string

	//go:embed lmzip-small/config.json
	smallConfig string
	//go:embed lmzip-small/tokenizer.json
	smallTokenizer string
	//go:embed lmzip-small/model.safetensors
	smallWeights string
)

// bytesOf returns the bytes of an embedded string without copying them.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

var embedded = map[string]Files{
	"lmzip-base":  {bytesOf(baseConfig), bytesOf(baseTokenizer), bytesOf(baseWeights)},
	"lmzip-small": {bytesOf(smallConfig), bytesOf(smallTokenizer), bytesOf(smallWeights)},
}

// Default is the name of the model lmzip uses unless told otherwise.
const Default = "lmzip-base"

// Get returns the files of an embedded model by its full name
// ("lmzip-base") or short name ("base").
func Get(name string) (Files, bool) {
	if f, ok := embedded[name]; ok {
		return f, true
	}
	f, ok := embedded["lmzip-"+name]
	return f, ok
}

// Canonical returns the full name of an embedded model given its full or
// short name, and whether it exists.
func Canonical(name string) (string, bool) {
	if _, ok := embedded[name]; ok {
		return name, true
	}
	if _, ok := embedded["lmzip-"+name]; ok {
		return "lmzip-" + name, true
	}
	return "", false
}

// Names lists the embedded models.
func Names() []string {
	var n []string
	for k := range embedded {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
