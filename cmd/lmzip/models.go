package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/lmzip/lmzip"
	"github.com/lmzip/lmzip/internal/hub"
	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/safetensors"
	"github.com/lmzip/lmzip/internal/tokenizer"
	"github.com/lmzip/lmzip/models"
)

func init() {
	register(&command{
		name:    "models",
		summary: "list the built-in models and those in the Hugging Face cache",
		usage:   "",
		help: `Lists the models built into this lmzip binary and every model revision in
the Hugging Face cache (HF_HUB_CACHE, else HF_HOME/hub, else
~/.cache/huggingface/hub), with its architecture (config.json's model_type),
its number of parameters (read from the safetensors headers, without loading
the weights), its size on disk (all files of that revision) and whether lmzip
can run it. Use a cached model with lmzip -m ORG/NAME or -m ORG/NAME@REVISION.
`,
		run: runModels,
	})
}

// modelDesc describes a model for the models command.
type modelDesc struct {
	arch   string
	params int64 // -1 if unknown
	size   int64
	runs   string // "yes", or "no: why"
}

func runModels(args []string) int {
	fs := &flagSet{}
	rest, code, ok := parseFlags(commands["models"], fs, args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		return usageError("models takes no arguments")
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tREVISION\tARCH\tPARAMS\tSIZE\tRUNS")
	for _, name := range models.Names() {
		f, _ := models.Get(name)
		d := describeEmbedded(f)
		if name == lmzip.DefaultModel {
			name += " (default)"
		}
		fmt.Fprintf(tw, "%s\tbuilt in\t%s\t%s\t%s\t%s\n", name, d.arch, humanCount(d.params), humanBytes(d.size), d.runs)
	}
	cache := hub.DefaultCache()
	repos, err := cache.List()
	n := 0
	for _, r := range repos {
		for _, s := range r.Snapshots {
			d := describeDir(s.Dir)
			rev := s.Commit[:12]
			if len(s.Refs) > 0 {
				rev = strings.Join(s.Refs, ",") + " " + rev
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Repo, rev, d.arch, humanCount(d.params), humanBytes(d.size), d.runs)
			n++
		}
	}
	tw.Flush()
	if err != nil {
		fmt.Fprintf(os.Stderr, "lmzip: the Hugging Face cache %s: %v\n", cache.Dir, err)
		return exitError
	}
	plural := "s"
	if n == 1 {
		plural = ""
	}
	fmt.Printf("\nHugging Face cache: %s (%d model revision%s)\n", cache.Dir, n, plural)
	return exitOK
}

func describeEmbedded(f models.Files) modelDesc {
	d := modelDesc{params: -1, size: int64(len(f.Config) + len(f.Tokenizer) + len(f.Weights))}
	d.arch = modelType(f.Config)
	if st, err := safetensors.Parse(f.Weights); err == nil {
		d.params = 0
		for name, t := range st.Tensors {
			if !isBuffer(name) {
				d.params += int64(t.Elements())
			}
		}
	}
	d.runs = runnable(d.arch, f.Config, f.Tokenizer)
	return d
}

// describeDir describes a model directory (a cache snapshot) without
// loading its weights.
func describeDir(dir string) modelDesc {
	d := modelDesc{params: -1, arch: "?"}
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				d.size += st.Size()
			}
		}
		return nil
	})
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err == nil {
		d.arch = modelType(cfg)
	}
	d.params = countParams(dir)
	if err := hub.CheckModel(dir); err != nil {
		d.runs = "no: " + err.Error()
		return d
	}
	tok, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		d.runs = "no: " + err.Error()
		return d
	}
	d.runs = runnable(d.arch, cfg, tok)
	return d
}

// modelType reads config.json's model_type.
func modelType(cfg []byte) string {
	var c struct {
		ModelType string `json:"model_type"`
	}
	if json.Unmarshal(cfg, &c) != nil || c.ModelType == "" {
		return "?"
	}
	return c.ModelType
}

// runnable says whether lmzip has the architecture, accepts the config
// (its options and sizes) and reads the tokenizer.
func runnable(arch string, cfg, tok []byte) string {
	if !slices.Contains(model.Architectures(), arch) {
		return fmt.Sprintf("no: model_type %s is not supported (supported: %s)", arch, strings.Join(model.Architectures(), ", "))
	}
	if _, err := model.ParseConfig(cfg); err != nil {
		return "no: " + err.Error()
	}
	if _, err := tokenizer.Load(tok); err != nil {
		return "no: tokenizer.json: " + err.Error()
	}
	return "yes"
}

// countParams adds up the elements of the tensors in a directory's
// safetensors weights (model.safetensors, or the index's shards), reading
// only the headers. It returns -1 if there are none or they are unreadable.
func countParams(dir string) int64 {
	files := []string{filepath.Join(dir, "model.safetensors")}
	if _, err := os.Stat(files[0]); err != nil {
		shards, err := hub.IndexShards(filepath.Join(dir, "model.safetensors.index.json"))
		if err != nil {
			return -1
		}
		files = files[:0]
		for _, s := range shards {
			files = append(files, filepath.Join(dir, s))
		}
	}
	var n int64
	for _, f := range files {
		infos, err := safetensors.ReadHeader(f)
		if err != nil {
			return -1
		}
		for _, t := range infos {
			if e := t.Elements(); e >= 0 && !isBuffer(t.Name) {
				n += e
			}
		}
	}
	return n
}

// isBuffer reports tensors that checkpoints store but that are not
// parameters: GPT-2's causal masks (attn.bias, attn.masked_bias) and the
// rotary frequencies older Llama checkpoints carry.
func isBuffer(name string) bool {
	for _, s := range []string{".attn.bias", ".attn.masked_bias", "rotary_emb.inv_freq"} {
		if strings.HasSuffix(name, s) || name == strings.TrimPrefix(s, ".") {
			return true
		}
	}
	return false
}

// humanCount writes a parameter count as people do: 135 M, 1.24 B.
func humanCount(n int64) string {
	switch {
	case n < 0:
		return "?"
	case n >= 1e9:
		return fmt.Sprintf("%.2f B", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f M", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f K", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
