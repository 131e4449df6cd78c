package gguf

import (
	"fmt"

	"github.com/lmzip/lmzip/internal/tokenizer"
)

// Vocab reads the tokenizer.ggml.* metadata.
func (f *File) Vocab() (*tokenizer.GGMLVocab, error) {
	v := &tokenizer.GGMLVocab{UnknownID: -1}
	var err error
	var ok bool
	if v.Model, ok, err = f.String("tokenizer.ggml.model"); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("gguf: no tokenizer.ggml.model: the file has no vocabulary")
	}
	if v.Pre, _, err = f.String("tokenizer.ggml.pre"); err != nil {
		return nil, err
	}
	if v.Tokens, ok, err = f.Strings("tokenizer.ggml.tokens"); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("gguf: no tokenizer.ggml.tokens")
	}
	if v.Scores, _, err = f.Float32s("tokenizer.ggml.scores"); err != nil {
		return nil, err
	}
	if v.Types, _, err = f.Int32s("tokenizer.ggml.token_type"); err != nil {
		return nil, err
	}
	if v.Merges, _, err = f.Strings("tokenizer.ggml.merges"); err != nil {
		return nil, err
	}
	if id, ok, err := f.Uint("tokenizer.ggml.unknown_token_id"); err != nil {
		return nil, err
	} else if ok && id < uint64(len(v.Tokens)) {
		v.UnknownID = int32(id)
	}
	if b, ok, err := f.Bool("tokenizer.ggml.add_space_prefix"); err != nil {
		return nil, err
	} else if ok {
		v.AddSpacePrefix = &b
	}
	return v, nil
}

// Tokenizer builds the file's tokenizer from its vocabulary.
func (f *File) Tokenizer() (*tokenizer.Tokenizer, error) {
	v, err := f.Vocab()
	if err != nil {
		return nil, err
	}
	return tokenizer.FromGGML(v)
}

// TokenID returns the value of a tokenizer.ggml.*_token_id key (such as
// "bos") if it is present and names a token of a vocabulary of n tokens.
func (f *File) TokenID(name string, n int) (int32, bool) {
	id, ok, err := f.Uint("tokenizer.ggml." + name + "_token_id")
	if err != nil || !ok || id >= uint64(n) {
		return -1, false
	}
	return int32(id), true
}
