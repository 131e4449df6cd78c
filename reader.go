package lmzip

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/lmzip/lmzip/internal/cm"
	"github.com/lmzip/lmzip/internal/hub"
	"github.com/lmzip/lmzip/internal/lm"
	"github.com/lmzip/lmzip/internal/lmcoder"
	"github.com/lmzip/lmzip/internal/primer"
	"github.com/lmzip/lmzip/internal/recipe"
	"github.com/lmzip/lmzip/models"
)

// ReaderOptions configure decompression. The zero value (or nil) means
// the defaults.
type ReaderOptions struct {
	// Model overrides the model named in the archive: "base", "small", a
	// model directory, a GGUF file or "org/name[@revision]" in the Hugging
	// Face cache. It must be the model the archive was made with (its
	// identity is checked); it is needed for archives made with a model
	// directory or GGUF file. Archives made with a model from the Hugging
	// Face cache find it there.
	Model string
	// Progress, if not nil, is called after each block with the number of
	// archive bytes consumed so far.
	Progress func(consumed int64)
}

// Reader decompresses an archive.
//
// Several archives may be concatenated (as from "cat a.lmz b.lmz"): the
// Reader decodes them one after another, as compress/gzip does, and zero
// bytes after the last one (the padding of a tape or a block device) are
// ignored; any other trailing data is an error. With Multistream(false)
// the Reader stops at the end of the first archive instead.
//
// If the underlying reader implements io.ByteReader, the Reader reads
// nothing past the end of an archive, so that an archive can be embedded
// in another stream; otherwise it buffers, and may read further.
type Reader struct {
	r           *input
	opt         ReaderOptions
	header      *Header
	lm          *lm.LM
	coder       *lmcoder.Coder
	lanes       *lmcoder.Lanes // version 2
	primer      *primer.Primer // the scheme's primer, until the mixer learns it
	cm          *cm.Model
	multistream bool

	out  []byte // decoded bytes not yet returned
	crc  uint32
	size int64
	done bool
	err  error
}

// input is the archive as the format's parsers read it: the caller's
// reader itself if it is an io.ByteReader, else a buffer over it. It
// counts the bytes consumed.
type input struct {
	br  byteReader
	buf *bufio.Reader // nil when reading the caller's reader directly
	raw int64         // bytes read from the caller's reader, when buffered
	pos int64         // bytes consumed, when not buffered
}

func newInput(r io.Reader) *input {
	if br, ok := r.(byteReader); ok {
		return &input{br: br}
	}
	in := &input{}
	in.buf = bufio.NewReaderSize(readerFunc(func(p []byte) (int, error) {
		n, err := r.Read(p)
		in.raw += int64(n)
		return n, err
	}), 1<<16)
	in.br = in.buf
	return in
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func (in *input) Read(p []byte) (int, error) {
	n, err := in.br.Read(p)
	in.pos += int64(n)
	return n, err
}

func (in *input) ReadByte() (byte, error) {
	c, err := in.br.ReadByte()
	if err == nil {
		in.pos++
	}
	return c, err
}

// consumed returns the number of archive bytes parsed so far.
func (in *input) consumed() int64 {
	if in.buf != nil {
		return in.raw - int64(in.buf.Buffered())
	}
	return in.pos
}

// NewReader reads the archive's header from r and loads the model it
// needs.
func NewReader(r io.Reader, opt *ReaderOptions) (*Reader, error) {
	z := &Reader{r: newInput(r), multistream: true}
	if opt != nil {
		z.opt = *opt
	}
	h, err := readHeader(z.r)
	if err == io.EOF {
		err = errNoHeader
	}
	if err != nil {
		return nil, err
	}
	z.header = h
	z.crc = crc32.Update(0, castagnoli, h.append(nil))
	if z.lm, err = resolveModel(h, z.opt.Model); err != nil {
		return nil, err
	}
	if z.coder, err = coderFor(h, z.lm); err != nil {
		return nil, err
	}
	if err := z.startScheme(h); err != nil {
		return nil, err
	}
	return z, nil
}

// Multistream controls whether the Reader goes on to the archives that
// follow the first (the default) or stops at the end of the first, as
// compress/gzip's Reader.Multistream does. With false, reading ends with
// io.EOF at the end of the archive, and if the underlying reader is an
// io.ByteReader it is left just after the archive's last byte.
func (z *Reader) Multistream(ok bool) { z.multistream = ok }

// errClosed reports a read from a closed Reader.
var errClosed = errors.New("lmzip: read from a closed Reader")

// Close releases what the Reader holds to decode (the model's caches, the
// context-mixing model, the current block). It does not close the
// underlying reader. It returns the error that stopped decoding, if any;
// as with compress/gzip, the checksum is verified only if the Reader was
// read to io.EOF.
func (z *Reader) Close() error {
	err := z.err
	if err == errClosed {
		err = nil
	}
	z.coder, z.lanes, z.cm, z.out, z.err = nil, nil, nil, nil, errClosed
	return err
}

// startScheme checks a header's segments against the model and, for
// version 2, makes the lane coder with a fresh mixer.
func (z *Reader) startScheme(h *Header) error {
	z.lanes, z.primer = nil, nil
	if h.Version < 2 {
		if h.SegmentTokens > z.lm.Context {
			return formatErr("segments of %d tokens exceed the model's context of %d", h.SegmentTokens, z.lm.Context)
		}
		return nil
	}
	if h.Scheme.Window > z.lm.Context {
		return formatErr("a window of %d positions exceeds the model's context of %d", h.Scheme.Window, z.lm.Context)
	}
	r, err := recipeOf(h)
	if err != nil {
		return err
	}
	var l2 *lm.LM
	if s := h.Scheme; s.HasSecond() {
		// The second model is a built-in one, by the identity the archive
		// records, whatever model decodes the archive's own tokens.
		name, ok := lm.EmbeddedByID(s.SecondID)
		if !ok {
			return fmt.Errorf("%w: this archive mixes in a second model %s (id %x), which is not built into this lmzip", ErrWrongModel, plainName(s.Second), s.SecondID)
		}
		if l2, err = lm.Load(name); err != nil {
			return err
		}
		if h.Scheme.Window > l2.Context {
			return formatErr("a window of %d positions exceeds the second model's context of %d", h.Scheme.Window, l2.Context)
		}
	}
	if z.lanes, err = newLanes(z.lm, l2, r, h.Scheme); err != nil {
		return err
	}
	if h.Scheme.Primer != 0 {
		// Primed before the first block the model codes (decodeBlock):
		// nothing touches the mixer before, and a member without such a
		// block costs no priming.
		z.primer, _ = primer.Lookup(h.Scheme.Primer) // checked by readScheme
	}
	return nil
}

// coderFor returns the language-model decoder for an archive's header.
func coderFor(h *Header, l *lm.LM) (*lmcoder.Coder, error) {
	r, err := recipeOf(h)
	if err != nil {
		return nil, err
	}
	c, err := newCoder(l, r)
	if err != nil {
		return nil, err
	}
	c.LimitTokens(l.Tokenizer.VocabSize())
	return c, nil
}

// newCoder returns the language-model coder of model l under recipe r.
func newCoder(l *lm.LM, r *recipe.Recipe) (*lmcoder.Coder, error) {
	net, err := l.Network(r)
	if err != nil {
		return nil, fmt.Errorf("lmzip: %w", err)
	}
	return lmcoder.New(net, l.Start, r), nil
}

// ErrWrongModel reports that the archive needs another model than the one
// given or available.
var ErrWrongModel = errors.New("lmzip: wrong model")

// resolveModel loads the model an archive needs and checks its identity.
func resolveModel(h *Header, override string) (*lm.LM, error) {
	spec := override
	if spec == "" {
		// A built-in model by name, or by its identity whatever name the
		// archive records (a copy of a built-in model's directory).
		if name, ok := models.Canonical(h.Model); ok {
			spec = name
		} else if name, ok := lm.EmbeddedByID(h.ModelID); ok {
			spec = name
		} else if ref, ok := hub.ParseSpec(h.Model); ok {
			return resolveHubModel(h, ref)
		} else if ref, ok := hub.ParseLegacy(h.Model, hub.DefaultCache()); ok {
			return resolveHubModel(h, ref)
		} else {
			return nil, fmt.Errorf("%w: this archive was made with the model %s (id %x), which is not built in: give its directory or GGUF file with -m", ErrWrongModel, plainName(h.Model), h.ModelID)
		}
	}
	l, err := lm.Load(spec)
	if err != nil {
		return nil, err
	}
	if l.ID() != h.ModelID {
		return nil, fmt.Errorf("%w: this archive was made with the model %s (id %x) and cannot be decoded with %s (id %x)", ErrWrongModel, plainName(h.Model), h.ModelID, plainName(l.Name), l.ID())
	}
	return l, nil
}

// plainName returns a model name for a message: as it is when it is
// printable text without spaces, else quoted with Go's escapes.
func plainName(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsGraphic(r) || unicode.IsSpace(r) || r == '"' {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// Header returns the archive's header.
func (z *Reader) Header() Header { return *z.header }

// Read decompresses into p.
func (z *Reader) Read(p []byte) (int, error) {
	for len(z.out) == 0 {
		if z.err != nil {
			return 0, z.err
		}
		if z.done {
			return 0, io.EOF
		}
		z.err = z.nextItem()
	}
	n := copy(p, z.out)
	z.out = z.out[n:]
	return n, nil
}

// WriteTo decompresses everything into w.
func (z *Reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(z.out) > 0 {
			n, err := w.Write(z.out)
			total += int64(n)
			z.out = z.out[n:]
			if err != nil {
				return total, err
			}
		}
		if z.err != nil {
			return total, z.err
		}
		if z.done {
			return total, nil
		}
		z.err = z.nextItem()
	}
}

// nextItem decodes the next block, or checks the end of the archive.
func (z *Reader) nextItem() error {
	tag, err := z.r.ReadByte()
	if err != nil {
		return truncated(err)
	}
	if tag == tagEnd {
		return z.end()
	}
	if tag != tagStored && tag != tagCoded {
		return formatErr("unknown block type %d", tag)
	}
	// A segment holds at most S tokens, which bounds its bytes: a false
	// length cannot make the context-mixing decoder run for long.
	maxSegBytes := uint64(z.header.SegmentTokens) * uint64(z.lm.MaxTokenBytes)
	b, err := readBlock(z.r, tag, z.header, maxSegBytes, false)
	if err != nil {
		return err
	}
	var raw []byte
	if b.stored {
		z.model().Observe(b.text)
		raw, err = unfilter(b.filter, b.text, b.rawLen)
	} else {
		raw, err = z.decodeBlock(b)
	}
	if err != nil {
		return err
	}
	z.crc = crc32.Update(z.crc, castagnoli, raw)
	z.size += int64(len(raw))
	z.out = raw
	if z.opt.Progress != nil {
		z.opt.Progress(z.r.consumed())
	}
	return nil
}

func (z *Reader) end() error {
	size, err := readUvarint(z.r, 1<<62)
	if err != nil {
		return err
	}
	var crc [4]byte
	if _, err := io.ReadFull(z.r, crc[:]); err != nil {
		return truncated(err)
	}
	if int64(size) != z.size || binary.LittleEndian.Uint32(crc[:]) != z.crc {
		return ErrChecksum
	}
	if !z.multistream {
		z.done = true
		return nil
	}
	// Another archive may follow (as from concatenated files), or zero
	// padding.
	c, err := z.r.ReadByte()
	if err == io.EOF {
		z.done = true
		return nil
	}
	if err != nil {
		return err
	}
	if c == 0 {
		for {
			if c, err = z.r.ReadByte(); err == io.EOF {
				z.done = true
				return nil
			}
			if err != nil {
				return err
			}
			if c != 0 {
				return formatErr("trailing data after zero padding at the end of the archive")
			}
		}
	}
	if c != Magic[0] {
		return formatErr("trailing data after the end of the archive")
	}
	h, err := readHeaderAfter(z.r, c)
	if err != nil {
		return fmt.Errorf("after the end of an archive: %w", err)
	}
	if h.Model != z.header.Model || h.ModelID != z.header.ModelID || h.Recipe != z.header.Recipe {
		if z.lm, err = resolveModel(h, z.opt.Model); err != nil {
			return err
		}
		if z.coder, err = coderFor(h, z.lm); err != nil {
			return err
		}
	}
	if err := z.startScheme(h); err != nil {
		return err
	}
	z.header, z.cm, z.size = h, nil, 0
	z.crc = crc32.Update(0, castagnoli, h.append(nil))
	return nil
}

func (z *Reader) model() *cm.Model {
	if z.cm == nil {
		// readScheme accepted the version: NewModelVersion cannot fail.
		z.cm, _ = cm.NewModelVersion(z.header.Scheme.cmVersion())
	}
	return z.cm
}

func unfilter(f blockFilter, text []byte, rawLen uint64) ([]byte, error) {
	// The original is at most twice the filtered text (every LF a CR LF):
	// a false raw length cannot cause a large allocation.
	raw, err := f.decode(make([]byte, 0, min(rawLen, 2*uint64(len(text)))), text)
	if err != nil {
		return nil, formatErr("%v", err)
	}
	if uint64(len(raw)) != rawLen {
		return nil, formatErr("block decodes to %d bytes, header says %d", len(raw), rawLen)
	}
	return raw, nil
}

// decodeBlock decodes a coded block.
func (z *Reader) decodeBlock(b *block) ([]byte, error) {
	var lmLengths []int
	hasCM := false
	for i, m := range b.methods {
		switch m {
		case methodLM:
			lmLengths = append(lmLengths, b.lengths[i])
		case methodCM:
			hasCM = true
		}
	}
	hasLM := lmLengths != nil
	// The language model's segments, all at once in lockstep.
	var lmTokens [][]int32
	if hasLM {
		var err error
		if z.lanes != nil {
			if z.primer != nil {
				prime(z.lanes.Mixer(), z.lm, z.primer)
				z.primer = nil
			}
			lmTokens, err = z.lanes.Decode(b.lm, lmLengths)
		} else {
			lmTokens, err = z.coder.Decode(b.lm, lmLengths)
		}
		if err != nil {
			return nil, formatErr("language-model stream: %v", err)
		}
	}
	// Then every segment in order, through the CM model.
	tok := z.lm.Tokenizer
	model := z.model()
	var dec *cm.Decoder
	if hasCM {
		dec = cm.NewDecoder(model, bytes.NewReader(b.cm))
	}
	text := make([]byte, 0, min(b.rawLen, 1<<20)) // grows as the text is decoded
	rawData := b.raw
	for i, m := range b.methods {
		start := len(text)
		switch m {
		case methodLM:
			for _, t := range lmTokens[0] {
				if int(t) >= tok.VocabSize() {
					return nil, formatErr("token %d outside the tokenizer's vocabulary", t)
				}
				text = append(text, tok.TokenBytes(t)...)
			}
			lmTokens = lmTokens[1:]
			if uint64(len(text)) > b.rawLen {
				return nil, formatErr("block decodes to more than its %d bytes", b.rawLen)
			}
			model.Observe(text[start:])
		case methodCM:
			text = append(text, make([]byte, b.lengths[i])...)
			// In pieces, so that a stream that has run out stops the
			// decoder within a few kilobytes.
			for p := text[start:]; len(p) > 0; p = p[min(len(p), 4096):] {
				if _, err := dec.Read(p[:min(len(p), 4096)]); err != nil {
					return nil, formatErr("context-mixing stream: %v", err)
				}
			}
		case methodRaw:
			text = append(text, rawData[:b.lengths[i]]...)
			rawData = rawData[b.lengths[i]:]
			model.Observe(text[start:])
		}
	}
	if dec != nil {
		if err := dec.Close(); err != nil {
			return nil, formatErr("context-mixing stream: %v", err)
		}
	}
	return unfilter(b.filter, text, b.rawLen)
}
