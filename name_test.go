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

// The names recorded leave room for the header, a stored run and the end
// record in every format version, with and without a second model, with
// dynamic evaluation and a primer; every
// level records its built-in model's name whole even for empty input.
func TestNameBudget(t *testing.T) {
	v1 := Header{Version: formatPlain, Recipe: 2, SegmentTokens: 1024, GroupSegments: 16}
	v2, v2second := v1, v1
	v2.Version, v2.Scheme = formatLanes, Levels()[5].Scheme
	v2second.Version, v2second.Scheme = formatLanes, Levels()[DefaultLevel].Scheme
	v2second.Scheme.SecondID = [8]byte{1}
	v3 := v2second
	v3.Version, v3.Scheme.AdaptRate, v3.Scheme.AdaptEvery = formatExt, 3e-4, 8
	primed := v3 // the most a scheme records: its own learning, a second model and a primer
	primed.Scheme.Primer = 1
	for _, h := range []Header{v1, v2, v2second, v3, primed} {
		for _, n := range []int64{0, 100, 4096, 1 << 20} {
			for _, second := range []string{"lmzip-small", strings.Repeat("s", 300)} {
				g := h
				if g.Scheme.HasSecond() {
					g.Scheme.Second = second
				}
				recordNames(&g, strings.Repeat("m", 200), n)
				total := len(g.append(nil)) + maxStoredHeader + 1 + uvarintLen(uint64(n)) + 4
				if total > growthSlack+int(n/1000) {
					t.Errorf("version %d (second model %v), %d bytes: header, stored run and end record take %d bytes", h.Version, h.Scheme.HasSecond(), n, total)
				}
			}
		}
	}
	for lv := 1; lv < len(levels); lv++ {
		h := v1
		if s := levels[lv].Scheme; !s.Plain() {
			h.Version, h.Scheme = formatLanes, s
			if s.Adapts() {
				h.Version = formatExt
			}
			h.Scheme.SecondID = [8]byte{1}
		}
		name := "lmzip-" + levels[lv].Model
		recordNames(&h, name, 0)
		if h.Model != name {
			t.Errorf("level %d records %q of its model's name for empty input", lv, h.Model)
		}
	}
}
