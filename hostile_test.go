package lmzip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/cm"
	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/testutil"
)

// hostileInputs are inputs that are not text, or text at its strangest.
func hostileInputs(t *testing.T) map[string][]byte {
	exe, err := os.ReadFile(os.Args[0]) // this test binary: an ELF (or other) executable
	if err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "docs", "figures", "heatmap.png"))
	if err != nil {
		t.Fatal(err)
	}
	mixed := []byte("UTF-8 café, Latin-1 caf\xe9, UTF-16LE c\x00a\x00f\x00\xe9\x00, Shift-JIS \x83\x65\x83\x4c\x83\x58\x83\x67, emoji 🙂\r\n")
	return map[string][]byte{
		"random":          randomBytes(9, 200000),
		"executable":      exe[:min(len(exe), 300000)],
		"png":             png[:min(len(png), 200000)],
		"NUL bytes":       make([]byte, 100000),
		"huge line":       bytes.Repeat([]byte("word "), 60000),
		"mixed encodings": bytes.Repeat(mixed, 500),
		"all bytes": bytes.Repeat(func() []byte {
			b := make([]byte, 256)
			for i := range b {
				b[i] = byte(i)
			}
			return b
		}(), 200),
		"CR only": bytes.Repeat([]byte("line\r"), 5000),
	}
}

// TestHostileInputs checks that any input decodes to exactly itself and
// grows by at most 64 bytes plus 0.1%.
func TestHostileInputs(t *testing.T) {
	model := tinyModel(t)
	for name, data := range hostileInputs(t) {
		t.Run(name, func(t *testing.T) {
			arc := roundTrip(t, data, &Options{Model: model})
			limit := len(data) + 64 + len(data)/1000
			t.Logf("%d -> %d bytes", len(data), len(arc))
			if len(arc) > limit {
				t.Fatalf("%d bytes grew to %d (limit %d)", len(data), len(arc), limit)
			}
		})
	}
}

// craft builds an archive by hand: a header for model (built-in), then the
// given block bytes, then the end record of orig, the original they stand
// for.
func craft(t *testing.T, model string, recipe, seg, group int, blocks, orig []byte) []byte {
	t.Helper()
	l, err := lm.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	h := Header{Version: formatPlain, Recipe: recipe, Model: l.Name, ModelID: l.ID(), SegmentTokens: seg, GroupSegments: group}
	return craftWith(h, blocks, orig)
}

// craftWith builds an archive of header h, the given block bytes and the
// end record of orig.
func craftWith(h Header, blocks, orig []byte) []byte {
	b := append(h.append(nil), blocks...)
	b = append(b, tagEnd)
	b = binary.AppendUvarint(b, uint64(len(orig)))
	return binary.LittleEndian.AppendUint32(b, crc32.Update(crc32.Update(0, castagnoli, h.append(nil)), castagnoli, orig))
}

// TestStreamRunsOut decodes the 75-byte archive of issue 11: lmzip-base,
// recipe 1, 32 segments a block, one coded block of 32,768 language-model
// tokens whose rANS stream is 24 bytes. The stream runs out of words in the
// first step; decoding must stop there instead of running the model over
// the whole block (1,024 steps of 32 segments, 100 s and 1.4 GB).
func TestStreamRunsOut(t *testing.T) {
	blk := []byte{tagCoded}
	blk = binary.AppendUvarint(blk, 100000) // raw length
	blk = append(blk, 0)                    // no filter
	blk = binary.AppendUvarint(blk, 32768)  // tokens: 32 segments of 1024
	blk = append(blk, make([]byte, 8)...)   // methods: all language model
	blk = append(blk, 24)                   // the stream: a state and 4 words
	blk = append(blk, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)
	arc := craft(t, "base", RecipeFloat32, 1024, 32, blk, nil)
	if len(arc) != 75 {
		t.Fatalf("crafted %d bytes, want the issue's 75", len(arc))
	}
	r, err := NewReader(bytes.NewReader(arc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, ErrFormat) {
		t.Fatalf("decoded with %v, want a corrupt-archive error", err)
	}
	if steps := r.coder.Steps(); steps > 2 {
		t.Fatalf("ran %d model steps on a stream that ran out in the first", steps)
	}
	// Segments that claim more tokens than the block's raw length can hold
	// are refused before the model runs at all.
	blk[1], blk[2], blk[3] = 100, 0, 0 // raw length 100 (a 3-byte uvarint)
	blk[1] |= 0x80
	blk[2] |= 0x80
	arc = craft(t, "base", RecipeFloat32, 1024, 32, blk, nil)
	r, err = NewReader(bytes.NewReader(arc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, ErrFormat) || r.coder.Steps() != 0 {
		t.Fatalf("%d steps, %v", r.coder.Steps(), err)
	}
}

// TestFilterExceptionsBounded: a block's line-end exceptions are bounded by
// its raw length, and held as the archive stores them: decoding a block
// whose every LF is an exception allocates a small multiple of its size
// (a list of ordinals took 8 bytes per archive byte, and 2^26 of them cost
// 1.3 GB to decode and 2.2 GB to inspect).
func TestFilterExceptionsBounded(t *testing.T) {
	const n = 1 << 18 // LFs, all bare
	blk := []byte{tagStored}
	blk = binary.AppendUvarint(blk, n) // raw length
	blk = append(blk, 1)               // the CRLF filter
	blk = binary.AppendUvarint(blk, n) // n exceptions, each gap 0
	blk = append(blk, make([]byte, n)...)
	blk = binary.AppendUvarint(blk, n) // the text: n LFs
	blk = append(blk, bytes.Repeat([]byte{'\n'}, n)...)
	arc := craft(t, "small", RecipeFloat16, 1024, 16, blk, bytes.Repeat([]byte{'\n'}, n))
	// The same block of plain text, for comparison.
	plain := []byte{tagStored}
	plain = binary.AppendUvarint(plain, n)
	plain = append(plain, 0)
	plain = binary.AppendUvarint(plain, n)
	plain = append(plain, bytes.Repeat([]byte{'a'}, n)...)
	base := craft(t, "small", RecipeFloat16, 1024, 16, plain, bytes.Repeat([]byte{'a'}, n))
	alloc := func(arc []byte) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decompress(arc, nil)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("decompress: %v", err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	alloc(base) // loads the model
	a, b := alloc(base), alloc(arc)
	if b > a+2*uint64(len(arc)) {
		t.Fatalf("decoding %d bytes of exceptions allocated %d bytes more than a plain block of the same size", n, b-a)
	}
	// More exceptions than the block's raw length: refused as soon as the
	// count is read, by the Reader and by Inspect.
	huge := []byte{tagStored}
	huge = binary.AppendUvarint(huge, 1000)
	huge = append(huge, 1)
	huge = binary.AppendUvarint(huge, 1<<26)
	huge = append(huge, make([]byte, 1<<16)...)
	arc = craft(t, "small", RecipeFloat16, 1024, 16, huge, make([]byte, 1000))
	if _, err := Decompress(arc, nil); !errors.Is(err, ErrFormat) {
		t.Fatalf("decompress: %v", err)
	}
	if _, err := Inspect(bytes.NewReader(arc)); !errors.Is(err, ErrFormat) {
		t.Fatalf("inspect: %v", err)
	}
}

// TestCMTrailingBytes: a context-mixing stream that goes on past its end is
// corrupt, as a rANS stream is (item 7).
func TestCMTrailingBytes(t *testing.T) {
	text := []byte("hello, hello, hello world")
	block := func(stream []byte) []byte {
		b := []byte{tagCoded}
		b = binary.AppendUvarint(b, uint64(len(text)))
		b = append(b, 0, 1, 1) // no filter; 1 token (one segment); method 1, context mixing
		b = binary.AppendUvarint(b, uint64(len(text)))
		b = binary.AppendUvarint(b, uint64(len(stream)))
		return append(b, stream...)
	}
	// (version 1 archives code with version 1 of the model)
	m, _ := cm.NewModelVersion(cm.Version1)
	var buf bytes.Buffer
	e := cm.NewEncoder(m, &buf)
	e.Write(text)
	e.Close()
	stream := buf.Bytes()
	got, err := Decompress(craft(t, "small", RecipeFloat16, 1024, 16, block(stream), text), nil)
	if err != nil || !bytes.Equal(got, text) {
		t.Fatalf("the crafted archive itself: %q, %v", got, err)
	}
	for _, extra := range [][]byte{{0}, {0x55}, {1, 2, 3, 4, 5}} {
		arc := craft(t, "small", RecipeFloat16, 1024, 16, block(append(bytes.Clone(stream), extra...)), text)
		if _, err := Decompress(arc, nil); !errors.Is(err, ErrFormat) {
			t.Errorf("%d trailing bytes in the stream: %v", len(extra), err)
		}
	}
}

// TestGrowthEveryOption: no input grows by more than 64 bytes plus 0.1%,
// whatever the segment size, block size and coders, and whatever the
// length of the model's name (item 12).
func TestGrowthEveryOption(t *testing.T) {
	defer SetThreads(SetThreads(1)) // the tiny model's steps are too small to share
	// The tiny model under a 200-byte directory name.
	long := filepath.Join(t.TempDir(), strings.Repeat("a-very-long-model-name-", 9)[:200])
	if err := os.CopyFS(long, os.DirFS(tinyModel(t))); err != nil {
		t.Fatal(err)
	}
	prose := sample(t, "canterbury/alice29.txt", 2000)
	inputs := map[string][]byte{
		"prose":       prose,
		"crlf prose":  bytes.ReplaceAll(prose, []byte("\n"), []byte("\r\n")),
		"prose+noise": append(bytes.Clone(prose[:1000]), randomBytes(4, 1000)...),
	}
	for _, n := range []int{0, 1, 100, 127, 128, 200, 1000, 16383, 16384} {
		inputs[fmt.Sprintf("random %d", n)] = randomBytes(uint64(n), n)
	}
	check := func(name string, data []byte, opt *Options) {
		t.Helper()
		arc, err := Compress(data, opt)
		if err != nil {
			t.Fatal(err)
		}
		if limit := len(data) + 64 + len(data)/1000; len(arc) > limit {
			t.Errorf("%s, %+v: %d bytes grew to %d (limit %d)", name, *opt, len(data), len(arc), limit)
		}
	}
	for name, data := range inputs {
		check(name, data, &Options{Model: long})
		if len(data) < 2000 {
			continue
		}
		for _, seg := range []int{1, 3} {
			for _, coders := range [][]string{nil, {"cm"}, {"lm"}} {
				check(name, data, &Options{Model: tinyModel(t), SegmentTokens: seg, GroupSegments: 1 + seg%3, Coders: coders})
			}
		}
	}
}

// TestCMStreamRunsOut: a context-mixing stream that runs out stops the
// decoder within a few kilobytes, not at the end of a segment that claims
// hundreds of kilobytes.
func TestCMStreamRunsOut(t *testing.T) {
	l, err := lm.Load("small")
	if err != nil {
		t.Fatal(err)
	}
	n := min(1024*l.MaxTokenBytes, 200000)
	b := []byte{tagCoded}
	b = binary.AppendUvarint(b, uint64(n))
	b = append(b, 0, 1, 1) // no filter; 1 token (one segment); method 1, context mixing
	b = binary.AppendUvarint(b, uint64(n))
	b = append(b, 2, 0x12, 0x34) // a 2-byte stream
	r, err := NewReader(bytes.NewReader(craft(t, "small", RecipeFloat16, 1024, 16, b, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, ErrFormat) {
		t.Fatalf("decoded with %v", err)
	}
	if seen := r.cm.Seen(); seen > 8192 {
		t.Fatalf("decoded %d bytes of a %d-byte segment from a 2-byte stream", seen, n)
	}
}

var hostileDir = flag.String("hostile.dir", "", "write the worst-case archives that scripts/reader-memory.sh measures to this folder")

// TestWriteHostileArchives writes, with -hostile.dir DIR, archives crafted
// to make a reader use as much memory and time as the format's limits let
// it, for a header of lmzip-base with G segments a block and recipe R
// (segments of 1024 tokens, or of 1 token for G = 1):
//
//	filter-G-R.lmz  a stored block of maxBlockRaw LFs, every one a
//	                line-end exception (a valid archive)
//	lm-G-R.lmz      a coded block of G full language-model segments whose
//	                rANS stream is random words, as long as the limit
//	                allows: the model runs for the whole block
//	cm-G-R.lmz      a coded block of G context-mixing segments as long as
//	                the raw length allows, with a random stream as long as
//	                the limit allows
//
// scripts/reader-memory.sh measures lmzip -d and lmzip info on them and on
// valid archives with the same headers.
func TestWriteHostileArchives(t *testing.T) {
	if *hostileDir == "" {
		t.Skip("writes files only with -hostile.dir")
	}
	l, err := lm.Load("base")
	if err != nil {
		t.Fatal(err)
	}
	for _, hdr := range []struct{ seg, group, recipe int }{{1024, 16, RecipeFloat16}, {1024, 32, RecipeFloat32}, {1, 1, RecipeFloat16}} {
		S, G := hdr.seg, hdr.group
		write := func(kind string, blk, orig []byte) {
			arc := craft(t, "base", hdr.recipe, S, G, blk, orig)
			name := filepath.Join(*hostileDir, fmt.Sprintf("%s-%d-%d.lmz", kind, G, hdr.recipe))
			if err := os.WriteFile(name, arc, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// Every LF an exception.
		b := []byte{tagStored}
		b = binary.AppendUvarint(b, maxBlockRaw)
		b = append(b, 1)
		b = binary.AppendUvarint(b, maxBlockRaw)
		b = append(b, make([]byte, maxBlockRaw)...)
		b = binary.AppendUvarint(b, maxBlockRaw)
		lfs := bytes.Repeat([]byte{'\n'}, maxBlockRaw)
		write("filter", append(b, lfs...), lfs)

		// G full language-model segments, random words.
		tokens := S * G
		b = []byte{tagCoded}
		b = binary.AppendUvarint(b, maxBlockRaw)
		b = append(b, 0)
		b = binary.AppendUvarint(b, uint64(tokens))
		b = append(b, make([]byte, (G+3)/4)...)
		stream := randomBytes(7, 8+4*tokens)
		stream[7] = 0x40 // a valid initial state
		b = binary.AppendUvarint(b, uint64(len(stream)))
		write("lm", append(b, stream...), nil)

		// G context-mixing segments, as long as the raw length allows.
		seg := min(maxBlockRaw/G, S*l.MaxTokenBytes)
		b = []byte{tagCoded}
		b = binary.AppendUvarint(b, maxBlockRaw)
		b = append(b, 0)
		b = binary.AppendUvarint(b, uint64(S*G))
		b = append(b, bytes.Repeat([]byte{0x55}, (G+3)/4)...) // method 1 for all
		for range G {
			b = binary.AppendUvarint(b, uint64(seg))
		}
		stream = randomBytes(8, maxBlockRaw+maxStreamSlack)
		b = binary.AppendUvarint(b, uint64(len(stream)))
		write("cm", append(b, stream...), nil)
	}

	// Version 3 (lanes, mixing and dynamic evaluation) with level 9's
	// scheme, the largest window and mixer (its second model, and the
	// model learning), 32 lanes: lanes-32-3 is a block of 32 lanes of
	// 1024 tokens whose stream is random words (the model and the mixer
	// run for the whole block, as for a valid one of the same size), beside
	// which scripts/reader-memory.sh puts a valid level 9 archive.
	h := Header{Version: FormatVersion, Recipe: RecipeInt8, Model: l.Name, ModelID: l.ID(), SegmentTokens: maxLaneTokens, GroupSegments: 32, Scheme: levels[9].Scheme}
	if h.Scheme.HasSecond() {
		l2, err := lm.Load(h.Scheme.Second)
		if err != nil {
			t.Fatal(err)
		}
		h.Scheme.Second, h.Scheme.SecondID = l2.Name, l2.ID()
	}
	const lanes, laneLen = 32, 1024
	b := []byte{tagCoded}
	b = binary.AppendUvarint(b, maxBlockRaw)
	b = append(b, 0)
	b = binary.AppendUvarint(b, lanes)
	b = append(b, make([]byte, (lanes+3)/4)...)
	for range lanes {
		b = binary.AppendUvarint(b, laneLen)
	}
	stream := randomBytes(9, 8+4*lanes*laneLen)
	stream[7] = 0x40
	b = binary.AppendUvarint(b, uint64(len(stream)))
	if err := os.WriteFile(filepath.Join(*hostileDir, "lanes-32-3.lmz"), craftWith(h, append(b, stream...), nil), 0o644); err != nil {
		t.Fatal(err)
	}
}
