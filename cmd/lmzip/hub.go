package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/lmzip/lmzip/internal/hub"
)

func init() {
	register(&command{
		name:    "pull",
		summary: "download a model from the Hugging Face Hub into its cache",
		usage:   "[flags] ORG/NAME[@REVISION]...",
		help: `Downloads what lmzip needs of a model on the Hugging Face Hub into the
Hugging Face cache, where transformers and huggingface_hub find it too, and
where lmzip -m ORG/NAME finds it with no network. REVISION is a branch, a
tag or a commit hash (default: main); the cache records which commit it was.

Only these files are fetched: config.json, tokenizer.json, the safetensors
weights (model.safetensors, or model.safetensors.index.json and its shards)
and generation_config.json if there is one. Files already in the cache are
not fetched again. An interrupted download resumes where it stopped (the
partial file waits in blobs/ with the suffix .incomplete); every file is
checked against the size and hash the Hub reports, and a file that does not
match is discarded.

Environment (as for huggingface_hub):
  HF_HUB_CACHE    the cache (default: HF_HOME/hub, else ~/.cache/huggingface/hub)
  HF_ENDPOINT     the Hub's address (default https://huggingface.co)
  HF_TOKEN        an access token, for private and gated models
  HF_HUB_OFFLINE  1: never touch the network, use only the cache

Examples:
  lmzip pull HuggingFaceTB/SmolLM2-135M
  lmzip pull openai-community/gpt2@main
  lmzip -m HuggingFaceTB/SmolLM2-135M book.txt
`,
		run: runPull,
	})
}

func runPull(args []string) int {
	c := commands["pull"]
	fs := &flagSet{}
	var quiet, noProg bool
	fs.boolVar(&quiet, 'q', "quiet", "print nothing but errors")
	fs.boolVar(&noProg, 0, "no-progress", "do not draw a progress bar")
	specs, code, ok := parseFlags(c, fs, args)
	if !ok {
		return code
	}
	if len(specs) == 0 {
		return usageError("pull: name a model, as in: lmzip pull ORG/NAME[@REVISION]")
	}
	var refs []hub.Ref
	for _, s := range specs {
		ref, ok := hub.ParseSpec(s)
		if !ok {
			return usageError("pull: %q is not a Hugging Face model name (ORG/NAME or ORG/NAME@REVISION)", s)
		}
		refs = append(refs, ref)
	}
	exit := exitOK
	for _, ref := range refs {
		res, err := pullModel(newHubClient(), ref, quiet, noProg)
		if err != nil {
			report(ref.String(), err)
			exit = exitError
			continue
		}
		if !quiet {
			s := res.Snapshot
			if res.Offline {
				fmt.Printf("%s: in the cache (HF_HUB_OFFLINE is set, so the Hub was not asked for a newer revision)\n  %s\n", s.Name(), s.Dir)
			} else if res.Reused == len(res.Files) {
				fmt.Printf("%s: %d files, all already in the cache\n  %s\n", s.Name(), len(res.Files), s.Dir)
			} else {
				fmt.Printf("%s: %d files, %s downloaded, %d already in the cache\n  %s\n", s.Name(), len(res.Files), humanBytes(res.Downloaded), res.Reused, s.Dir)
			}
		}
	}
	return exit
}

// newHubClient returns a Hub client configured from the environment.
func newHubClient() *hub.Client {
	c := hub.NewClient()
	c.UserAgent = "lmzip/" + version
	return c
}

// pullModel pulls a model, drawing a progress bar per file on a terminal,
// and notes on standard error when lmzip cannot run what it got.
func pullModel(c *hub.Client, ref hub.Ref, quiet, noProg bool) (*hub.PullResult, error) {
	var bar *progress
	current := ""
	c.Progress = func(file string, done, total int64) {
		if file != current {
			bar.finish()
			current = file
			bar = newProgress("pull "+ref.Repo+" "+file, total, !quiet && !noProg)
			bar.from = done
		}
		bar.update(done)
	}
	res, err := c.Pull(context.Background(), ref)
	bar.finish()
	if err != nil {
		return nil, err
	}
	if d := describeDir(res.Snapshot.Dir); d.runs != "yes" && !quiet {
		fmt.Fprintf(os.Stderr, "lmzip: note: %s cannot be used yet: %s\n", res.Snapshot.Name(), d.runs)
	}
	return res, nil
}

// ensureHubModel downloads a Hub model named on the command line when it is
// not in the cache yet (unless HF_HUB_OFFLINE is set), saying so on standard
// error. Anything that is not such a model is left to lm.Load.
func ensureHubModel(spec string, quiet, noProg bool) error {
	ref, ok := hub.ParseSpec(spec)
	if !ok {
		return nil
	}
	if _, err := os.Stat(spec); err == nil {
		return nil // a directory of that name comes first
	}
	_, err := hub.DefaultCache().Resolve(ref)
	var nc *hub.NotCachedError
	if !errors.As(err, &nc) {
		return nil // found, or an error lm.Load will report
	}
	c := newHubClient()
	if c.Offline {
		return &hub.OfflineError{Err: err}
	}
	if !quiet {
		fmt.Fprintf(os.Stderr, "lmzip: %s is not in the Hugging Face cache (%s); downloading it from %s\n", ref, c.Cache.Dir, c.Endpoint)
	}
	if _, err := pullModel(c, ref, quiet, noProg); err != nil {
		return fmt.Errorf("download of %s failed: %w", ref, err)
	}
	return nil
}
