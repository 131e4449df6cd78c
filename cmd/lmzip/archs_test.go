package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/safetensors"
	"github.com/lmzip/lmzip/internal/testutil"
)

// archFixtures are the tiny random models of testdata/archs, one per
// architecture (two for llama).
var archFixtures = []string{"gpt2", "llama", "llama3-rope-scaling", "qwen2", "qwen3", "mistral", "phi", "phi3", "gpt_neox", "gemma", "olmo2"}

const archText = "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, " +
	"it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of Darkness, " +
	"it was the spring of hope, it was the winter of despair.\r\nWe had everything before us, we had nothing before us.\r\n"

// TestArchsRoundTrip compresses and decompresses a text from the command
// line with the tiny model of every architecture, in short segments so that
// decompression advances many of them in lockstep, and with the language
// model as the only coder.
func TestArchsRoundTrip(t *testing.T) {
	models := map[string]string{"gpt2 (published spelling)": publishedGPT2(t)}
	for _, arch := range archFixtures {
		models[arch] = testutil.Data(t, "archs", arch)
	}
	for name, m := range models {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "a.txt"), []byte(archText))
			if r := runCLI(t, dir, nil, "-q", "-m", m, "--coders", "lm", "--segment", "24", "a.txt"); r.code != 0 {
				t.Fatalf("compress: %+v", r)
			}
			if r := runCLI(t, dir, nil, "info", "a.txt.lmz"); r.code != 0 || !strings.Contains(r.stdout, filepath.Base(m)) {
				t.Fatalf("info: %+v", r)
			}
			r := runCLI(t, dir, nil, "-d", "-c", "-m", m, "a.txt.lmz")
			if r.code != 0 || r.stdout != archText {
				t.Fatalf("decompress: exit %d, %q, stderr %s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// publishedGPT2 writes the tiny GPT-2 the way OpenAI's gpt2 checkpoint on
// the Hub spells it (no "transformer." prefix, attention mask buffers) into
// a directory named gpt2 and returns it.
func publishedGPT2(t *testing.T) string {
	t.Helper()
	src := testutil.Data(t, "archs", "gpt2")
	dir := filepath.Join(t.TempDir(), "gpt2")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"config.json", "tokenizer.json"} {
		write(t, filepath.Join(dir, name), read(t, filepath.Join(src, name)))
	}
	f, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ts []*safetensors.Tensor
	for _, name := range f.Names() {
		x := *f.Tensors[name]
		x.Name = strings.TrimPrefix(x.Name, "transformer.")
		ts = append(ts, &x)
	}
	for _, layer := range []string{"0", "1"} {
		ts = append(ts,
			&safetensors.Tensor{Name: "h." + layer + ".attn.bias", DType: safetensors.F32, Shape: []int{1, 1, 64, 64}, Data: make([]byte, 4*64*64)},
			&safetensors.Tensor{Name: "h." + layer + ".attn.masked_bias", DType: safetensors.F32, Shape: []int{}, Data: []byte{0, 0x40, 0x1c, 0xc6}})
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "model.safetensors"), buf.Bytes())
	return dir
}

// TestSeedStagesGPT2 runs the seed's model stages and generation with a
// GPT-2 model directory, as the seed runs them with GPT-2 (-n names it).
func TestSeedStagesGPT2(t *testing.T) {
	model := publishedGPT2(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "t")
	text := []byte("This is just a test string.\nIt has two lines, and some more words.\n")
	os.WriteFile(f+".txt", text, 0o644)
	runCmd(t, "tokensOfStr", "-n", model, "-i", f+".txt", "-o", f+".toksout.json")
	runCmd(t, "modelToInx", "-q", "-n", model, "-w", "20", "-t", "32", "-i", f+".toksout.json", "-o", f+".ttout.json")
	runCmd(t, "rangeEncode", "-i", f+".ttout.json", "-o", f+".rangedout.json")
	runCmd(t, "binOfRange", "-i", f+".rangedout.json", "-o", f+".bin")
	runCmd(t, "binToRange", "-i", f+".bin", "-o", f+".rangedin.json")
	runCmd(t, "rangeDecode", "-i", f+".rangedin.json", "-o", f+".ttin.json")
	runCmd(t, "modelOfInx", "-q", "-n", model, "-w", "20", "-t", "32", "-i", f+".ttin.json", "-o", f+".toksin.json")
	runCmd(t, "tokensToStr", "-n", model, "-i", f+".toksin.json", "-o", f+".decomp.txt")
	sameFile(t, f+".decomp.txt", f+".txt")
	tt, _ := os.ReadFile(f + ".ttout.json")
	if !bytes.HasPrefix(tt, []byte(`{"modelName": "`+model+`", "vocabSize": 320, `)) {
		t.Errorf("ttout starts %.100s", tt)
	}

	prompt := "Once upon a time"
	os.WriteFile(f+".secret", []byte("\x9a\x07\xff\x10 hidden"), 0o644)
	runCmd(t, "generate", "-q", "-n", model, "-c", prompt, "-i", f+".secret", "-o", f+".gen.txt")
	gen, _ := os.ReadFile(f + ".gen.txt")
	if !bytes.HasPrefix(gen, []byte(prompt)) || len(gen) == len(prompt) {
		t.Fatalf("generated %q", gen)
	}
	runCmd(t, "generate", "-q", "-r", "-n", model, "-c", prompt, "-i", f+".gen.txt", "-o", f+".back")
	sameFile(t, f+".back", f+".secret")
}

// TestRunnable: lmzip models reads each config with its architecture, so
// an option lmzip lacks is reported, not only an unknown model_type.
func TestRunnable(t *testing.T) {
	tok := read(t, filepath.Join(testutil.Data(t, "archs", "phi3"), "tokenizer.json"))
	for _, arch := range archFixtures {
		cfg := read(t, filepath.Join(testutil.Data(t, "archs", arch), "config.json"))
		typ := modelType(cfg)
		if got := runnable(typ, cfg, tok); got != "yes" {
			t.Errorf("%s: %s", arch, got)
		}
	}
	longrope := []byte(`{"model_type": "phi3", "vocab_size": 320, "hidden_size": 64, "intermediate_size": 160, "num_hidden_layers": 2,
		"num_attention_heads": 4, "max_position_embeddings": 64, "rope_scaling": {"type": "longrope", "short_factor": [1], "long_factor": [1]}}`)
	if got := runnable("phi3", longrope, tok); !strings.Contains(got, `no: phi3: config.json: rope type "longrope" is not supported`) {
		t.Errorf("longrope: %s", got)
	}
}
