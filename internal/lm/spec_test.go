package lm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuiltinNamesWinOverDirectories checks the -m SPEC rules: a built-in
// name means the embedded model even when a folder of that name exists; a
// path means a directory; a bare unknown word is an error that suggests
// ./WORD when such a folder exists.
func TestBuiltinNamesWinOverDirectories(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, name := range []string{"small", "base", "lmzip-small", "lmzip-base", "mymodel"} {
		if err := os.Mkdir(name, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(name, "config.json"), []byte("{}"), 0o644)
	}
	for _, spec := range []string{"small", "lmzip-small"} {
		l, err := Load(spec)
		if err != nil {
			t.Fatalf("Load(%q) with a folder of that name: %v", spec, err)
		}
		if l.Name != "lmzip-small" {
			t.Fatalf("Load(%q) = %s, want the built-in lmzip-small", spec, l.Name)
		}
	}
	if _, err := Load("./small"); err == nil {
		t.Fatal(`Load("./small") loaded something from a folder with no model`)
	}
	_, err := Load("mymodel")
	if err == nil || !strings.Contains(err.Error(), "./mymodel") {
		t.Fatalf(`Load("mymodel"): %v (want an error suggesting ./mymodel)`, err)
	}
	if _, err := Load("nosuchmodel"); err == nil || !strings.Contains(err.Error(), "lmzip-base") {
		t.Fatalf(`Load("nosuchmodel"): %v (want an error listing the built-in models)`, err)
	}
	os.WriteFile("tiny.gguf", []byte("GGUF"), 0o644)
	if err := os.MkdirAll("org/dir", 0o755); err != nil {
		t.Fatal(err)
	}
	for spec, want := range map[string]struct {
		builtin, path, hub string
	}{
		"base":          {"lmzip-base", "", ""},
		"lmzip-base":    {"lmzip-base", "", ""},
		"./base":        {"", "./base", ""},
		"/x/y":          {"", "/x/y", ""},
		"a/b/c":         {"", "a/b/c", ""},
		".":             {"", ".", ""},
		"..":            {"", "..", ""},
		"tiny.gguf":     {"", "tiny.gguf", ""},
		"org/dir":       {"", "org/dir", ""}, // a directory of that relative path wins
		"org/name":      {"", "", "org/name"},
		"org/name@main": {"", "", "org/name@main"},
	} {
		src, err := Resolve(spec)
		hub := ""
		if src.Hub != nil {
			hub = src.Hub.Repo
			if src.Hub.Revision != "" {
				hub += "@" + src.Hub.Revision
			}
		}
		if err != nil || src.Builtin != want.builtin || src.Path != want.path || hub != want.hub {
			t.Errorf("Resolve(%q) = %+v, %v; want %+v", spec, src, err, want)
		}
	}
	if _, err := Resolve("missing.gguf"); err == nil {
		t.Error(`Resolve("missing.gguf") accepted a bare name that is no file`)
	}
	home, _ := os.UserHomeDir()
	if src, err := Resolve("~/m"); home != "" && (err != nil || src.Path != filepath.Join(home, "m")) {
		t.Errorf(`Resolve("~/m") = %+v, %v`, src, err)
	}
}

// TestEmbeddedID finds a built-in model by the id an archive records.
func TestEmbeddedID(t *testing.T) {
	l, err := Load("small")
	if err != nil {
		t.Fatal(err)
	}
	name, ok := EmbeddedByID(l.ID())
	if !ok || name != "lmzip-small" {
		t.Fatalf("EmbeddedByID(%x) = %q, %v", l.ID(), name, ok)
	}
	if _, ok := EmbeddedByID([8]byte{1, 2, 3}); ok {
		t.Fatal("a made-up id matched a built-in model")
	}
}
