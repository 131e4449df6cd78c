package lmzip

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/cm"
)

// TestSchemeCMVersion: the context-mixing model's version is recorded in
// bits 4-6 of the scheme's flags, 0 meaning version 1 (so archives of
// version 1 keep their bytes); versions from 8 on escape to a uvarint; a
// version newer than this lmzip implements is refused with a message that
// says to upgrade; plain coding always uses version 1.
func TestSchemeCMVersion(t *testing.T) {
	read := func(b []byte) (Scheme, error) { return readScheme(bufio.NewReader(bytes.NewReader(b))) }
	old := Scheme{Window: 1024, Keep: 256, Orders: 4, Match: true, Bias: true, Scale: true}
	one, v2 := old, old
	one.CM, v2.CM = cm.Version1, cm.Version2
	b0, b1, b2 := old.append(nil), one.append(nil), v2.append(nil)
	last := len(b0) - 1
	if !bytes.Equal(b0, b1) || len(b2) != len(b0) || !bytes.Equal(b0[:last], b2[:last]) || b2[last] != b0[last]|1<<4 {
		t.Fatalf("scheme bytes: version 1 %x and %x, version 2 %x", b0, b1, b2)
	}
	for _, s := range []Scheme{old, v2} {
		got, err := read(s.append(nil))
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
	if b := big.append(nil); len(b) != len(b0)+1 || b[last]>>4 != 7 || b[last+1] != 9 {
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
