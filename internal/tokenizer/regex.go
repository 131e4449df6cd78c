package tokenizer

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A small regular-expression engine for pre-tokenizer patterns.
//
// Go's regexp package has no lookahead, and the patterns of tokenizer.json
// files and of llama.cpp's pre-tokenizer table use \s+(?!\S). This engine
// runs the subset those patterns need as a Pike VM (a simulation of the
// automaton, in time linear in the text times the pattern's size, never
// backtracking), with the leftmost-first semantics of Oniguruma, PCRE and
// RE2: alternatives are tried in order and repetition is greedy unless
// marked lazy.
//
// Supported: literals, ., character classes [...] with ranges, negation and
// escapes, \s \S \d \D \w \W \p{..} \P{..} (Unicode general categories and
// scripts by name), \r \n \t \f \v \xHH \x{H..} \uHHHH, groups (...) and
// (?:...), case-insensitive groups (?i:...), ? * + {n} {n,} {n,m} and their
// lazy forms, alternation, ^ \A (start of the text), $ \z \Z (end of the
// text), and lookahead (?=X) (?!X) where X is one character class or
// literal. Not supported (an error): backreferences, lookbehind, other
// lookaheads, possessive quantifiers, class intersections.
//
// Characters are decoded from UTF-8; a byte that is not valid UTF-8 is one
// character that belongs to no class except negated ones (as punctuation
// does for the GPT-2 pattern). A regex may instead read text through the
// byte-level alphabet (each byte one character, see bytelevel.go), as a
// tokenizer.json Split that follows a ByteLevel pre-tokenizer sees it.

// invalidRune stands for a byte that is not valid UTF-8.
const invalidRune = -1

type opcode uint8

const (
	opChar opcode = iota
	opSplit
	opJmp
	opMatch
	opAssert
)

// assertion kinds
const (
	assertBegin = iota
	assertEnd
	assertAhead    // next character exists and is in cls
	assertNotAhead // at the end, or next character not in cls
)

type inst struct {
	op   opcode
	kind uint8
	x, y int32
	cls  *charClass
}

// regex is a compiled pattern.
type regex struct {
	prog      []inst
	byteLevel bool // read text through the byte-level alphabet
	src       string
	// first holds the classes one of which a match's first character is
	// in, or nil when that is not known (an assertion comes first): find
	// skips other characters without running the machine.
	first []*charClass
}

// maxProg bounds a compiled pattern (counted repetitions are expanded).
const maxProg = 1 << 14

// charClass is a set of characters.
type charClass struct {
	ascii  [2]uint64 // membership of runes below 128, negation applied
	ranges []rune    // sorted disjoint pairs lo, hi of runes >= 128
	tables []*unicode.RangeTable
	// notTables are tables whose complement is in the class (\P{..},
	// \S, \W inside a class).
	notTables []*unicode.RangeTable
	negate    bool
}

func (c *charClass) has(r rune) bool {
	if r >= 0 && r < utf8.RuneSelf {
		return c.ascii[r>>6]&(1<<(r&63)) != 0
	}
	return c.rawHas(r) != c.negate
}

// rawHas reports membership before negation.
func (c *charClass) rawHas(r rune) bool {
	if r < 0 {
		return false
	}
	i := sort.Search(len(c.ranges)/2, func(i int) bool { return c.ranges[2*i+1] >= r })
	if i < len(c.ranges)/2 && c.ranges[2*i] <= r {
		return true
	}
	for _, t := range c.tables {
		if unicode.Is(t, r) {
			return true
		}
	}
	for _, t := range c.notTables {
		if !unicode.Is(t, r) {
			return true
		}
	}
	return false
}

// classBuilder collects the items of a class.
type classBuilder struct {
	ranges    []rune
	tables    []*unicode.RangeTable
	notTables []*unicode.RangeTable
}

func (b *classBuilder) addRange(lo, hi rune) { b.ranges = append(b.ranges, lo, hi) }

func (b *classBuilder) addFold(lo, hi rune) {
	b.addRange(lo, hi)
	if hi-lo > 2000 {
		return // letters' case partners of huge ranges: not worth it
	}
	for r := lo; r <= hi; r++ {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			b.addRange(f, f)
		}
	}
}

func (b *classBuilder) build(negate bool) *charClass {
	c := &charClass{tables: b.tables, notTables: b.notTables, negate: negate}
	// Sort and merge the ranges.
	type rr struct{ lo, hi rune }
	var rs []rr
	for i := 0; i+1 < len(b.ranges); i += 2 {
		rs = append(rs, rr{b.ranges[i], b.ranges[i+1]})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].lo < rs[j].lo })
	var merged []rr
	for _, r := range rs {
		if n := len(merged); n > 0 && r.lo <= merged[n-1].hi+1 {
			merged[n-1].hi = max(merged[n-1].hi, r.hi)
			continue
		}
		merged = append(merged, r)
	}
	for _, r := range merged {
		c.ranges = append(c.ranges, r.lo, r.hi)
	}
	for r := rune(0); r < utf8.RuneSelf; r++ {
		if c.rawHas(r) != negate {
			c.ascii[r>>6] |= 1 << (r & 63)
		}
	}
	return c
}

// node is a parsed pattern.
type node struct {
	kind     nodeKind
	cls      *charClass
	subs     []*node
	min, max int // repeat; max -1 for no limit
	greedy   bool
	assert   uint8
}

type nodeKind uint8

const (
	nClass nodeKind = iota
	nConcat
	nAlt
	nRepeat
	nAssert
	nEmpty
)

type parser struct {
	s     string
	pos   int
	fold  bool
	depth int // groups open
}

// maxGroupDepth bounds the nesting of groups (the parser recurses).
const maxGroupDepth = 100

func (p *parser) errorf(format string, a ...any) error {
	return fmt.Errorf("regex %q at %d: %s", p.s, p.pos, fmt.Sprintf(format, a...))
}

func (p *parser) eof() bool { return p.pos >= len(p.s) }

func (p *parser) peek() rune {
	r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
	return r
}

func (p *parser) next() rune {
	r, n := utf8.DecodeRuneInString(p.s[p.pos:])
	p.pos += n
	return r
}

// compileRegex parses and compiles a pattern.
func compileRegex(pattern string, byteLevel bool) (*regex, error) {
	p := &parser{s: pattern}
	n, err := p.alt()
	if err != nil {
		return nil, err
	}
	if !p.eof() {
		return nil, p.errorf("unexpected %q", p.peek())
	}
	c := &compiler{}
	if err := c.emit(n); err != nil {
		return nil, fmt.Errorf("regex %q: %w", pattern, err)
	}
	c.prog = append(c.prog, inst{op: opMatch})
	re := &regex{prog: c.prog, byteLevel: byteLevel, src: pattern}
	re.first = re.firstClasses()
	return re, nil
}

// firstClasses returns the classes of the characters a match can start
// with, or nil if an assertion or an empty match can come first.
func (re *regex) firstClasses() []*charClass {
	var out []*charClass
	seen := make([]bool, len(re.prog))
	ok := true
	var walk func(pc int32)
	walk = func(pc int32) {
		if !ok || seen[pc] {
			return
		}
		seen[pc] = true
		switch in := &re.prog[pc]; in.op {
		case opChar:
			out = append(out, in.cls)
		case opJmp:
			walk(in.x)
		case opSplit:
			walk(in.x)
			walk(in.y)
		default:
			ok = false
		}
	}
	walk(0)
	if !ok {
		return nil
	}
	return out
}

func (re *regex) canStart(r rune) bool {
	for _, c := range re.first {
		if c.has(r) {
			return true
		}
	}
	return false
}

func (p *parser) alt() (*node, error) {
	var alts []*node
	for {
		n, err := p.concat()
		if err != nil {
			return nil, err
		}
		alts = append(alts, n)
		if p.eof() || p.peek() != '|' {
			break
		}
		p.next()
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &node{kind: nAlt, subs: alts}, nil
}

func (p *parser) concat() (*node, error) {
	var items []*node
	for !p.eof() && p.peek() != '|' && p.peek() != ')' {
		atom, err := p.atom()
		if err != nil {
			return nil, err
		}
		atom, err = p.repeat(atom)
		if err != nil {
			return nil, err
		}
		items = append(items, atom)
	}
	switch len(items) {
	case 0:
		return &node{kind: nEmpty}, nil
	case 1:
		return items[0], nil
	}
	return &node{kind: nConcat, subs: items}, nil
}

func (p *parser) repeat(atom *node) (*node, error) {
	for !p.eof() {
		min, max := -1, -1
		start := p.pos
		switch p.peek() {
		case '?':
			p.next()
			min, max = 0, 1
		case '*':
			p.next()
			min, max = 0, -1
		case '+':
			p.next()
			min, max = 1, -1
		case '{':
			lo, hi, ok := p.counted()
			if !ok {
				p.pos = start
				return atom, nil // a literal '{'
			}
			min, max = lo, hi
		default:
			return atom, nil
		}
		if atom.kind == nAssert || atom.kind == nEmpty {
			return nil, p.errorf("nothing to repeat")
		}
		greedy := true
		if !p.eof() {
			switch p.peek() {
			case '?':
				p.next()
				greedy = false
			case '+':
				return nil, p.errorf("possessive quantifiers are not supported")
			}
		}
		atom = &node{kind: nRepeat, subs: []*node{atom}, min: min, max: max, greedy: greedy}
	}
	return atom, nil
}

// counted parses {n}, {n,} or {n,m}.
func (p *parser) counted() (lo, hi int, ok bool) {
	end := strings.IndexByte(p.s[p.pos:], '}')
	if end < 0 {
		return 0, 0, false
	}
	body := p.s[p.pos+1 : p.pos+end]
	a, b, comma := strings.Cut(body, ",")
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 0 || lo > 1000 {
		return 0, 0, false
	}
	hi = lo
	if comma {
		if b == "" {
			hi = -1
		} else if hi, err = strconv.Atoi(b); err != nil || hi < lo || hi > 1000 {
			return 0, 0, false
		}
	}
	p.pos += end + 1
	return lo, hi, true
}

func (p *parser) atom() (*node, error) {
	r := p.next()
	switch r {
	case '(':
		return p.group()
	case ')':
		return nil, p.errorf("unmatched )")
	case '*', '+', '?':
		return nil, p.errorf("nothing to repeat")
	case '[':
		return p.class()
	case '.':
		b := &classBuilder{}
		b.addRange('\n', '\n')
		return &node{kind: nClass, cls: b.build(true)}, nil
	case '^':
		return &node{kind: nAssert, assert: assertBegin}, nil
	case '$':
		return &node{kind: nAssert, assert: assertEnd}, nil
	case '\\':
		if p.eof() {
			return nil, p.errorf("trailing backslash")
		}
		switch p.peek() {
		case 'A':
			p.next()
			return &node{kind: nAssert, assert: assertBegin}, nil
		case 'z', 'Z':
			p.next()
			return &node{kind: nAssert, assert: assertEnd}, nil
		}
		b := &classBuilder{}
		neg, err := p.escape(b)
		if err != nil {
			return nil, err
		}
		return &node{kind: nClass, cls: b.build(neg)}, nil
	}
	b := &classBuilder{}
	if p.fold {
		b.addFold(r, r)
	} else {
		b.addRange(r, r)
	}
	return &node{kind: nClass, cls: b.build(false)}, nil
}

func (p *parser) group() (*node, error) {
	fold := p.fold
	p.depth++
	defer func() { p.fold = fold; p.depth-- }()
	if p.depth > maxGroupDepth {
		return nil, p.errorf("groups nested deeper than %d", maxGroupDepth)
	}
	if strings.HasPrefix(p.s[p.pos:], "?") {
		switch {
		case strings.HasPrefix(p.s[p.pos:], "?:"):
			p.pos += 2
		case strings.HasPrefix(p.s[p.pos:], "?i:"):
			p.pos += 3
			p.fold = true
		case strings.HasPrefix(p.s[p.pos:], "?="), strings.HasPrefix(p.s[p.pos:], "?!"):
			neg := p.s[p.pos+1] == '!'
			p.pos += 2
			n, err := p.alt()
			if err != nil {
				return nil, err
			}
			if p.eof() || p.next() != ')' {
				return nil, p.errorf("missing )")
			}
			if n.kind != nClass {
				return nil, p.errorf("only a single character class is supported in a lookahead")
			}
			kind := uint8(assertAhead)
			if neg {
				kind = assertNotAhead
			}
			return &node{kind: nAssert, assert: kind, cls: n.cls}, nil
		default:
			return nil, p.errorf("unsupported group syntax")
		}
	}
	n, err := p.alt()
	if err != nil {
		return nil, err
	}
	if p.eof() || p.next() != ')' {
		return nil, p.errorf("missing )")
	}
	return n, nil
}

// escape parses the escape after a backslash into b; neg reports a negated
// class (\S, \D, \W, \P{..}) when outside brackets.
func (p *parser) escape(b *classBuilder) (neg bool, err error) {
	r := p.next()
	lit := func(c rune) (bool, error) {
		if p.fold {
			b.addFold(c, c)
		} else {
			b.addRange(c, c)
		}
		return false, nil
	}
	switch r {
	case 's', 'S':
		b.tables = append(b.tables, unicode.White_Space)
		return r == 'S', nil
	case 'd', 'D':
		b.tables = append(b.tables, unicode.Nd)
		return r == 'D', nil
	case 'w', 'W':
		b.tables = append(b.tables, unicode.L, unicode.M, unicode.Nd, unicode.Pc)
		return r == 'W', nil
	case 'p', 'P':
		t, err := p.property()
		if err != nil {
			return false, err
		}
		b.tables = append(b.tables, t...)
		return r == 'P', nil
	case 'n':
		return lit('\n')
	case 'r':
		return lit('\r')
	case 't':
		return lit('\t')
	case 'f':
		return lit('\f')
	case 'v':
		return lit('\v')
	case 'a':
		return lit('\a')
	case 'e':
		return lit(0x1b)
	case '0':
		return lit(0)
	case 'x', 'u':
		v, err := p.hex(r)
		if err != nil {
			return false, err
		}
		return lit(v)
	}
	if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '1' && r <= '9') {
		return false, p.errorf("unsupported escape \\%c", r)
	}
	return lit(r)
}

func (p *parser) hex(kind rune) (rune, error) {
	var digits string
	switch {
	case kind == 'x' && strings.HasPrefix(p.s[p.pos:], "{"):
		end := strings.IndexByte(p.s[p.pos:], '}')
		if end < 0 {
			return 0, p.errorf("bad \\x{...}")
		}
		digits = p.s[p.pos+1 : p.pos+end]
		p.pos += end + 1
	case kind == 'x':
		if len(p.s)-p.pos < 2 {
			return 0, p.errorf("bad \\x")
		}
		digits = p.s[p.pos : p.pos+2]
		p.pos += 2
	default:
		if len(p.s)-p.pos < 4 {
			return 0, p.errorf("bad \\u")
		}
		digits = p.s[p.pos : p.pos+4]
		p.pos += 4
	}
	v, err := strconv.ParseUint(digits, 16, 32)
	if err != nil || v > unicode.MaxRune {
		return 0, p.errorf("bad hexadecimal escape %q", digits)
	}
	return rune(v), nil
}

// property parses {Name} after \p and returns its tables.
func (p *parser) property() ([]*unicode.RangeTable, error) {
	if p.eof() || p.peek() != '{' {
		return nil, p.errorf("\\p needs {name}")
	}
	end := strings.IndexByte(p.s[p.pos:], '}')
	if end < 0 {
		return nil, p.errorf("\\p{ without }")
	}
	name := p.s[p.pos+1 : p.pos+end]
	p.pos += end + 1
	if t, ok := unicode.Categories[name]; ok {
		return []*unicode.RangeTable{t}, nil
	}
	if t, ok := unicode.Scripts[name]; ok {
		return []*unicode.RangeTable{t}, nil
	}
	switch name {
	case "Letter":
		return []*unicode.RangeTable{unicode.L}, nil
	case "Number":
		return []*unicode.RangeTable{unicode.N}, nil
	case "Punctuation":
		return []*unicode.RangeTable{unicode.P}, nil
	case "Symbol":
		return []*unicode.RangeTable{unicode.S}, nil
	case "Mark":
		return []*unicode.RangeTable{unicode.M}, nil
	}
	return nil, p.errorf("unknown Unicode property %q", name)
}

// class parses a bracket expression after '['.
func (p *parser) class() (*node, error) {
	b := &classBuilder{}
	neg := false
	if !p.eof() && p.peek() == '^' {
		p.next()
		neg = true
	}
	first := true
	for {
		if p.eof() {
			return nil, p.errorf("missing ]")
		}
		r := p.next()
		if r == ']' && !first {
			break
		}
		first = false
		if r == '[' && !p.eof() && p.peek() == ':' {
			return nil, p.errorf("POSIX classes are not supported")
		}
		if r == '&' && !p.eof() && p.peek() == '&' {
			return nil, p.errorf("class intersection is not supported")
		}
		lo := r
		if r == '\\' {
			if p.eof() {
				return nil, p.errorf("trailing backslash")
			}
			item := &classBuilder{}
			fold := p.fold
			p.fold = false // the escaped character itself; folded below
			n, err := p.escape(item)
			p.fold = fold
			if err != nil {
				return nil, err
			}
			if n {
				// \S, \D, \W, \P{..} inside brackets.
				b.notTables = append(b.notTables, item.tables...)
				continue
			}
			if len(item.tables) > 0 {
				b.tables = append(b.tables, item.tables...)
				continue
			}
			lo = item.ranges[0]
		}
		hi := lo
		if strings.HasPrefix(p.s[p.pos:], "-") && p.pos+1 < len(p.s) && p.s[p.pos+1] != ']' {
			p.next()
			c := p.next()
			if c == '\\' {
				item := &classBuilder{}
				fold := p.fold
				p.fold = false
				n, err := p.escape(item)
				p.fold = fold
				if err != nil || n || len(item.tables) > 0 || len(item.ranges) < 2 {
					return nil, p.errorf("bad range end")
				}
				c = item.ranges[0]
			}
			hi = c
			if hi < lo {
				return nil, p.errorf("bad range %c-%c", lo, hi)
			}
		}
		if p.fold {
			b.addFold(lo, hi)
		} else {
			b.addRange(lo, hi)
		}
	}
	return &node{kind: nClass, cls: b.build(neg)}, nil
}

type compiler struct {
	prog []inst
}

func (c *compiler) add(i inst) int32 {
	c.prog = append(c.prog, i)
	return int32(len(c.prog) - 1)
}

func (c *compiler) emit(n *node) error {
	if len(c.prog) > maxProg {
		return fmt.Errorf("pattern too large")
	}
	switch n.kind {
	case nEmpty:
	case nClass:
		c.add(inst{op: opChar, cls: n.cls})
	case nAssert:
		c.add(inst{op: opAssert, kind: n.assert, cls: n.cls})
	case nConcat:
		for _, s := range n.subs {
			if err := c.emit(s); err != nil {
				return err
			}
		}
	case nAlt:
		// split L1, next; L1: a; jmp end; next: split L2, ...
		var jumps []int32
		for i, s := range n.subs {
			if i < len(n.subs)-1 {
				sp := c.add(inst{op: opSplit})
				c.prog[sp].x = sp + 1
				if err := c.emit(s); err != nil {
					return err
				}
				jumps = append(jumps, c.add(inst{op: opJmp}))
				c.prog[sp].y = int32(len(c.prog))
			} else if err := c.emit(s); err != nil {
				return err
			}
		}
		for _, j := range jumps {
			c.prog[j].x = int32(len(c.prog))
		}
	case nRepeat:
		sub := n.subs[0]
		for i := 0; i < n.min; i++ {
			if err := c.emit(sub); err != nil {
				return err
			}
		}
		if n.max < 0 {
			// L: split body, end; body; jmp L
			sp := c.add(inst{op: opSplit})
			if err := c.emit(sub); err != nil {
				return err
			}
			c.add(inst{op: opJmp, x: sp})
			c.setSplit(sp, sp+1, int32(len(c.prog)), n.greedy)
			return nil
		}
		var splits []int32
		for i := n.min; i < n.max; i++ {
			sp := c.add(inst{op: opSplit})
			splits = append(splits, sp)
			if err := c.emit(sub); err != nil {
				return err
			}
		}
		for _, sp := range splits {
			c.setSplit(sp, sp+1, int32(len(c.prog)), n.greedy)
		}
	}
	if len(c.prog) > maxProg {
		return fmt.Errorf("pattern too large")
	}
	return nil
}

func (c *compiler) setSplit(sp, body, out int32, greedy bool) {
	if greedy {
		c.prog[sp].x, c.prog[sp].y = body, out
	} else {
		c.prog[sp].x, c.prog[sp].y = out, body
	}
}

// decode returns the character at the start of s and its size in bytes.
func (re *regex) decode(s []byte) (rune, int) {
	if re.byteLevel {
		return byteToRune[s[0]], 1
	}
	c := s[0]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	r, n := utf8.DecodeRune(s)
	if r == utf8.RuneError && n == 1 {
		return invalidRune, 1
	}
	return r, n
}

type thread struct {
	pc    int32
	start int32
}

// machine is the scratch state of one search.
type machine struct {
	re           *regex
	clist, nlist []thread
	onList       []uint32 // generation at which each pc was last added
	gen          uint32
}

func (re *regex) newMachine() *machine {
	return &machine{re: re, onList: make([]uint32, len(re.prog))}
}

// add follows the empty transitions from pc at position pos of text.
func (m *machine) add(list []thread, pc, start int32, text []byte, pos int) []thread {
	if m.onList[pc] == m.gen {
		return list
	}
	m.onList[pc] = m.gen
	in := &m.re.prog[pc]
	switch in.op {
	case opJmp:
		return m.add(list, in.x, start, text, pos)
	case opSplit:
		list = m.add(list, in.x, start, text, pos)
		return m.add(list, in.y, start, text, pos)
	case opAssert:
		ok := false
		switch in.kind {
		case assertBegin:
			ok = pos == 0
		case assertEnd:
			ok = pos == len(text)
		case assertAhead, assertNotAhead:
			in2 := pos < len(text)
			if in2 {
				r, _ := m.re.decode(text[pos:])
				in2 = in.cls.has(r)
			}
			ok = in2 == (in.kind == assertAhead)
		}
		if ok {
			return m.add(list, pc+1, start, text, pos)
		}
		return list
	}
	return append(list, thread{pc: pc, start: start})
}

func (m *machine) nextGen() {
	m.gen++
	if m.gen == 0 { // wrapped: clear the marks
		clear(m.onList)
		m.gen = 1
	}
}

// find returns the leftmost-first non-empty match in text[from:] (offsets
// into text), or start -1. Empty matches are skipped.
//
// The threads of clist are in priority order; a thread that starts later
// has a lower priority, so a new start is added at the end. The marks of a
// generation dedupe the threads at one position.
func (m *machine) find(text []byte, from int) (start, end int) {
	start, end = -1, -1
	m.clist = m.clist[:0]
	m.nextGen()
	for pos := from; ; {
		if start < 0 && len(m.clist) == 0 && m.re.first != nil {
			// Nothing under way: skip to a character a match can start with.
			for pos < len(text) {
				r, n := m.re.decode(text[pos:])
				if m.re.canStart(r) {
					break
				}
				pos += n
			}
			if pos == len(text) {
				return start, end
			}
		}
		if start < 0 {
			m.clist = m.add(m.clist, 0, int32(pos), text, pos)
		}
		if len(m.clist) == 0 {
			return start, end
		}
		var r rune
		size := 0
		if pos < len(text) {
			r, size = m.re.decode(text[pos:])
		}
		m.nextGen()
		m.nlist = m.nlist[:0]
		for _, th := range m.clist {
			in := &m.re.prog[th.pc]
			if in.op == opMatch {
				if int(th.start) < pos {
					start, end = int(th.start), pos
					break // lower-priority threads are cut
				}
				continue // an empty match: keep looking
			}
			if size > 0 && in.cls.has(r) {
				m.nlist = m.add(m.nlist, th.pc+1, th.start, text, pos+size)
			}
		}
		m.clist, m.nlist = m.nlist, m.clist
		if size == 0 {
			return start, end
		}
		pos += size
	}
}
