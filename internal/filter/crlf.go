// Package filter holds the reversible text transforms lmzip applies before
// tokenizing, so that the model sees text in the form it was trained on.
package filter

import (
	"bytes"
	"errors"
)

// CRLF describes the line-end filter of a piece of text: with Enabled,
// every CR LF pair of the original became a single LF, and Bare lists the
// LFs of the filtered text that were bare LFs in the original (by their
// ordinal among the filtered text's LFs, ascending). A lone CR stays as it
// is, so the transform is exactly reversible.
type CRLF struct {
	Enabled bool
	Bare    []int
}

// EncodeCRLF chooses and applies the line-end filter to src. It is enabled
// when CR LF pairs outnumber bare LFs, so that the list of exceptions is
// the shorter one. The result may alias src when the filter is not used.
func EncodeCRLF(src []byte) ([]byte, CRLF) {
	crlf := bytes.Count(src, []byte("\r\n"))
	lf := bytes.Count(src, []byte("\n"))
	if crlf == 0 || crlf <= lf-crlf {
		return src, CRLF{}
	}
	f := CRLF{Enabled: true}
	dst := make([]byte, 0, len(src)-crlf)
	ordinal := 0
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			dst = append(dst, src...)
			break
		}
		if i > 0 && src[i-1] == '\r' {
			dst = append(dst, src[:i-1]...)
		} else {
			dst = append(dst, src[:i]...)
			f.Bare = append(f.Bare, ordinal)
		}
		dst = append(dst, '\n')
		ordinal++
		src = src[i+1:]
	}
	return dst, f
}

// ErrBadFilter reports filter data that does not fit the text.
var ErrBadFilter = errors.New("filter: line-end exceptions do not fit the text")

// Decode appends the original form of filtered text src to dst.
func (f CRLF) Decode(dst, src []byte) ([]byte, error) {
	if !f.Enabled {
		if len(f.Bare) != 0 {
			return nil, ErrBadFilter
		}
		return append(dst, src...), nil
	}
	bare := f.Bare
	return DecodeCRLF(dst, src, func() (int, bool) {
		if len(bare) == 0 {
			return 0, false
		}
		o := bare[0]
		bare = bare[1:]
		return o, true
	})
}

// DecodeCRLF appends the original form of text src, filtered with the
// line-end filter enabled, to dst. next returns the ordinals of the bare
// LFs in ascending order, and false after the last; it is called until it
// returns false, so that exceptions beyond the text's LFs are detected.
// The exceptions need not be held in memory as a list.
func DecodeCRLF(dst, src []byte, next func() (int, bool)) ([]byte, error) {
	want, more := next()
	ordinal := 0
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			dst = append(dst, src...)
			break
		}
		dst = append(dst, src[:i]...)
		if more && want == ordinal {
			dst = append(dst, '\n')
			want, more = next()
		} else {
			dst = append(dst, '\r', '\n')
		}
		ordinal++
		src = src[i+1:]
	}
	if more {
		return nil, ErrBadFilter
	}
	return dst, nil
}

// Split returns the part of the filter that applies to the LFs with
// ordinals in [from, to), renumbered from zero.
func (f CRLF) Split(from, to int) CRLF {
	if !f.Enabled {
		return CRLF{}
	}
	out := CRLF{Enabled: true}
	for _, o := range f.Bare {
		if o >= from && o < to {
			out.Bare = append(out.Bare, o-from)
		}
	}
	return out
}
