package lmzip

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/cm"
)

// TestSchemeCMVersion: the context-mixing model's version is recorded only
// when it is not the first (so archives of version 1 keep their bytes),
// read back, and refused when it is not a newer version or is newer than
// this lmzip implements.
func TestSchemeCMVersion(t *testing.T) {
	read := func(b []byte) (Scheme, error) { return readScheme(bufio.NewReader(bytes.NewReader(b))) }
	old := Scheme{Window: 1024, Keep: 256, Orders: 4, Match: true, Bias: true, Scale: true}
	v2 := old
	v2.CM = cm.Version2
	b1, b2 := old.append(nil), v2.append(nil)
	if len(b2) != len(b1)+1 || !bytes.Equal(b1[:len(b1)-1], b2[:len(b1)-1]) || b2[len(b1)-1] != b1[len(b1)-1]|schemeCM {
		t.Fatalf("scheme bytes: version 1 %x, version 2 %x", b1, b2)
	}
	for _, s := range []Scheme{old, v2} {
		got, err := read(s.append(nil))
		if err != nil || got != s {
			t.Errorf("read %+v back as %+v, %v", s, got, err)
		}
	}
	one := append(bytes.Clone(b1[:len(b1)-1]), b1[len(b1)-1]|schemeCM, 1)
	if _, err := read(one); !errors.Is(err, ErrFormat) {
		t.Errorf("flag with version 1: %v, want a format error", err)
	}
	newer := append(bytes.Clone(b1[:len(b1)-1]), b1[len(b1)-1]|schemeCM, cm.LatestVersion+1)
	if _, err := read(newer); err == nil || errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "upgrade lmzip") {
		t.Errorf("a newer version: %v, want an error that says to upgrade", err)
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
}
