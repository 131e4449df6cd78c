package gguf

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
	"github.com/lmzip/lmzip/internal/tokenizer"
)

// tokenizerJSON writes a Hugging Face tokenizer.json for a GGUF vocabulary,
// as transformers' converters would: for a SentencePiece vocabulary the
// Llama layout (Prepend and Replace normalizers, no pre-tokenizer, merges
// from the scores as SentencePieceExtractor orders them, byte fallback);
// for a byte-level one the given pre-tokenizer.
func tokenizerJSON(t *testing.T, v *tokenizer.GGMLVocab, preTokenizer string) []byte {
	vocab := make(map[string]int, len(v.Tokens))
	for id, s := range v.Tokens {
		if v.Model == "gpt2" && v.Types[id] != tokenizer.GGMLNormal {
			continue // added tokens only
		}
		if _, dup := vocab[s]; !dup {
			vocab[s] = id
		}
	}
	type added struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		Special    bool   `json:"special"`
		Normalized bool   `json:"normalized"`
	}
	var addedTokens []added
	for id, ty := range v.Types {
		if ty == tokenizer.GGMLControl || ty == tokenizer.GGMLUserDefined || (ty == tokenizer.GGMLUnknown && v.Model == "llama") {
			addedTokens = append(addedTokens, added{ID: id, Content: v.Tokens[id], Special: ty != tokenizer.GGMLUserDefined})
		}
	}
	model := map[string]any{"type": "BPE", "vocab": vocab}
	f := map[string]any{"version": "1.0", "added_tokens": addedTokens}
	if v.Model == "llama" {
		type cand struct {
			l, r  string
			score float32
		}
		var merges []cand
		for id, s := range v.Tokens {
			var local []cand
			for k := 1; k < len(s); k++ {
				if _, ok := vocab[s[:k]]; !ok {
					continue
				}
				if _, ok := vocab[s[k:]]; ok {
					local = append(local, cand{s[:k], s[k:], v.Scores[id]})
				}
			}
			sort.SliceStable(local, func(i, j int) bool {
				a, b := local[i], local[j]
				return vocab[a.l] < vocab[b.l] || vocab[a.l] == vocab[b.l] && vocab[a.r] < vocab[b.r]
			})
			merges = append(merges, local...)
		}
		sort.SliceStable(merges, func(i, j int) bool { return merges[i].score > merges[j].score })
		pairs := make([][2]string, len(merges))
		for i, m := range merges {
			pairs[i] = [2]string{m.l, m.r}
		}
		model["merges"], model["byte_fallback"], model["fuse_unk"], model["unk_token"] = pairs, true, true, "<unk>"
		f["normalizer"] = json.RawMessage(`{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]}`)
		f["pre_tokenizer"] = nil
		f["decoder"] = json.RawMessage(`{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]}`)
	} else {
		pairs := make([][2]string, len(v.Merges))
		for i, m := range v.Merges {
			k := strings.IndexByte(m[1:], ' ') + 1
			pairs[i] = [2]string{m[:k], m[k+1:]}
		}
		model["merges"] = pairs
		f["normalizer"] = nil
		f["pre_tokenizer"] = json.RawMessage(preTokenizer)
		f["decoder"] = json.RawMessage(`{"type":"ByteLevel"}`)
	}
	f["model"] = model
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// splitSequence is a pre_tokenizer that splits with each pattern in turn,
// then maps bytes (ByteLevel without its own pattern): how the DeepSeek
// tokenizer.json files are written.
func splitSequence(patterns ...string) string {
	var parts []string
	for _, p := range patterns {
		b, _ := json.Marshal(p)
		parts = append(parts, `{"type":"Split","pattern":{"Regex":`+string(b)+`},"behavior":"Isolated","invert":false}`)
	}
	parts = append(parts, `{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":false}`)
	return `{"type":"Sequence","pretokenizers":[` + strings.Join(parts, ",") + `]}`
}

// TestVocabsAsTokenizerJSON loads each vocabulary through a tokenizer.json
// written the way its family publishes one, and runs llama.cpp's test
// vectors through Load's reading of normalizers, pre-tokenizers and merges.
func TestVocabsAsTokenizerJSON(t *testing.T) {
	gpt2 := `{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}`
	pre := map[string]string{
		"gpt-2": gpt2,
		"mpt":   gpt2,
		// Falcon's own tokenizer.json: punctuation runs, GPT-2's pattern,
		// digit runs and groups of three digits, the last two seen
		// through the byte-level alphabet.
		"falcon": `{"type":"Sequence","pretokenizers":[{"type":"Punctuation","behavior":"contiguous"},` + gpt2 +
			`,{"type":"Digits","individual_digits":false},{"type":"Split","pattern":{"Regex":"[0-9][0-9][0-9]"},"behavior":"Isolated","invert":false}]}`,
		"starcoder":      `{"type":"Sequence","pretokenizers":[{"type":"Digits","individual_digits":true},` + gpt2 + `]}`,
		"refact":         `{"type":"Sequence","pretokenizers":[{"type":"Digits","individual_digits":true},` + gpt2 + `]}`,
		"deepseek-coder": splitSequence(`[\r\n]`, `\s?\p{L}+`, `\s?\p{P}+`, `[一-龥ࠀ-一가-퟿]+`, `\p{N}`),
		"deepseek-llm":   splitSequence(ggmlPatterns(t, "deepseek-llm")...),
	}
	for _, name := range vocabNames {
		t.Run(name, func(t *testing.T) {
			f, err := Parse(repairedVocab(t, name))
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.Vocab()
			if err != nil {
				t.Fatal(err)
			}
			if v.Model != "llama" && pre[name] == "" {
				t.Fatalf("no pre-tokenizer for %s", name)
			}
			tok, err := tokenizer.Load(tokenizerJSON(t, v, pre[name]))
			if err != nil {
				t.Fatal(err)
			}
			inputs, ids := readVocabTests(t, testutil.Data(t, "tokenizers", "ggml-vocab", "ggml-vocab-"+name+".gguf"))
			for i, s := range inputs {
				if d := diff(tok, tok.EncodeWithSpecial([]byte(s)), ids[i]); d != "" {
					t.Errorf("input %d %q: %s", i, s, d)
				}
			}
		})
	}
}

func ggmlPatterns(t *testing.T, pre string) []string {
	p, ok := tokenizer.GGMLPrePatterns(pre)
	if !ok {
		t.Fatalf("no patterns for %q", pre)
	}
	return p
}
