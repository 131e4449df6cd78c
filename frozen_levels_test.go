package lmzip

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// Frozen archives of every compression level, and of sliding windows (by
// shift and by recompute) on a window small enough for a short input. Each
// is decoded, and the input compressed again must give the same bytes, so
// that a change to the arithmetic of the mixer, its models or the sliding
// of the cache cannot pass unnoticed (old archives must keep decoding: such
// a change is a new scheme). -frozen.add writes the missing ones.
type frozenCase struct {
	name string
	opt  *Options
	size int    // bytes of the input
	file string // the input, in testdata/frozen; "" means input.txt
	cm   bool   // the archive must have context-mixing lanes
	// primer: the archive must be primed with this primer (0: none)
	primer int
}

// frozenScheme is level lv's scheme as it was when its frozen archive was
// made: with version 1 of the context-mixing model, no second model, no
// dynamic evaluation, and levels 8 and 9 keeping 512 and 768 positions.
func frozenScheme(lv int) *Scheme {
	s := levels[lv].Scheme
	s.CM, s.Second, s.AdaptRate, s.AdaptEvery = 0, "", 0, 0
	if keep, ok := map[int]int{8: 512, 9: 768}[lv]; ok {
		s.Keep = keep
	}
	return &s
}

// cm2Scheme is level lv's scheme as it was with version 2 of the
// context-mixing model, before levels had a second model.
func cm2Scheme(lv int) *Scheme {
	s := levels[lv].Scheme
	s.Second = ""
	return &s
}

func frozenCases() []frozenCase {
	var cases []frozenCase
	for lv := 1; lv < len(levels); lv++ {
		// Several short lanes, so that the lanes advance in lockstep and
		// the mixer carries over from block to block.
		cases = append(cases, frozenCase{name: fmt.Sprintf("level-%d", lv), opt: &Options{Level: lv, Scheme: frozenScheme(lv), Recipe: RecipeFloat16, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, size: 1200})
	}
	// The int8 recipe (the default since these were frozen) on the levels
	// with lanes of both models.
	for _, lv := range []int{3, 6} {
		cases = append(cases, frozenCase{name: fmt.Sprintf("int8-level-%d", lv), opt: &Options{Level: lv, Scheme: frozenScheme(lv), Recipe: RecipeInt8, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, size: 1200})
	}
	// Version 2 of the context-mixing model (the levels' since), on text
	// of which the context-mixing coder takes some lanes.
	for _, lv := range []int{3, 6} {
		cases = append(cases, frozenCase{name: fmt.Sprintf("cm2-level-%d", lv), opt: &Options{Level: lv, Scheme: cm2Scheme(lv), Recipe: RecipeInt8, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, size: 2100, file: "mixed.txt", cm: true})
	}
	// The levels with a second model, as they are now: each level's own
	// scheme, on plain text and on text the context-mixing coder shares
	// (below, both models' caches sliding by shift and by recompute).
	cases = append(cases, frozenCase{name: "second-level-6", opt: &Options{Level: 6, Recipe: RecipeInt8, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, size: 1200})
	cases = append(cases, frozenCase{name: "second-cm-level-6", opt: &Options{Level: 6, Recipe: RecipeInt8, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, size: 2100, file: "mixed.txt", cm: true})
	// and version 1 on the same text.
	cases = append(cases, frozenCase{name: "cm1-level-6", opt: &Options{Level: 6, Scheme: frozenScheme(6), Recipe: RecipeInt8, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, size: 2100, file: "mixed.txt", cm: true})
	all := Scheme{Orders: 4, Match: true, Bias: true, Scale: true}
	shift, recompute := all, all
	shift.Window, shift.Keep = 64, 16
	recompute.Window, recompute.Keep, recompute.Recompute = 64, 16, true
	cases = append(cases,
		frozenCase{name: "slide-shift", opt: &Options{Model: "small", Recipe: RecipeFloat16, Scheme: &shift, LaneTokens: 150, GroupSegments: 4}, size: 2000},
		frozenCase{name: "slide-recompute", opt: &Options{Model: "small", Recipe: RecipeFloat16, Scheme: &recompute, LaneTokens: 150, GroupSegments: 4}, size: 2000},
		frozenCase{name: "int8-slide-shift", opt: &Options{Model: "small", Recipe: RecipeInt8, Scheme: &shift, LaneTokens: 150, GroupSegments: 4}, size: 2000},
		frozenCase{name: "int8-slide-recompute", opt: &Options{Model: "small", Recipe: RecipeInt8, Scheme: &recompute, LaneTokens: 150, GroupSegments: 4}, size: 2000})
	// Two models sliding their windows, by shift and by recompute.
	shift2, recompute2 := shift, recompute
	shift2.Second, recompute2.Second = "small", "small"
	cases = append(cases,
		frozenCase{name: "second-slide-shift", opt: &Options{Model: "base", Recipe: RecipeInt8, Scheme: &shift2, LaneTokens: 100, GroupSegments: 4}, size: 1000},
		frozenCase{name: "second-slide-recompute", opt: &Options{Model: "base", Recipe: RecipeFloat16, Scheme: &recompute2, LaneTokens: 100, GroupSegments: 4}, size: 1000})
	// Dynamic evaluation: level 8's own scheme, and the small model in 8
	// lanes learning every 24 steps (more rows a step than the backward
	// pass's logits hold at once) while its window slides.
	cases = append(cases, frozenCase{name: "adapt-level-8", opt: &Options{Level: 8, Recipe: RecipeInt8, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, size: 1200})
	adapt := shift
	adapt.AdaptRate, adapt.AdaptEvery = 3e-4, 24
	cases = append(cases, frozenCase{name: "adapt-slide-shift", opt: &Options{Model: "small", Recipe: RecipeFloat16, Scheme: &adapt, LaneTokens: 60, GroupSegments: 8}, size: 2000})
	// A primer: level 6 as it is now on the end of an ebook, whose
	// licence the writer primes the mixer with.
	cases = append(cases, frozenCase{name: "primer-level-6", opt: &Options{Level: 6, Recipe: RecipeInt8, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, size: 2300, file: "gutenberg.txt", primer: 1})
	return cases
}

// shortFrozen are the cases the tiers that rebuild the kernels (plain Go,
// GOAMD64=v3: go test -short) decode: every recipe, both models, a second
// model, sliding by shift and by recompute, and learning. The other cases
// differ in the mixer and the context-mixing coder, which no kernel runs.
var shortFrozen = map[string]bool{
	"level-1": true, "level-6": true, "int8-level-6": true, "second-level-6": true,
	"slide-shift": true, "int8-slide-recompute": true, "second-slide-shift": true,
	"adapt-level-8": true, "adapt-slide-shift": true,
}

func TestFrozenLevels(t *testing.T) {
	names := map[string]bool{}
	for _, c := range frozenCases() {
		names[c.name] = true
	}
	for name := range shortFrozen {
		if !names[name] {
			t.Fatalf("shortFrozen names %q, which is no case: the kernel tiers would skip it unseen", name)
		}
	}
	for _, c := range frozenCases() {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && !shortFrozen[c.name] {
				t.Skip("not one of the kernel tiers' cases (shortFrozen)")
			}
			file := c.file
			if file == "" {
				file = "input.txt"
			}
			input, err := os.ReadFile(testutil.Data(t, "frozen", file))
			if err != nil {
				t.Fatal(err)
			}
			input = input[:c.size]
			path := filepath.Join(testutil.Data(t, "frozen"), c.name+".lmz")
			arc, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) && *addFrozen {
				if arc, err = Compress(input, c.opt); err != nil {
					t.Fatal(err)
				}
				if err = os.WriteFile(path, arc, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s (%d bytes)", path, len(arc))
			}
			if err != nil {
				t.Fatalf("no frozen archive (go test -run TestFrozenLevels -frozen.add .): %v", err)
			}
			got, err := Decompress(arc, nil)
			if err != nil {
				t.Fatalf("%s no longer decodes: %v", path, err)
			}
			if !bytes.Equal(got, input) {
				t.Fatalf("%s decodes to different bytes", path)
			}
			info, err := Inspect(bytes.NewReader(arc))
			if err != nil {
				t.Fatal(err)
			}
			if info.Segments["lm"] < 2 {
				t.Fatalf("the archive has %d language-model lanes; it should exercise lockstep decoding", info.Segments["lm"])
			}
			if info.Scheme.Primer != c.primer {
				t.Fatalf("the archive is primed with primer %d, want %d", info.Scheme.Primer, c.primer)
			}
			if c.cm && info.Segments["cm"] < 1 {
				t.Fatalf("the archive has no context-mixing lanes; it should exercise the context-mixing model")
			}
			// The kernel tiers (-short): decoding proves their
			// probabilities are the archive's; compressing again is the
			// full tier's check of the writer.
			if testing.Short() {
				return
			}
			// Compressing again, with one thread (the archive was made
			// with two), gives the same bytes.
			for _, threads := range []int{1} {
				old := SetThreads(threads)
				again, err := Compress(input, c.opt)
				SetThreads(old)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again, arc) {
					t.Fatalf("compressing again with %d threads gives %d bytes that differ from the frozen %s (%d bytes): the arithmetic changed", threads, len(again), path, len(arc))
				}
			}
			if c.cm {
				// The writer's context-mixing model taking the meter's
				// state after every block without context-mixing lanes
				// (not only long ones) must give the same archive.
				old := copyCMMin
				copyCMMin = 0
				again, err := Compress(input, c.opt)
				copyCMMin = old
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again, arc) {
					t.Fatalf("with the meter's state copied after every block, the archive differs from the frozen %s", path)
				}
			}
		})
	}
}
