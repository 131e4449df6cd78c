package cm

import (
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

func roundTrip(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	c := Compress(data)
	d, err := Decompress(c, len(data))
	if err != nil {
		t.Fatalf("%s: Decompress: %v", name, err)
	}
	if !bytes.Equal(d, data) {
		i := 0
		for i < len(d) && d[i] == data[i] {
			i++
		}
		t.Fatalf("%s: round trip differs at byte %d of %d", name, i, len(data))
	}
	return c
}

// corpusSample returns up to n bytes from the middle of a corpus file.
func corpusSample(t testing.TB, dir, name string, n int) []byte {
	t.Helper()
	data, err := os.ReadFile(testutil.Data(t, "corpora", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > n {
		off := (len(data) - n) / 2
		data = data[off : off+n]
	}
	return data
}

func TestRoundTripCorpus(t *testing.T) {
	files := []struct {
		dir, name string
		n         int
	}{
		{"calgary", "trans", 60000},
		{"calgary", "progc", 40000},
		{"calgary", "bib", 40000},
		{"calgary", "book1", 40000},
		{"canterbury", "cp.html", 30000},
		{"canterbury", "grammar.lsp", 10000},
		{"canterbury", "xargs.1", 10000},
	}
	for _, f := range files {
		data := corpusSample(t, f.dir, f.name, f.n)
		c := roundTrip(t, f.name, data)
		// a sanity bound on the ratio: these are all text
		if len(c)*8 > len(data)*3 {
			t.Errorf("%s: %d -> %d bytes, over 3 bits per byte", f.name, len(data), len(c))
		}
	}
}

func TestEmpty(t *testing.T) {
	c := Compress(nil)
	if len(c) != 0 {
		t.Errorf("Compress(nil) = %d bytes, want 0", len(c))
	}
	d, err := Decompress(c, 0)
	if err != nil || len(d) != 0 {
		t.Errorf("Decompress(empty, 0) = %d bytes, %v", len(d), err)
	}
	// an Encoder with nothing written, then one with data, on one model
	var b bytes.Buffer
	m := NewModel()
	e := NewEncoder(m, &b)
	if err := e.Close(); err != nil || b.Len() != 0 {
		t.Errorf("empty Encoder: %d bytes, %v", b.Len(), err)
	}
	if _, err := e.Write([]byte("x")); err == nil {
		t.Error("Write after Close succeeded")
	}
	var r []byte
	n, err := NewDecoder(NewModel(), bytes.NewReader(nil)).Read(r)
	if n != 0 || err != nil {
		t.Errorf("Read of nothing = %d, %v", n, err)
	}
}

func TestSingleBytes(t *testing.T) {
	for c := 0; c < 256; c++ {
		roundTrip(t, "single", []byte{byte(c)})
	}
	roundTrip(t, "two", []byte{0, 255})
}

func TestAllEqual(t *testing.T) {
	for _, c := range []byte{0, 'a', 0xff} {
		data := bytes.Repeat([]byte{c}, 100000)
		z := roundTrip(t, "equal", data)
		if len(z) > 100 {
			t.Errorf("100000 equal bytes %#x -> %d bytes", c, len(z))
		}
	}
}

func TestRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 10, 100, 1000, 10000, 100000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		c := roundTrip(t, "random", data)
		if limit := n + n/500 + 16; len(c) > limit {
			t.Errorf("random %d bytes -> %d, over %d", n, len(c), limit)
		}
	}
}

// TestInterleave checks the invariant the Model is made for: an encoder
// and a decoder whose models saw the same bytes, observed or coded, stay
// in sync.
func TestInterleave(t *testing.T) {
	data := corpusSample(t, "calgary", "paper1", 30000)
	data = append(data, corpusSample(t, "calgary", "progp", 20000)...)
	r := rand.New(rand.NewPCG(3, 4))
	type seg struct {
		lo, hi int
		mode   int // 0 coded, 1 observed, 2 costed on the encoder side
		code   []byte
	}
	var segs []seg
	for lo := 0; lo < len(data); {
		hi := min(lo+1+r.IntN(3000), len(data))
		if r.IntN(8) == 0 {
			hi = lo // empty segments too
		}
		segs = append(segs, seg{lo: lo, hi: hi, mode: r.IntN(3)})
		lo = hi
	}
	enc := NewModel()
	var total uint64
	for i := range segs {
		s := &segs[i]
		p := data[s.lo:s.hi]
		switch s.mode {
		case 0:
			var b bytes.Buffer
			e := NewEncoder(enc, &b)
			if _, err := e.Write(p[:len(p)/2]); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Write(p[len(p)/2:]); err != nil {
				t.Fatal(err)
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			s.code = b.Bytes()
		case 1:
			enc.Observe(p)
		case 2:
			total += enc.Cost(p)
		}
	}
	if total == 0 {
		t.Error("Cost returned 0 for the costed segments")
	}
	dec := NewModel()
	for _, s := range segs {
		p := data[s.lo:s.hi]
		if s.mode != 0 {
			dec.Observe(p)
			continue
		}
		d := NewDecoder(dec, bytes.NewReader(s.code))
		out := make([]byte, len(p))
		// read in two parts, as the encoder wrote in two
		if _, err := io.ReadFull(d, out[:len(out)/3]); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Read(out[len(out)/3:]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, p) {
			t.Fatalf("segment %d..%d decoded wrongly", s.lo, s.hi)
		}
	}
	// After Reset both sides start over identically.
	enc.Reset()
	dec.Reset()
	c1 := compressWith(enc, data[:5000])
	c2 := Compress(data[:5000])
	if !bytes.Equal(c1, c2) {
		t.Error("a Reset model codes differently from a new one")
	}
}

func compressWith(m *Model, p []byte) []byte {
	var b bytes.Buffer
	e := NewEncoder(m, &b)
	e.Write(p)
	e.Close()
	return b.Bytes()
}

// TestCost checks that Cost predicts the coded size.
func TestCost(t *testing.T) {
	data := corpusSample(t, "calgary", "news", 30000)
	bitsCost := NewModel().Cost(data) >> 16
	n := uint64(len(Compress(data)))
	if bitsCost/8 > n || n > bitsCost/8+4 {
		t.Errorf("Cost says %d bytes, coding took %d", bitsCost/8, n)
	}
}

func TestTruncated(t *testing.T) {
	data := corpusSample(t, "calgary", "progl", 20000)
	c := Compress(data)
	for _, cut := range []int{5, 50, len(c) / 2, len(c)} {
		// Decoding garbage may need fewer bytes than the stream had, and
		// the zeros supplied past a short cut can even end it where a
		// stream may end: the container's checksum catches what remains
		// (lmzip's blocks have one). The decoded bytes are never the data.
		d, err := Decompress(c[:len(c)-cut], len(data))
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
		case cut > 50:
			t.Errorf("cut %d: err = %v, want io.ErrUnexpectedEOF", cut, err)
		case bytes.Equal(d, data):
			t.Errorf("cut %d: decoded the data from a truncated stream (err %v)", cut, err)
		}
		if len(d) != len(data) {
			t.Errorf("cut %d: got %d bytes, want %d", cut, len(d), len(data))
		}
	}
	// a reader error is reported as such
	boom := errors.New("boom")
	d := NewDecoder(NewModel(), io.MultiReader(bytes.NewReader(c[:100]), errReader{boom}))
	out := make([]byte, len(data))
	if n, err := d.Read(out); n != len(out) || !errors.Is(err, boom) {
		t.Errorf("reader error: %d, %v", n, err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// TestGolden pins the coded output of every version. The coder must
// produce the same bytes on every platform and build; a change here is a
// format change, which makes earlier archives undecodable: a new version.
func TestGolden(t *testing.T) {
	var synth []byte
	for i := 0; i < 2000; i++ {
		synth = append(synth, byte(i*i>>3), byte('a'+i%26), ' ')
	}
	synth = append(synth, []byte("The quick brown fox jumps over the lazy dog. The quick brown fox.\n")...)
	bib, err := os.ReadFile(testutil.Data(t, "corpora", "calgary", "bib"))
	if err != nil {
		t.Fatal(err)
	}
	bib = bib[:16384]
	for _, c := range []struct {
		version int
		name    string
		data    []byte
		want    uint32
	}{
		{Version1, "synthetic", synth, 0x99ec5f2a},
		{Version1, "bib", bib, 0x64e3a34c},
		{Version2, "synthetic", synth, 0x0ab838c8},
		{Version2, "bib", bib, 0x08d57e09},
	} {
		m, err := NewModelVersion(c.version)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		e := NewEncoder(m, &b)
		e.Write(c.data)
		e.Close()
		if got := crc32.ChecksumIEEE(b.Bytes()); got != c.want {
			t.Errorf("version %d, %s: golden output changed: %d bytes, crc %#08x, want %#08x", c.version, c.name, b.Len(), got, c.want)
		}
		m, _ = NewModelVersion(c.version)
		d := make([]byte, len(c.data))
		_, err = NewDecoder(m, bytes.NewReader(b.Bytes())).Read(d)
		if err != nil || !bytes.Equal(d, c.data) {
			t.Errorf("version %d, %s: round trip failed (%v)", c.version, c.name, err)
		}
	}
	if _, err := NewModelVersion(LatestVersion + 1); err == nil {
		t.Errorf("NewModelVersion(%d) did not fail", LatestVersion+1)
	}
}

// TestDecoderCloseTrailing: a stream must end exactly where the encoder
// ended it; any byte after it, zero or not, is reported by Close.
func TestDecoderCloseTrailing(t *testing.T) {
	for _, text := range []string{"", "a", "hello, hello, hello world", strings.Repeat("abc", 1000)} {
		c := Compress([]byte(text))
		check := func(stream []byte, wantErr bool) {
			t.Helper()
			d := NewDecoder(NewModel(), bytes.NewReader(stream))
			out := make([]byte, len(text))
			_, err := d.Read(out)
			if err == nil {
				err = d.Close()
			}
			if (err != nil) != wantErr || !wantErr && string(out) != text {
				t.Errorf("%d-byte text, %d-byte stream (encoder wrote %d): err %v, want error %v", len(text), len(stream), len(c), err, wantErr)
			}
		}
		check(c, false)
		check(append(bytes.Clone(c), 0), true)
		check(append(bytes.Clone(c), 0x55), true)
		check(append(bytes.Clone(c), 1, 2, 3, 4, 5, 6), true)
	}
}

// TestCopyFrom: a model that takes another's state predicts as that one
// does, and the two stay independent.
func TestCopyFrom(t *testing.T) {
	data := corpusSample(t, "calgary", "bib", 40000)
	for v := Version1; v <= LatestVersion; v++ {
		a, _ := NewModelVersion(v)
		b, _ := NewModelVersion(v)
		a.Observe(data[:20000])
		b.Observe(data[30000:])
		b.CopyFrom(a)
		ca := compressWith(a, data[20000:30000])
		cb := compressWith(b, data[20000:30000])
		if !bytes.Equal(ca, cb) {
			t.Errorf("version %d: the copy codes differently", v)
		}
		// a goes on with other text; b must not notice
		a.Observe(data[:5000])
		c, _ := NewModelVersion(v)
		c.Observe(data[:30000])
		if !bytes.Equal(compressWith(b, data[30000:]), compressWith(c, data[30000:])) {
			t.Errorf("version %d: the copy shares state with its source", v)
		}
	}
}
