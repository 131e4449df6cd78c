package seed

import (
	"bytes"
	"os"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testutil.Data(t, "seed", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readObj(t *testing.T, data []byte) *Object {
	t.Helper()
	o, err := ReadJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustJSON(t *testing.T, o *Object) []byte {
	t.Helper()
	b, err := WriteJSON(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func diffAt(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := diffAt(got, want)
		t.Fatalf("%s differs at byte %d of %d/%d: got %q, want %q", what, i, len(got), len(want),
			got[max(0, i-40):min(len(got), i+40)], want[max(0, i-40):min(len(want), i+40)])
	}
}

// TestGoldenStages runs rangeEncode, binOfRange, binToRange and rangeDecode
// on the seed's synthetic ttout files and compares every output with the
// seed's, byte for byte.
func TestGoldenStages(t *testing.T) {
	for _, name := range []string{"synthetic-small", "synthetic-5k"} {
		t.Run(name, func(t *testing.T) {
			ttout := golden(t, name+".ttout.json")
			// Reading and writing a file gives it back unchanged.
			sameBytes(t, "ttout rewritten", mustJSON(t, readObj(t, ttout)), ttout)

			ro, err := RangeEncode(readObj(t, ttout), 32)
			if err != nil {
				t.Fatal(err)
			}
			sameBytes(t, "rangedout", mustJSON(t, ro), golden(t, name+".rangedout.json"))

			bin, err := BinOfRange(readObj(t, golden(t, name+".rangedout.json")))
			if err != nil {
				t.Fatal(err)
			}
			sameBytes(t, "bin", bin, golden(t, name+".bin"))

			ri, err := BinToRange(golden(t, name+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			sameBytes(t, "rangedin", mustJSON(t, ri), golden(t, name+".rangedin.json"))

			ti, err := RangeDecode(readObj(t, golden(t, name+".rangedin.json")))
			if err != nil {
				t.Fatal(err)
			}
			sameBytes(t, "ttin", mustJSON(t, ti), golden(t, name+".ttin.json"))

			// The decoded ranks and literals are those of the ttout.
			in, _ := readObj(t, ttout).Tokens()
			out, _ := ti.Tokens()
			for i := range in {
				if Symbol(in[i]) != Symbol(out[i]) {
					t.Fatalf("entry %d: %v decoded as %v", i, in[i], out[i])
				}
			}
		})
	}
}
