package lmzip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/lmzip/lmzip/internal/cm"
	"github.com/lmzip/lmzip/internal/filter"
	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/lmcoder"
	"github.com/lmzip/lmzip/internal/mix"
	"github.com/lmzip/lmzip/internal/model"
	"github.com/lmzip/lmzip/internal/primer"
	"github.com/lmzip/lmzip/internal/recipe"
	"github.com/lmzip/lmzip/models"
)

// Options configure compression. The zero value (or nil) means the
// defaults.
type Options struct {
	// Model is the model to compress with: "base" (the default), "small",
	// the path of a Hugging Face model directory or of a GGUF file, or
	// "org/name[@revision]", a model in the Hugging Face cache (the archive
	// then names it "org/name@commit").
	Model string
	// SegmentTokens is the number of tokens per segment; 0 means the
	// model's context length, which is also the most it may be.
	SegmentTokens int
	// GroupSegments is the largest number of segments coded together in a
	// block, which decompression advances in lockstep (its batch size);
	// 0 means 16, and it may be at most MaxGroupSegments.
	GroupSegments int
	// Coders restricts the coders a segment may use; nil allows all. The
	// names are "lm" (the language model), "cm" (the context-mixing coder)
	// and "raw" (stored). Whole blocks are stored when that is smallest,
	// whatever this says.
	Coders []string
	// Recipe is the ID of the numeric recipe (see Recipes and
	// ParseRecipe); 0 means DefaultRecipe.
	Recipe int
	// ChunkSize is how much input is gathered before it is filtered and
	// tokenised; 0 means 1 MiB. It is at least 4 KiB and at most 4 MiB
	// (which bounds a block, and so what a Reader must hold).
	ChunkSize int
	// Progress, if not nil, is called after each block with the number
	// of input bytes consumed so far.
	Progress func(consumed int64)
	// Level is the compression level, 1 (fastest) to 9 (smallest); 0
	// means DefaultLevel. It chooses the model (unless Model is set), the
	// scheme and the lanes' length (see Levels).
	Level int
	// Scheme, if not nil, replaces the level's scheme.
	Scheme *Scheme
	// NoPrimer stops a Writer from priming its adaptive models with a
	// built-in text that the start of the input shares (see
	// Scheme.Primer); a scheme's own primer is still used.
	NoPrimer bool
	// LaneTokens, if positive, replaces the level's shortest lane.
	LaneTokens int
}

const (
	maxLaneTokens = 1 << 20 // longest lane (version 2)
	defaultGroup  = 16
	defaultChunk  = 1 << 20
	chunkFloor    = 1 << 12
	maxChunk      = 4 << 20
)

// growthSlack is the most an archive may exceed its input by, besides
// growthPerMille per thousand bytes of input: so no input grows by more
// than a few bytes, whatever the options and the model's name.
const (
	growthSlack    = 64
	growthPerMille = 1
)

// nameBudget returns how long model names an archive whose input is at
// least n bytes can record within the growth bound: what its header (with
// no names), one stored run's header and the end record leave. A name is a
// hint (the model id identifies the model).
func nameBudget(h Header, n int64) int {
	h.Model, h.Scheme.Second = "", ""
	fixed := len(h.append(nil)) + maxStoredHeader + 1 + uvarintLen(uint64(n)) + 4
	return max(0, growthSlack+int(min(n/1000*growthPerMille, maxNameLen))-fixed)
}

// recordNames records in h the model's name, cut to what an archive of
// at least n bytes of input may spend on names, and the second model's
// (h's Scheme.Second, a built-in model's) whole in what is left, or not at
// all: its identity is what a reader goes by.
func recordNames(h *Header, name string, n int64) {
	budget := nameBudget(*h, n)
	second := h.Scheme.Second
	h.Model = recordedName(name, budget)
	budget -= uvarintLen(uint64(len(h.Model))) - 1 + len(h.Model)
	if uvarintLen(uint64(len(second)))-1+len(second) > budget {
		h.Scheme.Second = ""
	}
}

func uvarintLen(v uint64) int { return len(binary.AppendUvarint(nil, v)) }

// recordedName returns the model name to record in at most budget bytes:
// the whole name if it fits; else, for a model from the Hugging Face Hub
// (org/name@commit), the name with a 12-digit commit prefix, which the
// cache still resolves; else the name cut at a character boundary. (The
// name's own length takes a byte of the header more once it reaches 128.)
func recordedName(name string, budget int) string {
	if len(name) > 127 {
		budget--
	}
	if len(name) <= budget {
		return name
	}
	if repo, commit, ok := strings.Cut(name, "@"); ok && len(commit) > 12 {
		if short := repo + "@" + commit[:12]; len(short) <= budget {
			return short
		}
	}
	budget = max(budget, 0)
	for budget > 0 && !utf8.RuneStart(name[budget]) {
		budget--
	}
	return name[:budget]
}

// Stats describe what a Writer did.
type Stats struct {
	In, Out  int64 // bytes consumed and written
	Tokens   int64 // tokens of the filtered text
	Segments [3]int64
	// SegmentBytes counts the filtered bytes handled by each coder
	// (language model, context mixing, stored segments).
	SegmentBytes [3]int64
	// IdealBits is the language model's ideal code length of all
	// segments, in bits (the sum of -log2 p over their tokens).
	IdealBits float64
	// StoredBlocks counts blocks stored as they are.
	StoredBlocks int64
}

// Writer compresses what is written to it. Close must be called to finish
// the archive.
type Writer struct {
	w     io.Writer
	opt   Options
	lm    *lm.LM
	coder *lmcoder.Coder
	lanes *lmcoder.Lanes // version 2: the lane coder, with its mixer
	snap  *lmcoder.State // a snapshot of its state (mixer, adapted weights), reused
	best  *lmcoder.State // the state after the best analysis of a block (see refine)

	scheme     Scheme
	laneTokens int
	header     Header
	allowed    [3]bool
	chunk      int

	pending []byte
	stored  *storedRun // stored blocks waiting to be merged and written
	meter   *cm.Model  // runs ahead of model, measuring what the CM coder would cost
	cm      *cm.Model
	crc     uint32
	begun   bool // the header is fixed
	started bool
	closed  bool
	err     error
	stats   Stats
	out     []byte
}

// NewWriter returns a Writer that compresses to w with the given options
// (nil for the defaults). It loads the model, which takes a moment the
// first time.
func NewWriter(w io.Writer, opt *Options) (*Writer, error) {
	z := &Writer{w: w}
	if opt != nil {
		z.opt = *opt
	}
	level := z.opt.Level
	if level == 0 {
		level = DefaultLevel
	}
	if level < 1 || level >= len(levels) {
		return nil, fmt.Errorf("lmzip: compression level %d (1 to %d)", level, len(levels)-1)
	}
	lv := levels[level]
	if z.opt.Model == "" {
		z.opt.Model = lv.Model
	}
	if z.opt.Scheme != nil {
		lv.Scheme = *z.opt.Scheme
		if lv.Scheme.Plain() && lv.Scheme.HasSecond() {
			return nil, errors.New("lmzip: a second model needs lanes (a scheme with a window)")
		}
		if s := lv.Scheme; s.Primer != 0 {
			if s.Plain() {
				return nil, errors.New("lmzip: a primer needs lanes (a scheme with a window)")
			}
			if err := checkPrimer(s); err != nil {
				return nil, fmt.Errorf("lmzip: %w", err)
			}
		}
		if s := lv.Scheme; s.Adapts() || s.AdaptEvery != 0 {
			if s.Plain() {
				return nil, errors.New("lmzip: dynamic evaluation needs lanes (a scheme with a window)")
			}
			if err := checkAdapt(s); err != nil {
				return nil, fmt.Errorf("lmzip: %w", err)
			}
		}
	}
	if z.opt.LaneTokens > 0 {
		lv.LaneTokens = z.opt.LaneTokens
	}
	l, err := lm.Load(z.opt.Model)
	if err != nil {
		return nil, err
	}
	z.lm = l
	z.laneTokens = max(lv.LaneTokens, 1)
	if z.opt.Scheme == nil && !isBuiltIn(l, lv.Model) {
		// A level's second model goes with the level's own model (by
		// identity, whatever the name it was given by): another model
		// may not share its vocabulary.
		lv.Scheme.Second, lv.Scheme.SecondID = "", [8]byte{}
	}
	z.scheme = lv.Scheme
	id := z.opt.Recipe
	if id == 0 {
		id = DefaultRecipe
	}
	rec, err := recipe.Lookup(id)
	if err != nil {
		return nil, fmt.Errorf("lmzip: %w", err)
	}
	if z.coder, err = newCoder(l, rec); err != nil {
		return nil, err
	}
	seg := z.opt.SegmentTokens
	version := formatPlain
	if z.scheme.Plain() {
		if seg < 0 || seg > z.coder.MaxSegment() {
			return nil, fmt.Errorf("lmzip: segments of %d tokens: the model %s takes 1 to %d", seg, l.Name, z.coder.MaxSegment())
		}
		if seg == 0 {
			seg = z.coder.MaxSegment()
		}
	} else {
		version = formatLanes
		if seg < 0 || seg > maxLaneTokens {
			return nil, fmt.Errorf("lmzip: lanes of %d tokens: 1 to %d", seg, maxLaneTokens)
		}
		if seg == 0 {
			seg = maxLaneTokens
		}
		net, err := l.Network(rec)
		if err != nil {
			return nil, fmt.Errorf("lmzip: %w", err)
		}
		z.scheme = fitScheme(z.scheme, net)
		if z.opt.Scheme != nil && z.opt.Scheme.Adapts() && !z.scheme.Adapts() {
			return nil, fmt.Errorf("lmzip: dynamic evaluation: the model %s cannot learn (it needs a Llama-family model)", l.Name)
		}
		var l2 *lm.LM
		if z.scheme.HasSecond() {
			if l2, err = loadSecond(z.scheme); err != nil {
				return nil, err
			}
			z.scheme.Second, z.scheme.SecondID = l2.Name, l2.ID()
		}
		if z.lanes, err = newLanes(l, l2, rec, z.scheme); err != nil {
			return nil, err
		}
		if z.scheme.Extended() {
			version = formatExt
		}
	}
	group := z.opt.GroupSegments
	if group < 0 || group > maxGroupSegments {
		return nil, fmt.Errorf("lmzip: %d segments a block: 1 to %d", group, maxGroupSegments)
	}
	if group == 0 {
		group = defaultGroup
	}
	z.header = Header{Version: version, Recipe: rec.ID, ModelID: l.ID(), SegmentTokens: seg, GroupSegments: group, Scheme: z.scheme}
	z.allowed = [3]bool{true, true, true}
	if z.opt.Coders != nil {
		z.allowed = [3]bool{}
		for _, c := range z.opt.Coders {
			found := false
			for m, name := range methodNames {
				if c == name {
					z.allowed[m], found = true, true
				}
			}
			if !found {
				return nil, errors.New("lmzip: unknown coder " + c + " (lm, cm, raw)")
			}
		}
	}
	z.chunk = z.opt.ChunkSize
	if z.chunk <= 0 {
		z.chunk = defaultChunk
	}
	z.chunk = min(max(z.chunk, chunkFloor), maxChunk)
	v := z.scheme.cmVersion()
	if z.meter, err = cm.NewModelVersion(v); err != nil {
		return nil, fmt.Errorf("lmzip: %w", err)
	}
	z.cm, _ = cm.NewModelVersion(v)
	return z, nil
}

// Model returns the name of the model the Writer compresses with.
func (z *Writer) Model() string { return z.lm.Name }

// SecondModel returns the name of the second model mixed in (levels 6-9
// with their own model), or "".
func (z *Writer) SecondModel() string { return z.scheme.Second }

// Stats returns what the Writer has done so far.
func (z *Writer) Stats() Stats { return z.stats }

// Write compresses p. Input is gathered into chunks; the archive grows as
// each chunk is coded.
func (z *Writer) Write(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	if z.closed {
		return 0, errors.New("lmzip: write to a closed Writer")
	}
	z.pending = append(z.pending, p...)
	for len(z.pending) >= z.chunk {
		cut := chunkCut(z.pending[:z.chunk])
		if err := z.compressChunk(z.pending[:cut]); err != nil {
			z.err = err
			return 0, err
		}
		z.pending = append(z.pending[:0], z.pending[cut:]...)
	}
	return len(p), nil
}

// chunkCut picks where to end a chunk: after the last line end in its
// second half, else before a UTF-8 character that the chunk would split.
func chunkCut(b []byte) int {
	if i := bytes.LastIndexByte(b[len(b)/2:], '\n'); i >= 0 {
		return len(b)/2 + i + 1
	}
	for i := len(b) - 1; i > 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// Close compresses what remains and ends the archive. It does not close
// the underlying writer.
func (z *Writer) Close() error {
	if z.closed {
		return z.err
	}
	z.closed = true
	if z.err != nil {
		return z.err
	}
	if len(z.pending) > 0 {
		if err := z.compressChunk(z.pending); err != nil {
			z.err = err
			return err
		}
		z.pending = nil
	}
	z.begin(0, nil)
	z.flushStored()
	z.startArchive()
	z.out = append(z.out, tagEnd)
	z.out = binary.AppendUvarint(z.out, uint64(z.stats.In))
	z.out = binary.LittleEndian.AppendUint32(z.out, z.crc)
	z.err = z.flush()
	return z.err
}

// begin fixes the header before the first chunk of n bytes (0 for empty
// input), filtered to text, is coded: the primer it records depends on the
// text, the model name on how much input there is at least, and the
// checksum covers the header.
func (z *Writer) begin(n int, text []byte) {
	if z.begun {
		return
	}
	z.begun = true
	z.choosePrimer(text)
	recordNames(&z.header, z.lm.Name, int64(n))
	z.crc = crc32.Update(0, castagnoli, z.header.append(nil))
}

// choosePrimer gives a scheme with the match model and no primer of its
// own the built-in primer that text (the first chunk) shares enough with,
// if any, and primes the mixer with the scheme's primer (a reader primes
// before the first block the model codes: the mixer is the same).
func (z *Writer) choosePrimer(text []byte) {
	s := &z.header.Scheme
	if z.lanes == nil {
		return
	}
	if s.Primer == 0 {
		if !s.Match || z.opt.NoPrimer || !z.allowed[methodLM] {
			return
		}
		p := primer.Choose(text)
		if p == nil {
			return
		}
		s.Primer, z.scheme.Primer = p.ID, p.ID
		z.header.Version = max(z.header.Version, formatExt)
	}
	p, _ := primer.Lookup(s.Primer) // checked by NewWriter
	prime(z.lanes.Mixer(), z.lm, p)
}

// prime makes the mixer learn primer p, tokenised by model l's tokenizer.
func prime(mx *mix.Mixer, l *lm.LM, p *primer.Primer) {
	mx.Prime(l.Tokenizer.Encode(p.Text))
}

func (z *Writer) startArchive() {
	if !z.started {
		z.started = true
		z.out = z.header.append(z.out)
	}
}

func (z *Writer) flush() error {
	if len(z.out) == 0 {
		return nil
	}
	n, err := z.w.Write(z.out)
	z.stats.Out += int64(n)
	if err == nil && n < len(z.out) {
		err = io.ErrShortWrite
	}
	z.out = z.out[:0]
	return err
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segment is one segment of a block during compression.
type segment struct {
	tokens []int32
	text   []byte // its filtered bytes
	// exact: the tokens' bytes are text. Only then may the language model
	// code the segment (decoding gives the tokens' bytes).
	exact  bool
	syms   []lmcoder.Sym
	cost   [3]uint64 // per method, in 1/65536 bits
	costed bool      // cost holds the cm and raw costs already
	method int
	// A piece of a lane (see Writer.pieces): the lane, and the piece's
	// first token in it.
	lane *segment
	from int
}

// compressChunk filters, tokenises and codes one chunk of input.
func (z *Writer) compressChunk(raw []byte) error {
	filtered, lineEnds := filter.EncodeCRLF(raw)
	z.begin(len(raw), filtered)
	z.crc = crc32.Update(z.crc, castagnoli, raw)
	// Each token's stretch of the text: a segment's text is taken from
	// the input, and is the tokens' bytes except where the tokenizer cannot
	// spell the input (see tokenizer.EncodeSpans).
	tokens, ends := z.lm.Tokenizer.EncodeSpans(filtered)
	if len(tokens) > 0 && ends[len(ends)-1] != len(filtered) || len(tokens) == 0 && len(filtered) > 0 {
		return errors.New("lmzip: internal error: the tokens do not cover the input")
	}
	z.stats.Tokens += int64(len(tokens))
	S, G := z.header.SegmentTokens, z.header.GroupSegments
	off, lf := 0, 0
	before := z.stats.In
	consumedRaw := before
	// The chunk's segments are spread evenly over as few blocks as hold
	// them, so that no block is a small batch for the decoder.
	nSeg := (len(tokens) + S - 1) / S
	if z.lanes != nil {
		// Lanes: as many as fill the blocks, each at least laneTokens
		// long, at most S.
		nSeg = max(nSeg, min(G, len(tokens)/z.laneTokens), 1)
		S = (len(tokens) + nSeg - 1) / nSeg
		nSeg = (len(tokens) + S - 1) / S
	}
	nBlocks := (nSeg + G - 1) / G
	for b, b0 := 0, 0; b0 < len(tokens); b++ {
		b1 := min(len(tokens), b0+S*evenShare(nSeg, nBlocks, b))
		var segs []*segment
		start := off
		for s0 := b0; s0 < b1; s0 += S {
			s1 := min(b1, s0+S)
			seg := &segment{tokens: tokens[s0:s1], text: filtered[off:ends[s1-1]]}
			seg.exact = z.spells(seg.tokens, seg.text)
			segs = append(segs, seg)
			off = ends[s1-1]
		}
		text := filtered[start:off]
		lfs := bytes.Count(text, []byte{'\n'})
		f := lineEnds.Split(lf, lf+lfs)
		lf += lfs
		rawLen := rawLength(text, lfs, f)
		if err := z.writeBlock(segs, text, rawLen, f); err != nil {
			return err
		}
		b0 = b1
		consumedRaw += int64(rawLen)
		z.stats.In = consumedRaw
		if z.opt.Progress != nil {
			z.opt.Progress(consumedRaw)
		}
	}
	if off != len(filtered) || consumedRaw-before != int64(len(raw)) {
		return errors.New("lmzip: internal error: the blocks do not cover the input")
	}
	z.stats.In = consumedRaw
	return nil
}

// spells reports whether the bytes of tokens, concatenated, are text.
func (z *Writer) spells(tokens []int32, text []byte) bool {
	for _, t := range tokens {
		b := z.lm.Tokenizer.TokenBytes(t)
		if len(b) > len(text) || !bytes.Equal(b, text[:len(b)]) {
			return false
		}
		text = text[len(b):]
	}
	return len(text) == 0
}

// skipModel reports whether the context-mixing coder's cost (in 1/65536
// bits) of n bytes leaves the language model nothing worth trying: above 7
// bits per byte the data is close to random, below 1/20 bit per byte the
// model could save at most n/160 bytes. Only when the model is the sole
// coder allowed is it always run.
func (z *Writer) skipModel(cmCost uint64, n int) bool {
	random := cmCost >= uint64(n)*7<<16 && (z.allowed[methodCM] || z.allowed[methodRaw])
	free := cmCost*20 <= uint64(n)<<16 && z.allowed[methodCM]
	return random || free
}

// overheadBits is what choosing a non-LM method adds to a segment's cost:
// its length in the block header.
const overheadBits = 16 << 16

// writeBlock chooses a coder for each segment and writes the block.
func (z *Writer) writeBlock(segs []*segment, text []byte, rawLen int, f filter.CRLF) error {
	if z.lanes != nil {
		return z.writeLaneBlock(segs, text, rawLen, f)
	}
	// The CM meter runs ahead of the language model (it is far faster), so
	// that segments it finds nearly incompressible or nearly free skip the
	// model: there the model cannot gain more than a few bytes.
	cmCosts := make(chan uint64, len(segs))
	go func() {
		for _, s := range segs {
			cmCosts <- z.meter.Cost(s.text)
		}
	}()
	costs := make([]uint64, len(segs))
	var lmErr error
	done := z.stats.In // for progress within the block
	for i, s := range segs {
		if z.opt.Progress != nil && i > 0 {
			z.opt.Progress(done)
		}
		done += int64(len(s.text))
		costs[i] = <-cmCosts
		s.cost[methodLM] = math.MaxUint64
		if !z.allowed[methodLM] || !s.exact || lmErr != nil || z.skipModel(costs[i], len(s.text)) {
			continue
		}
		s.syms, lmErr = z.coder.Analyze(s.tokens, s.syms)
		if lmErr != nil {
			continue
		}
		s.cost[methodLM] = 0
		for _, y := range s.syms {
			s.cost[methodLM] += y.Cost()
		}
		z.stats.IdealBits += float64(s.cost[methodLM]) / 65536
	}
	if lmErr != nil {
		return lmErr
	}
	for i, s := range segs {
		s.cost[methodCM] = costs[i] + overheadBits
		s.cost[methodRaw] = uint64(len(s.text))*8<<16 + overheadBits
		s.method = -1
		for m := range s.cost {
			if z.allowed[m] && (s.method < 0 || s.cost[m] < s.cost[s.method]) {
				s.method = m
			}
		}
		if s.method < 0 {
			return errors.New("lmzip: no coder allowed")
		}
		if s.method == methodLM && !s.exact {
			return errors.New("lmzip: the model's tokenizer cannot spell this input exactly (it has no byte fallback); allow the cm or raw coder")
		}
	}
	// A coded block must save more than a stored run's header over the
	// stored form, for it may split a run of stored blocks in two: so no
	// input grows by more than a few bytes, whatever the options.
	block := z.codeBlock(segs, rawLen, f)
	return z.putBlock(segs, block, text, rawLen, f)
}

// putBlock writes a coded block, or text as a stored block if that is
// smaller (and then reports false).
func (z *Writer) putBlock(segs []*segment, block, text []byte, rawLen int, f filter.CRLF) error {
	if stores(block, text, rawLen, f) {
		z.addStored(text, rawLen, f)
		return nil
	}
	z.flushStored()
	z.startArchive()
	z.out = append(z.out, block...)
	for _, s := range segs {
		z.stats.Segments[s.method]++
		z.stats.SegmentBytes[s.method] += int64(len(s.text))
	}
	return z.flush()
}

// stores reports whether putBlock stores the text rather than the coded
// block: then the decoder sees none of the block's coding, and a writer
// must undo what coding it taught its models.
func stores(block, text []byte, rawLen int, f filter.CRLF) bool {
	return len(block)+maxStoredHeader > min(storedSize(text, rawLen, f), rawLen)
}

// storedRun is consecutive stored blocks, merged into one.
type storedRun struct {
	text   []byte
	rawLen int
	f      filter.CRLF
	lfs    int // LFs in text
}

// maxStoredRun bounds the text of merged stored blocks.
const maxStoredRun = 4 << 20

// maxStoredHeader bounds the bytes of a stored block besides its text and
// line-end exceptions: tag, raw length, filter byte, exception count and
// length (uvarints of at most 4 bytes below maxBlockRaw).
const maxStoredHeader = 14

func (z *Writer) addStored(text []byte, rawLen int, f filter.CRLF) {
	r := z.stored
	if r != nil && (r.f.Enabled != f.Enabled || len(r.text)+len(text) > maxStoredRun) {
		z.flushStored()
		r = nil
	}
	if r == nil {
		r = &storedRun{f: filter.CRLF{Enabled: f.Enabled}}
		z.stored = r
	}
	r.text = append(r.text, text...)
	r.rawLen += rawLen
	for _, o := range f.Bare {
		r.f.Bare = append(r.f.Bare, r.lfs+o)
	}
	r.lfs += bytes.Count(text, []byte{'\n'})
	z.stats.StoredBlocks++
}

// flushStored writes the pending stored blocks as one.
func (z *Writer) flushStored() {
	r := z.stored
	if r == nil {
		return
	}
	z.stored = nil
	z.startArchive()
	z.out = append(z.out, tagStored)
	z.out = binary.AppendUvarint(z.out, uint64(r.rawLen))
	z.out = appendFilter(z.out, r.f)
	z.out = binary.AppendUvarint(z.out, uint64(len(r.text)))
	z.out = append(z.out, r.text...)
}

// codeBlock builds a coded block. It advances the CM model over the
// block's text.
func (z *Writer) codeBlock(segs []*segment, rawLen int, f filter.CRLF) []byte {
	b := []byte{tagCoded}
	b = binary.AppendUvarint(b, uint64(rawLen))
	b = appendFilter(b, f)
	nTokens := 0
	for _, s := range segs {
		nTokens += len(s.tokens)
	}
	b = binary.AppendUvarint(b, uint64(nTokens))
	methods := make([]byte, (len(segs)+3)/4)
	for i, s := range segs {
		methods[i/4] |= byte(s.method) << (2 * (i % 4))
	}
	b = append(b, methods...)
	for _, s := range segs {
		if s.method != methodLM {
			b = binary.AppendUvarint(b, uint64(len(s.text)))
		}
	}
	return z.appendStreams(b, segs)
}

// appendStreams appends a coded block's streams: the language model's,
// the context-mixing coder's (advancing the CM model over the block's
// text) and the stored segments' text.
func (z *Writer) appendStreams(b []byte, segs []*segment) []byte {
	var lmGroup [][]lmcoder.Sym
	var hasCM bool
	var raw []byte
	for _, s := range segs {
		switch s.method {
		case methodLM:
			lmGroup = append(lmGroup, s.syms)
		case methodCM:
			hasCM = true
		case methodRaw:
			raw = append(raw, s.text...)
		}
	}
	if lmGroup != nil {
		stream := lmcoder.Encode(nil, lmGroup)
		b = binary.AppendUvarint(b, uint64(len(stream)))
		b = append(b, stream...)
	}
	if hasCM {
		var buf bytes.Buffer
		enc := cm.NewEncoder(z.cm, &buf)
		for _, s := range segs {
			if s.method == methodCM {
				enc.Write(s.text)
			} else {
				z.cm.Observe(s.text)
			}
		}
		enc.Close()
		b = binary.AppendUvarint(b, uint64(buf.Len()))
		b = append(b, buf.Bytes()...)
	} else {
		z.advanceCM(segs)
	}
	return append(b, raw...)
}

// copyCMMin is the least text for which advanceCM copies the meter's state
// rather than reading the text again (a copy takes a few milliseconds;
// version 2 reads about a megabyte a second).
var copyCMMin = 64 << 10

// advanceCM advances the CM model over the text of segs, none coded by it.
// The meter has run ahead over the same text: when it has read exactly that
// since the model last caught up, the model takes its state.
func (z *Writer) advanceCM(segs []*segment) {
	n := 0
	for _, s := range segs {
		n += len(s.text)
	}
	if n >= copyCMMin && z.meter.Seen() == z.cm.Seen()+uint32(n) {
		z.cm.CopyFrom(z.meter)
		return
	}
	for _, s := range segs {
		z.cm.Observe(s.text)
	}
}

// storedSize is the size of text as a stored block of its own.
func storedSize(text []byte, rawLen int, f filter.CRLF) int {
	b := []byte{tagStored}
	b = binary.AppendUvarint(b, uint64(rawLen))
	b = appendFilter(b, f)
	b = binary.AppendUvarint(b, uint64(len(text)))
	return len(b) + len(text)
}

// fitScheme adapts a level's scheme to model l: a window no larger than
// its context (keeping the same share of it), and recomputing rather than
// shifting for a model whose positions cannot shift.
func fitScheme(s Scheme, net model.Model) Scheme {
	if ctx := net.Config().MaxPositions; s.Window > ctx {
		s.Keep = max(1, s.Keep*ctx/s.Window)
		s.Window = ctx
	}
	if s.Window < 2 {
		s.Window, s.Keep = 2, 1
	}
	if !model.CanShift(net) && s.Keep > 1 {
		s.Recompute = true
	}
	if s.Adapts() && !model.CanAdapt(net) {
		s.AdaptRate, s.AdaptEvery = 0, 0 // (a level's; a model that cannot learn codes without)
	}
	return s
}

// loadSecond loads the second model of a scheme given to a Writer: the
// built-in model of its identity when it records one, else the model it
// names. It must be built in: a reader finds it by its identity alone (a
// reader's -m names only the first model).
func loadSecond(s Scheme) (*lm.LM, error) {
	spec := s.Second
	if s.SecondID != [8]byte{} {
		name, ok := lm.EmbeddedByID(s.SecondID)
		if !ok {
			return nil, fmt.Errorf("%w: no built-in model has the second model's id %x", ErrWrongModel, s.SecondID)
		}
		spec = name
	}
	l, err := lm.Load(spec)
	if err != nil {
		return nil, fmt.Errorf("lmzip: the second model: %w", err)
	}
	if _, ok := lm.EmbeddedByID(l.ID()); !ok {
		return nil, fmt.Errorf("lmzip: the second model %s is not built in, so a reader could not find it (built in: %s)", plainName(l.Name), strings.Join(models.Names(), ", "))
	}
	return l, nil
}

// isBuiltIn reports whether l is the built-in model name names ("base" or
// "lmzip-base"), by its identity.
func isBuiltIn(l *lm.LM, name string) bool {
	want, ok := models.Canonical(name)
	got, found := lm.EmbeddedByID(l.ID())
	return ok && found && got == want
}

// newLanes returns the lane coder of scheme s for model l (and the second
// model l2 when s has one) under recipe r, with a fresh mixer.
func newLanes(l, l2 *lm.LM, r *recipe.Recipe, s Scheme) (*lmcoder.Lanes, error) {
	net, err := l.Network(r)
	if err != nil {
		return nil, fmt.Errorf("lmzip: %w", err)
	}
	mx, err := mix.New(s.mix(), net.Config().VocabSize)
	if err != nil {
		return nil, fmt.Errorf("lmzip: %w", err)
	}
	var ad *model.Adapter
	if s.Adapts() {
		// A copy of the network that learns: the cached one stays as it is.
		if net, ad, err = model.NewAdapter(net, s.AdaptRate); err != nil {
			return nil, fmt.Errorf("lmzip: scheme %v: %w", s, err)
		}
	}
	c, err := lmcoder.NewLanes(net, l.Start, r, s.slide(), mx)
	if err != nil {
		return nil, fmt.Errorf("lmzip: scheme %v: %w", s, err)
	}
	if ad != nil {
		if err := c.SetAdapter(ad, s.AdaptEvery); err != nil {
			return nil, fmt.Errorf("lmzip: scheme %v: %w", s, err)
		}
	}
	if s.HasSecond() {
		if l2 == nil {
			return nil, fmt.Errorf("lmzip: scheme %v: the second model is not loaded", s)
		}
		net2, err := l2.Network(r)
		if err != nil {
			return nil, fmt.Errorf("lmzip: %w", err)
		}
		if err := c.SetSecond(net2); err != nil {
			return nil, fmt.Errorf("lmzip: scheme %v: %w", s, err)
		}
	}
	c.LimitTokens(l.Tokenizer.VocabSize())
	return c, nil
}

// writeLaneBlock is writeBlock for version 2: the segments are lanes, and
// the language model's lanes are analysed together, as the decoder will
// run them. The mixer learns from the block's language-model lanes only,
// so when the methods are known the lanes are analysed again if the set
// changed, and the mixer is put back if the block is stored.
func (z *Writer) writeLaneBlock(segs []*segment, text []byte, rawLen int, f filter.CRLF) error {
	// The other coders' costs of each lane, and of the pieces it would be
	// cut into (see below): the meter runs once over the text. Pieces of a
	// cut block come with their costs.
	var cut []*segment
	for _, s := range segs {
		s.cost[methodLM] = math.MaxUint64
		if s.costed {
			continue
		}
		var cmCost uint64
		for _, p := range z.pieces(s) {
			p.cost[methodLM] = math.MaxUint64 // (not analysed as a piece)
			p.cost[methodCM] = z.meter.Cost(p.text) + overheadBits
			p.cost[methodRaw] = uint64(len(p.text))*8<<16 + overheadBits
			p.costed = true
			cmCost += p.cost[methodCM] - overheadBits
			cut = append(cut, p)
		}
		s.cost[methodCM] = cmCost + overheadBits
		s.cost[methodRaw] = uint64(len(s.text))*8<<16 + overheadBits
	}
	// The coder's state is saved (the mixer, tens of megabytes copied in
	// milliseconds, and with dynamic evaluation the model's adapted weights
	// and their moments, a few hundred) so that it can be put back if
	// another coder wins a lane or the block is stored.
	use := func(s *segment) bool {
		return z.allowed[methodLM] && s.exact && !z.skipModel(s.cost[methodCM]-overheadBits, len(s.text))
	}
	var snapshot *lmcoder.State
	for _, s := range segs {
		if use(s) {
			if z.snap == nil {
				z.snap = &lmcoder.State{}
			}
			z.lanes.SaveTo(z.snap)
			snapshot = z.snap
			break
		}
	}
	analyze := func(use func(*segment) bool) error {
		var lanes [][]int32
		var which []*segment
		for _, s := range segs {
			s.syms = nil
			if use(s) {
				lanes = append(lanes, s.tokens)
				which = append(which, s)
			}
		}
		if lanes == nil {
			return nil
		}
		syms, err := z.lanes.Analyze(lanes)
		if err != nil {
			return err
		}
		for i, s := range which {
			s.syms = syms[i]
			s.cost[methodLM] = 0
			for _, y := range s.syms {
				s.cost[methodLM] += y.Cost()
			}
		}
		return nil
	}
	if err := analyze(use); err != nil {
		return err
	}
	changed := false
	for _, s := range segs {
		s.method = -1
		for m := range s.cost {
			if z.allowed[m] && (s.method < 0 || s.cost[m] < s.cost[s.method]) {
				s.method = m
			}
		}
		if s.method < 0 {
			return errors.New("lmzip: no coder allowed")
		}
		if s.method == methodLM && !s.exact {
			return errors.New("lmzip: the model's tokenizer cannot spell this input exactly (it has no byte fallback); allow the cm or raw coder")
		}
		if (s.method == methodLM) != (s.syms != nil) {
			changed = true
		}
	}
	// Where the model is weak on part of the text, choosing the coder
	// lane by lane (thousands of tokens) is coarse: if choosing piece by
	// piece promises to pay, the block is written again as pieces of
	// pieceTokens, at the price of running the model over it twice.
	if len(cut) > len(segs) && z.cutPays(segs, cut) {
		if snapshot != nil {
			z.lanes.Restore(snapshot)
		}
		return z.writePieces(cut, text, f)
	}
	if snapshot != nil {
		if err := z.refine(segs, snapshot, changed, analyze); err != nil {
			return err
		}
	}
	for _, s := range segs {
		if s.method == methodLM {
			z.stats.IdealBits += float64(s.cost[methodLM]) / 65536
		}
	}
	block := z.codeLaneBlock(segs, rawLen, f)
	if stores(block, text, rawLen, f) && snapshot != nil {
		z.lanes.Restore(snapshot)
	}
	return z.putBlock(segs, block, text, rawLen, f)
}

// refine settles which lanes of a block the model codes, when another
// coder may code them. The mixer learns only from the lanes the model codes,
// so with fewer of them each costs more than the first analysis (of every
// lane worth trying) said. Every analysed set of lanes is a candidate whose
// cost is exact: after the first, the lanes chosen by its costs are
// analysed again, and a lane that now loses to another coder gives way, for
// at most refinePasses analyses and while each finds a cheaper set; coding
// no lane by the model is a candidate too. The cheapest candidate is kept,
// with the mixer as it left it. snapshot is the mixer before the block;
// changed says whether the chosen methods differ from the analysed set.
// When the model is the only coder allowed, every lane was analysed, none
// changed, and the first analysis stands.
func (z *Writer) refine(segs []*segment, snapshot *lmcoder.State, changed bool, analyze func(func(*segment) bool) error) error {
	best := uint64(math.MaxUint64)
	bestSyms := make([][]lmcoder.Sym, len(segs))
	bestCost := make([]uint64, len(segs))
	var bestMixer *lmcoder.State // nil: the coder as it stands
	// consider makes the analysed set (the lanes with syms) the best
	// candidate if it is, and reports whether it was.
	consider := func(last bool) bool {
		var total uint64
		for _, s := range segs {
			if s.syms != nil {
				total += s.cost[methodLM]
			} else {
				total += s.cost[z.otherCoder(s)]
			}
		}
		if total >= best {
			return false
		}
		best = total
		for i, s := range segs {
			bestSyms[i], bestCost[i] = s.syms, s.cost[methodLM]
		}
		bestMixer = nil
		if !last {
			if z.best == nil {
				z.best = &lmcoder.State{}
			}
			z.lanes.SaveTo(z.best)
			bestMixer = z.best
		}
		return true
	}
	consider(!changed)
	for pass := 1; changed; pass++ {
		z.lanes.Restore(snapshot)
		if err := analyze(func(s *segment) bool { return s.method == methodLM }); err != nil {
			return err
		}
		changed = false
		for _, s := range segs {
			if o := z.otherCoder(s); pass < refinePasses && s.method == methodLM && s.cost[o] < s.cost[methodLM] {
				s.method = o
				changed = true
			}
		}
		if !consider(!changed) {
			break // no better than an earlier set: stop paying for analyses
		}
	}
	var without uint64
	for _, s := range segs {
		without += s.cost[z.otherCoder(s)]
	}
	if without < best {
		bestMixer = snapshot
		clear(bestSyms)
	}
	for i, s := range segs {
		s.syms, s.cost[methodLM], s.method = bestSyms[i], bestCost[i], methodLM
		if s.syms == nil {
			s.cost[methodLM], s.method = math.MaxUint64, z.otherCoder(s)
		}
	}
	if bestMixer != nil {
		z.lanes.Restore(bestMixer)
	}
	return nil
}

// refinePasses is the most analyses of a lane block's chosen lanes (see
// refine).
const refinePasses = 3

// otherCoder returns the cheapest allowed coder of s other than the model,
// or the model if no other is allowed.
func (z *Writer) otherCoder(s *segment) int {
	best := methodLM
	for _, m := range []int{methodCM, methodRaw} {
		if z.allowed[m] && (best == methodLM || s.cost[m] < s.cost[best]) {
			best = m
		}
	}
	return best
}

// pieceTokens is the most tokens of a piece when a lane block is cut (see
// writeLaneBlock); 0 never cuts. A variable for the tests.
var pieceTokens = 1024

// pieces returns lane s cut into segments of at most pieceTokens tokens,
// or a copy of s if it is not longer (or its tokens do not spell its
// text, so it cannot be cut by them).
func (z *Writer) pieces(s *segment) []*segment {
	if pieceTokens <= 0 || !s.exact || len(s.tokens) <= pieceTokens {
		return []*segment{{tokens: s.tokens, text: s.text, exact: s.exact, lane: s}}
	}
	var out []*segment
	text := s.text
	for t0 := 0; t0 < len(s.tokens); t0 += pieceTokens {
		toks := s.tokens[t0:min(len(s.tokens), t0+pieceTokens)]
		n := 0
		for _, t := range toks {
			n += len(z.lm.Tokenizer.TokenBytes(t))
		}
		out = append(out, &segment{tokens: toks, text: text[:n], exact: true, lane: s, from: t0})
		text = text[n:]
	}
	return out
}

// cutPays estimates whether coding the pieces of lanes segs, each by its
// cheapest coder, costs less than the lanes as chosen. A piece's cost by
// the model is its tokens' costs in its lane, plus, for a piece that does
// not start its lane, what starting cold costs: coldTokens more tokens at
// the piece's mean cost. That is about 5% of a 1,024-token piece, twice
// what carrying context into such windows saves lmzip-base (2.4%,
// docs/RATIO.md): a margin for the estimate's errors (at 25 tokens, cp.html
// and fields.c were cut and grew by 1.5%).
func (z *Writer) cutPays(segs, cut []*segment) bool {
	var whole, pieces uint64
	for _, s := range segs {
		whole += s.cost[s.method]
	}
	for _, p := range cut {
		best := p.cost[z.otherCoder(p)] // the model's is MaxUint64 here
		if p.lane.syms != nil {
			var c uint64
			for _, y := range p.lane.syms[p.from : p.from+len(p.tokens)] {
				c += y.Cost()
			}
			if p.from > 0 {
				c += c * coldTokens / uint64(len(p.tokens))
			}
			best = min(best, c+overheadBits)
		}
		pieces += best
	}
	return pieces < whole
}

// coldTokens is what a cold start costs, in tokens (see cutPays).
const coldTokens = 50

// writePieces writes the pieces of a cut lane block (text and f are the
// block's text and line ends) as blocks of at most the header's group,
// spread evenly.
func (z *Writer) writePieces(cut []*segment, text []byte, f filter.CRLF) error {
	G, total := z.header.GroupSegments, len(cut)
	nb := (total + G - 1) / G
	lf := 0
	for b := 0; b < nb; b++ {
		n := evenShare(total, nb, b)
		segs := cut[:n]
		cut = cut[n:]
		size := 0
		for _, s := range segs {
			size += len(s.text)
		}
		sub, rest := text[:size], text[size:]
		text = rest
		lfs := bytes.Count(sub, []byte{'\n'})
		fs := f.Split(lf, lf+lfs)
		lf += lfs
		if err := z.writeLaneBlock(segs, sub, rawLength(sub, lfs, fs), fs); err != nil {
			return err
		}
	}
	return nil
}

// evenShare is part i's share of n items spread evenly over parts parts:
// the first n%parts parts take one more.
func evenShare(n, parts, i int) int {
	if i < n%parts {
		return n/parts + 1
	}
	return n / parts
}

// rawLength is the length before filtering of text, which has lfs LFs
// and line-end filter f.
func rawLength(text []byte, lfs int, f filter.CRLF) int {
	if f.Enabled {
		return len(text) + lfs - len(f.Bare)
	}
	return len(text)
}

// codeLaneBlock builds a version 2 coded block. It advances the CM model
// over the block's text.
func (z *Writer) codeLaneBlock(segs []*segment, rawLen int, f filter.CRLF) []byte {
	b := []byte{tagCoded}
	b = binary.AppendUvarint(b, uint64(rawLen))
	b = appendFilter(b, f)
	b = binary.AppendUvarint(b, uint64(len(segs)))
	methods := make([]byte, (len(segs)+3)/4)
	for i, s := range segs {
		methods[i/4] |= byte(s.method) << (2 * (i % 4))
	}
	b = append(b, methods...)
	for _, s := range segs {
		if s.method == methodLM {
			b = binary.AppendUvarint(b, uint64(len(s.tokens)))
		} else {
			b = binary.AppendUvarint(b, uint64(len(s.text)))
		}
	}
	return z.appendStreams(b, segs)
}
