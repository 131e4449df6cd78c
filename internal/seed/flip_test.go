package seed

import (
	"bytes"
	"testing"
)

func TestFlipGolden(t *testing.T) {
	book := golden(t, "AStudyInScarlet.txt")
	got, n := Flip(book)
	sameBytes(t, "flipped", got, golden(t, "AStudyInScarlet.flipped.txt"))
	if n != 1821 {
		t.Errorf("%d letters flipped, want 1821", n)
	}
	back, _ := Flip(got)
	if !bytes.Equal(back, book) {
		t.Error("flipping twice does not restore the text")
	}
}

func TestFlipCases(t *testing.T) {
	for in, want := range map[string]string{
		"a. The. x":        "a. the. X",
		"end.\n\nNew":      "end.\n\nnew",
		"a.The":            "a.The",
		"x. \u00c9t\u00e9": "x. \u00c9t\u00e9",
		"x.\u00a0b":        "x.\u00a0B",
		"x. \u201cThe":     "x. \u201cThe",
		"..  A":            "..  a",
		"x.\r\nA":          "x.\r\na",
	} {
		if got, _ := Flip([]byte(in)); string(got) != want {
			t.Errorf("Flip(%q) = %q, want %q", in, got, want)
		}
	}
}
