package tokenizer

import (
	"encoding/json"
	"fmt"
)

// A splitter cuts text into pre-tokens, the pieces that BPE then encodes one
// at a time (a pre-token is never merged with its neighbours). Each
// pre-tokenizer regular expression of the tokenizers library is one splitter
// implemented by hand; GPT-2's is in gpt2split.go. Llama 3's or Qwen 2's Split
// patterns would be added as further splitters in their own files and
// selected in newSplitter.
type splitter interface {
	// next returns the length in bytes of the pre-token at the start of
	// text, which is not empty. The result is in 1..len(text). Any byte
	// string is accepted: bytes that are not valid UTF-8 are characters of
	// their own.
	next(text []byte) int
}

// preTokenizerConfig is the part of a "pre_tokenizer" object that the
// supported pre-tokenizers use.
type preTokenizerConfig struct {
	Type           string `json:"type"`
	AddPrefixSpace bool   `json:"add_prefix_space"`
	TrimOffsets    bool   `json:"trim_offsets"`
	UseRegex       *bool  `json:"use_regex"`
}

// newSplitter builds the splitter described by a tokenizer.json
// "pre_tokenizer" object. It also reports whether the pre-tokenizer adds a
// space in front of text that does not start with one (ByteLevel's
// add_prefix_space).
func newSplitter(raw json.RawMessage) (s splitter, addPrefixSpace bool, err error) {
	if isNull(raw) {
		return nil, false, fmt.Errorf("tokenizer: no pre_tokenizer: only the ByteLevel pre-tokenizer is supported")
	}
	var cfg preTokenizerConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, false, fmt.Errorf("tokenizer: pre_tokenizer: %w", err)
	}
	switch cfg.Type {
	case "ByteLevel":
		if cfg.UseRegex != nil && !*cfg.UseRegex {
			return nil, false, fmt.Errorf("tokenizer: ByteLevel pre_tokenizer with use_regex false is not supported")
		}
		return gpt2Splitter{}, cfg.AddPrefixSpace, nil
	default:
		return nil, false, fmt.Errorf("tokenizer: pre_tokenizer type %q is not supported (only ByteLevel)", cfg.Type)
	}
}
