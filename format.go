package lmzip

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/lmzip/lmzip/internal/filter"
	"github.com/lmzip/lmzip/internal/recipe"
)

// The .lmz format; docs/FORMAT.md describes it in full.

// Magic starts every archive.
const Magic = "\x89LMZ"

// FormatVersion is the newest version of the .lmz format this package
// writes and reads. Version 1 codes segments of at most the model's
// context, each from a cold start; version 2 adds a scheme to the header
// (carried context and adaptive mixing) and codes lanes. A Writer writes
// version 1 when its scheme does neither, so such archives stay readable
// by older lmzip. Version 3 adds extensions to the scheme (dynamic
// evaluation, a primer); a Writer writes it only for a scheme that has one.
const FormatVersion = 3

// The versions a Writer writes: formatPlain for the plain scheme,
// formatLanes for lanes, formatExt for a scheme with extensions.
const (
	formatPlain = 1
	formatLanes = 2
	formatExt   = 3
)

// Numeric recipes: how an archive's model probabilities were computed
// (package internal/recipe holds the table; Recipes lists it). These are
// their IDs.
const (
	// RecipeFloat32 keeps the model's keys and values in float32, as
	// the reference implementation (transformers) does.
	RecipeFloat32 = 1
	// RecipeFloat16 stores keys and values as float16: decompression,
	// which is bound by memory bandwidth, runs faster; the model's
	// predictions move by about 0.01 logit.
	RecipeFloat16 = 2
	// RecipeInt8 quantizes the weights of the linear layers and the
	// output head to int8 and multiplies in exact integer arithmetic, and
	// keeps keys and values as int8 with a scale per vector: archives
	// about 0.1% larger, faster compression and decompression (README).
	RecipeInt8 = 3
)

// DefaultRecipe is the recipe a Writer uses unless told otherwise (the
// recipe table's default; a test checks that they agree): int8, which costs
// about 0.1% of ratio on the corpora and runs faster in both directions
// (README, "Numeric recipes").
const DefaultRecipe = RecipeInt8

// RecipeInfo describes a numeric recipe.
type RecipeInfo struct {
	ID      int
	Name    string // what --recipe takes
	Summary string
}

// Recipes lists the numeric recipes this package implements, in ID order.
func Recipes() []RecipeInfo {
	var l []RecipeInfo
	for _, r := range recipe.All() {
		l = append(l, RecipeInfo{r.ID, r.Name, r.Summary})
	}
	return l
}

// ParseRecipe returns the ID of the recipe named s (its name or its ID).
func ParseRecipe(s string) (int, error) {
	r, err := recipe.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("lmzip: %w", err)
	}
	return r.ID, nil
}

// MaxGroupSegments is the largest number of segments in a block
// (Options.GroupSegments).
const MaxGroupSegments = maxGroupSegments

// Limits that decoding enforces before allocating, so that a hostile
// archive cannot make lmzip allocate without bound.
const (
	maxNameLen       = 1024
	maxGroupSegments = 32 // bounds the decoder's KV caches (32 × 25 MB for lmzip-base)
	maxSegmentTokens = 1 << 20
	// maxBlockRaw bounds the bytes a block decodes to: twice the largest
	// block the writer makes (maxChunk, maxStoredRun).
	maxBlockRaw = 8 << 20
	// maxStreamSlack bounds how much a coded block's streams may exceed
	// its raw length: the writer stores a block whose coded form is not
	// smaller than its stored form.
	maxStreamSlack = 64
)

// Item tags.
const (
	tagEnd    = 0
	tagCoded  = 1
	tagStored = 2
)

// Segment methods.
const (
	methodLM  = 0 // coded by the language model (rANS)
	methodCM  = 1 // coded by the context-mixing coder
	methodRaw = 2 // stored
)

var methodNames = [...]string{"lm", "cm", "raw"}

// ErrFormat reports an archive that is not valid .lmz data: not an
// archive at all, or a corrupt or truncated one.
var ErrFormat = errors.New("lmzip: corrupt or invalid archive")

// errNotArchive reports data that does not start like an archive.
var errNotArchive = fmt.Errorf("%w: not an lmzip archive (bad magic number)", ErrFormat)

// ErrChecksum reports an archive whose data decoded, but not to what was
// compressed.
var ErrChecksum = errors.New("lmzip: checksum mismatch: the archive is corrupt")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// Header is the start of an archive.
type Header struct {
	Version int
	Recipe  int
	// Model is the name of the model the archive was made with; ModelID
	// the first 8 bytes of its hash.
	Model   string
	ModelID [8]byte
	// SegmentTokens is the number of tokens per segment (the last segment
	// of a block may be shorter); GroupSegments the largest number of
	// segments in a block.
	SegmentTokens int
	GroupSegments int
	// Scheme is how version 2 archives code their lanes (the zero
	// Scheme for version 1). In version 2, SegmentTokens bounds a lane's
	// tokens and GroupSegments the lanes of a block.
	Scheme Scheme
}

func (h *Header) append(b []byte) []byte {
	b = append(b, Magic...)
	b = append(b, byte(h.Version))
	b = binary.AppendUvarint(b, uint64(h.Recipe))
	b = binary.AppendUvarint(b, uint64(len(h.Model)))
	b = append(b, h.Model...)
	b = append(b, h.ModelID[:]...)
	b = binary.AppendUvarint(b, uint64(h.SegmentTokens))
	b = binary.AppendUvarint(b, uint64(h.GroupSegments))
	if h.Version >= 2 {
		b = h.Scheme.append(b, h.Version)
	}
	return b
}

// byteReader is what the format's parsers read from.
type byteReader interface {
	io.Reader
	io.ByteReader
}

// errNoHeader reports an input too short for an archive's header.
var errNoHeader = formatErr("too short for a header")

// readHeader reads and checks an archive header. It returns io.EOF if r
// holds no byte at all.
func readHeader(r byteReader) (*Header, error) {
	c, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	return readHeaderAfter(r, c)
}

// readHeaderAfter reads a header whose first byte, first, has been read.
func readHeaderAfter(r byteReader, first byte) (*Header, error) {
	magic := [4]byte{first}
	if _, err := io.ReadFull(r, magic[1:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if string(magic[:1]) != Magic[:1] {
				return nil, errNotArchive
			}
			return nil, errNoHeader
		}
		return nil, err
	}
	if string(magic[:]) != Magic {
		return nil, errNotArchive
	}
	v, err := r.ReadByte()
	if err != nil {
		return nil, truncated(err)
	}
	h := &Header{Version: int(v)}
	if h.Version < 1 || h.Version > FormatVersion {
		if h.Version > FormatVersion {
			return nil, fmt.Errorf("lmzip: archive format version %d is newer than this lmzip reads (%d): upgrade lmzip", h.Version, FormatVersion)
		}
		return nil, formatErr("unknown format version %d", h.Version)
	}
	id, err := readUvarint(r, 1<<20)
	if err != nil {
		return nil, err
	}
	h.Recipe = int(id)
	if _, err := recipeOf(h); err != nil {
		return nil, err
	}
	if h.Model, h.ModelID, err = readModel(r); err != nil {
		return nil, err
	}
	seg, err := readUvarint(r, maxSegmentTokens)
	if err != nil {
		return nil, err
	}
	group, err := readUvarint(r, maxGroupSegments)
	if err != nil {
		return nil, err
	}
	if seg == 0 || group == 0 {
		return nil, formatErr("zero segment size")
	}
	h.SegmentTokens, h.GroupSegments = int(seg), int(group)
	if h.Version >= 2 {
		if h.Scheme, err = readScheme(r, h.Version); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// readModel reads a model's record: its name (a uvarint length, at most
// maxNameLen, and the bytes) and its 8-byte identity.
func readModel(r byteReader) (name string, id [8]byte, err error) {
	n, err := readUvarint(r, maxNameLen)
	if err != nil {
		return "", id, err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", id, truncated(err)
	}
	if _, err := io.ReadFull(r, id[:]); err != nil {
		return "", id, truncated(err)
	}
	return string(b), id, nil
}

// recipeOf returns the numeric recipe an archive header names.
func recipeOf(h *Header) (*recipe.Recipe, error) {
	r, err := recipe.Lookup(h.Recipe)
	if err != nil {
		return nil, fmt.Errorf("lmzip: archive: %w", err)
	}
	return r, nil
}

func truncated(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return formatErr("unexpected end of archive (truncated?)")
	}
	return err
}

// readUvarint reads a uvarint no larger than limit.
func readUvarint(r io.ByteReader, limit uint64) (uint64, error) {
	var v uint64
	for shift := 0; ; shift += 7 {
		c, err := r.ReadByte()
		if err != nil {
			return 0, truncated(err)
		}
		if shift == 63 && c > 1 || shift > 63 {
			return 0, formatErr("number too large")
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	if v > limit {
		return 0, formatErr("value %d exceeds the limit %d", v, limit)
	}
	return v, nil
}

// readBytes reads n bytes, growing the buffer as the data arrives so that
// a false length cannot cause a large allocation.
func readBytes(r io.Reader, n uint64) ([]byte, error) {
	const step = 1 << 20
	buf := make([]byte, 0, min(n, step))
	for uint64(len(buf)) < n {
		k := min(n-uint64(len(buf)), step)
		start := len(buf)
		buf = append(buf, make([]byte, k)...)
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return nil, truncated(err)
		}
	}
	return buf, nil
}

// appendFilter writes a block's line-end filter.
func appendFilter(b []byte, f filter.CRLF) []byte {
	if !f.Enabled {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(len(f.Bare)))
	prev := -1
	for _, o := range f.Bare {
		b = binary.AppendUvarint(b, uint64(o-prev-1))
		prev = o
	}
	return b
}

// blockFilter is a block's line-end filter as read. Its exceptions are
// kept as stored (uvarint gaps) rather than as a list of ordinals, so that
// they take no more memory than the archive's own bytes.
type blockFilter struct {
	enabled bool
	n       uint64 // exceptions
	gaps    []byte // their gaps, n uvarints (nil when skipped)
}

// decode appends the original form of the block's filtered text to dst.
func (f *blockFilter) decode(dst, text []byte) ([]byte, error) {
	if !f.enabled {
		return append(dst, text...), nil
	}
	gaps, left, prev := f.gaps, f.n, -1
	return filter.DecodeCRLF(dst, text, func() (int, bool) {
		if left == 0 {
			return 0, false
		}
		d, k := binary.Uvarint(gaps) // checked when read
		gaps, left = gaps[k:], left-1
		prev += 1 + int(d)
		return prev, true
	})
}

// readFilter reads a block's line-end filter. Every exception is an LF of
// the block's original bytes, so there are fewer than rawLen of them, with
// ordinals below rawLen. With keep false the exceptions are checked but not
// kept.
func readFilter(r byteReader, rawLen uint64, keep bool) (blockFilter, error) {
	mode, err := r.ReadByte()
	if err != nil {
		return blockFilter{}, truncated(err)
	}
	switch mode {
	case 0:
		return blockFilter{}, nil
	case 1:
	default:
		return blockFilter{}, formatErr("unknown filter %d", mode)
	}
	n, err := readUvarint(r, rawLen)
	if err != nil {
		return blockFilter{}, err
	}
	f := blockFilter{enabled: true, n: n}
	if keep {
		f.gaps = make([]byte, 0, n) // mostly one byte each; n ≤ maxBlockRaw
	}
	next := uint64(0) // the smallest ordinal the next exception may have
	for i := uint64(0); i < n; i++ {
		d, err := readUvarint(r, rawLen)
		if err != nil {
			return blockFilter{}, err
		}
		if next += d; next >= rawLen {
			return blockFilter{}, formatErr("line-end exception out of range")
		}
		next++
		if keep {
			f.gaps = binary.AppendUvarint(f.gaps, d)
		}
	}
	return f, nil
}

// block is a data block's header and payload as read from an archive.
type block struct {
	stored bool
	rawLen uint64 // original bytes it decodes to
	filter blockFilter

	// A stored block's filtered text.
	text []byte

	// A coded block's segments: the method of each, and its length in
	// tokens (language-model segments) or filtered bytes (the others).
	methods []int
	lengths []int
	tokens  int
	// Its streams: the language model's, the context-mixing coder's, and
	// the stored segments' bytes. With skip, they are skipped and only
	// their sizes are kept.
	lm, cm, raw             []byte
	lmSize, cmSize, rawSize uint64
}

// readBlock reads the block that follows tag (tagStored or tagCoded).
// maxSegBytes bounds a segment's length in bytes. With skip, the payload is
// skipped rather than read.
func readBlock(r byteReader, tag byte, h *Header, maxSegBytes uint64, skip bool) (*block, error) {
	b := &block{stored: tag == tagStored}
	var err error
	if b.rawLen, err = readUvarint(r, maxBlockRaw); err != nil {
		return nil, err
	}
	if b.filter, err = readFilter(r, b.rawLen, !skip); err != nil {
		return nil, err
	}
	payload := func(n uint64) ([]byte, error) {
		if skip {
			_, err := io.CopyN(io.Discard, r, int64(n))
			return nil, truncated(err)
		}
		return readBytes(r, n)
	}
	if b.stored {
		// The filtered text is never longer than the original, and is
		// exactly the original without the filter.
		n, err := readUvarint(r, b.rawLen)
		if err != nil {
			return nil, err
		}
		if !b.filter.enabled && n != b.rawLen || b.rawLen > 2*n {
			return nil, formatErr("stored block of %d bytes cannot decode to %d", n, b.rawLen)
		}
		b.rawSize = n
		b.text, err = payload(n)
		return b, err
	}
	if h.Version >= 2 {
		if err := readLanes(r, b, h, maxSegBytes); err != nil {
			return nil, err
		}
		return b, readStreams(r, b, payload)
	}
	S := h.SegmentTokens
	nTokens, err := readUvarint(r, uint64(S*h.GroupSegments))
	if err != nil {
		return nil, err
	}
	if nTokens == 0 {
		return nil, formatErr("empty block")
	}
	b.tokens = int(nTokens)
	nSeg := (b.tokens + S - 1) / S
	methodBytes, err := readBytes(r, uint64((nSeg+3)/4))
	if err != nil {
		return nil, err
	}
	b.methods = make([]int, nSeg)
	b.lengths = make([]int, nSeg)
	var count [3]int
	// Every token is at least one byte of filtered text, which is no
	// longer than the original: the text the segments claim must fit the
	// raw length, before any of it is decoded.
	total, lmTokens := uint64(0), uint64(0)
	for i := range b.methods {
		m := int(methodBytes[i/4]>>(2*(i%4))) & 3
		if m > methodRaw {
			return nil, formatErr("unknown segment method %d", m)
		}
		b.methods[i] = m
		count[m]++
		if m == methodLM {
			b.lengths[i] = min(S, b.tokens-i*S)
			lmTokens += uint64(b.lengths[i])
		}
	}
	total = lmTokens
	for i, m := range b.methods {
		if m == methodLM {
			continue
		}
		n, err := readUvarint(r, maxSegBytes)
		if err != nil {
			return nil, err
		}
		b.lengths[i] = int(n)
		if m == methodRaw {
			b.rawSize += n
		}
		total += n
	}
	if total > b.rawLen {
		return nil, formatErr("segments of at least %d bytes in a block of %d", total, b.rawLen)
	}
	return b, readStreams(r, b, payload)
}

// readLanes reads the lanes of a version 2 coded block: their number, their
// methods and their lengths (tokens for language-model lanes, filtered
// bytes for the others).
func readLanes(r byteReader, b *block, h *Header, maxSegBytes uint64) error {
	n, err := readUvarint(r, uint64(h.GroupSegments))
	if err != nil {
		return err
	}
	if n == 0 {
		return formatErr("empty block")
	}
	methodBytes, err := readBytes(r, (n+3)/4)
	if err != nil {
		return err
	}
	b.methods = make([]int, n)
	b.lengths = make([]int, n)
	total := uint64(0)
	for i := range b.methods {
		m := int(methodBytes[i/4]>>(2*(i%4))) & 3
		if m > methodRaw {
			return formatErr("unknown segment method %d", m)
		}
		b.methods[i] = m
	}
	for i, m := range b.methods {
		limit := maxSegBytes
		if m == methodLM {
			limit = uint64(h.SegmentTokens)
		}
		v, err := readUvarint(r, limit)
		if err != nil {
			return err
		}
		if v == 0 {
			return formatErr("empty lane")
		}
		b.lengths[i] = int(v)
		// Every token is at least one byte of filtered text, which is no
		// longer than the original: the text the lanes claim must fit the
		// raw length, before any of it is decoded.
		if total += v; total > b.rawLen {
			return formatErr("lanes of at least %d bytes in a block of %d", total, b.rawLen)
		}
		switch m {
		case methodLM:
			b.tokens += int(v)
		case methodRaw:
			b.rawSize += v
		}
	}
	return nil
}

// readStreams reads a coded block's streams, as its methods say. The
// writer stores a block whose streams are not smaller than its text, and
// the rANS decoder reads at most one 32-bit word per token: a stream longer
// than that is refused before it is read.
func readStreams(r byteReader, b *block, payload func(uint64) ([]byte, error)) error {
	var count [3]int
	lmTokens := uint64(0)
	for i, m := range b.methods {
		count[m]++
		if m == methodLM {
			lmTokens += uint64(b.lengths[i])
		}
	}
	streams := b.rawSize
	room := func(n uint64) error {
		if streams += n; streams > b.rawLen+maxStreamSlack {
			return formatErr("streams of a block exceed its size")
		}
		return nil
	}
	var err error
	if count[methodLM] > 0 {
		if b.lmSize, err = readUvarint(r, 8+4*lmTokens); err != nil {
			return err
		}
		if err := room(b.lmSize); err != nil {
			return err
		}
		if b.lm, err = payload(b.lmSize); err != nil {
			return err
		}
	}
	if count[methodCM] > 0 {
		if b.cmSize, err = readUvarint(r, maxBlockRaw+maxStreamSlack); err != nil {
			return err
		}
		if err := room(b.cmSize); err != nil {
			return err
		}
		if b.cm, err = payload(b.cmSize); err != nil {
			return err
		}
	}
	b.raw, err = payload(b.rawSize)
	return err
}
