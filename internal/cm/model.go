package cm

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Model is the adaptive bit predictor shared by Encoder and Decoder.
//
// It predicts one bit at a time, most significant bit of each byte first.
// Order-0 and order-1 statistics are kept as direct adaptive
// probabilities. The other context models (version 1: orders 2, 3 and 5,
// the current word, and the column with the byte above it) look up the bit
// history of their context in hashed tables of nibble-sized slots and turn
// it into a probability with an adaptive state map. A match model predicts
// the bit that followed the latest earlier occurrence of the last bytes. A
// gated linear mixer combines the predictions in the logistic domain with a
// weight set chosen by the partial byte, the class of the last byte and
// whether a long match is on; an adaptive probability map (secondary
// estimation) refines the result, and a final two-input mixer blends the
// two, learning to fall back to 1/2 on incompressible data. Version 2 adds
// context models (see Version2) and a second layer of mixing.
//
// A Model's state depends only on the sequence of bytes it has seen, in
// whatever way (Observe, Cost, Encoder.Write, Decoder.Read), so an encoder
// and a decoder whose models saw the same bytes stay in sync.
type Model struct {
	v       *version
	tb      []byte // hashed regions of the context models
	n       int    // hashed context models in use (len(v.ctx))
	nIn     int    // mixer inputs in use: n hashed, order 0, order 1, match, bias
	regions [maxHash]region

	cm   [maxHash]ctxModel
	hash [maxHash]uint64 // context hashes for the current byte
	page [maxHash]int    // offset of the first-nibble group of each context

	p0 [256]uint32   // order 0: probability of a 1 (22 bits), count (10 bits)
	p1 [65536]uint32 // order 1, likewise
	i1 int           // index of the current order-1 entry

	c0    uint32 // bits of the current byte seen so far, with a leading 1
	bits  int    // number of bits of the current byte seen so far
	node  int    // node of the current nibble in a slot, 1..15
	hist  uint64 // last 8 bytes, most recent in the low byte
	word0 uint64 // hash of the current word
	word1 uint64 // hash of the previous word
	above uint32 // byte above the current position in the previous line

	// match model
	buf    []byte       // history ring
	pos    uint32       // number of bytes seen
	mtab   []uint32     // hash of the last minMatch bytes -> position after them
	mptr   uint32       // position of the predicted byte
	mlen   uint32       // length of the current match, 0 if none
	mbyte  uint32       // predicted byte with a leading 1 (256 | byte)
	msm    [8192]uint32 // (length, expected bit, last byte) -> probability
	mctx   int          // its entry for this bit
	mhit   bool         // the match model predicts this bit
	lineSt [2]uint32    // start positions of the current and previous line

	// mixing
	x    [maxIn]int32
	w    [][maxIn]int32 // weight sets, selected by a long match, the class
	ws   int            // of the last byte and the partial byte; the one in use
	pmix int32          // probability from the mixer, 12 bits

	// version 2: two more weight sets (by the partial byte and the class
	// of the byte before the last; by the match length and the bit's
	// position) and a second layer that mixes the
	// three first-layer outputs with a weight set chosen by the partial byte
	w1, w2 [][maxIn]int32
	ws1    int
	ws2    int
	st     [3]int32 // first-layer outputs, stretched
	pl     [3]int32 // and as 12-bit probabilities
	w3     [][4]int32
	x3     [4]int32
	ws3    int
	lr     int32    // mixer learning rate, falling as the model learns
	wf     [2]int32 // final mixer: weights of the mixer and of the APM
	sf0    int32    // and their inputs
	sf1    int32

	a2 apm
	a3 apm // version 2: an APM on a hash of the last two bytes (faster rate), averaged with a2

	pr uint32 // final probability that the next bit is 1, 16 bits
}

// ctxModel is the per-bit state of one hashed context model.
type ctxModel struct {
	cur  int         // offset in Model.tb of the state for this bit
	base int         // offset of the current slot, less 1 (nodes are 1..15)
	sm   [256]uint32 // state -> probability of a 1, scaled by 2^32
}

const (
	maxHash  = 11          // hashed context models, at most
	maxIn    = maxHash + 4 // mixer inputs: hashed, order 0, order 1, match, bias
	bufBits  = 22          // match history: 4 MiB
	mtabBits = 20          // match hash table: 4 MiB
	minMatch = 6           // bytes hashed to find a match
	smLimit  = 1023        // count limit of the match model's map
	smShift  = 8           // adaptation rate of the state maps
	dpLimit  = 255         // count limit of the order-0 and order-1 maps
	errSkip  = 32          // mixer errors this small do not train
	lrMix    = 8           // mixer learning rate
	lrExtra  = 20          // extra learning rate at the start
	lrFinal  = 2           // final mixer learning rate
	lrLayer2 = 2           // version 2: the second layer's learning rate
)

// Versions of the model's arithmetic. An archive records the version its
// context-mixing streams were coded with; a change that alters any
// prediction is a new version, and the old ones keep decoding.
const (
	// Version1 is the model described at Model.
	Version1 = 1
	// Version2 adds six hashed context models (orders 4 and 6, the
	// line's first two bytes with the last two and with the current word,
	// the last two words, bytes 2 and 3 back), two more first-layer weight
	// sets and a second mixing layer, and a second APM (order 2). About
	// 2.5% smaller than version 1 on the corpora, 4% on bib; about half as
	// fast, with 43 MiB of hashed tables instead of 29
	// (go run ./scripts/cmversions FILE...).
	Version2 = 2
	// LatestVersion is the version NewModel returns.
	LatestVersion = Version2
)

// Kinds of hashed context.
const (
	ctxOrder2   = iota
	ctxOrder3   // the last 3 bytes
	ctxOrder5   // the last 5 bytes
	ctxWord     // the current word and the last byte
	ctxColumn   // the column, the byte above it and the last byte
	ctxOrder4   // the last 4 bytes
	ctxOrder6   // the last 6 bytes
	ctxLineTag  // the line's first two bytes, the last two and the column up to 3
	ctxWordPair // the current word and the previous one
	ctxSparse   // bytes 2 and 3 back
	ctxTagWord  // the line's first two bytes, the current word and the last byte
)

// version describes one version of the model.
type version struct {
	ctx        []int // kinds of the hashed contexts, in input order
	regionBits []int // log2 of each one's groups of 64 bytes
	layers     int   // 1: one weight set; 2: three sets and a second layer
	apms       int   // adaptive probability maps averaged: 1 or 2
}

var versions = map[int]*version{
	Version1: {
		ctx:        []int{ctxOrder2, ctxOrder3, ctxOrder5, ctxWord, ctxColumn},
		regionBits: []int{14, 16, 18, 16, 16},
		layers:     1, apms: 1,
	},
	Version2: {
		ctx:        []int{ctxOrder2, ctxOrder3, ctxOrder5, ctxWord, ctxColumn, ctxOrder4, ctxOrder6, ctxLineTag, ctxWordPair, ctxSparse, ctxTagWord},
		regionBits: []int{14, 16, 17, 16, 16, 16, 16, 15, 16, 16, 16},
		layers:     2, apms: 2,
	},
}

// A region is the part of Model.tb used by a hashed context model: 1<<bits
// groups of 64 bytes from byte offset off (a multiple of 4096).
type region struct {
	off   int
	shift uint // 64 - bits
}

// NewModel returns a model of the latest version in its initial state.
func NewModel() *Model {
	m, _ := NewModelVersion(LatestVersion)
	return m
}

// NewModelVersion returns a model of version v in its initial state.
func NewModelVersion(v int) (*Model, error) {
	ver := versions[v]
	if ver == nil {
		return nil, fmt.Errorf("context-mixing model version %d is not implemented by this lmzip (it has 1 to %d)", v, LatestVersion)
	}
	m := &Model{
		v:    ver,
		n:    len(ver.ctx),
		nIn:  len(ver.ctx) + 4,
		buf:  make([]byte, 1<<bufBits),
		mtab: make([]uint32, 1<<mtabBits),
		w:    make([][maxIn]int32, 8192),
	}
	size := 0
	for i, b := range ver.regionBits {
		m.regions[i] = region{size, uint(64 - b)}
		size += 64 << b
	}
	m.tb = make([]byte, size)
	m.a2.init(1 << 16)
	if ver.layers == 2 {
		m.w1 = make([][maxIn]int32, 12<<8)
		m.w2 = make([][maxIn]int32, 17<<3)
		m.w3 = make([][4]int32, 256)
	}
	if ver.apms == 2 {
		m.a3.init(1 << 16)
	}
	m.reset(false)
	return m, nil
}

// CopyFrom sets m to the state of src, a model of the same version (it
// panics otherwise): the tables are copied, not shared. It takes a few
// milliseconds (the tables are tens of megabytes), less than Observe takes
// to read some tens of kilobytes.
func (m *Model) CopyFrom(src *Model) {
	if m.v != src.v {
		panic("cm: CopyFrom between models of different versions")
	}
	tb, buf, mtab := m.tb, m.buf, m.mtab
	w, w1, w2, w3 := m.w, m.w1, m.w2, m.w3
	a2, a3 := m.a2.t, m.a3.t
	*m = *src
	m.tb, m.buf, m.mtab = tb, buf, mtab
	m.w, m.w1, m.w2, m.w3 = w, w1, w2, w3
	m.a2.t, m.a3.t = a2, a3
	copy(m.tb, src.tb)
	copy(m.buf, src.buf)
	copy(m.mtab, src.mtab)
	copy(m.w, src.w)
	copy(m.w1, src.w1)
	copy(m.w2, src.w2)
	copy(m.w3, src.w3)
	copy(m.a2.t, src.a2.t)
	copy(m.a3.t, src.a3.t)
}

// Seen returns the number of bytes the model has seen, modulo 2^32.
func (m *Model) Seen() uint32 { return m.pos }

// Reset returns the model to its initial state. It clears the tables
// (about 35 MB in version 1, 50 MB in version 2), which takes a few
// milliseconds.
func (m *Model) Reset() { m.reset(true) }

// reset resets the model; the large tables are cleared only if dirty
// (a new model's are zero already).
func (m *Model) reset(dirty bool) {
	// m.buf needs no clearing: only bytes written since the reset are read.
	if dirty {
		clear(m.tb)
		clear(m.mtab)
	}
	for i := range m.cm[:m.n] {
		for s := range m.cm[i].sm {
			n0, n1 := uint32(stateN0[s]), uint32(stateN1[s])
			p := ((2*n1 + 1) << 22) / (2*(n0+n1) + 2)
			m.cm[i].sm[s] = p << 10
		}
	}
	for j := range m.p0 {
		m.p0[j] = 1 << 31
	}
	for j := range m.p1 {
		m.p1[j] = 1 << 31
	}
	for j := range m.msm {
		m.msm[j] = 1 << 31
	}
	var w [maxIn]int32
	for i := 0; i < m.nIn-1; i++ {
		w[i] = 1 << 14
	}
	for _, ws := range [][][maxIn]int32{m.w, m.w1, m.w2} {
		for j := range ws {
			ws[j] = w
		}
	}
	for j := range m.w3 {
		m.w3[j] = [4]int32{1 << 16 / 3, 1 << 16 / 3, 1 << 16 / 3, 0}
	}
	m.wf = [2]int32{1 << 15, 1 << 15}
	m.a2.reset()
	if m.a3.t != nil {
		m.a3.reset()
	}
	m.c0, m.bits, m.node = 1, 0, 1
	m.hist, m.word0, m.word1, m.above = 0, 0, 0, 0
	m.pos, m.mptr, m.mlen, m.mbyte = 0, 0, 0, 0
	m.lineSt = [2]uint32{}
	m.lr = lrMix + lrExtra
	m.x = [maxIn]int32{}
	m.x[m.nIn-1] = 256 // the last input is a constant bias
	m.setContexts()
	m.lookup(0)
	m.predict(false)
}

// Observe updates the model with p as if p had been coded.
func (m *Model) Observe(p []byte) {
	for _, c := range p {
		for i := 7; i >= 0; i-- {
			m.update(uint32(c>>uint(i)) & 1)
		}
	}
}

// Cost updates the model with p like Observe and returns the number of
// bits that coding p at this point would take, in units of 1/65536 bit.
func (m *Model) Cost(p []byte) uint64 {
	var n uint64
	for _, c := range p {
		for i := 7; i >= 0; i-- {
			y := uint32(c>>uint(i)) & 1
			q := m.pr
			if y == 0 {
				q = 65536 - q
			}
			n += uint64(costTab[q])
			m.update(y)
		}
	}
	return n
}

func finalize(x uint64) uint64 {
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	x *= 0x94d049bb133111eb
	x ^= x >> 32
	return x
}

func isWordByte(c uint32) bool {
	return c-'a' < 26 || c-'A' < 26 || c >= 128
}

// byteDone updates the byte-level state after byte c.
func (m *Model) byteDone(c uint32) {
	const mask = 1<<bufBits - 1
	m.hist = m.hist<<8 | uint64(c)
	m.buf[m.pos&mask] = byte(c)
	m.pos++

	m.word0, m.word1 = nextWords(m.word0, m.word1, c)
	if byte(c) == '\n' {
		m.lineSt[1] = m.lineSt[0]
		m.lineSt[0] = m.pos
	}
	col := m.pos - m.lineSt[0]
	m.above = 0
	if m.lineSt[0]-m.lineSt[1] > col {
		m.above = uint32(m.buf[(m.lineSt[1]+col)&mask])
	}

	m.matchUpdate(byte(c))
	m.setContexts()
	m.lr = lrMix + lrExtra*2048/int32(2048+min(m.pos, 1<<20))
}

// setContexts computes the context hashes for the next byte.
func (m *Model) setContexts() {
	const mask = 1<<bufBits - 1
	col := m.pos - m.lineSt[0]
	h := m.hist
	var tag uint64 // the line's first two bytes, as far as seen
	if col >= 1 {
		tag = uint64(m.buf[m.lineSt[0]&mask])
	}
	if col >= 2 {
		tag |= uint64(m.buf[(m.lineSt[0]+1)&mask]) << 8
	}
	for i, k := range m.v.ctx {
		var x uint64
		switch k {
		case ctxOrder2:
			x = h&0xffff | 2<<56
		case ctxOrder3:
			x = h&0xffffff | 3<<56
		case ctxOrder5:
			x = h&0xffffffffff | 5<<56
		case ctxWord:
			x = m.word0 ^ h&0xff<<8 ^ 7<<56
		case ctxColumn:
			x = uint64(m.above)<<8 | uint64(min(col, 255))<<16 | h&0xff | 9<<56
		case ctxOrder4:
			x = h&0xffffffff | 4<<56
		case ctxOrder6:
			x = h&0xffffffffffff | 6<<56
		case ctxLineTag:
			x = tag<<16 | h&0xffff | uint64(min(col, 3))<<32 | 11<<56
		case ctxWordPair:
			x = m.word0 ^ m.word1*0x9e3779b97f4a7c15 + 13<<56
		case ctxSparse:
			x = h>>8&0xffff | 15<<56
		case ctxTagWord:
			x = (m.word0 + tag*0x9e3779b97f4a7c15) ^ h&0xff<<8 ^ 15<<56
		}
		m.hash[i] = finalize(x)
	}
}

// nextWords returns the word hashes after byte c.
func nextWords(w0, w1 uint64, c uint32) (uint64, uint64) {
	if isWordByte(c) {
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		return (w0 + uint64(c) + 1) * 0x2f0f3c4d5a6b7c8d, w1
	}
	if w0 != 0 {
		return 0, w0
	}
	return w0, w1
}

// lookup finds the slots for the nibble that starts now; nib is the high
// nibble of the current byte when the low nibble starts, else 0.
//
// A region is made of 4 KiB pages of 64 groups. A group is 64 bytes: 4
// check bytes, then 4 slots of 15 bit-history states, one for each node
// of a nibble's binary tree. A context's first nibble picks a page and a
// group by its hash; its second nibble picks another group in the same
// page, which is cheaper to reach than a random one.
func (m *Model) lookup(nib uint32) {
	t := m.tb
	k := uint64(nib+1) * 0x9e3779b97f4a7c15
	// First every group's check bytes, so that the loads (cache misses,
	// mostly) overlap; then the slots.
	var gs [maxHash]int
	var chks, words [maxHash]uint32
	for i := range m.cm[:m.n] {
		var g int
		var chk uint32
		if m.bits == 0 {
			h := m.hash[i]
			r := &m.regions[i]
			g = r.off + int(h>>(r.shift&63))<<6
			chk = uint32(uint8(h))
			m.page[i] = g
		} else {
			h := (m.hash[i] + k) * 0xbf58476d1ce4e5b9
			p := m.page[i]
			g = p&^4095 | (p+64+int(h>>58)<<6)&4095
			chk = uint32(uint8(h >> 32))
		}
		gs[i], chks[i] = g, chk
		words[i] = binary.LittleEndian.Uint32(t[g : g+4 : g+4])
	}
	for i := range m.cm[:m.n] {
		g, chk := gs[i], chks[i]
		q := t[g : g+64 : g+64]
		// find the check byte among the four (SWAR zero-byte search)
		x := words[i] ^ chk*0x01010101
		if z := (x - 0x01010101) &^ x & 0x80808080; z != 0 {
			m.cm[i].base = g + 3 + 15*(bits.TrailingZeros32(z)>>3)
			continue
		}
		// replace the slot whose first node saw the fewest bits
		best, bp := 0, stateCount[q[4]]
		if c := stateCount[q[19]]; c < bp {
			best, bp = 1, c
		}
		if c := stateCount[q[34]]; c < bp {
			best, bp = 2, c
		}
		if c := stateCount[q[49]]; c < bp {
			best = 3
		}
		clear(q[4+15*best : 19+15*best])
		q[best] = uint8(chk)
		m.cm[i].base = g + 3 + 15*best
	}
}

func lenBucket(l uint32) int {
	switch {
	case l < 12:
		return int(l)
	case l < 16:
		return 12
	case l < 24:
		return 13
	case l < 32:
		return 14
	}
	return 15
}

// matchUpdate extends or looks up the match after byte c.
func (m *Model) matchUpdate(c byte) {
	const mask = 1<<bufBits - 1
	if m.mlen > 0 {
		if byte(m.mbyte) == c && m.mlen < 65535 {
			m.mlen++
			m.mptr++
		} else {
			m.mlen = 0
		}
	}
	if m.pos >= minMatch {
		h := int(finalize(m.hist&(1<<(8*minMatch)-1)) >> (64 - mtabBits))
		if m.mlen == 0 {
			cand := m.mtab[h]
			d := m.pos - cand
			if cand > 0 && d < 1<<bufBits-64 {
				var l uint32
				for l < 64 && l < cand && m.buf[(cand-1-l)&mask] == m.buf[(m.pos-1-l)&mask] {
					l++
				}
				if l >= minMatch {
					m.mlen = l
					m.mptr = cand
				}
			}
		}
		m.mtab[h] = m.pos
	}
	if m.mlen > 0 {
		m.mbyte = 256 | uint32(m.buf[m.mptr&mask])
	}
}

// predict computes m.pr for the next bit. ctxDone tells that the inputs of
// the hashed context models and their cur offsets are already set.
func (m *Model) predict(ctxDone bool) {
	if !ctxDone {
		t := m.tb
		node := m.node
		for i := range m.cm[:m.n] {
			c := &m.cm[i]
			j := c.base + node
			c.cur = j
			m.x[i] = stretchTab[c.sm[t[j]]>>20]
		}
	}
	c0 := m.c0
	c1 := uint32(m.hist & 0xff)
	m.i1 = int(c1<<8 | c0)
	n := m.n
	m.x[n] = stretchTab[m.p0[c0&255]>>20]
	m.x[n+1] = stretchTab[m.p1[m.i1&0xffff]>>20]

	// match model
	if m.mlen > 0 && m.mbyte>>(8-uint(m.bits)) == c0 {
		eb := int(m.mbyte>>(7-uint(m.bits))) & 1
		lb := lenBucket(m.mlen)<<1 | eb
		m.mctx = (lb<<8 | int(c1)) & 8191
		m.x[n+2] = stretchTab[m.msm[m.mctx]>>20]
		m.mhit = true
	} else {
		m.mhit = false
		m.x[n+2] = 0
	}

	ws := int(byteClass[c1])<<8 | int(c0)
	if m.mhit && m.mlen >= 16 {
		ws |= 4096
	}
	m.ws = ws
	x := m.x[:m.nIn]
	st := clampSt(dot(x, m.w[ws&8191][:]))
	if m.v.layers == 2 {
		m.st[0], m.pl[0] = st, squashTab[st+2048]
		m.ws1 = int(byteClass[uint8(m.hist>>8)])<<8 | int(c0&255)
		st = clampSt(dot(x, m.w1[m.ws1][:]))
		m.st[1], m.pl[1] = st, squashTab[st+2048]
		ml := 0
		if m.mhit {
			ml = lenBucket(m.mlen) + 1
		}
		m.ws2 = ml<<3 | m.bits&7
		st = clampSt(dot(x, m.w2[m.ws2][:]))
		m.st[2], m.pl[2] = st, squashTab[st+2048]
		m.x3 = [4]int32{m.st[0], m.st[1], m.st[2], 256}
		m.ws3 = int(c0 & 255)
		st = clampSt(dot(m.x3[:], m.w3[m.ws3][:]))
	}
	m.pmix = squashTab[st+2048]

	// final mixer: the mixer and the APM, in the logistic domain
	var sa int32
	if m.v.apms == 2 {
		c2 := int(uint32(m.hist&0xffff)*0x9e3779b1>>24) << 8
		sa = stretchTab[(m.a2.p(st, int(c0|c1<<8))+m.a3.p(st, int(c0&255)|c2))>>5]
	} else {
		sa = stretchTab[m.a2.p(st, int(c0|c1<<8))>>4]
	}
	m.sf0, m.sf1 = st, sa
	sf := clampSt(int32((int64(st)*int64(m.wf[0]) + int64(sa)*int64(m.wf[1])) >> 16))
	m.pr = uint32(min(max(squash16[sf+2048], 32), 65536-32))
}

// byteClass sorts bytes into 12 classes for the mixer's weight selection.
var byteClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= 'a' && c <= 'z':
			t[c] = 0
			if c == 'e' || c == 't' || c == 'a' || c == 'o' || c == 'i' || c == 'n' {
				t[c] = 1
			}
		case c >= 'A' && c <= 'Z':
			t[c] = 2
		case c >= '0' && c <= '9':
			t[c] = 3
		case c == ' ':
			t[c] = 4
		case c == '\n':
			t[c] = 5
		case c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?':
			t[c] = 6
		case c >= 128:
			t[c] = 8
		case c < 32:
			t[c] = 9
		case c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == '<' || c == '>':
			t[c] = 10
		case c == '"' || c == '\'':
			t[c] = 11
		default:
			t[c] = 7
		}
	}
	return
}()

func clampSt(s int32) int32 {
	return min(max(s, -2047), 2047)
}

// recip[n] = 65536/(n+1.5)
var recip = func() (r [1024]uint32) {
	for n := range r {
		r[n] = uint32(131072 / (2*n + 3))
	}
	return
}()

// smUpdate moves an adaptive probability (22 bits, with a 10-bit count)
// towards bit y at a rate that falls with the count, down to 1/(limit+1.5).
func smUpdate(e *uint32, y uint32, limit uint32) {
	v := *e
	n := v & 1023
	p := v >> 10
	if y != 0 {
		p += uint32(uint64(1<<22-p) * uint64(recip[n]) >> 16)
	} else {
		p -= uint32(uint64(p) * uint64(recip[n]) >> 16)
	}
	*e = p<<10 | min(n+1, limit)
}

// update trains the model with bit y and predicts the next bit.
func (m *Model) update(y uint32) {
	// the mixer first: it trains on the inputs of this bit
	x := m.x[:m.nIn]
	if m.v.layers == 2 {
		for k, w := range [3][]int32{m.w[m.ws&8191][:], m.w1[m.ws1][:], m.w2[m.ws2][:]} {
			if err := int32(y)<<12 - m.pl[k]; err > errSkip || err < -errSkip {
				train(x, w, err*m.lr)
			}
		}
		if err := int32(y)<<12 - m.pmix; err > errSkip || err < -errSkip {
			train(m.x3[:], m.w3[m.ws3][:], err*lrLayer2)
		}
	} else if err := int32(y)<<12 - m.pmix; err > errSkip || err < -errSkip {
		train(x, m.w[m.ws&8191][:], err*m.lr)
	}
	m.a2.update(y, 7)
	if m.a3.t != nil {
		m.a3.update(y, 6)
	}
	if err := (int32(y)<<16 - int32(m.pr)) >> 4; err > errSkip || err < -errSkip {
		m.wf[0] += (m.sf0*err*lrFinal + 8192) >> 14
		m.wf[1] += (m.sf1*err*lrFinal + 8192) >> 14
	}
	smUpdate(&m.p0[m.c0&255], y, dpLimit)
	smUpdate(&m.p1[m.i1&0xffff], y, dpLimit)
	if m.mhit {
		smUpdate(&m.msm[m.mctx&8191], y, smLimit)
	}

	// hashed contexts; within a nibble, also their inputs for the next bit
	t := m.tb
	node := m.node*2 + int(y)
	inNibble := m.bits&3 != 3
	if y != 0 {
		for i := range m.cm[:m.n] {
			c := &m.cm[i]
			sm := &c.sm
			j := c.cur
			s := t[j]
			t[j] = nextState[int(s)<<1|1]
			v := sm[s]
			sm[s] = v + (0xffffffff-v)>>smShift
			if inNibble {
				j = c.base + node
				c.cur = j
				m.x[i] = stretchTab[sm[t[j]]>>20]
			}
		}
	} else {
		for i := range m.cm[:m.n] {
			c := &m.cm[i]
			sm := &c.sm
			j := c.cur
			s := t[j]
			t[j] = nextState[int(s)<<1]
			v := sm[s]
			sm[s] = v - v>>smShift
			if inNibble {
				j = c.base + node
				c.cur = j
				m.x[i] = stretchTab[sm[t[j]]>>20]
			}
		}
	}

	m.c0 = m.c0<<1 | y
	m.bits++
	m.node = node
	if inNibble {
		m.predict(true)
		return
	}
	m.node = 1
	if m.bits == 8 {
		m.byteDone(m.c0 & 255)
		m.c0, m.bits = 1, 0
		m.lookup(0)
	} else {
		m.lookup(m.c0 & 15)
	}
	m.predict(false)
}

// dot returns the dot product of inputs x and weights w (16.16 fixed
// point), in the logistic domain. The sum is exact, so its order does not
// matter.
func dot(x, w []int32) int32 {
	w = w[:len(x)]
	var s int64
	for i, v := range x {
		s += int64(v) * int64(w[i])
	}
	return int32(s >> 16)
}

// train moves weights w along inputs x by the scaled error err.
func train(x, w []int32, err int32) {
	w = w[:len(x)]
	for i, v := range x {
		w[i] += (v*err + 8192) >> 14
	}
}

// apm is an adaptive probability map: it refines a probability given a
// context by interpolating between 33 buckets along the stretched input.
type apm struct {
	t   []uint16
	idx int // entry to update: the nearer of the two buckets
}

func (a *apm) init(n int) { a.t = make([]uint16, n*33) }

func (a *apm) reset() {
	var row [33]uint16
	for j := range row {
		row[j] = uint16(squash(int32(j-16)*128) * 16)
	}
	for i := 0; i < len(a.t); i += 33 {
		copy(a.t[i:i+33], row[:])
	}
}

// p returns the refined 16-bit probability for stretched input s in
// context cx.
func (a *apm) p(s int32, cx int) uint32 {
	v := int(s+2048) * 32 // 32 .. 131040
	lo := v >> 12
	w := uint32(v & 4095)
	i := cx*33 + lo
	t := a.t[i : i+2 : i+2]
	a.idx = i + int(w>>11)
	return (uint32(t[0])*(4096-w) + uint32(t[1])*w) >> 12
}

func (a *apm) update(y uint32, rate uint) {
	e := &a.t[a.idx]
	g := int32(y) * 65535
	*e = uint16(int32(*e) + (g-int32(*e))>>rate)
}
