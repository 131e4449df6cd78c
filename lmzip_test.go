package lmzip

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/testutil"
)

// tinyModel is a 2-layer random Llama with a 320-token vocabulary and 64
// positions: fast enough to test the format exhaustively.
func tinyModel(t testing.TB) string {
	return testutil.Data(t, "archs", "llama")
}

func roundTrip(t *testing.T, data []byte, opt *Options) []byte {
	t.Helper()
	arc, err := Compress(data, opt)
	if err != nil {
		t.Fatal(err)
	}
	ropt := &ReaderOptions{}
	if opt != nil && opt.Model != "" && !strings.HasPrefix(opt.Model, "lmzip-") && opt.Model != "base" && opt.Model != "small" {
		ropt.Model = opt.Model
	}
	got, err := Decompress(arc, ropt)
	if err != nil {
		t.Fatalf("decompress: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("round trip of %d bytes gave %d different bytes", len(data), len(got))
	}
	return arc
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// edgeInputs are inputs every coder path must survive.
func edgeInputs() map[string][]byte {
	return map[string][]byte{
		"empty":        {},
		"one byte":     {'x'},
		"one NUL":      {0},
		"newline":      []byte("\n"),
		"crlf":         []byte("one\r\ntwo\r\nthree\r\n"),
		"mixed eols":   []byte("a\r\nb\nc\r\n\r\nd\re\r\r\nf\n\r"),
		"invalid utf8": []byte("caf\xe9 \xff\xfe\x80 ok \xc3\x28 \xf0\x28\x8c\xbc end"),
		"random 3k":    randomBytes(1, 3000),
		"zeros":        make([]byte, 5000),
		"endoftext":    []byte("a <|endoftext|> b"),
		"long line":    bytes.Repeat([]byte("abcdefgh"), 2000),
	}
}

func TestRoundTripEdgesTiny(t *testing.T) {
	for name, data := range edgeInputs() {
		if testing.Short() && len(data) > 4000 {
			continue // the race detector's tier: the small inputs cross every path
		}
		for _, coders := range [][]string{nil, {"lm"}, {"cm"}, {"raw"}} {
			t.Run(name+"/"+strings.Join(coders, ","), func(t *testing.T) {
				roundTrip(t, data, &Options{Model: tinyModel(t), Coders: coders, GroupSegments: 3, ChunkSize: 4096})
			})
		}
	}
}

func TestRoundTripDefaultModels(t *testing.T) {
	text := sample(t, "canterbury/alice29.txt", 6000)
	for _, m := range []string{"small", "base"} {
		arc := roundTrip(t, text, &Options{Model: m})
		bpb := float64(len(arc)*8) / float64(len(text))
		t.Logf("%s: %d -> %d bytes, %.3f bits per byte", m, len(text), len(arc), bpb)
		if bpb > 1.9 {
			t.Errorf("%s: %.3f bits per byte on prose", m, bpb)
		}
	}
	inputs := edgeInputs()
	inputs["random 1 MiB"] = randomBytes(4, 1<<20)
	for name, data := range inputs {
		for _, m := range []string{"small", "base"} {
			t.Run(name+"/"+m, func(t *testing.T) {
				arc := roundTrip(t, data, &Options{Model: m})
				if len(arc) > len(data)+64+len(data)/1000 {
					t.Fatalf("%d bytes grew to %d", len(data), len(arc))
				}
			})
		}
	}
}

// sample reads the first n bytes of a corpus file.
func sample(t testing.TB, path string, n int) []byte {
	b, err := os.ReadFile(testutil.Data(t, "corpora", path))
	if err != nil {
		t.Fatal(err)
	}
	return b[:min(n, len(b))]
}

func TestIncompressibleGrowsLittle(t *testing.T) {
	data := randomBytes(2, 100000)
	arc := roundTrip(t, data, &Options{Model: tinyModel(t)})
	if len(arc) > len(data)+64+len(data)/1000 {
		t.Fatalf("random data grew from %d to %d bytes", len(data), len(arc))
	}
}

// TestArchiveIndependentOfThreadsAndKernels checks that the archive does
// not depend on the number of threads or on the kernel implementation.
func TestArchiveIndependentOfThreadsAndKernels(t *testing.T) {
	for _, recipe := range []int{RecipeFloat32, RecipeFloat16, RecipeInt8} {
		if testing.Short() && recipe != DefaultRecipe {
			continue // the race detector's tier: one recipe finds the same races
		}
		archiveIndependentOf(t, recipe)
	}
}

func archiveIndependentOf(t *testing.T, recipe int) {
	text := sample(t, "calgary/paper1", 3000)
	opt := &Options{Model: "small", GroupSegments: 4, SegmentTokens: 200, Recipe: recipe}
	if testing.Short() { // the race detector's tier: fewer tokens, as many segments
		text = text[:800]
		opt.SegmentTokens = 50
	}
	want, err := Compress(text, opt)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		got, err := Compress(text, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: archive differs", what)
		}
		back, err := Decompress(want, nil)
		if err != nil || !bytes.Equal(back, text) {
			t.Fatalf("%s: decompression failed: %v", what, err)
		}
	}
	for _, n := range []int{1, 3} {
		old := SetThreads(n)
		check("threads=" + string(rune('0'+n)))
		SetThreads(old)
	}
	restore := kernel.UseGeneric()
	check("plain Go kernels")
	restore()
}

func TestStreamingWritesMatchOneWrite(t *testing.T) {
	text := sample(t, "calgary/bib", 20000)
	if testing.Short() { // the race detector's tier: still several chunks
		text = text[:9000]
	}
	opt := &Options{Model: tinyModel(t), ChunkSize: 5000}
	want, err := Compress(text, opt)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opt)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 3))
	for rest := text; len(rest) > 0; {
		n := min(len(rest), r.IntN(3000))
		w.Write(rest[:n])
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatal("archive depends on how the input was written")
	}
}

func TestCorruptionDetected(t *testing.T) {
	text := []byte("The quick brown fox jumps over the lazy dog.\r\nAnd again.\r\n" + strings.Repeat("x", 200))
	arc, err := Compress(text, &Options{Model: tinyModel(t), Coders: []string{"lm", "cm"}})
	if err != nil {
		t.Fatal(err)
	}
	opt := &ReaderOptions{Model: tinyModel(t)}
	// Every truncation fails.
	for n := 0; n < len(arc); n++ {
		if got, err := Decompress(arc[:n], opt); err == nil {
			t.Fatalf("truncated to %d bytes: decoded %d bytes without error", n, len(got))
		}
	}
	// Every single-bit flip fails, or gives back exactly the input (a few
	// header bits do not affect the output, such as a token count that
	// only bounds segments the context-mixing coder codes by bytes).
	harmless := 0
	for i := range arc {
		for bit := 0; bit < 8; bit++ {
			bad := bytes.Clone(arc)
			bad[i] ^= 1 << bit
			got, err := Decompress(bad, opt)
			if err == nil && !bytes.Equal(got, text) {
				t.Fatalf("flip of byte %d bit %d: wrong output without error", i, bit)
			}
			if err == nil {
				harmless++
			}
		}
	}
	if harmless > 8 {
		t.Fatalf("%d of %d bit flips went undetected", harmless, 8*len(arc))
	}
}

func TestWrongModel(t *testing.T) {
	arc, err := Compress([]byte("hello"), &Options{Model: "small"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decompress(arc, &ReaderOptions{Model: "base"})
	if !errors.Is(err, ErrWrongModel) || !strings.Contains(err.Error(), "lmzip-small") {
		t.Fatalf("wrong model: %v", err)
	}
	arc, err = Compress([]byte("hello"), &Options{Model: tinyModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decompress(arc, nil)
	if !errors.Is(err, ErrWrongModel) || !strings.Contains(err.Error(), "the model llama (id ") {
		t.Fatalf("directory model without -m: %v", err)
	}
}

func TestNewerVersionRefused(t *testing.T) {
	arc, err := Compress([]byte("hello"), &Options{Model: tinyModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	arc[4] = FormatVersion + 1
	_, err = Decompress(arc, &ReaderOptions{Model: tinyModel(t)})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("newer version: %v", err)
	}
}

func TestConcatenatedArchives(t *testing.T) {
	opt := &Options{Model: tinyModel(t)}
	a, _ := Compress([]byte("first part\n"), opt)
	b, _ := Compress([]byte("second part\n"), opt)
	got, err := Decompress(append(a, b...), &ReaderOptions{Model: tinyModel(t)})
	if err != nil || string(got) != "first part\nsecond part\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := Decompress(append(a, 'x'), &ReaderOptions{Model: tinyModel(t)}); err == nil {
		t.Fatal("trailing garbage accepted")
	}
}

func TestInspect(t *testing.T) {
	text := sample(t, "calgary/paper2", 5000)
	arc, err := Compress(text, &Options{Model: "small"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(bytes.NewReader(arc))
	if err != nil {
		t.Fatal(err)
	}
	if info.Model != "lmzip-small" || info.Size != int64(len(text)) || info.Compressed != int64(len(arc)) || info.Blocks+info.Stored != 1 {
		t.Fatalf("info %+v", info)
	}
}

// renameModel rewrites the model name an archive of data records (and its
// checksum, which covers the header).
func renameModel(t *testing.T, arc, data []byte, name string) []byte {
	t.Helper()
	h, err := readHeader(bufio.NewReader(bytes.NewReader(arc)))
	if err != nil {
		t.Fatal(err)
	}
	old := h.append(nil)
	h.Model = name
	hdr := h.append(nil)
	out := append(hdr, arc[len(old):len(arc)-4]...)
	crc := crc32.Update(crc32.Update(0, castagnoli, hdr), castagnoli, data)
	return binary.LittleEndian.AppendUint32(out, crc)
}

// TestBuiltinModelByID decodes, without -m, an archive that records
// another name for a built-in model (made from a copy of its directory).
func TestBuiltinModelByID(t *testing.T) {
	data := []byte("hello, world\n")
	arc, err := Compress(data, &Options{Model: "small"})
	if err != nil {
		t.Fatal(err)
	}
	arc = renameModel(t, arc, data, "my-copy-of-small")
	got, err := Decompress(arc, nil)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("got %q, %v", got, err)
	}
}

// TestInspectMembers: Inspect sums over concatenated archives, reports
// zero padding, and rejects what the Reader rejects after the last member
// (item 8).
func TestInspectMembers(t *testing.T) {
	opt := &Options{Model: tinyModel(t)}
	a, _ := Compress([]byte("first part\n"), opt)
	b, _ := Compress([]byte("second, longer part\n"), opt)
	cat := append(bytes.Clone(a), b...)
	info, err := Inspect(bytes.NewReader(append(bytes.Clone(cat), 0, 0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Members) != 2 || info.Size != 11+20 || info.Compressed != int64(len(cat)+3) || info.Padding != 3 ||
		info.Members[0].Compressed != int64(len(a)) || info.Members[1].Compressed != int64(len(b)) || info.Members[1].Size != 20 {
		t.Fatalf("info %+v", info)
	}
	for name, bad := range map[string][]byte{
		"garbage":                append(bytes.Clone(cat), 'x'),
		"garbage after padding":  append(bytes.Clone(cat), 0, 0, 'x'),
		"a truncated member":     append(bytes.Clone(a), b[:len(b)-1]...),
		"an end of another size": append(bytes.Clone(a[:len(a)-5]), append([]byte{99}, a[len(a)-4:]...)...),
	} {
		if _, err := Inspect(bytes.NewReader(bad)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: Inspect gave %v", name, err)
		}
		if _, err := Decompress(bad, &ReaderOptions{Model: tinyModel(t)}); err == nil {
			t.Errorf("%s: Decompress accepted it", name)
		}
	}
}

// TestReaderMultistream: zero padding after the last archive is ignored;
// Multistream(false) stops at the end of the first archive without reading
// past it, so archives can be embedded in other streams; Close releases
// the Reader (item 16).
func TestReaderMultistream(t *testing.T) {
	opt := &Options{Model: tinyModel(t)}
	ropt := &ReaderOptions{Model: tinyModel(t)}
	a, _ := Compress([]byte("first part\n"), opt)
	b, _ := Compress([]byte("second part\n"), opt)
	got, err := Decompress(append(append(bytes.Clone(a), b...), make([]byte, 512)...), ropt)
	if err != nil || string(got) != "first part\nsecond part\n" {
		t.Fatalf("with zero padding: %q, %v", got, err)
	}
	stream := append(append(bytes.Clone(a), "between"...), b...)
	src := bytes.NewReader(stream)
	r, err := NewReader(src, ropt)
	if err != nil {
		t.Fatal(err)
	}
	r.Multistream(false)
	first, err := io.ReadAll(r)
	if err != nil || string(first) != "first part\n" {
		t.Fatalf("first member: %q, %v", first, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after Close")
	}
	rest, _ := io.ReadAll(src)
	if !bytes.Equal(rest, stream[len(a):]) {
		t.Fatalf("the Reader read %d bytes past the archive", len(stream)-len(a)-len(rest))
	}
	// Close reports the error that stopped decoding.
	r, _ = NewReader(bytes.NewReader(a[:len(a)-2]), ropt)
	io.Copy(io.Discard, r)
	if err := r.Close(); !errors.Is(err, ErrFormat) {
		t.Fatalf("Close after a truncated archive: %v", err)
	}
}

// shortWriter accepts at most n bytes per call and reports no error, as a
// broken io.Writer might.
type shortWriter struct {
	n   int
	buf bytes.Buffer
}

func (w *shortWriter) Write(p []byte) (int, error) {
	p = p[:min(len(p), w.n)]
	return w.buf.Write(p)
}

// TestWriterShortWrite: a Writer over an io.Writer that writes less than
// asked without an error reports io.ErrShortWrite instead of a silently
// truncated archive (item 16).
func TestWriterShortWrite(t *testing.T) {
	w, err := NewWriter(&shortWriter{n: 10}, &Options{Model: tinyModel(t)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("some text that makes an archive longer than ten bytes"))
	if err := w.Close(); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("Close: %v, want io.ErrShortWrite", err)
	}
}

// TestLaneBlocksStoredOrCoded crosses the writer's choice between a coded
// lane block and storing its text, near the point where the two are the
// same size: when the text is stored the decoder never sees the block's
// coding, so the writer must put its mixer back as it was (the matrix of
// scripts/portability.sh found a writer that compared with a different
// bound than the one that chose to store).
func TestLaneBlocksStoredOrCoded(t *testing.T) {
	text := append(sample(t, "canterbury/alice29.txt", 6000), sample(t, "canterbury/fields.c", 2000)...)
	for _, seg := range []int{40, 48, 64, 100} {
		for _, group := range []int{1, 2} {
			t.Run(fmt.Sprintf("segment %d group %d", seg, group), func(t *testing.T) {
				roundTrip(t, text, &Options{Model: tinyModel(t), Coders: []string{"lm"}, SegmentTokens: seg, GroupSegments: group})
			})
		}
	}
}

// TestCutLaneBlocks: where choosing the coder piece by piece pays, the
// writer codes a lane block again as pieces of pieceTokens tokens, each
// choosing its coder; the archive decodes, has more segments than the
// lanes it came from, and is smaller.
func TestCutLaneBlocks(t *testing.T) {
	// Prose the model knows, alternating with a terminal session
	// (Calgary's trans) where the context-mixing coder wins.
	alice, trans := sample(t, "canterbury/alice29.txt", 6000), sample(t, "calgary/trans", 6000)
	var text []byte
	for i := 0; i < 6000; i += 2000 {
		text = append(append(text, alice[i:i+2000]...), trans[i:i+2000]...)
	}
	opt := &Options{Level: 3, LaneTokens: 1500, GroupSegments: 2}
	segments := func(arc []byte) (lm, cm int) {
		info, err := Inspect(bytes.NewReader(arc))
		if err != nil {
			t.Fatal(err)
		}
		return info.Segments["lm"], info.Segments["cm"]
	}
	old := pieceTokens
	defer func() { pieceTokens = old }()
	pieceTokens = 0
	whole := roundTrip(t, text, opt)
	lm0, cm0 := segments(whole)
	pieceTokens = 400
	cut := roundTrip(t, text, opt)
	lm1, cm1 := segments(cut)
	if lm1+cm1 <= lm0+cm0 {
		t.Fatalf("cut into pieces: %d segments, no more than the %d lanes", lm1+cm1, lm0+cm0)
	}
	t.Logf("lanes: %d lm %d cm, %d bytes; pieces: %d lm %d cm, %d bytes", lm0, cm0, len(whole), lm1, cm1, len(cut))
	// The writer cuts only when its estimate says the pieces cost less.
	if len(cut) > len(whole) {
		t.Fatalf("lanes: %d lm %d cm, %d bytes; pieces: %d lm %d cm, %d bytes, larger", lm0, cm0, len(whole), lm1, cm1, len(cut))
	}
}

// TestRefinedCoderChoice: the mixer learns only from the lanes the model
// codes, so a piece that the first analysis gave the model can lose to the
// context-mixing coder once fewer pieces feed the mixer. The writer
// analyses the chosen set again and keeps the cheapest set it measured, and
// never writes a block that costs more than coding it without the model: on
// a Pascal program, where the context-mixing coder wins most pieces, the
// archive is no larger than the same level's without the model (before,
// 5,828 bytes against 5,612 at level 3 with short lanes).
func TestRefinedCoderChoice(t *testing.T) {
	text := sample(t, "calgary/progp", 30000)
	opt := Options{Level: 3, LaneTokens: 2000, GroupSegments: 4}
	all := roundTrip(t, text, &opt)
	opt.Coders = []string{"cm", "raw"}
	without, err := Compress(text, &opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) > len(without) {
		t.Errorf("%d bytes, more than the %d without the model", len(all), len(without))
	}
}
