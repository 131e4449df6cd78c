package lmzip

import (
	"encoding/binary"
	"io"
)

// Info describes an archive without decompressing it. For concatenated
// archives (members) the sizes and counts are sums over all of them.
type Info struct {
	// Header is the first member's header; Members lists every member's.
	Header
	// Size is the original size; Compressed the archive's size, with any
	// padding.
	Size, Compressed int64
	// Checksum is the CRC-32C of the first member's original, as recorded
	// in the archive.
	Checksum uint32
	// Blocks counts coded blocks and Stored stored ones.
	Blocks, Stored int
	// Tokens counts the tokens of the coded blocks.
	Tokens int64
	// Segments and SegmentBytes count the segments of each coder ("lm",
	// "cm", "raw") and the compressed bytes of their streams.
	Segments    map[string]int
	StreamBytes map[string]int64
	// Members describes each archive of a concatenation, in order.
	Members []Member
	// Padding counts the zero bytes after the last member (ignored by the
	// Reader, like a tape's padding).
	Padding int64
}

// Member describes one archive of a concatenation.
type Member struct {
	Header
	// Size is the original size; Compressed the member's size.
	Size, Compressed int64
	// Checksum is the CRC-32C of the original, as recorded.
	Checksum uint32
}

// BitsPerByte returns the archive's size in bits per original byte.
func (i *Info) BitsPerByte() float64 {
	if i.Size == 0 {
		return 0
	}
	return float64(i.Compressed*8) / float64(i.Size)
}

// Inspect reads an archive's structure (without running the model) and
// returns what it holds. It checks the structure, the limits and the data
// that follows the last member as a Reader does, but not the streams'
// contents nor the checksums: Reader (lmzip test) does.
func Inspect(r io.Reader) (*Info, error) {
	in := newInput(r)
	info := &Info{Segments: map[string]int{}, StreamBytes: map[string]int64{}}
	h, err := readHeader(in)
	if err == io.EOF {
		err = errNoHeader
	}
	if err != nil {
		return nil, err
	}
	info.Header = *h
	start := int64(0)
	for {
		m, err := inspectMember(in, h, info)
		if err != nil {
			return nil, err
		}
		m.Compressed = in.consumed() - start
		info.Members = append(info.Members, m)
		info.Size += m.Size
		// What follows: nothing, zero padding, or another member.
		c, err := in.ReadByte()
		for err == nil && c == 0 {
			info.Padding++
			c, err = in.ReadByte()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if info.Padding > 0 {
			return nil, formatErr("trailing data after zero padding at the end of the archive")
		}
		if c != Magic[0] {
			return nil, formatErr("trailing data after the end of the archive")
		}
		start = in.consumed() - 1
		if h, err = readHeaderAfter(in, c); err != nil {
			return nil, err
		}
	}
	info.Checksum = info.Members[0].Checksum
	info.Compressed = in.consumed()
	return info, nil
}

// inspectMember reads the blocks and end of the member whose header h was
// just read, adding its counts to info.
func inspectMember(in *input, h *Header, info *Info) (Member, error) {
	m := Member{Header: *h}
	var raw uint64 // the blocks' original bytes
	for {
		tag, err := in.ReadByte()
		if err != nil {
			return m, truncated(err)
		}
		switch tag {
		case tagEnd:
			size, err := readUvarint(in, 1<<62)
			if err != nil {
				return m, err
			}
			var crc [4]byte
			if _, err := io.ReadFull(in, crc[:]); err != nil {
				return m, truncated(err)
			}
			if size != raw {
				return m, formatErr("the archive's end says %d bytes, its blocks hold %d", size, raw)
			}
			m.Size = int64(size)
			m.Checksum = binary.LittleEndian.Uint32(crc[:])
			return m, nil
		case tagStored, tagCoded:
			b, err := readBlock(in, tag, h, maxBlockRaw, true)
			if err != nil {
				return m, err
			}
			raw += b.rawLen
			if b.stored {
				info.Stored++
				continue
			}
			info.Blocks++
			info.Tokens += int64(b.tokens)
			for _, m := range b.methods {
				info.Segments[methodNames[m]]++
			}
			info.StreamBytes["lm"] += int64(b.lmSize)
			info.StreamBytes["cm"] += int64(b.cmSize)
			info.StreamBytes["raw"] += int64(b.rawSize)
		default:
			return m, formatErr("unknown block type %d", tag)
		}
	}
}
