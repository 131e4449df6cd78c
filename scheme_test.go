package lmzip

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/cm"
	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/primer"
	"github.com/lmzip/lmzip/internal/testutil"
)

// TestSchemeCMVersion: the context-mixing model's version is recorded in
// bits 4-6 of the scheme's flags, 0 meaning version 1 (so archives of
// version 1 keep their bytes); versions from 8 on escape to a uvarint; a
// version newer than this lmzip implements is refused with a message that
// says to upgrade; plain coding always uses version 1.
func TestSchemeCMVersion(t *testing.T) {
	read := func(b []byte) (Scheme, error) { return readScheme(bufio.NewReader(bytes.NewReader(b)), formatLanes) }
	old := Scheme{Window: 1024, Keep: 256, Orders: 4, Match: true, Bias: true, Scale: true}
	one, v2 := old, old
	one.CM, v2.CM = cm.Version1, cm.Version2
	b0, b1, b2 := old.append(nil, formatLanes), one.append(nil, formatLanes), v2.append(nil, formatLanes)
	last := len(b0) - 1
	if !bytes.Equal(b0, b1) || len(b2) != len(b0) || !bytes.Equal(b0[:last], b2[:last]) || b2[last] != b0[last]|1<<4 {
		t.Fatalf("scheme bytes: version 1 %x and %x, version 2 %x", b0, b1, b2)
	}
	for _, s := range []Scheme{old, v2} {
		got, err := read(s.append(nil, formatLanes))
		if err != nil || got != s {
			t.Errorf("read %+v back as %+v, %v", s, got, err)
		}
	}
	flags := func(field byte, tail ...byte) []byte {
		return append(append(bytes.Clone(b0[:last]), b0[last]|field<<4), tail...)
	}
	upgrade := func(err error) bool {
		return err != nil && !errors.Is(err, ErrFormat) && strings.Contains(err.Error(), "upgrade lmzip")
	}
	if _, err := read(flags(byte(cm.LatestVersion))); !upgrade(err) {
		t.Errorf("version %d: %v, want an error that says to upgrade", cm.LatestVersion+1, err)
	}
	if _, err := read(flags(7, 9)); !upgrade(err) {
		t.Errorf("version 9 (escaped): %v, want an error that says to upgrade", err)
	}
	if _, err := read(flags(7, 2)); !errors.Is(err, ErrFormat) {
		t.Errorf("version 2 escaped: %v, want a format error", err)
	}
	if _, err := read(append(bytes.Clone(b0[:last]), b0[last]|0x80)); !errors.Is(err, ErrFormat) {
		t.Errorf("flag bit 7: %v, want a format error", err)
	}
	big := old
	big.CM = 9
	if b := big.append(nil, formatLanes); len(b) != len(b0)+1 || b[last]>>4 != 7 || b[last+1] != 9 {
		t.Errorf("version 9 written as %x", b)
	}
	for lv := 1; lv < len(levels); lv++ {
		s := levels[lv].Scheme
		want := cm.LatestVersion
		if s.Plain() {
			want = 0 // version 1 archives have no scheme
		}
		if s.CM != want {
			t.Errorf("level %d uses context-mixing version %d, want %d", lv, s.CM, want)
		}
	}

	// A plain scheme asking for version 2 still codes with version 1,
	// which is what its archive's reader uses.
	text := bytes.Repeat([]byte("%A Clancey, W.J.\n%D 1979\n%T Tutoring rules\n"), 40)
	arc, err := Compress(text, &Options{Model: "small", Scheme: &Scheme{CM: cm.Version2}, Coders: []string{"cm"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Decompress(arc, nil); err != nil || !bytes.Equal(got, text) {
		t.Errorf("plain scheme with version 2: round trip failed: %v", err)
	}
}

// TestSchemeSecond: a second model's name and identity follow the flags
// (bit 7) and read back; a record cut short is a format error; a
// level's second model goes with the level's own model only; an archive
// whose second model is not available says which it needs.
func TestSchemeSecond(t *testing.T) {
	read := func(b []byte) (Scheme, error) { return readScheme(bufio.NewReader(bytes.NewReader(b)), formatLanes) }
	s := levels[6].Scheme
	s.Second, s.SecondID = "lmzip-small", [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	b := s.append(nil, formatLanes)
	without := s
	without.Second, without.SecondID = "", [8]byte{}
	b0 := without.append(nil, formatLanes)
	if len(b) != len(b0)+1+len(s.Second)+8 || b[len(b0)-1] != b0[len(b0)-1]|0x80 {
		t.Fatalf("scheme with a second model written as %x (without: %x)", b, b0)
	}
	if got, err := read(b); err != nil || got != s {
		t.Fatalf("read %+v back as %+v, %v", s, got, err)
	}
	for n := len(b0); n < len(b); n++ {
		if _, err := read(b[:n]); !errors.Is(err, ErrFormat) {
			t.Errorf("cut to %d of %d bytes: %v, want a format error", n, len(b), err)
		}
	}

	// Bit 7 with neither name nor identity, and a name over the bound,
	// are format errors.
	none := append(bytes.Clone(b0[:len(b0)-1]), b0[len(b0)-1]|0x80, 0)
	none = append(none, make([]byte, 8)...)
	if _, err := read(none); !errors.Is(err, ErrFormat) {
		t.Errorf("a second model with neither name nor identity: %v, want a format error", err)
	}
	long := binary.AppendUvarint(append(bytes.Clone(b0[:len(b0)-1]), b0[len(b0)-1]|0x80), maxNameLen+1)
	if _, err := read(append(long, make([]byte, maxNameLen+9)...)); !errors.Is(err, ErrFormat) {
		t.Errorf("a second model's name of %d bytes: %v, want a format error", maxNameLen+1, err)
	}

	// A second model a reader could not find by itself (not built in) is
	// refused, as is one with another vocabulary, and one for plain coding.
	dir := levels[6].Scheme
	dir.Second = tinyModel(t)
	if _, err := Compress([]byte("text"), &Options{Scheme: &dir}); err == nil || !strings.Contains(err.Error(), "not built in") {
		t.Errorf("a second model from a directory: %v, want a refusal", err)
	}
	small := levels[6].Scheme
	if _, err := Compress([]byte("text"), &Options{Model: tinyModel(t), Scheme: &small}); err == nil || !strings.Contains(err.Error(), "vocabulary") {
		t.Errorf("a second model with another vocabulary: %v, want a refusal", err)
	}
	if _, err := Compress([]byte("text"), &Options{Scheme: &Scheme{Second: "small"}}); err == nil {
		t.Error("a second model for plain coding was accepted")
	}

	// No input grows past the bound with a second model's record.
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, lv := range []int{6, 9} {
		for _, n := range []int{0, 1, 127, 128, 999, 3000} {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(rnd.Uint32())
			}
			arc, err := Compress(data, &Options{Level: lv})
			if err != nil {
				t.Fatal(err)
			}
			if len(arc) > n+growthSlack+n/1000*growthPerMille {
				t.Errorf("level %d: %d random bytes grew to %d", lv, n, len(arc))
			}
			if got, err := Decompress(arc, nil); err != nil || !bytes.Equal(got, data) {
				t.Errorf("level %d, %d random bytes: round trip: %v", lv, n, err)
			}
		}
	}

	// A short input's archive leaves the second model's name out (its
	// identity remains) and still decodes.
	short := []byte("It was the best of times.\n")
	arc, err := Compress(short, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := readHeader(bufio.NewReader(bytes.NewReader(arc))); err != nil {
		t.Fatal(err)
	} else if !h.Scheme.HasSecond() || h.Scheme.Second != "" {
		t.Errorf("short input: second model %q (present %v); want present without a name", h.Scheme.Second, h.Scheme.HasSecond())
	}
	if got, err := Decompress(arc, nil); err != nil || !bytes.Equal(got, short) {
		t.Errorf("short input: round trip: %v", err)
	}

	text := bytes.Repeat([]byte("It was the best of times, it was the worst of times, it was the age of wisdom.\n"), 200)
	// The level's model by any name, or a directory of the same model,
	// keeps the second model; another model drops it.
	for model, want := range map[string]string{"": "lmzip-small", "lmzip-base": "lmzip-small", "models/lmzip-base": "lmzip-small", "small": ""} {
		arc, err := Compress(text, &Options{Model: model})
		if err != nil {
			t.Fatal(err)
		}
		h, err := readHeader(bufio.NewReader(bytes.NewReader(arc)))
		if err != nil {
			t.Fatal(err)
		}
		if h.Scheme.Second != want {
			t.Errorf("model %q at the default level: second model %q, want %q", model, h.Scheme.Second, want)
		}
		if got, err := Decompress(arc, nil); err != nil || !bytes.Equal(got, text) {
			t.Errorf("model %q: round trip: %v", model, err)
		}
		// -m names the first model only.
		if got, err := Decompress(arc, &ReaderOptions{Model: "models/lmzip-" + map[bool]string{true: "small", false: "base"}[want == ""]}); err != nil || !bytes.Equal(got, text) {
			t.Errorf("model %q decoded with -m: %v", model, err)
		}
		if want == "" {
			continue
		}
		// The same archive naming a second model that is not built in, and
		// naming lmzip-small, each with an identity no model has (a
		// built-in model is also found by its identity, whatever the name).
		for _, name := range []string{"lmzip-tiny", "lmzip-small"} {
			bad := bytes.Replace(arc, append([]byte{byte(len(want))}, want...), append([]byte{byte(len(name))}, name...), 1)
			i := bytes.Index(bad, []byte(name)) + len(name)
			bad[i] ^= 1
			if _, err := Decompress(bad, nil); !errors.Is(err, ErrWrongModel) || !strings.Contains(err.Error(), "second model") || !strings.Contains(err.Error(), "not built into") {
				t.Errorf("second model %s altered: %v, want an error about the wrong second model", name, err)
			}
		}
	}
}

// TestSchemeAdapt checks the dynamic evaluation record of version 3
// schemes: it round trips, a scheme without it writes version 2's bytes,
// and a record cut short, with unknown extension bits, or with a rate or
// interval out of bounds is a format error; a writer refuses such a
// scheme, and drops the level's dynamic evaluation for a model that
// cannot learn.
func TestSchemeAdapt(t *testing.T) {
	read := func(b []byte, v int) (Scheme, error) { return readScheme(bufio.NewReader(bytes.NewReader(b)), v) }
	s := levels[8].Scheme
	if !s.Adapts() {
		t.Fatal("level 8 does not learn")
	}
	s.SecondID = [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	b := s.append(nil, formatExt)
	if got, err := read(b, formatExt); err != nil || got != s {
		t.Fatalf("read %+v back as %+v, %v", s, got, err)
	}
	plain := s
	plain.AdaptRate, plain.AdaptEvery = 0, 0
	b2 := plain.append(nil, formatLanes)
	if b3 := plain.append(nil, formatExt); !bytes.Equal(b3, append(bytes.Clone(b2), 0)) {
		t.Errorf("version 3 without extensions: %x, want version 2's %x and 0", b3, b2)
	}
	if got, err := read(append(bytes.Clone(b2), 0), formatExt); err != nil || got != plain {
		t.Errorf("version 3 without extensions read as %+v, %v", got, err)
	}
	if len(b) != len(b2)+1 || b[len(b)-1] != extAdapt {
		t.Errorf("the levels' dynamic evaluation written as %x (version 2 without it: %x)", b, b2)
	}
	own := s
	own.AdaptRate, own.AdaptEvery = 3e-4, 8
	if got, err := read(own.append(nil, formatExt), formatExt); err != nil || got != own {
		t.Errorf("read %+v back as %+v, %v", own, got, err)
	}
	b = own.append(nil, formatExt)
	for n := len(b2); n < len(b); n++ {
		if _, err := read(b[:n], formatExt); !errors.Is(err, ErrFormat) {
			t.Errorf("cut to %d of %d bytes: %v, want a format error", n, len(b), err)
		}
	}
	bad := func(ext uint64, rate float32, every uint64) []byte {
		x := binary.AppendUvarint(bytes.Clone(b2), ext)
		x = binary.LittleEndian.AppendUint32(x, math.Float32bits(rate))
		return binary.AppendUvarint(x, every)
	}
	for name, x := range map[string][]byte{
		"bits 0 and 1":         bad(3, 1e-4, 32),
		"bits 0, 1 and primer": bad(7, 1e-4, 32),
		"rate 0":               bad(2, 0, 32),
		"rate NaN":             bad(2, float32(math.NaN()), 32),
		"rate -1e-4":           bad(2, -1e-4, 32),
		"rate 0.5":             bad(2, 0.5, 32),
		"every 0":              bad(2, 1e-4, 0),
		"every 7":              bad(2, 1e-4, 7),
		"every 65":             bad(2, 1e-4, 65),
		"every too many":       bad(2, 1e-4, maxLaneTokens+1),
	} {
		if _, err := read(x, formatExt); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want a format error", name, err)
		}
	}
	// A later lmzip's extension: not corrupt, newer.
	if _, err := read(bad(8|2, 1e-4, 32), formatExt); err == nil || errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "upgrade") {
		t.Errorf("extension bit 3: %v, want a refusal saying to upgrade", err)
	}
	for _, every := range []uint64{8, 64} {
		if _, err := read(bad(2, 1e-4, every), formatExt); err != nil {
			t.Errorf("every %d: %v", every, err)
		}
	}
	rec := own
	rec.Recompute = true
	if _, err := read(rec.append(nil, formatExt), formatExt); !errors.Is(err, ErrFormat) {
		t.Errorf("dynamic evaluation with recomputing windows: %v, want a format error", err)
	}
	// The writer.
	for name, sc := range map[string]Scheme{
		"every 4":   {Window: 64, Keep: 16, AdaptRate: 1e-4, AdaptEvery: 4},
		"every 100": {Window: 64, Keep: 16, AdaptRate: 1e-4, AdaptEvery: 100},
		"rate 1":    {Window: 64, Keep: 16, AdaptRate: 1, AdaptEvery: 32},
		"plain":     {AdaptRate: 1e-4, AdaptEvery: 32},
		"no rate":   {Window: 64, Keep: 16, AdaptEvery: 32},
		"recompute": {Window: 64, Keep: 16, Recompute: true, AdaptRate: 1e-4, AdaptEvery: 32},
	} {
		if _, err := NewWriter(io.Discard, &Options{Model: "small", Scheme: &sc}); err == nil || !strings.Contains(err.Error(), "dynamic evaluation") {
			t.Errorf("%s: %v, want a refusal of the dynamic evaluation", name, err)
		}
	}
	// A scheme that asks a model that cannot learn to learn is refused (a
	// level's learning is dropped instead, below).
	asked := Scheme{Window: 64, Keep: 16, AdaptRate: 1e-4, AdaptEvery: 32}
	if _, err := NewWriter(io.Discard, &Options{Model: testutil.Data(t, "archs", "gpt2"), Scheme: &asked}); err == nil || !strings.Contains(err.Error(), "cannot learn") {
		t.Errorf("GPT-2 asked to learn: %v", err)
	}
	gpt2 := testutil.Data(t, "archs", "gpt2")
	llama := testutil.Data(t, "archs", "llama")
	for _, tc := range []struct {
		model string
		want  int
	}{{gpt2, formatLanes}, {llama, formatExt}} {
		text := bytes.Repeat([]byte("the cat sat on the mat. "), 40)
		arc, err := Compress(text, &Options{Level: 8, Model: tc.model, LaneTokens: 50})
		if err != nil {
			t.Fatal(err)
		}
		h, err := readHeader(bufio.NewReader(bytes.NewReader(arc)))
		if err != nil {
			t.Fatal(err)
		}
		if h.Version != tc.want || h.Scheme.Adapts() != (tc.want == formatExt) {
			t.Errorf("level 8 with %s: version %d, scheme %v", filepath.Base(tc.model), h.Version, h.Scheme)
		}
		got, err := Decompress(arc, &ReaderOptions{Model: tc.model})
		if err != nil || !bytes.Equal(got, text) {
			t.Errorf("level 8 with %s: round trip %v", filepath.Base(tc.model), err)
		}
	}
}

// TestSchemePrimer checks the primer record of version 3 schemes: it
// round trips alone and after dynamic evaluation's, a record cut short,
// primer 0 or a primer without the match model is a format error, and a
// primer this lmzip lacks is refused with a message to upgrade; a writer
// refuses such schemes.
func TestSchemePrimer(t *testing.T) {
	read := func(b []byte) (Scheme, error) { return readScheme(bufio.NewReader(bytes.NewReader(b)), formatExt) }
	for _, level := range []int{6, 8} {
		s := levels[level].Scheme
		s.SecondID = [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
		s.Primer = 1
		own := s
		if own.Adapts() {
			own.AdaptRate, own.AdaptEvery = 3e-4, 8
		}
		for _, sc := range []Scheme{s, own} {
			b := sc.append(nil, formatExt)
			if got, err := read(b); err != nil || got != sc {
				t.Fatalf("read %+v back as %+v, %v", sc, got, err)
			}
			if !strings.Contains(sc.String(), "primer(1 gutenberg)") {
				t.Errorf("String() = %q, no primer", sc.String())
			}
			without := sc
			without.Primer = 0
			n := len(without.append(nil, formatExt))
			for m := n; m < len(b); m++ {
				if _, err := read(b[:m]); !errors.Is(err, ErrFormat) {
					t.Errorf("level %d cut to %d of %d bytes: %v, want a format error", level, m, len(b), err)
				}
			}
		}
	}
	s := levels[6].Scheme
	s.SecondID = [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	with := func(sc Scheme, id uint64) []byte {
		b := sc.append(nil, formatLanes)
		b = binary.AppendUvarint(b, extPrimer)
		return binary.AppendUvarint(b, id)
	}
	if _, err := read(with(s, 0)); !errors.Is(err, ErrFormat) {
		t.Errorf("primer 0: %v, want a format error", err)
	}
	noMatch := s
	noMatch.Match = false
	if _, err := read(with(noMatch, 1)); !errors.Is(err, ErrFormat) {
		t.Errorf("a primer without the match model: %v, want a format error", err)
	}
	if _, err := read(with(s, 99)); err == nil || errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "upgrade") {
		t.Errorf("primer 99: %v, want a refusal saying to upgrade", err)
	}
	// The writer.
	for name, sc := range map[string]Scheme{
		"unknown":  {Window: 64, Keep: 16, Match: true, Primer: 99},
		"no match": {Window: 64, Keep: 16, Orders: 2, Primer: 1},
		"plain":    {Primer: 1},
	} {
		if _, err := NewWriter(io.Discard, &Options{Model: "small", Scheme: &sc}); err == nil || !strings.Contains(err.Error(), "primer") {
			t.Errorf("%s: %v, want a refusal of the primer", name, err)
		}
	}
}

// TestWriterPrimer: a writer primes a level with the match model when
// its input carries Project Gutenberg's licence, which then costs much
// less, and not when the input does not carry it or it is told not to;
// every archive decodes.
func TestWriterPrimer(t *testing.T) {
	p, _ := primer.Lookup(1)
	i := bytes.Index(p.Text, []byte("1.F.3. LIMITED RIGHT"))
	lic := bytes.ReplaceAll(p.Text[i:i+3000], []byte("\n"), []byte("\r\n")) // as ebooks are stored
	alice, err := os.ReadFile(testutil.Data(t, "corpora", "canterbury", "alice29.txt"))
	if err != nil {
		t.Fatal(err)
	}
	prose := alice[20000:23000]
	book := append(bytes.Clone(prose), lic...)
	sizes := map[string]int{}
	for _, c := range []struct {
		name     string
		text     []byte
		noPrimer bool
		want     int
	}{
		{"book", book, false, 1},
		{"book, no primer", book, true, 0},
		{"prose", prose, false, 0},
	} {
		arc, err := Compress(c.text, &Options{Level: 3, NoPrimer: c.noPrimer})
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(bytes.NewReader(arc), nil)
		if err != nil {
			t.Fatal(err)
		}
		h := r.Header()
		if h.Scheme.Primer != c.want || (h.Version == formatExt) != (c.want != 0) {
			t.Errorf("%s: version %d, primer %d; want primer %d", c.name, h.Version, h.Scheme.Primer, c.want)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, c.text) {
			t.Errorf("%s: round trip: %v", c.name, err)
		}
		sizes[c.name] = len(arc)
	}
	if sizes["book"] > sizes["book, no primer"]*3/4 {
		t.Errorf("the licence primed: %d bytes, not primed %d: want a quarter less at least", sizes["book"], sizes["book, no primer"])
	}
	// A scheme's own primer is used whatever the input; a writer whose
	// model may code nothing chooses none.
	own := levels[3].Scheme
	own.Primer = 1
	for _, c := range []struct {
		name string
		opt  *Options
		want int
	}{
		{"the scheme's primer", &Options{Model: "small", Scheme: &own}, 1},
		{"no language model", &Options{Level: 3, Coders: []string{"cm", "raw"}}, 0},
	} {
		text := prose
		if c.want == 0 {
			text = book
		}
		arc, err := Compress(text, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		info, err := Inspect(bytes.NewReader(arc))
		if err != nil {
			t.Fatal(err)
		}
		if info.Scheme.Primer != c.want {
			t.Errorf("%s: primer %d, want %d", c.name, info.Scheme.Primer, c.want)
		}
		if got, err := Decompress(arc, nil); err != nil || !bytes.Equal(got, text) {
			t.Errorf("%s: round trip: %v", c.name, err)
		}
	}
}

// TestPrimerLater: the reader learns the primer before the first block
// the model codes, the writer before the first block; a stored block
// before it changes nothing, and members primed and not, concatenated,
// each decode, on one thread and two.
func TestPrimerLater(t *testing.T) {
	p, _ := primer.Lookup(1)
	i := bytes.Index(p.Text, []byte("1.F.3. LIMITED RIGHT"))
	lic := bytes.ReplaceAll(p.Text[i:i+2500], []byte("\n"), []byte("\r\n"))
	noise := make([]byte, 3000)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	text := append(noise, lic...)
	opt := &Options{Level: 2, GroupSegments: 1, SegmentTokens: 300, LaneTokens: 300}
	arc, err := Compress(text, opt)
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(bytes.NewReader(arc))
	if err != nil {
		t.Fatal(err)
	}
	if info.Scheme.Primer != 1 || info.Stored < 1 || info.Segments["lm"] < 2 {
		t.Fatalf("primer %d, %d stored blocks, %d language-model lanes: want a primed archive whose first block is stored", info.Scheme.Primer, info.Stored, info.Segments["lm"])
	}
	plain, err := Compress(noise[:200], &Options{Level: 3})
	if err != nil {
		t.Fatal(err)
	}
	all := slices.Concat(arc, plain, arc)
	want := slices.Concat(text, noise[:200], text)
	for _, threads := range []int{1, 2} {
		old := SetThreads(threads)
		got, err := Decompress(all, nil)
		SetThreads(old)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%d threads: the members decode to %d bytes (want %d): %v", threads, len(got), len(want), err)
		}
	}
}

// TestPrimerTokens pins the tokens of each primer under each built-in
// model's tokenizer: a primed archive depends on them, so a change to how
// the tokenizer splits text that alters them is a format change.
func TestPrimerTokens(t *testing.T) {
	want := map[string]string{
		"base/1":  "c625ab691acebb94af7f99ea558d9037d632253cff9aa1945992064a7aff34ab",
		"small/1": "c625ab691acebb94af7f99ea558d9037d632253cff9aa1945992064a7aff34ab", // the same tokenizer
	}
	for _, m := range []string{"base", "small"} {
		l, err := lm.Load(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range primer.All() {
			h := sha256.New()
			for _, tok := range l.Tokenizer.Encode(p.Text) {
				binary.Write(h, binary.LittleEndian, tok)
			}
			key := fmt.Sprintf("%s/%d", m, p.ID)
			if got := fmt.Sprintf("%x", h.Sum(nil)); got != want[key] {
				t.Errorf("%s: the primer's tokens hash to %s, want %s", key, got, want[key])
			}
		}
	}
}
