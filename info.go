package lmzip

import (
	"bufio"
	"encoding/binary"
	"io"
)

// Info describes an archive without decompressing it.
type Info struct {
	Header
	// Size is the original size; Compressed the archive's size.
	Size, Compressed int64
	// Checksum is the CRC-32C of the original recorded in the archive.
	Checksum uint32
	// Blocks counts coded blocks and Stored stored ones.
	Blocks, Stored int
	// Tokens counts the tokens of the coded blocks.
	Tokens int64
	// Segments and SegmentBytes count the segments of each coder ("lm",
	// "cm", "raw") and the compressed bytes of their streams.
	Segments    map[string]int
	StreamBytes map[string]int64
}

// BitsPerByte returns the archive's size in bits per original byte.
func (i *Info) BitsPerByte() float64 {
	if i.Size == 0 {
		return 0
	}
	return float64(i.Compressed*8) / float64(i.Size)
}

// Inspect reads an archive's structure (without running the model) and
// returns what it holds. It checks the structure but not the checksum.
func Inspect(r io.Reader) (*Info, error) {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 1<<16)
	h, err := readHeader(br)
	if err != nil {
		return nil, err
	}
	info := &Info{Header: *h, Segments: map[string]int{}, StreamBytes: map[string]int64{}}
	for {
		tag, err := br.ReadByte()
		if err != nil {
			return nil, truncated(err)
		}
		switch tag {
		case tagEnd:
			size, err := readUvarint(br, 1<<62)
			if err != nil {
				return nil, err
			}
			var crc [4]byte
			if _, err := io.ReadFull(br, crc[:]); err != nil {
				return nil, truncated(err)
			}
			info.Size = int64(size)
			info.Checksum = binary.LittleEndian.Uint32(crc[:])
			info.Compressed = cr.n - int64(br.Buffered())
			return info, nil
		case tagStored, tagCoded:
			b, err := readBlock(br, tag, h, maxBlockRaw, true)
			if err != nil {
				return nil, err
			}
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
			return nil, formatErr("unknown block type %d", tag)
		}
	}
}
