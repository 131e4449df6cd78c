package seed

import (
	"bytes"
	"testing"
)

// FuzzReadBin checks that any input either is rejected or parses into a Bin
// that writes back to a file that reads back the same, and that decoding it
// never panics.
func FuzzReadBin(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadBin(data)
		if err != nil {
			return
		}
		again, err := WriteBin(b)
		if err != nil {
			t.Fatalf("WriteBin of a read file: %v", err)
		}
		b2, err := ReadBin(again)
		if err != nil {
			t.Fatalf("ReadBin of a written file: %v", err)
		}
		w2, _ := WriteBin(b2)
		if !bytes.Equal(again, w2) {
			t.Fatal("write/read/write is not stable")
		}
		if b.Length <= 4096 {
			syms, err := Decode(b.Words, &Table{Syms: b.Syms, Counts: b.Counts}, b.Precision, b.Length)
			if err == nil && int64(len(syms)) != b.Length {
				t.Fatalf("%d symbols decoded, want %d", len(syms), b.Length)
			}
		}
	})
}

// FuzzReadStageJSON checks that any stage file either is rejected or reads
// into values that write back stably, and that the stages that do not need
// a model never panic on it.
func FuzzReadStageJSON(f *testing.F) {
	f.Add([]byte(`{"tokenList": [[1, -1, 0], [2, 0, 0.5]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Unmarshal(data)
		if err != nil {
			return
		}
		out, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		v2, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("Unmarshal of Marshal output %q: %v", out, err)
		}
		out2, _ := Marshal(v2)
		if !bytes.Equal(out, out2) {
			t.Fatalf("not stable: %q then %q", out, out2)
		}
		o, ok := v.(*Object)
		if !ok {
			return
		}
		if list, err := o.Tokens(); err == nil && len(list) <= 4096 {
			if ro, err := RangeEncode(o, 32); err == nil {
				if ti, err := RangeDecode(ro); err == nil {
					back, _ := ti.Tokens()
					for i := range list {
						if Symbol(back[i]) != Symbol(list[i]) {
							t.Fatalf("entry %d: %v came back as %v", i, list[i], back[i])
						}
					}
				}
			}
		}
		if n, err := o.Int("length"); err == nil && n <= 4096 {
			RangeDecode(o)
			BinOfRange(o)
		}
	})
}
