package gguf

import (
	"os"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// FuzzParse checks that Parse never panics, hangs or allocates much beyond
// the input on a damaged or hostile file, and that what it accepts can be
// read: metadata accessors, tensors (converted when small), the vocabulary
// and the llama checkpoint, each giving a value or an error. Seed corpus:
// testdata/fuzz/FuzzParse, a file with every kind of value, and the header
// of stories260K.gguf with its vocabulary.
func FuzzParse(f *testing.F) {
	f.Add(sample())
	stories, err := os.ReadFile(testutil.Data(f, "gguf", "stories260K.gguf"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(stories[:14176]) // the metadata and tensor descriptions
	tiny := buildGGUF(2, []KV{
		kv("general.architecture", vStr("llama")),
		kv("llama.context_length", vU32(8)),
		kv("llama.embedding_length", vU32(4)),
		kv("llama.block_count", vU32(1)),
		kv("llama.feed_forward_length", vU32(4)),
		kv("llama.attention.head_count", vU32(2)),
		kv("tokenizer.ggml.model", vStr("llama")),
		kv("tokenizer.ggml.tokens", vStrs([]string{"<unk>", "▁", "a", "▁a"})),
		kv("tokenizer.ggml.scores", vF32s([]float32{0, -1, -2, -3})),
		kv("tokenizer.ggml.token_type", vI32s([]int32{2, 1, 1, 1})),
	}, []*Tensor{{Name: "token_embd.weight", Type: F32, Dims: []int{4, 4}, Data: make([]byte, 64)}})
	f.Add(tiny)
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err != nil {
			return
		}
		for _, kv := range file.KVs {
			file.Uint(kv.Key)
			file.Float(kv.Key)
			file.Int32s(kv.Key)
			kv.Value.Len()
		}
		for _, tt := range file.Tensors {
			if len(tt.Data) < 1<<16 {
				if v, err := tt.Float32(); err == nil && len(v) != tt.Elements() {
					t.Fatalf("tensor %q: %d values for %d elements", tt.Name, len(v), tt.Elements())
				}
			}
		}
		if tok, err := file.Tokenizer(); err == nil {
			in := []byte("Hello, wörld \xff 123")
			ids, ends := tok.EncodeSpans(in)
			if len(ends) != len(ids) || (len(ends) > 0 && ends[len(ends)-1] != len(in)) {
				t.Fatalf("spans %v do not cover the input", ends)
			}
			tok.EncodeWithSpecial(in)
		}
		file.Checkpoint()
	})
}
