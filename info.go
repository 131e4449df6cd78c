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
	skip := func(n uint64) error {
		_, err := io.CopyN(io.Discard, br, int64(n))
		return truncated(err)
	}
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
		case tagStored:
			if _, err := readUvarint(br, maxBlockRaw); err != nil {
				return nil, err
			}
			if _, err := readFilter(br); err != nil {
				return nil, err
			}
			n, err := readUvarint(br, maxBlockRaw)
			if err != nil {
				return nil, err
			}
			if err := skip(n); err != nil {
				return nil, err
			}
			info.Stored++
		case tagCoded:
			if _, err := readUvarint(br, maxBlockRaw); err != nil {
				return nil, err
			}
			if _, err := readFilter(br); err != nil {
				return nil, err
			}
			nTokens, err := readUvarint(br, uint64(h.SegmentTokens*h.GroupSegments))
			if err != nil {
				return nil, err
			}
			info.Tokens += int64(nTokens)
			nSeg := (int(nTokens) + h.SegmentTokens - 1) / h.SegmentTokens
			mb, err := readBytes(br, uint64((nSeg+3)/4))
			if err != nil {
				return nil, err
			}
			var count [3]int
			var rawBytes uint64
			for i := 0; i < nSeg; i++ {
				m := int(mb[i/4]>>(2*(i%4))) & 3
				if m > methodRaw {
					return nil, formatErr("unknown segment method %d", m)
				}
				count[m]++
				info.Segments[methodNames[m]]++
			}
			for i := 0; i < nSeg; i++ {
				m := int(mb[i/4]>>(2*(i%4))) & 3
				if m == methodLM {
					continue
				}
				n, err := readUvarint(br, maxBlockRaw)
				if err != nil {
					return nil, err
				}
				if m == methodRaw {
					rawBytes += n
				}
			}
			for m := methodLM; m <= methodCM; m++ {
				if count[m] == 0 {
					continue
				}
				n, err := readUvarint(br, maxBlockRaw)
				if err != nil {
					return nil, err
				}
				info.StreamBytes[methodNames[m]] += int64(n)
				if err := skip(n); err != nil {
					return nil, err
				}
			}
			info.StreamBytes["raw"] += int64(rawBytes)
			if err := skip(rawBytes); err != nil {
				return nil, err
			}
			info.Blocks++
		default:
			return nil, formatErr("unknown block type %d", tag)
		}
	}
}
