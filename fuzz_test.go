package lmzip

import (
	"bytes"
	"testing"
)

// FuzzDecompress feeds arbitrary archives to the reader with the tiny test
// model: it must return an error or the original, never panic, hang or
// allocate without bound.
func FuzzDecompress(f *testing.F) {
	model := tinyModel(f)
	for _, text := range []string{"", "a", "hello world\r\nagain\r\n", "\x00\xff\xfe binary \x80", "The quick brown fox."} {
		for _, coders := range [][]string{nil, {"cm"}, {"raw"}, {"lm"}} {
			arc, err := Compress([]byte(text), &Options{Model: model, Coders: coders})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(arc)
		}
	}
	// Every level's scheme: lanes, carried context, mixing and, at levels
	// 8 and 9, the model learning (format version 3), with lanes short
	// enough that a few hundred bytes make several, all coded by the model.
	long := bytes.Repeat([]byte("It was the best of times, it was the worst of times; "), 8)
	for level := 1; level <= 9; level++ {
		for _, lane := range []int{0, 8} {
			arc, err := Compress(long, &Options{Model: model, Level: level, LaneTokens: lane, Coders: []string{"lm"}})
			if err != nil {
				f.Fatal(err)
			}
			info, err := Inspect(bytes.NewReader(arc))
			if err != nil {
				f.Fatal(err)
			}
			if got := info.Scheme.Adapts(); got != (level >= 8) {
				f.Fatalf("level %d: learning %v", level, got)
			}
			if lane > 0 && info.Segments["lm"] < 4 {
				f.Fatalf("level %d: %v lanes or segments: too few", level, info.Segments)
			}
			f.Add(arc)
		}
	}
	f.Fuzz(func(t *testing.T, arc []byte) {
		out, err := Decompress(arc, &ReaderOptions{Model: model})
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to itself.
		again, err := Compress(out, &Options{Model: model})
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decompress(again, &ReaderOptions{Model: model})
		if err != nil || !bytes.Equal(back, out) {
			t.Fatalf("re-encoding a decoded archive failed: %v", err)
		}
	})
}

// FuzzRoundTrip compresses arbitrary bytes with the tiny model, with any
// coders, segment and block size: the round trip is exact and no input
// grows by more than 64 bytes plus 0.1%.
func FuzzRoundTrip(f *testing.F) {
	model := tinyModel(f)
	f.Add([]byte("hello\r\nworld\n"), uint8(0))
	f.Add([]byte{0, 1, 2, 255, '\r'}, uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		coders := [][]string{nil, {"lm"}, {"cm"}, {"raw"}}[mode%4]
		seg := []int{0, 1, 3, 17}[mode/16%4]
		arc, err := Compress(data, &Options{Model: model, Coders: coders, GroupSegments: 1 + int(mode/4)%4, SegmentTokens: seg, ChunkSize: 4096})
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decompress(arc, &ReaderOptions{Model: model})
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("round trip failed: %v", err)
		}
		if len(arc) > len(data)+64+len(data)/1000 {
			t.Fatalf("%d bytes grew to %d", len(data), len(arc))
		}
	})
}
