package lmzip

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/lmzip/lmzip/internal/recipe"
	"github.com/lmzip/lmzip/internal/testutil"
)

// Frozen archives: one per numeric recipe, made once with the input beside
// them and never regenerated. A change to the kernels, Exp, the quantizer
// or the cache that alters any probability of a recipe makes its archive
// fail to decode here. Adding a recipe means adding its archive:
//
//	go test -run TestFrozenArchives -frozen.add .
//
// writes the archives that are missing and never touches existing ones.
var addFrozen = flag.Bool("frozen.add", false, "write the frozen archives of recipes that have none")

// frozenOptions are the settings the frozen archives were made with: small
// segments and blocks, so that a few kilobytes give several blocks, a
// group of segments decoded in lockstep, and more than one coder.
func frozenOptions(id int) *Options {
	return &Options{Model: "small", Level: 1, Recipe: id, SegmentTokens: 128, GroupSegments: 4}
}

func frozenPath(t *testing.T, id int) string {
	return filepath.Join(testutil.Data(t, "frozen"), fmt.Sprintf("recipe-%d.lmz", id))
}

func TestFrozenArchives(t *testing.T) {
	input, err := os.ReadFile(testutil.Data(t, "frozen", "input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recipe.All() {
		t.Run(r.Name, func(t *testing.T) {
			if testing.Short() && r.ID == RecipeFloat16 {
				t.Skip("the kernel tiers (-short) decode float16 caches in TestFrozenLevels")
			}
			path := frozenPath(t, r.ID)
			arc, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) && *addFrozen {
				if arc, err = Compress(input, frozenOptions(r.ID)); err != nil {
					t.Fatal(err)
				}
				if err = os.WriteFile(path, arc, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s (%d bytes)", path, len(arc))
			}
			if err != nil {
				t.Fatalf("recipe %s has no frozen archive (go test -run TestFrozenArchives -frozen.add .): %v", r, err)
			}
			h, err := NewReader(bytes.NewReader(arc), nil)
			if err != nil {
				t.Fatal(err)
			}
			if h.Header().Recipe != r.ID {
				t.Fatalf("%s records recipe %d, want %d", path, h.Header().Recipe, r.ID)
			}
			got, err := Decompress(arc, nil)
			if err != nil {
				t.Fatalf("recipe %s no longer decodes its frozen archive: %v", r, err)
			}
			if !bytes.Equal(got, input) {
				t.Fatalf("recipe %s decodes its frozen archive to different bytes", r)
			}
			info, err := Inspect(bytes.NewReader(arc))
			if err != nil {
				t.Fatal(err)
			}
			if info.Segments["lm"] < 4 {
				t.Fatalf("frozen archive has %d language-model segments; it should exercise the model", info.Segments["lm"])
			}
		})
	}
}

func TestDefaultRecipeAgrees(t *testing.T) {
	if recipe.Default.ID != DefaultRecipe {
		t.Fatalf("DefaultRecipe = %d but the recipe table's default is %s", DefaultRecipe, recipe.Default)
	}
	for _, r := range Recipes() {
		id, err := ParseRecipe(r.Name)
		if err != nil || id != r.ID {
			t.Fatalf("ParseRecipe(%q) = %d, %v", r.Name, id, err)
		}
	}
	if _, err := ParseRecipe("bogus"); err == nil {
		t.Fatal("ParseRecipe accepted an unknown name")
	}
}
