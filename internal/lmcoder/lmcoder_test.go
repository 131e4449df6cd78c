package lmcoder

import (
	"github.com/lmzip/lmzip/internal/recipe"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/testutil"
)

func TestCostOfFreq(t *testing.T) {
	for _, f := range []uint32{1, 2, 3, 1000, 1 << 20, 123456789, 1<<28 - 1, 1 << 28} {
		want := -math.Log2(float64(f)/(1<<28)) * 65536
		if got := float64(CostOfFreq(f)); math.Abs(got-want) > 2 {
			t.Errorf("CostOfFreq(%d) = %g, want %g", f, got, want)
		}
	}
}

func tinyModel(t *testing.T) model.Model {
	m, err := model.LoadDir(testutil.Data(t, "archs", "llama"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGroupRoundTrip codes segments of different lengths as one group and
// decodes them in lockstep, with several thread counts.
func TestGroupRoundTrip(t *testing.T) {
	for _, rec := range recipe.All() {
		groupRoundTrip(t, rec)
	}
}

func groupRoundTrip(t *testing.T, rec *recipe.Recipe) {
	m := tinyModel(t)
	r := rand.New(rand.NewPCG(7, 7))
	c := New(m, 0, rec)
	lengths := []int{64, 1, 0, 37, 64, 5}
	segs := make([][]int32, len(lengths))
	group := make([][]Sym, len(lengths))
	var bits uint64
	for i, n := range lengths {
		segs[i] = make([]int32, n)
		for j := range segs[i] {
			segs[i][j] = int32(r.IntN(m.Config().VocabSize))
		}
		syms, err := c.Analyze(segs[i], nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range syms {
			bits += s.Cost()
		}
		group[i] = syms
	}
	stream := Encode(nil, group)
	ideal := float64(bits) / 65536 / 8
	if float64(len(stream)) > ideal*1.005+12 {
		t.Fatalf("stream %d bytes, ideal %.1f", len(stream), ideal)
	}
	for _, threads := range []int{1, 2, 3} {
		old := kernel.SetThreads(threads)
		got, err := New(m, 0, rec).Decode(stream, lengths)
		kernel.SetThreads(old)
		if err != nil {
			t.Fatal(err)
		}
		for i := range segs {
			for j := range segs[i] {
				if got[i][j] != segs[i][j] {
					t.Fatalf("threads %d: segment %d token %d: %d, want %d", threads, i, j, got[i][j], segs[i][j])
				}
			}
		}
	}
	// Corruption is detected.
	stream[len(stream)-1] ^= 1
	if _, err := New(m, 0, rec).Decode(stream, lengths); err == nil {
		t.Fatal("corrupt stream decoded without error")
	}
}

// TestDecodeStopsOnBadStream: a stream that runs out of words is known to be
// bad; Decode must stop there, not run the model for the whole group.
func TestDecodeStopsOnBadStream(t *testing.T) {
	m := tinyModel(t)
	rec, _ := recipe.Lookup(1)
	c := New(m, 0, rec)
	lengths := make([]int, 32)
	for i := range lengths {
		lengths[i] = c.MaxSegment()
	}
	// A 24-byte stream: a valid initial state and four words.
	stream := []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	if _, err := c.Decode(stream, lengths); err == nil {
		t.Fatal("a 24-byte stream decoded 2048 tokens")
	}
	// 128 bits of words cannot code 32 tokens of a 320-token vocabulary
	// twice over: the stream runs out in the first or second step.
	if c.Steps() > 2 {
		t.Fatalf("ran %d model steps of %d on a stream known to be bad", c.Steps(), lengths[0])
	}
}

// TestDecodeStopsOnForeignToken: a token outside the tokenizer is a bad
// stream too; Decode stops at the step that decodes one.
func TestDecodeStopsOnForeignToken(t *testing.T) {
	m := tinyModel(t)
	rec, _ := recipe.Lookup(1)
	c := New(m, 0, rec)
	c.LimitTokens(1) // only token 0 is valid: any other ends decoding
	lengths := []int{c.MaxSegment(), c.MaxSegment()}
	stream := make([]byte, 8+4*2*c.MaxSegment())
	for i := range stream {
		stream[i] = byte(i*7 + 3)
	}
	stream[7] = 0x40
	if _, err := c.Decode(stream, lengths); err == nil {
		t.Fatal("decoded tokens outside the limit")
	}
	if c.Steps() > 1 {
		t.Fatalf("ran %d steps after decoding a foreign token in the first", c.Steps())
	}
}
