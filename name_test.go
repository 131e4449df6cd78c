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
		{long, 1 << 20, long},
	} {
		budget := 28 + int(c.n/1000)
		got := recordedName(c.name, budget)
		if got != c.want {
			t.Errorf("recordedName(%q, %d) = %q, want %q", c.name, budget, got, c.want)
		}
		if len(got) > budget || !utf8.ValidString(got) {
			t.Errorf("recordedName(%q, %d) = %q: over budget or cut inside a character", c.name, budget, got)
		}
	}
}

// The name budget leaves room for the header, a stored run and the end
// record in both format versions.
func TestNameBudget(t *testing.T) {
	v1 := Header{Version: formatPlain, Recipe: 2, SegmentTokens: 1024, GroupSegments: 16}
	v2 := v1
	v2.Version, v2.Scheme = FormatVersion, Levels()[DefaultLevel].Scheme
	for _, h := range []Header{v1, v2} {
		for _, n := range []int64{0, 100, 4096, 1 << 20} {
			h.Model = strings.Repeat("m", nameBudget(h, n))
			total := len(h.append(nil)) + maxStoredHeader + 1 + uvarintLen(uint64(n)) + 4
			if total > growthSlack+int(n/1000) {
				t.Errorf("version %d, %d bytes: header, stored run and end record take %d bytes", h.Version, n, total)
			}
		}
	}
	for _, h := range []Header{v1, v2} {
		if b := nameBudget(h, 0); b < len("lmzip-small") {
			t.Errorf("format %d records only %d bytes of name for empty input", h.Version, b)
		}
	}
}
