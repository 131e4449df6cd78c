package seed

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Bin is the content of the seed's .bin file.
//
// Layout, all big-endian: five u32 (nSym, nCnt, nWords, length,
// precision), then nSym i32 symbols (most frequent first; negative = rank
// −1−s, non-negative = literal token id), nCnt u32 counts of the first nCnt
// symbols (the others are 1), and nWords u32 rANS words. The size is 20 +
// 4·(nSym + nCnt + nWords). No magic number, model name, K or window is
// stored.
type Bin struct {
	Precision int
	Length    int64
	Syms      []int64
	Counts    []int64 // one per symbol
	Words     []uint64
}

// BinHeaderSize is the size of the .bin header.
const BinHeaderSize = 20

// WriteBin lays out b as the seed's binOfRange does. The seed stores
// counts[:counts.index(1)] and crashes when no count is 1; WriteBin drops
// the trailing run of counts equal to 1, which gives the same bytes where
// the seed works and stores every count where it crashes (readable by the
// seed's binToRange, which then appends no ones).
func WriteBin(b *Bin) ([]byte, error) {
	if len(b.Counts) != len(b.Syms) {
		return nil, fmt.Errorf("%d symbols but %d counts", len(b.Syms), len(b.Counts))
	}
	if b.Length < 0 || b.Length > math.MaxUint32 {
		return nil, fmt.Errorf("length %d does not fit the .bin header", b.Length)
	}
	if b.Precision < 1 || b.Precision > 32 {
		return nil, fmt.Errorf("precision %d: the .bin stores 32-bit words", b.Precision)
	}
	nCnt := len(b.Counts)
	for nCnt > 0 && b.Counts[nCnt-1] == 1 {
		nCnt--
	}
	out := make([]byte, 0, BinHeaderSize+4*(len(b.Syms)+nCnt+len(b.Words)))
	out = binary.BigEndian.AppendUint32(out, uint32(len(b.Syms)))
	out = binary.BigEndian.AppendUint32(out, uint32(nCnt))
	out = binary.BigEndian.AppendUint32(out, uint32(len(b.Words)))
	out = binary.BigEndian.AppendUint32(out, uint32(b.Length))
	out = binary.BigEndian.AppendUint32(out, uint32(b.Precision))
	for _, s := range b.Syms {
		if s < math.MinInt32 || s > math.MaxInt32 {
			return nil, fmt.Errorf("symbol %d does not fit an i32", s)
		}
		out = binary.BigEndian.AppendUint32(out, uint32(int32(s)))
	}
	for _, c := range b.Counts[:nCnt] {
		if c < 0 || c > math.MaxUint32 {
			return nil, fmt.Errorf("count %d does not fit a u32", c)
		}
		out = binary.BigEndian.AppendUint32(out, uint32(c))
	}
	for _, w := range b.Words {
		if w > math.MaxUint32 {
			return nil, fmt.Errorf("word %d does not fit a u32", w)
		}
		out = binary.BigEndian.AppendUint32(out, uint32(w))
	}
	return out, nil
}

// ReadBin parses a .bin file as the seed's binToRange does, adding the
// implicit counts of 1. It rejects files whose size does not match the
// header, nCnt > nSym, and a precision outside 1..32.
func ReadBin(data []byte) (*Bin, error) {
	if len(data) < BinHeaderSize {
		return nil, fmt.Errorf("bin: %d bytes is shorter than the %d-byte header", len(data), BinHeaderSize)
	}
	u := func(i int) uint32 { return binary.BigEndian.Uint32(data[4*i:]) }
	nSym, nCnt, nWords := uint64(u(0)), uint64(u(1)), uint64(u(2))
	b := &Bin{Length: int64(u(3)), Precision: int(u(4))}
	if want := BinHeaderSize + 4*(nSym+nCnt+nWords); uint64(len(data)) != want {
		return nil, fmt.Errorf("bin: the header describes %d bytes but the file has %d", want, len(data))
	}
	if nCnt > nSym {
		return nil, fmt.Errorf("bin: %d counts for %d symbols", nCnt, nSym)
	}
	if b.Precision < 1 || b.Precision > 32 {
		return nil, fmt.Errorf("bin: precision %d is not in 1..32", b.Precision)
	}
	i := 5
	b.Syms = make([]int64, nSym)
	for k := range b.Syms {
		b.Syms[k] = int64(int32(u(i)))
		i++
	}
	b.Counts = make([]int64, nSym)
	for k := range b.Counts {
		if uint64(k) < nCnt {
			b.Counts[k] = int64(u(i))
			i++
		} else {
			b.Counts[k] = 1
		}
	}
	b.Words = make([]uint64, nWords)
	for k := range b.Words {
		b.Words[k] = uint64(u(i))
		i++
		if b.Precision < 32 && b.Words[k]>>b.Precision != 0 {
			return nil, fmt.Errorf("bin: word %d = %#x has more than %d bits", k, b.Words[k], b.Precision)
		}
	}
	return b, nil
}
