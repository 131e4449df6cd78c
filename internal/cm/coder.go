// Package cm is a context-mixing compressor for bytes, for the parts of a
// file that lmzip's language model predicts badly (program sources,
// transcripts, tables, binary data).
//
// The coder predicts one bit at a time. Direct order-0 and order-1
// statistics, hashed context models (version 1: orders 2, 3 and 5, the
// current word, the column and the byte above it; version 2 adds orders 4
// and 6, the line's first bytes and the last two words) that keep bit
// histories in nibble-sized slots with check bytes, and a match model feed
// a gated logistic mixer (version 2: three weight sets and a second layer);
// adaptive probability maps refine its output and a final mixer blends
// the two. A carry-less binary arithmetic coder codes the bits. All
// arithmetic is integer (the stretch, squash and log tables are computed
// with integer code), so the output is identical on every platform and
// build. Each version's output is fixed forever (archives record the
// version): a change that alters a prediction is a new version.
//
// The Model is separate from the coded streams and persists across them:
// a file can be coded as a sequence of segments, some coded by this
// package's Encoder, others coded elsewhere and only shown to the Model
// with Observe (or Cost). A Decoder stays in sync with the Encoder as long
// as both models saw the same bytes in the same order.
//
// A coded stream carries neither its length nor an end marker: the
// container must store the number of bytes and delimit the stream. The
// Decoder treats the end of its reader as the end of the stream (it
// supplies zero bytes past it) and may read to the end of the reader.
package cm

import (
	"bufio"
	"errors"
	"io"
)

// Encoder codes bytes with a Model into an io.Writer.
type Encoder struct {
	m      *Model
	w      io.Writer
	x1, x2 uint32
	out    []byte
	err    error
	closed bool
}

// NewEncoder returns an Encoder that codes with m (and trains it) into w.
// The model keeps its state; it is not reset.
func NewEncoder(m *Model, w io.Writer) *Encoder {
	return &Encoder{m: m, w: w, x2: 0xffffffff, out: make([]byte, 0, 4096)}
}

func (e *Encoder) flushOut() {
	if len(e.out) > 0 && e.err == nil {
		_, e.err = e.w.Write(e.out)
	}
	e.out = e.out[:0]
}

// Write codes p. It returns an error only if the underlying writer failed.
func (e *Encoder) Write(p []byte) (int, error) {
	if e.closed {
		return 0, errors.New("cm: write to closed Encoder")
	}
	m := e.m
	x1, x2 := e.x1, e.x2
	for _, c := range p {
		for i := 7; i >= 0; i-- {
			y := uint32(c>>uint(i)) & 1
			xmid := x1 + uint32(uint64(x2-x1)*uint64(m.pr)>>16)
			if y != 0 {
				x2 = xmid
			} else {
				x1 = xmid + 1
			}
			m.update(y)
			for (x1^x2)&0xff000000 == 0 {
				e.out = append(e.out, byte(x2>>24))
				x1 <<= 8
				x2 = x2<<8 | 255
			}
		}
		if len(e.out) >= 4000 {
			e.flushOut()
		}
	}
	e.x1, e.x2 = x1, x2
	if e.err != nil {
		return 0, e.err
	}
	return len(p), nil
}

// Close flushes the arithmetic coder, writing the fewest bytes (0 to 4)
// that identify the final interval when the stream is followed by zeros.
// The model keeps its state: a new Encoder can continue with it.
func (e *Encoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	k, v := flushValue(e.x1, e.x2)
	for j := 0; j < k; j++ {
		e.out = append(e.out, byte(v>>(24-8*j)))
	}
	e.flushOut()
	return e.err
}

// Decoder decodes bytes coded by an Encoder whose model saw the same bytes.
type Decoder struct {
	m       *Model
	r       io.ByteReader
	x1, x2  uint32
	x       uint32
	started bool
	padded  int // bytes supplied as zeros past the end of the input
	err     error
}

// NewDecoder returns a Decoder that decodes from r with m (and trains it).
// If r is not an io.ByteReader it is buffered.
func NewDecoder(m *Model, r io.Reader) *Decoder {
	br, ok := r.(io.ByteReader)
	if !ok {
		br = bufio.NewReader(r)
	}
	return &Decoder{m: m, r: br, x2: 0xffffffff}
}

func (d *Decoder) next() uint32 {
	if d.err == nil {
		c, err := d.r.ReadByte()
		if err == nil {
			return uint32(c)
		}
		if err != io.EOF {
			d.err = err
			return 0
		}
	}
	d.padded++
	if d.padded > 4 && d.err == nil {
		d.err = io.ErrUnexpectedEOF
	}
	return 0
}

// Read decodes exactly len(p) bytes into p. If the input ended before the
// stream could be complete (or was corrupt in a way that needs more input)
// it still fills p, with garbage, and returns io.ErrUnexpectedEOF; an error
// of the underlying reader is returned likewise. Errors are sticky.
func (d *Decoder) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, d.err
	}
	if !d.started {
		d.started = true
		for i := 0; i < 4; i++ {
			d.x = d.x<<8 | d.next()
		}
	}
	m := d.m
	x1, x2, x := d.x1, d.x2, d.x
	for j := range p {
		for i := 0; i < 8; i++ {
			xmid := x1 + uint32(uint64(x2-x1)*uint64(m.pr)>>16)
			var y uint32
			if x <= xmid {
				y = 1
				x2 = xmid
			} else {
				x1 = xmid + 1
			}
			m.update(y)
			for (x1^x2)&0xff000000 == 0 {
				x1 <<= 8
				x2 = x2<<8 | 255
				x = x<<8 | d.next()
			}
		}
		p[j] = byte(m.hist)
	}
	d.x1, d.x2, d.x = x1, x2, x
	return len(p), d.err
}

// ErrTrailing reports a stream that goes on past the end its encoder gave
// it.
var ErrTrailing = errors.New("cm: the stream does not end where it should")

// Close checks that the stream ended exactly where the Encoder ended it:
// the bytes that its Close wrote to identify the final interval (0 to 4, the
// fewest that do) and not one byte more. It reads from the underlying reader
// to make sure that nothing follows. Call it after the last Read.
func (d *Decoder) Close() error {
	if d.err != nil {
		return d.err
	}
	if d.started {
		// The window holds 4 bytes: the last ones read, then zeros past
		// the end. The encoder's flush is k bytes, so there must be 4−k
		// zeros, and the window must be the value the flush encodes.
		k, v := flushValue(d.x1, d.x2)
		if d.padded != 4-k || d.x != v {
			return ErrTrailing
		}
		if d.padded > 0 {
			return nil // the end of the input is already known
		}
	}
	if _, err := d.r.ReadByte(); err != io.EOF {
		if err != nil {
			return err
		}
		return ErrTrailing
	}
	return nil
}

// flushValue returns what Encoder.Close writes for the final interval
// [x1, x2]: the number of bytes k, and the value they encode, followed by
// zeros, as a 32-bit window.
func flushValue(x1, x2 uint32) (int, uint32) {
	for k := uint(0); k < 4; k++ {
		// smallest value >= x1 whose low 32-8k bits are zero
		mask := uint64(1)<<(32-8*k) - 1
		if v := (uint64(x1) + mask) &^ mask; v <= uint64(x2) {
			return int(k), uint32(v)
		}
	}
	return 4, x1
}

// Compress codes p with a fresh model of the latest version.
func Compress(p []byte) []byte {
	var b sliceWriter
	e := NewEncoder(NewModel(), &b)
	e.Write(p)
	e.Close()
	return b
}

// Decompress decodes n bytes from c, the output of Compress (with a model
// of the latest version). If c was
// truncated or altered it returns the (garbage) bytes with an error:
// io.ErrUnexpectedEOF if decoding ran past the end of c, else ErrTrailing
// (c does not end where its encoder ended it).
func Decompress(c []byte, n int) ([]byte, error) {
	if n < 0 {
		return nil, errors.New("cm: negative length")
	}
	out := make([]byte, n)
	d := NewDecoder(NewModel(), &sliceReader{b: c})
	if _, err := d.Read(out); err != nil {
		return out, err
	}
	return out, d.Close()
}

type sliceWriter []byte

func (w *sliceWriter) Write(p []byte) (int, error) {
	*w = append(*w, p...)
	return len(p), nil
}

type sliceReader struct {
	b []byte
	i int
}

func (r *sliceReader) ReadByte() (byte, error) {
	if r.i >= len(r.b) {
		return 0, io.EOF
	}
	c := r.b[r.i]
	r.i++
	return c, nil
}

func (r *sliceReader) Read(p []byte) (int, error) {
	if r.i >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.i:])
	r.i += n
	return n, nil
}
