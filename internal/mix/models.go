package mix

// MaxOrder is the highest order of the token n-gram models.
const MaxOrder = 4

// Feature classes: each kind of evidence has its own learned boosts.
const (
	slotTokens = 8 // candidates an n-gram context remembers
	numCounts  = 6 // buckets of a candidate's count
	numShares  = 4 // buckets of its share of the context's counts
	numLens    = 16

	ngramBoosts = MaxOrder * numCounts * numShares * numGaps
	matchBase   = ngramBoosts
	numBoosts   = matchBase + numLens*numGaps
)

func countBucket(n uint16) int {
	switch {
	case n <= 1:
		return 0
	case n == 2:
		return 1
	case n <= 4:
		return 2
	case n <= 8:
		return 3
	case n <= 20:
		return 4
	}
	return 5
}

// shareBucket classes n out of total in quarters.
func shareBucket(n, total uint32) int {
	return min(int(4*n/(total+1)), numShares-1)
}

func lenBucket(n int) int {
	switch {
	case n < 12:
		return n
	case n < 16:
		return 12
	case n < 24:
		return 13
	case n < 32:
		return 14
	}
	return 15
}

// lane is the state of one run of text.
type lane struct {
	id   uint64  // for the match model's references
	hist []int32 // the lane's tokens so far

	// The match model's current reference: the token at (matchLane,
	// matchPos) is predicted; matchLen tokens before it matched.
	matchLane *lane
	matchPos  int
	matchLen  int
}

func (m *Mixer) newLane() *lane {
	l := &lane{}
	if m.match != nil {
		l.id = m.match.register(l)
	}
	return l
}

func (m *Mixer) retire(l *lane) {
	if m.match != nil {
		m.match.retire(l)
	}
}

// candidates lists the features of lane l's next token into r.feats.
func (m *Mixer) candidates(r *Row, l *lane, logits []float32, top float32) {
	h := l.hist
	for k := 1; k <= m.cfg.Orders && k <= len(h); k++ {
		s := m.ngram[k].find(h[len(h)-k:])
		if s == nil {
			continue
		}
		var total uint32
		for _, c := range s.cnt {
			total += uint32(c)
		}
		for j, c := range s.cnt {
			if c == 0 {
				continue
			}
			t := s.tok[j]
			gap := gapBucket(top - logits[t])
			idx := (((k-1)*numCounts+countBucket(c))*numShares+shareBucket(uint32(c), total))*numGaps + gap
			r.feats = append(r.feats, feature{t, int32(idx)})
		}
	}
	if m.match != nil && l.matchLen > 0 {
		src := l.matchLane
		if l.matchPos < len(src.hist) {
			t := src.hist[l.matchPos]
			gap := gapBucket(top - logits[t])
			r.feats = append(r.feats, feature{t, int32(matchBase + lenBucket(l.matchLen)*numGaps + gap)})
		}
	}
}

// observe appends token y to lane l and updates the models.
func (m *Mixer) observe(l *lane, y int32) {
	h := l.hist
	for k := 1; k <= m.cfg.Orders && k <= len(h); k++ {
		m.ngram[k].add(h[len(h)-k:], y)
	}
	l.hist = append(l.hist, y)
	if m.match != nil {
		m.match.observe(l)
	}
}

// ngramTable maps a context of k tokens to the tokens that followed it.
type ngramTable struct {
	k     int
	bits  uint
	slots chunked[slot]
}

type slot struct {
	check uint32 // the context hash's high bits + 1 (0: empty)
	tok   [slotTokens]int32
	cnt   [slotTokens]uint16
}

func newNgramTable(k, vocab int) *ngramTable {
	bits := uint(18)
	if k == 1 {
		// Order 1 is exact: one slot per token.
		bits = 0
		for 1<<bits < vocab {
			bits++
		}
	}
	bits = min(bits, 20)
	return &ngramTable{k: k, bits: bits, slots: newChunked[slot](1 << bits)}
}

// hash of a context of tokens.
func hashTokens(ctx []int32, k int) uint64 {
	h := uint64(k) * 0x9E3779B97F4A7C15
	for _, t := range ctx {
		h = (h ^ uint64(uint32(t))) * 0xD6E8FEB86659FD93
		h ^= h >> 29
	}
	return h
}

func (t *ngramTable) index(ctx []int32) (int, uint32) {
	if t.k == 1 && 1<<t.bits > int(ctx[0]) {
		return int(ctx[0]), 1
	}
	h := hashTokens(ctx, t.k)
	return int(h >> (64 - t.bits)), uint32(h&0xffffffff) | 1
}

func (t *ngramTable) find(ctx []int32) *slot {
	i, chk := t.index(ctx)
	s := t.slots.get(i)
	if s == nil || s.check != chk {
		return nil
	}
	return s
}

func (t *ngramTable) add(ctx []int32, y int32) {
	i, chk := t.index(ctx)
	s := t.slots.at(i)
	if s.check != chk {
		*s = slot{check: chk}
	}
	low := 0
	for j := range s.cnt {
		if s.cnt[j] > 0 && s.tok[j] == y {
			if s.cnt[j]++; s.cnt[j] >= 1000 {
				for k := range s.cnt {
					s.cnt[k] = (s.cnt[k] + 1) / 2
				}
			}
			return
		}
		if s.cnt[j] < s.cnt[low] {
			low = j
		}
	}
	s.tok[low], s.cnt[low] = y, 1
}

// matchModel finds the last occurrence of a lane's recent tokens, in any
// lane still retained.
type matchModel struct {
	table  chunked[uint64] // context hash -> lane id << 32 | position of the next token
	lanes  map[uint64]*lane
	order  []*lane // retired lanes, oldest first
	nextID uint64
	kept   int // tokens of the retired lanes kept
}

const (
	matchMin   = 3       // tokens a match starts from
	matchBits  = 20      // log2 of the table's entries
	matchMax   = 64      // longest match that is verified
	matchKeep  = 8 << 20 // tokens of finished lanes to keep referring to
	matchLimit = 1 << 31 // positions a lane may have
)

func newMatchModel() *matchModel {
	return &matchModel{table: newChunked[uint64](1 << matchBits), lanes: map[uint64]*lane{}, nextID: 1}
}

func (mm *matchModel) register(l *lane) uint64 {
	id := mm.nextID
	mm.nextID++
	mm.lanes[id] = l
	return id
}

func (mm *matchModel) retire(l *lane) {
	mm.order = append(mm.order, l)
	mm.kept += len(l.hist)
	for mm.kept > matchKeep && len(mm.order) > 0 {
		old := mm.order[0]
		mm.order = mm.order[1:]
		mm.kept -= len(old.hist)
		delete(mm.lanes, old.id) // lanes matching it may go on
	}
}

// observe updates lane l's match after the token just appended to it.
func (mm *matchModel) observe(l *lane) {
	h := l.hist
	n := len(h)
	y := h[n-1]
	if l.matchLen > 0 {
		src := l.matchLane
		if l.matchPos < len(src.hist) && src.hist[l.matchPos] == y && l.matchPos+1 < matchLimit {
			l.matchPos++
			l.matchLen++
		} else {
			l.matchLen = 0
			l.matchLane = nil
		}
	}
	if n < matchMin {
		return
	}
	i := int(hashTokens(h[n-matchMin:], 99) >> (64 - matchBits))
	if l.matchLen == 0 {
		if e := mm.table.value(i); e != 0 {
			if src := mm.lanes[e>>32]; src != nil {
				pos := int(e & 0xffffffff)
				// Verify: count the tokens before pos that match.
				k := 0
				for k < matchMax && k < pos && k < n && src.hist[pos-1-k] == h[n-1-k] {
					k++
				}
				if k >= matchMin {
					l.matchLane, l.matchPos, l.matchLen = src, pos, k
				}
			}
		}
	}
	if n < matchLimit {
		*mm.table.at(i) = l.id<<32 | uint64(n)
	}
}
