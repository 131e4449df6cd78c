package lmzip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRecordedName(t *testing.T) {
	commit := strings.Repeat("ab", 20)
	hub := "HuggingFaceTB/SmolLM2-135M@" + commit // 67 bytes
	long := strings.Repeat("é", 40)               // 80 bytes, two per character
	for _, c := range []struct {
		name string
		n    int64
		want string
	}{
		{"lmzip-base", 0, "lmzip-base"},
		{hub, 0, "HuggingFaceTB/SmolLM2-135M@ab"[:28]},
		{hub, 12000, "HuggingFaceTB/SmolLM2-135M@" + commit[:12]},
		{hub, 39000, hub},
		{"org/tiny@" + commit, 0, "org/tiny@" + commit[:12]},
		{long, 0, strings.Repeat("é", 14)},
		{long, 1000, strings.Repeat("é", 14) + ""},
		{long, 2000, strings.Repeat("é", 15)},
		{long, 1 << 40, long},
	} {
		got := recordedName(c.name, c.n)
		if got != c.want {
			t.Errorf("recordedName(%q, %d) = %q, want %q", c.name, c.n, got, c.want)
		}
		if len(got) > minRecordedName+int(c.n/1000) || !utf8.ValidString(got) {
			t.Errorf("recordedName(%q, %d) = %q: over budget or cut inside a character", c.name, c.n, got)
		}
	}
}
