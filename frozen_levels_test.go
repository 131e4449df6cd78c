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
	size int // bytes of the input
}

func frozenCases() []frozenCase {
	var cases []frozenCase
	for lv := 1; lv < len(levels); lv++ {
		// Several short lanes, so that the lanes advance in lockstep and
		// the mixer carries over from block to block.
		cases = append(cases, frozenCase{fmt.Sprintf("level-%d", lv), &Options{Level: lv, Recipe: RecipeFloat16, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, 1200})
	}
	// The int8 recipe (the default since these were frozen) on the levels
	// with lanes of both models.
	for _, lv := range []int{3, 6} {
		cases = append(cases, frozenCase{fmt.Sprintf("int8-level-%d", lv), &Options{Level: lv, Recipe: RecipeInt8, LaneTokens: 80, SegmentTokens: 100, GroupSegments: 2}, 1200})
	}
	all := Scheme{Orders: 4, Match: true, Bias: true, Scale: true}
	shift, recompute := all, all
	shift.Window, shift.Keep = 64, 16
	recompute.Window, recompute.Keep, recompute.Recompute = 64, 16, true
	cases = append(cases,
		frozenCase{"slide-shift", &Options{Model: "small", Recipe: RecipeFloat16, Scheme: &shift, LaneTokens: 150, GroupSegments: 4}, 2000},
		frozenCase{"slide-recompute", &Options{Model: "small", Recipe: RecipeFloat16, Scheme: &recompute, LaneTokens: 150, GroupSegments: 4}, 2000},
		frozenCase{"int8-slide-shift", &Options{Model: "small", Recipe: RecipeInt8, Scheme: &shift, LaneTokens: 150, GroupSegments: 4}, 2000},
		frozenCase{"int8-slide-recompute", &Options{Model: "small", Recipe: RecipeInt8, Scheme: &recompute, LaneTokens: 150, GroupSegments: 4}, 2000})
	return cases
}

func TestFrozenLevels(t *testing.T) {
	input, err := os.ReadFile(testutil.Data(t, "frozen", "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range frozenCases() {
		input := input[:c.size]
		t.Run(c.name, func(t *testing.T) {
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
			info, err := Inspect(bytes.NewReader(arc))
			if err != nil {
				t.Fatal(err)
			}
			if info.Segments["lm"] < 2 {
				t.Fatalf("the archive has %d language-model lanes; it should exercise lockstep decoding", info.Segments["lm"])
			}
		})
	}
}
