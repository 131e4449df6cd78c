package seed

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON values as Python's json module sees them. A decoded value is one of
//
//	nil        null
//	bool       true, false
//	int64      an integer that fits (Python int)
//	*big.Int   a larger integer (Python int)
//	float64    a number with a fraction or an exponent, NaN, Infinity
//	String     a string
//	[]any      an array
//	*Object    an object, keys in insertion order
//
// Strings are Python str values: sequences of code points that may include
// lone surrogates, which Go strings cannot hold as UTF-8. A String holds
// them as WTF-8 (UTF-8 extended to encode U+D800..U+DFFF), so valid text
// is plain UTF-8.
type String string

// Object is a JSON object with Python dict semantics: keys keep the order of
// their first insertion, setting an existing key keeps its place, and
// decoding a duplicate key keeps the first place and the last value.
type Object struct {
	keys []String
	vals map[String]any
}

// NewObject returns an empty object.
func NewObject() *Object { return &Object{vals: map[String]any{}} }

// Get returns the value of key and whether it is present.
func (o *Object) Get(key string) (any, bool) {
	v, ok := o.vals[String(key)]
	return v, ok
}

// Set sets key to v, appending the key when it is new.
func (o *Object) Set(key string, v any) { o.set(String(key), v) }

func (o *Object) set(k String, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// Delete removes key (Python's del d[key]); it does nothing when key is
// absent.
func (o *Object) Delete(key string) {
	k := String(key)
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, x := range o.keys {
		if x == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			break
		}
	}
}

// Keys returns the keys in order.
func (o *Object) Keys() []string {
	out := make([]string, len(o.keys))
	for i, k := range o.keys {
		out[i] = string(k)
	}
	return out
}

// Clone returns a shallow copy of o.
func (o *Object) Clone() *Object {
	c := &Object{keys: append([]String(nil), o.keys...), vals: make(map[String]any, len(o.vals))}
	for k, v := range o.vals {
		c.vals[k] = v
	}
	return c
}

// maxDepth bounds the nesting of arrays and objects that Unmarshal accepts
// (Python stops at its recursion limit, about 1000).
const maxDepth = 10000

// Unmarshal decodes a JSON document as Python's json.loads does when given
// bytes: the encoding (UTF-8, with or without a byte order mark, UTF-16 or
// UTF-32) is detected from the first bytes, UTF-8 may hold encoded
// surrogates (Python's surrogatepass), NaN, Infinity and -Infinity are
// accepted, integers keep their exact value and duplicate keys keep the
// last value.
func Unmarshal(data []byte) (any, error) {
	text, err := decodeDocument(data)
	if err != nil {
		return nil, err
	}
	if len(text) > 0 && text[0] == 0xFEFF {
		return nil, errors.New("json: unexpected UTF-8 BOM (decode using utf-8-sig)")
	}
	p := &parser{s: text}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, p.errorf("extra data")
	}
	return v, nil
}

// decodeDocument turns bytes into code points as json.loads does:
// json.detect_encoding, then decoding with surrogatepass.
func decodeDocument(b []byte) ([]rune, error) {
	enc := "utf-8"
	switch {
	case bytes.HasPrefix(b, []byte{0, 0, 0xFE, 0xFF}):
		enc, b = "utf-32-be", b[4:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0, 0}):
		enc, b = "utf-32-le", b[4:]
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		enc, b = "utf-16-be", b[2:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		enc, b = "utf-16-le", b[2:]
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case len(b) >= 4:
		if b[0] == 0 {
			enc = "utf-32-be"
			if b[1] != 0 {
				enc = "utf-16-be"
			}
		} else if b[1] == 0 {
			enc = "utf-32-le"
			if b[2] != 0 || b[3] != 0 {
				enc = "utf-16-le"
			}
		}
	case len(b) == 2:
		if b[0] == 0 {
			enc = "utf-16-be"
		} else if b[1] == 0 {
			enc = "utf-16-le"
		}
	}
	switch enc {
	case "utf-8":
		return decodeWTF8(b)
	case "utf-16-be", "utf-16-le":
		if len(b)%2 != 0 {
			return nil, fmt.Errorf("json: truncated %s data", enc)
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			if enc == "utf-16-be" {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			} else {
				u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
			}
		}
		return decodeUTF16(u), nil
	default:
		if len(b)%4 != 0 {
			return nil, fmt.Errorf("json: truncated %s data", enc)
		}
		r := make([]rune, len(b)/4)
		for i := range r {
			var v uint32
			if enc == "utf-32-be" {
				v = uint32(b[4*i])<<24 | uint32(b[4*i+1])<<16 | uint32(b[4*i+2])<<8 | uint32(b[4*i+3])
			} else {
				v = uint32(b[4*i+3])<<24 | uint32(b[4*i+2])<<16 | uint32(b[4*i+1])<<8 | uint32(b[4*i])
			}
			if v > unicode10FFFF {
				return nil, fmt.Errorf("json: invalid code point %#x in %s data", v, enc)
			}
			r[i] = rune(v)
		}
		return r, nil
	}
}

const unicode10FFFF = 0x10FFFF

// decodeUTF16 combines surrogate pairs and keeps lone surrogates
// (surrogatepass).
func decodeUTF16(u []uint16) []rune {
	r := make([]rune, 0, len(u))
	for i := 0; i < len(u); i++ {
		c := rune(u[i])
		if c >= 0xD800 && c < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000 {
			r = append(r, utf16.DecodeRune(c, rune(u[i+1])))
			i++
			continue
		}
		r = append(r, c)
	}
	return r
}

// decodeWTF8 decodes UTF-8 that may hold encoded surrogates, rejecting
// anything else that is not valid UTF-8, as Python's utf-8 codec with
// surrogatepass does.
func decodeWTF8(b []byte) ([]rune, error) {
	r := make([]rune, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			r = append(r, rune(c))
			i++
			continue
		}
		if c == 0xED && i+2 < len(b) && b[i+1] >= 0xA0 && b[i+1] <= 0xBF && b[i+2]&0xC0 == 0x80 {
			r = append(r, rune(c&0x0F)<<12|rune(b[i+1]&0x3F)<<6|rune(b[i+2]&0x3F))
			i += 3
			continue
		}
		x, n := utf8.DecodeRune(b[i:])
		if x == utf8.RuneError && n <= 1 {
			return nil, fmt.Errorf("json: invalid UTF-8 byte %#02x at offset %d", c, i)
		}
		r = append(r, x)
		i += n
	}
	return r, nil
}

// appendWTF8 appends code point c to b, encoding surrogates as UTF-8 would
// if it allowed them.
func appendWTF8(b []byte, c rune) []byte {
	if c >= 0xD800 && c < 0xE000 {
		return append(b, 0xED, byte(0x80|(c>>6)&0x3F), byte(0x80|c&0x3F))
	}
	return utf8.AppendRune(b, c)
}

// Runes returns the code points of s, lone surrogates included.
func (s String) Runes() []rune {
	r, err := decodeWTF8([]byte(s))
	if err != nil { // not WTF-8: fall back to Go's decoding
		return []rune(string(s))
	}
	return r
}

// StringFromArg converts a command-line argument to a String the way
// Python decodes sys.argv: UTF-8 with surrogateescape, so that a byte that
// is not part of valid UTF-8 becomes the lone surrogate U+DC80+byte.
func StringFromArg(arg string) String {
	var b []byte
	for i := 0; i < len(arg); {
		c, n := utf8.DecodeRuneInString(arg[i:])
		if c == utf8.RuneError && n <= 1 {
			b = appendWTF8(b, 0xDC00+rune(arg[i]))
			i++
			continue
		}
		b = utf8.AppendRune(b, c)
		i += n
	}
	return String(b)
}

type parser struct {
	s []rune
	i int
}

func (p *parser) errorf(format string, a ...any) error {
	return fmt.Errorf("json: %s at char %d", fmt.Sprintf(format, a...), p.i)
}

func (p *parser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) hasPrefix(lit string) bool {
	if p.i+len(lit) > len(p.s) {
		return false
	}
	for j := 0; j < len(lit); j++ {
		if p.s[p.i+j] != rune(lit[j]) {
			return false
		}
	}
	return true
}

func (p *parser) value(depth int) (any, error) {
	if p.i >= len(p.s) {
		return nil, p.errorf("expecting value")
	}
	switch c := p.s[p.i]; {
	case c == '"':
		p.i++
		return p.str()
	case c == '{':
		if depth >= maxDepth {
			return nil, p.errorf("nesting too deep")
		}
		p.i++
		return p.object(depth + 1)
	case c == '[':
		if depth >= maxDepth {
			return nil, p.errorf("nesting too deep")
		}
		p.i++
		return p.array(depth + 1)
	case c == 'n' && p.hasPrefix("null"):
		p.i += 4
		return nil, nil
	case c == 't' && p.hasPrefix("true"):
		p.i += 4
		return true, nil
	case c == 'f' && p.hasPrefix("false"):
		p.i += 5
		return false, nil
	case c == 'N' && p.hasPrefix("NaN"):
		p.i += 3
		return math.NaN(), nil
	case c == 'I' && p.hasPrefix("Infinity"):
		p.i += 8
		return math.Inf(1), nil
	case c == '-' && p.hasPrefix("-Infinity"):
		p.i += 9
		return math.Inf(-1), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, p.errorf("expecting value")
}

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

// number matches -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? as Python does:
// with a fraction or an exponent it is a float, otherwise an int.
func (p *parser) number() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	if p.i >= len(p.s) || !isDigit(p.s[p.i]) {
		p.i = start
		return nil, p.errorf("expecting value")
	}
	if p.s[p.i] == '0' {
		p.i++
	} else {
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
	}
	isFloat := false
	if p.i+1 < len(p.s) && p.s[p.i] == '.' && isDigit(p.s[p.i+1]) {
		isFloat = true
		p.i += 2
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		j := p.i + 1
		if j < len(p.s) && (p.s[j] == '+' || p.s[j] == '-') {
			j++
		}
		if j < len(p.s) && isDigit(p.s[j]) {
			for j < len(p.s) && isDigit(p.s[j]) {
				j++
			}
			isFloat = true
			p.i = j
		}
	}
	text := string(p.s[start:p.i])
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, p.errorf("bad number %q", text)
		}
		return f, nil // out of range: ±Inf or ±0, as Python's float()
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, nil
	}
	b, ok := new(big.Int).SetString(text, 10)
	if !ok {
		return nil, p.errorf("bad number %q", text)
	}
	return b, nil
}

func hexVal(c rune) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (p *parser) hex4(at int) (rune, bool) {
	if at+4 > len(p.s) {
		return 0, false
	}
	var v rune
	for j := at; j < at+4; j++ {
		h := hexVal(p.s[j])
		if h < 0 {
			return 0, false
		}
		v = v<<4 | rune(h)
	}
	return v, true
}

// str decodes a string after its opening quote (strict mode: no raw
// control characters).
func (p *parser) str() (String, error) {
	var b []byte
	for {
		if p.i >= len(p.s) {
			return "", p.errorf("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return String(b), nil
		case c < 0x20:
			return "", p.errorf("invalid control character")
		case c != '\\':
			b = appendWTF8(b, c)
			p.i++
			continue
		}
		p.i++
		if p.i >= len(p.s) {
			return "", p.errorf("unterminated string")
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			b = append(b, byte(e))
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			u, ok := p.hex4(p.i)
			if !ok {
				return "", p.errorf("invalid \\uXXXX escape")
			}
			p.i += 4
			if u >= 0xD800 && u < 0xDC00 && p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
				if u2, ok := p.hex4(p.i + 2); ok && u2 >= 0xDC00 && u2 < 0xE000 {
					u = utf16.DecodeRune(u, u2)
					p.i += 6
				}
			}
			b = appendWTF8(b, u)
		default:
			p.i -= 2
			return "", p.errorf("invalid \\escape")
		}
	}
}

func (p *parser) object(depth int) (*Object, error) {
	o := NewObject()
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return o, nil
	}
	for {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.errorf("expecting property name enclosed in double quotes")
		}
		p.i++
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.errorf("expecting ':' delimiter")
		}
		p.i++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		o.set(k, v)
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("expecting ',' delimiter")
		}
		switch p.s[p.i] {
		case '}':
			p.i++
			return o, nil
		case ',':
			p.i++
			p.skipSpace()
		default:
			return nil, p.errorf("expecting ',' delimiter")
		}
	}
}

func (p *parser) array(depth int) ([]any, error) {
	var a []any
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return []any{}, nil
	}
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("expecting ',' delimiter")
		}
		switch p.s[p.i] {
		case ']':
			p.i++
			return a, nil
		case ',':
			p.i++
			p.skipSpace()
		default:
			return nil, p.errorf("expecting ',' delimiter")
		}
	}
}

// Marshal encodes v as Python's json.dumps does with its defaults:
// separators ", " and ": ", every character outside printable ASCII
// escaped (\uXXXX with lower-case hex, surrogate pairs above U+FFFF),
// floats as repr() writes them, NaN and Infinity allowed, keys in order. The
// result is pure ASCII, so it is also its latin-1 encoding.
func Marshal(v any) ([]byte, error) {
	return appendValue(nil, v)
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		if x {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case *big.Int:
		return x.Append(b, 10), nil
	case float64:
		return append(b, PyFloat(x)...), nil
	case String:
		return appendString(b, x), nil
	case string:
		return appendString(b, String(x)), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			var err error
			if b, err = appendValue(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []int64:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, e, 10)
		}
		return append(b, ']'), nil
	case []Entry:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, '[')
			b = strconv.AppendInt(b, e.Token, 10)
			b = append(b, ", "...)
			b = strconv.AppendInt(b, e.Rank, 10)
			b = append(b, ", "...)
			var err error
			if b, err = appendValue(b, e.Prob); err != nil {
				return nil, err
			}
			b = append(b, ']')
		}
		return append(b, ']'), nil
	case *Object:
		b = append(b, '{')
		for i, k := range x.keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendString(b, k)
			b = append(b, ": "...)
			var err error
			if b, err = appendValue(b, x.vals[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("json: cannot encode %T", v)
}

const hexDigits = "0123456789abcdef"

func appendU(b []byte, u rune) []byte {
	return append(b, '\\', 'u', hexDigits[u>>12&15], hexDigits[u>>8&15], hexDigits[u>>4&15], hexDigits[u&15])
}

func appendString(b []byte, s String) []byte {
	b = append(b, '"')
	for _, c := range s.Runes() {
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c >= ' ' && c <= '~':
			b = append(b, byte(c))
		case c > 0xFFFF:
			r1, r2 := utf16.EncodeRune(c)
			b = appendU(appendU(b, r1), r2)
		default:
			b = appendU(b, c)
		}
	}
	return append(b, '"')
}

// PyFloat formats f as Python's repr(float) and json.dumps do: the shortest
// digits that read back as f, in positional notation when the decimal
// exponent is from -4 to 15 ("0.0001", "1000000000000000.0") and in
// scientific notation otherwise ("1e-05", "1e+16", "1.5e+300"), always
// with a ".0" or a fraction in positional notation; NaN, Infinity and
// -Infinity as json.dumps writes them.
func PyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // [-]d[.ddd]e±XX
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	mant, expPart, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expPart)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // value = 0.digits × 10^decpt
	if decpt <= -4 || decpt > 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		e := strconv.Itoa(exp)
		if len(e) < 2 {
			e = "0" + e
		}
		return sign + m + "e" + es + e
	}
	switch {
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	default:
		return sign + digits[:decpt] + "." + digits[decpt:]
	}
}
