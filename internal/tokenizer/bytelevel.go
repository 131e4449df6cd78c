package tokenizer

// Byte-level BPE (GPT-2 and its descendants) does not run BPE over raw bytes
// directly: every byte is first replaced by a printable Unicode character, and
// the vocabulary and merges of tokenizer.json are written in that alphabet
// (a space becomes "Ġ", a newline "Ċ"). This file holds GPT-2's
// bytes_to_unicode table and its inverse.

// byteLevelMaxRune is one more than the largest rune of the byte-level
// alphabet: the 68 bytes that are not printable map to 256..323.
const byteLevelMaxRune = 324

var (
	// byteToRune maps a byte to its character in the byte-level alphabet.
	byteToRune [256]rune
	// runeToByte maps a character of the byte-level alphabet back to its
	// byte; -1 for runes below byteLevelMaxRune that are not in the alphabet.
	runeToByte [byteLevelMaxRune]int16
)

func init() {
	for i := range runeToByte {
		runeToByte[i] = -1
	}
	n := 0
	for b := 0; b < 256; b++ {
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		r := rune(b)
		if !printable {
			r = rune(256 + n)
			n++
		}
		byteToRune[b] = r
		runeToByte[r] = int16(b)
	}
}

// byteLevelDecode turns a token string written in the byte-level alphabet
// into the bytes it stands for. When the string holds a character outside the
// alphabet (an added token such as "<|endoftext|>" never does, but other
// added tokens may), the whole string's UTF-8 bytes are returned instead, as
// the tokenizers library's ByteLevel decoder does. ok reports whether the
// string was entirely in the alphabet.
func byteLevelDecode(s string) (b []byte, ok bool) {
	b = make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0 || r >= byteLevelMaxRune || runeToByte[r] < 0 {
			return []byte(s), false
		}
		b = append(b, byte(runeToByte[r]))
	}
	return b, true
}
