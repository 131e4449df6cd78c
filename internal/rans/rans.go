// Package rans implements a range asymmetric numeral system (rANS) coder
// with 64-bit state and 32-bit output words, and the quantisation of a
// model's logits into the integer frequencies it codes with.
//
// Symbols are described by their frequency and cumulative start in a
// table that sums to ProbScale. The encoder takes the symbols in reverse
// order (rANS is last-in, first-out) and produces a byte stream that the
// decoder reads forward, giving the symbols back in forward order.
package rans

import (
	"encoding/binary"
	"errors"
)

// ProbBits is the precision of the frequency tables: frequencies sum to
// ProbScale = 1 << ProbBits.
const (
	ProbBits  = 28
	ProbScale = 1 << ProbBits
)

const (
	lowerBound = 1 << 31 // the state lies in [lowerBound, lowerBound << 32)
	wordBits   = 32
)

// ErrCorrupt reports a stream that cannot have come from the encoder.
var ErrCorrupt = errors.New("rans: corrupt stream")

// Encoder codes symbols given in reverse order.
type Encoder struct {
	x     uint64
	words []uint32 // emitted words, in reverse stream order
}

// NewEncoder returns an encoder in its initial state.
func NewEncoder() *Encoder { return &Encoder{x: lowerBound} }

// Reset empties the encoder for a new stream.
func (e *Encoder) Reset() {
	e.x = lowerBound
	e.words = e.words[:0]
}

// Put codes a symbol of frequency freq (≥ 1) whose cumulative frequency
// starts at start (start+freq ≤ ProbScale). Symbols must be put in the
// reverse of the order in which they will be decoded.
func (e *Encoder) Put(start, freq uint32) {
	x := e.x
	if x >= uint64(freq)<<(63-ProbBits) { // x ≥ ((lowerBound >> ProbBits) << 32) * freq
		e.words = append(e.words, uint32(x))
		x >>= wordBits
	}
	e.x = (x/uint64(freq))<<ProbBits + x%uint64(freq) + uint64(start)
}

// Finish ends the stream and appends it to dst: the final state (8 bytes)
// followed by the emitted words, all little-endian, in the order the
// decoder reads them.
func (e *Encoder) Finish(dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, e.x)
	for i := len(e.words) - 1; i >= 0; i-- {
		dst = binary.LittleEndian.AppendUint32(dst, e.words[i])
	}
	return dst
}

// Len returns the size in bytes that Finish would append.
func (e *Encoder) Len() int { return 8 + 4*len(e.words) }

// Decoder reads a stream written by Encoder.
type Decoder struct {
	x   uint64
	buf []byte
	err error
}

// NewDecoder starts decoding the stream b.
func NewDecoder(b []byte) (*Decoder, error) {
	if len(b) < 8 || (len(b)-8)%4 != 0 {
		return nil, ErrCorrupt
	}
	x := binary.LittleEndian.Uint64(b)
	if x < lowerBound || x >= lowerBound<<32 {
		return nil, ErrCorrupt
	}
	return &Decoder{x: x, buf: b[8:]}, nil
}

// Slot returns the cumulative frequency value of the next symbol: the
// symbol to decode is the one whose [start, start+freq) holds it.
func (d *Decoder) Slot() uint32 { return uint32(d.x & (ProbScale - 1)) }

// Advance consumes the symbol (start, freq) that holds Slot().
func (d *Decoder) Advance(start, freq uint32) {
	x := uint64(freq)*(d.x>>ProbBits) + uint64(d.Slot()) - uint64(start)
	if x < lowerBound {
		if len(d.buf) >= 4 {
			x = x<<wordBits | uint64(binary.LittleEndian.Uint32(d.buf))
			d.buf = d.buf[4:]
		} else {
			// Ran out of input: keep going (the caller decodes a known
			// number of symbols) but remember the fault.
			x = x<<wordBits | lowerBound
			d.err = ErrCorrupt
		}
	}
	d.x = x
}

// Err returns ErrCorrupt once the decoder has needed a word past the end of
// its stream: from then on the stream is known to be bad, and a caller
// decoding many symbols can stop.
func (d *Decoder) Err() error { return d.err }

// Close checks that the stream ended exactly where the encoder began it:
// all input consumed and the state back at its initial value.
func (d *Decoder) Close() error {
	if d.err != nil || len(d.buf) != 0 || d.x != lowerBound {
		return ErrCorrupt
	}
	return nil
}
