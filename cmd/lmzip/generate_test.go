package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestGenerateCommand(t *testing.T) {
	dir := t.TempDir()
	prompt := "Complete a long poem about green trees."
	for i, in := range [][]byte{{}, []byte("\x00\x00\x00"), []byte("\x9a\x07\xff\x10")} {
		f := filepath.Join(dir, string(rune('a'+i)))
		os.WriteFile(f+".bin", in, 0o644)
		runCmd(t, "generate", "-q", "-n", "small", "-c", prompt, "-i", f+".bin", "-o", f+".txt")
		text, _ := os.ReadFile(f + ".txt")
		if !bytes.HasPrefix(text, []byte(prompt)) || len(text) == len(prompt) {
			t.Fatalf("generated %q", text)
		}
		runCmd(t, "generate", "-q", "-r", "-n", "small", "-c", prompt, "-i", f+".txt", "-o", f+".back")
		sameFile(t, f+".back", f+".bin")
	}
	// A text without the prompt is refused.
	os.WriteFile(filepath.Join(dir, "x.txt"), []byte("Nothing to see."), 0o644)
	if run([]string{"generate", "-q", "-r", "-n", "small", "-c", prompt, "-i", filepath.Join(dir, "x.txt"), "-o", filepath.Join(dir, "x.back")}) == exitOK {
		t.Error("generate -r accepted a text without the prompt")
	}
}
