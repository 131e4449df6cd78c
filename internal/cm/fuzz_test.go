package cm

import (
	"bytes"
	"testing"
)

// FuzzDecode decodes arbitrary bytes: the Decoder must neither panic nor
// hang, and must return exactly the requested number of bytes.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{}, uint16(0))
	f.Add([]byte{}, uint16(10))
	f.Add(Compress([]byte("hello, hello, hello world\n")), uint16(26))
	f.Add(Compress(bytes.Repeat([]byte{0}, 300)), uint16(300))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff}, uint16(100))
	f.Fuzz(func(t *testing.T, c []byte, n uint16) {
		n %= 4096
		d, _ := Decompress(c, int(n))
		if len(d) != int(n) {
			t.Fatalf("got %d bytes, want %d", len(d), n)
		}
	})
}

// FuzzRoundTrip checks that whatever is compressed decompresses to itself,
// also when part of it is only observed.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte(""), uint16(0))
	f.Add([]byte("a"), uint16(1))
	f.Add([]byte("abracadabra abracadabra"), uint16(5))
	f.Add(bytes.Repeat([]byte("0123456789"), 50), uint16(200))
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		c := Compress(data)
		d, err := Decompress(c, len(data))
		if err != nil || !bytes.Equal(d, data) {
			t.Fatalf("round trip failed: %v", err)
		}
		// observe a prefix, code the rest, with a version chosen by split
		k := int(split) % (len(data) + 1)
		v := Version1 + int(split/7)%LatestVersion
		em, _ := NewModelVersion(v)
		dm, _ := NewModelVersion(v)
		em.Observe(data[:k])
		dm.Observe(data[:k])
		var b bytes.Buffer
		e := NewEncoder(em, &b)
		e.Write(data[k:])
		e.Close()
		out := make([]byte, len(data)-k)
		if _, err := NewDecoder(dm, &b).Read(out); err != nil || !bytes.Equal(out, data[k:]) {
			t.Fatalf("version %d, observed prefix %d: round trip failed: %v", v, k, err)
		}
	})
}
