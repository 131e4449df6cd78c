package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// loaded caches the tokenizers that several tests use, by path.
var loaded sync.Map // path -> *loadResult

type loadResult struct {
	once sync.Once
	tok  *Tokenizer
	err  error
}

func loadFile(t testing.TB, path string) *Tokenizer {
	t.Helper()
	v, _ := loaded.LoadOrStore(path, new(loadResult))
	r := v.(*loadResult)
	r.once.Do(func() {
		data, err := os.ReadFile(path)
		if err != nil {
			r.err = err
			return
		}
		r.tok, r.err = Load(data)
	})
	if r.err != nil {
		t.Fatalf("loading %s: %v", path, r.err)
	}
	return r.tok
}

func gpt2Path(t testing.TB) string {
	return testutil.Data(t, "tokenizers", "gpt2", "tokenizer.json")
}

func defaultPath(t testing.TB) string {
	return testutil.Repo(t, "models", "lmzip-base", "tokenizer.json")
}

// loadGPT2 returns GPT-2's tokenizer (50,257 entries).
func loadGPT2(t testing.TB) *Tokenizer { return loadFile(t, gpt2Path(t)) }

// loadDefault returns the lmzip models' tokenizer (16,384 entries).
func loadDefault(t testing.TB) *Tokenizer { return loadFile(t, defaultPath(t)) }

// loadTiny returns the 320-entry tokenizer in testdata (63 merges).
func loadTiny(t testing.TB) *Tokenizer { return loadFile(t, "testdata/tiny-tokenizer.json") }

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// diffIDs describes the first difference between two id lists, or returns "".
func diffIDs(tok *Tokenizer, got, want []int32) string {
	n := min(len(got), len(want))
	i := 0
	for i < n && got[i] == want[i] {
		i++
	}
	if i == n && len(got) == len(want) {
		return ""
	}
	lo := max(0, i-3)
	show := func(ids []int32) string {
		var b strings.Builder
		for k := lo; k < min(len(ids), i+5); k++ {
			fmt.Fprintf(&b, "%d%q ", ids[k], tok.TokenBytes(ids[k]))
		}
		return b.String()
	}
	return fmt.Sprintf("first difference at %d of %d/%d ids:\n got  %s\n want %s", i, len(got), len(want), show(got), show(want))
}

// byteLevelJSON writes a tokenizer.json for a byte-level BPE with the 256
// byte symbols (ids 0..255), then the extra vocabulary entries, then the
// merges' results, given in byte-level form ("Ġt"). opts are extra fields of
// the model object, such as `"ignore_merges": true`.
func byteLevelJSON(extra []string, merges [][2]string, added []string, preTokenizer, modelOpts string) []byte {
	vocab := map[string]int{}
	for b := 0; b < 256; b++ {
		vocab[string(byteToRune[b])] = b
	}
	addTok := func(s string) {
		if _, ok := vocab[s]; !ok {
			vocab[s] = len(vocab)
		}
	}
	for _, s := range extra {
		addTok(s)
	}
	for _, m := range merges {
		addTok(m[0] + m[1])
	}
	var addedJSON []string
	for _, s := range added {
		id := len(vocab)
		vocab[s] = id
		addedJSON = append(addedJSON, fmt.Sprintf(`{"id":%d,"content":%q,"single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}`, id, s))
	}
	vj, _ := json.Marshal(vocab)
	mj, _ := json.Marshal(merges)
	if preTokenizer == "" {
		preTokenizer = `{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true}`
	}
	if modelOpts != "" {
		modelOpts = "," + modelOpts
	}
	return []byte(fmt.Sprintf(`{"version":"1.0","added_tokens":[%s],"normalizer":null,"pre_tokenizer":%s,`+
		`"post_processor":null,"decoder":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":%s,"merges":%s%s}}`,
		strings.Join(addedJSON, ","), preTokenizer, vj, mj, modelOpts))
}
