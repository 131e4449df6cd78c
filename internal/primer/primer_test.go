package primer

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// The primers' texts are part of the format: an archive primed with one
// decodes only with the same bytes.
func TestPrimersFrozen(t *testing.T) {
	want := map[int]string{
		1: "f2b168d4ea2e7c65d0fa16458d2979bfbda20add485c337c52f3111a9dae29ed",
	}
	for _, p := range All() {
		got := fmt.Sprintf("%x", sha256.Sum256(p.Text))
		if got != want[p.ID] {
			t.Errorf("primer %d (%s): sha256 %s, want %s: a primer's text must never change (add a new primer instead)", p.ID, p.Name, got, want[p.ID])
		}
		if q, ok := Lookup(p.ID); !ok || q != p {
			t.Errorf("Lookup(%d) = %v, %v", p.ID, q, ok)
		}
		if bytes.Contains(p.Text, []byte("\r")) {
			t.Errorf("primer %s has a carriage return: the models see files with LF line ends", p.Name)
		}
	}
	if _, ok := Lookup(0); ok {
		t.Error("Lookup(0) found a primer: 0 means none")
	}
}

func TestChoose(t *testing.T) {
	p, _ := Lookup(1)
	text := string(p.Text)
	prose := strings.Repeat("It was a bright cold day in April, and the clocks were striking thirteen. ", 200)
	lic := text[strings.Index(text, "1.F.3. LIMITED RIGHT"):][:4000]
	header := text[strings.Index(text, "This ebook is for the use"):][:440]
	for _, c := range []struct {
		name string
		text string
		want *Primer
	}{
		{"empty", "", nil},
		{"prose", prose, nil},
		{"prose with a licence", prose + lic + prose, p},
		{"the modern header alone", "The Project Gutenberg eBook of Something\n    \n" + header + "\nTitle: Something\n" + prose, p},
		{"a short quotation", prose + lic[:150] + prose, nil},
	} {
		if got := Choose([]byte(c.text)); got != c.want {
			t.Errorf("%s: Choose = %v, want %v", c.name, got, c.want)
		}
	}
	if n := p.Shared([]byte(lic)); n < 3900 || n > 4000 {
		t.Errorf("Shared(4000 bytes of the licence) = %d, want about 4000", n)
	}
}

// No file of the Canterbury and Calgary corpora carries Project
// Gutenberg's licence (those that come from it have the short headers of
// 1990s ebooks), so a writer primes none of them: their archives are as
// without primers.
func TestChooseCorpora(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testutil.Data(t, "corpora"), "*", "*"))
	if err != nil || len(files) < 20 {
		t.Fatalf("corpora: %d files, %v", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if p := Choose(b[:min(len(b), 1<<20)]); p != nil {
			t.Errorf("%s: primer %s chosen", filepath.Base(f), p.Name)
		}
	}
}
