// Package gguf reads GGUF files, the single-file model format of llama.cpp
// and ggml: a header, typed metadata key/value pairs (the architecture's
// hyper-parameters and the tokenizer's vocabulary), tensor descriptions and
// the aligned tensor data.
//
// Versions 2 and 3 (little-endian) are read. Tensors of type F32, F16, BF16
// and Q8_0 convert to float32 (Q8_0 exactly as ggml dequantizes it); other
// types parse, so that a file can be described, but do not convert.
//
// A GGUF file is outside input: every count and length is checked against
// the bytes that remain before anything is allocated, so a damaged or
// hostile header gives an error, never a panic or an allocation much larger
// than the file.
package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/lmzip/lmzip/internal/safetensors"
)

// Magic is the first four bytes of a GGUF file.
const Magic = "GGUF"

// DefaultAlignment is the alignment of the tensor data when the file does
// not set general.alignment.
const DefaultAlignment = 32

// Limits on what a file may declare.
const (
	maxDims       = 4       // GGML_MAX_DIMS
	maxArrayDepth = 4       // arrays of arrays of ...
	maxKeyLen     = 1 << 16 // bytes of a key or tensor name
	maxAlignment  = 1 << 16
)

// ValueType is the type of a metadata value.
type ValueType uint32

// The metadata value types of the GGUF specification.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// size returns the encoded size of a scalar of type t, or 0 for strings and
// arrays.
func (t ValueType) size() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// minSize is the fewest bytes a value of type t takes in the file.
func (t ValueType) minSize() int {
	switch t {
	case TypeString:
		return 8 // the length
	case TypeArray:
		return 12 // element type and count
	}
	return t.size()
}

// Value is a metadata value. V holds uint8, int8, uint16, int16, uint32,
// int32, float32, bool, string, uint64, int64 or float64 for scalars, and
// for arrays a slice of the element type ([]string, []float32, []int32, ...)
// or, for arrays of arrays, []Value.
type Value struct {
	Type ValueType
	// Elem is the element type of an array.
	Elem ValueType
	V    any
}

// Len returns the number of elements of an array value, or -1.
func (v Value) Len() int {
	switch a := v.V.(type) {
	case []uint8:
		return len(a)
	case []int8:
		return len(a)
	case []uint16:
		return len(a)
	case []int16:
		return len(a)
	case []uint32:
		return len(a)
	case []int32:
		return len(a)
	case []float32:
		return len(a)
	case []bool:
		return len(a)
	case []string:
		return len(a)
	case []uint64:
		return len(a)
	case []int64:
		return len(a)
	case []float64:
		return len(a)
	case []Value:
		return len(a)
	}
	return -1
}

// KV is one metadata key and its value.
type KV struct {
	Key   string
	Value Value
}

// File is a parsed GGUF file. Tensor data aliases the bytes it was parsed
// from.
type File struct {
	Version uint32
	// KVs holds the metadata in file order.
	KVs []KV
	// Tensors describes the tensors in file order.
	Tensors []*Tensor
	// Alignment is the alignment of the tensor data (general.alignment).
	Alignment int
	// DataOffset is the offset of the tensor data in the file.
	DataOffset int64

	kv     map[string]int
	byName map[string]*Tensor
	unmap  func() error
}

// Get returns the value of a metadata key.
func (f *File) Get(key string) (Value, bool) {
	i, ok := f.kv[key]
	if !ok {
		return Value{}, false
	}
	return f.KVs[i].Value, true
}

// Tensor returns the tensor called name, or nil.
func (f *File) Tensor(name string) *Tensor { return f.byName[name] }

// Close releases the file's mapping, if any. Tensors must not be used after.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	u := f.unmap
	f.unmap = nil
	return u()
}

// Open maps the GGUF file at path and parses it.
func Open(path string) (*File, error) {
	data, unmap, err := safetensors.MapFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.unmap = unmap
	return f, nil
}

// reader reads little-endian values from b, failing once it runs out.
type reader struct {
	b   []byte
	off int
	err error
}

var errShort = errors.New("unexpected end of file")

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.left() {
		r.fail(errShort)
		return nil
	}
	p := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return p
}

func (r *reader) u8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if p := r.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// count reads a uint64 count of items of at least minSize bytes each and
// checks that they fit in what remains.
func (r *reader) count(what string, minSize int) int {
	n := r.u64()
	if r.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if n > uint64(r.left()/minSize) {
		r.fail(fmt.Errorf("%s: %d items cannot fit in the %d bytes that remain", what, n, r.left()))
		return 0
	}
	return int(n)
}

func (r *reader) str(what string) string {
	n := r.u64()
	if r.err != nil {
		return ""
	}
	if n > uint64(r.left()) {
		r.fail(fmt.Errorf("%s: string of %d bytes exceeds the %d bytes that remain", what, n, r.left()))
		return ""
	}
	return string(r.take(int(n)))
}

// Parse reads a GGUF file held in b. Tensor data aliases b.
func Parse(b []byte) (*File, error) {
	r := &reader{b: b}
	magic := r.take(4)
	if r.err != nil || string(magic) != Magic {
		return nil, errors.New("gguf: not a GGUF file (bad magic)")
	}
	f := &File{Version: r.u32()}
	switch {
	case r.err != nil:
		return nil, fmt.Errorf("gguf: header: %w", r.err)
	case f.Version == 1:
		return nil, errors.New("gguf: version 1 files are not supported (convert them with a current llama.cpp)")
	case f.Version&0xffff == 0 && f.Version>>16 != 0:
		return nil, fmt.Errorf("gguf: big-endian files are not supported (version field %#x)", f.Version)
	case f.Version != 2 && f.Version != 3:
		return nil, fmt.Errorf("gguf: version %d is not supported (2 and 3 are)", f.Version)
	}
	// Each tensor description takes at least 8+4+8+4+8 bytes, each
	// key/value pair at least 8+4+1.
	nTensors := r.count("tensor count", 24)
	nKV := r.count("metadata count", 13)
	if r.err != nil {
		return nil, fmt.Errorf("gguf: header: %w", r.err)
	}
	f.KVs = make([]KV, 0, nKV)
	f.kv = make(map[string]int, nKV)
	for i := 0; i < nKV; i++ {
		key := r.str("metadata key")
		if r.err == nil && (len(key) == 0 || len(key) > maxKeyLen) {
			r.fail(fmt.Errorf("metadata key of %d bytes", len(key)))
		}
		typ := ValueType(r.u32())
		v := r.value(typ, 0, key)
		if r.err != nil {
			return nil, fmt.Errorf("gguf: metadata %d (%q): %w", i, key, r.err)
		}
		if _, dup := f.kv[key]; dup {
			return nil, fmt.Errorf("gguf: metadata key %q appears twice", key)
		}
		f.kv[key] = len(f.KVs)
		f.KVs = append(f.KVs, KV{Key: key, Value: v})
	}
	f.Alignment = DefaultAlignment
	if v, ok := f.Get("general.alignment"); ok {
		a, ok := v.Uint()
		if !ok || a == 0 || a > maxAlignment || a&(a-1) != 0 {
			return nil, fmt.Errorf("gguf: general.alignment %v is not a power of two up to %d", v.V, maxAlignment)
		}
		f.Alignment = int(a)
	}
	f.Tensors = make([]*Tensor, 0, nTensors)
	f.byName = make(map[string]*Tensor, nTensors)
	for i := 0; i < nTensors; i++ {
		t := r.tensorInfo()
		if r.err != nil {
			return nil, fmt.Errorf("gguf: tensor %d: %w", i, r.err)
		}
		if _, dup := f.byName[t.Name]; dup {
			return nil, fmt.Errorf("gguf: tensor %q appears twice", t.Name)
		}
		f.byName[t.Name] = t
		f.Tensors = append(f.Tensors, t)
	}
	// The data section starts at the next multiple of the alignment.
	start := (int64(r.off) + int64(f.Alignment) - 1) / int64(f.Alignment) * int64(f.Alignment)
	if nTensors > 0 && start > int64(len(b)) {
		return nil, fmt.Errorf("gguf: tensor data would start at %d, past the end of the file (%d bytes)", start, len(b))
	}
	f.DataOffset = start
	var data []byte
	if start <= int64(len(b)) {
		data = b[start:]
	}
	for _, t := range f.Tensors {
		if t.Offset%uint64(f.Alignment) != 0 {
			return nil, fmt.Errorf("gguf: tensor %q: offset %d is not a multiple of the alignment %d", t.Name, t.Offset, f.Alignment)
		}
		if t.size < 0 || t.Offset > uint64(len(data)) || uint64(t.size) > uint64(len(data))-t.Offset {
			return nil, fmt.Errorf("gguf: tensor %q: %d bytes at offset %d exceed the data section (%d bytes)", t.Name, t.size, t.Offset, len(data))
		}
		t.Data = data[t.Offset : t.Offset+uint64(t.size) : t.Offset+uint64(t.size)]
	}
	return f, nil
}

// value reads a value of type typ.
func (r *reader) value(typ ValueType, depth int, key string) Value {
	v := Value{Type: typ}
	switch typ {
	case TypeUint8:
		v.V = r.u8()
	case TypeInt8:
		v.V = int8(r.u8())
	case TypeUint16:
		v.V = r.u16()
	case TypeInt16:
		v.V = int16(r.u16())
	case TypeUint32:
		v.V = r.u32()
	case TypeInt32:
		v.V = int32(r.u32())
	case TypeFloat32:
		v.V = math.Float32frombits(r.u32())
	case TypeBool:
		b := r.u8()
		if b > 1 {
			r.fail(fmt.Errorf("bool value %d", b))
		}
		v.V = b == 1
	case TypeString:
		v.V = r.str(key)
	case TypeUint64:
		v.V = r.u64()
	case TypeInt64:
		v.V = int64(r.u64())
	case TypeFloat64:
		v.V = math.Float64frombits(r.u64())
	case TypeArray:
		if depth >= maxArrayDepth {
			r.fail(fmt.Errorf("arrays nested deeper than %d", maxArrayDepth))
			return v
		}
		v.Elem = ValueType(r.u32())
		if r.err == nil && v.Elem.minSize() == 0 {
			r.fail(fmt.Errorf("unknown array element type %d", uint32(v.Elem)))
			return v
		}
		n := r.count(key, v.Elem.minSize())
		if r.err != nil {
			return v
		}
		v.V = r.array(v.Elem, n, depth, key)
	default:
		r.fail(fmt.Errorf("unknown value type %d", uint32(typ)))
	}
	return v
}

// array reads n elements of type elem, n having been checked against the
// bytes left.
func (r *reader) array(elem ValueType, n, depth int, key string) any {
	if sz := elem.size(); sz > 0 {
		p := r.take(n * sz)
		if p == nil {
			return nil
		}
		switch elem {
		case TypeUint8:
			return append([]uint8(nil), p...)
		case TypeInt8:
			a := make([]int8, n)
			for i := range a {
				a[i] = int8(p[i])
			}
			return a
		case TypeBool:
			a := make([]bool, n)
			for i := range a {
				if p[i] > 1 {
					r.fail(fmt.Errorf("bool value %d", p[i]))
					return nil
				}
				a[i] = p[i] == 1
			}
			return a
		case TypeUint16:
			a := make([]uint16, n)
			for i := range a {
				a[i] = binary.LittleEndian.Uint16(p[2*i:])
			}
			return a
		case TypeInt16:
			a := make([]int16, n)
			for i := range a {
				a[i] = int16(binary.LittleEndian.Uint16(p[2*i:]))
			}
			return a
		case TypeUint32:
			a := make([]uint32, n)
			for i := range a {
				a[i] = binary.LittleEndian.Uint32(p[4*i:])
			}
			return a
		case TypeInt32:
			a := make([]int32, n)
			for i := range a {
				a[i] = int32(binary.LittleEndian.Uint32(p[4*i:]))
			}
			return a
		case TypeFloat32:
			a := make([]float32, n)
			for i := range a {
				a[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
			}
			return a
		case TypeUint64:
			a := make([]uint64, n)
			for i := range a {
				a[i] = binary.LittleEndian.Uint64(p[8*i:])
			}
			return a
		case TypeInt64:
			a := make([]int64, n)
			for i := range a {
				a[i] = int64(binary.LittleEndian.Uint64(p[8*i:]))
			}
			return a
		case TypeFloat64:
			a := make([]float64, n)
			for i := range a {
				a[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*i:]))
			}
			return a
		}
	}
	switch elem {
	case TypeString:
		a := make([]string, n)
		for i := range a {
			a[i] = r.str(key)
			if r.err != nil {
				return nil
			}
		}
		return a
	case TypeArray:
		a := make([]Value, n)
		for i := range a {
			a[i] = r.value(TypeArray, depth+1, key)
			if r.err != nil {
				return nil
			}
		}
		return a
	}
	r.fail(fmt.Errorf("unknown array element type %d", uint32(elem)))
	return nil
}

// Uint returns an unsigned or non-negative integer value.
func (v Value) Uint() (uint64, bool) {
	switch x := v.V.(type) {
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	case int8:
		return uint64(x), x >= 0
	case int16:
		return uint64(x), x >= 0
	case int32:
		return uint64(x), x >= 0
	case int64:
		return uint64(x), x >= 0
	}
	return 0, false
}

// Int returns an integer value that fits an int64.
func (v Value) Int() (int64, bool) {
	switch x := v.V.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	u, ok := v.Uint()
	return int64(u), ok && u <= math.MaxInt64
}

// Float returns a floating-point value (integers convert too).
func (v Value) Float() (float64, bool) {
	switch x := v.V.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	if i, ok := v.Int(); ok {
		return float64(i), true
	}
	return 0, false
}

// String returns a string value.
func (v Value) String() (string, bool) {
	s, ok := v.V.(string)
	return s, ok
}

// Bool returns a boolean value.
func (v Value) Bool() (bool, bool) {
	b, ok := v.V.(bool)
	return b, ok
}

// Uint returns the unsigned integer value of key; ok is false when the key
// is absent, err set when it is not a non-negative integer.
func (f *File) Uint(key string) (n uint64, ok bool, err error) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false, nil
	}
	n, good := v.Uint()
	if !good {
		return 0, true, fmt.Errorf("gguf: %s is a %s, not a non-negative integer", key, v.Type)
	}
	return n, true, nil
}

// Float returns the number value of key.
func (f *File) Float(key string) (x float64, ok bool, err error) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false, nil
	}
	x, good := v.Float()
	if !good {
		return 0, true, fmt.Errorf("gguf: %s is a %s, not a number", key, v.Type)
	}
	return x, true, nil
}

// String returns the string value of key.
func (f *File) String(key string) (s string, ok bool, err error) {
	v, ok := f.Get(key)
	if !ok {
		return "", false, nil
	}
	s, good := v.String()
	if !good {
		return "", true, fmt.Errorf("gguf: %s is a %s, not a string", key, v.Type)
	}
	return s, true, nil
}

// Bool returns the boolean value of key.
func (f *File) Bool(key string) (b, ok bool, err error) {
	v, ok := f.Get(key)
	if !ok {
		return false, false, nil
	}
	b, good := v.Bool()
	if !good {
		return false, true, fmt.Errorf("gguf: %s is a %s, not a bool", key, v.Type)
	}
	return b, true, nil
}

// Strings returns the array of strings of key.
func (f *File) Strings(key string) ([]string, bool, error) {
	v, ok := f.Get(key)
	if !ok {
		return nil, false, nil
	}
	a, good := v.V.([]string)
	if !good {
		return nil, true, fmt.Errorf("gguf: %s is not an array of strings", key)
	}
	return a, true, nil
}

// Float32s returns the array of float32 of key.
func (f *File) Float32s(key string) ([]float32, bool, error) {
	v, ok := f.Get(key)
	if !ok {
		return nil, false, nil
	}
	a, good := v.V.([]float32)
	if !good {
		return nil, true, fmt.Errorf("gguf: %s is not an array of float32", key)
	}
	return a, true, nil
}

// Int32s returns the array of 32-bit integers of key (int32 or uint32
// elements below 2^31).
func (f *File) Int32s(key string) ([]int32, bool, error) {
	v, ok := f.Get(key)
	if !ok {
		return nil, false, nil
	}
	switch a := v.V.(type) {
	case []int32:
		return a, true, nil
	case []uint32:
		out := make([]int32, len(a))
		for i, x := range a {
			if x > math.MaxInt32 {
				return nil, true, fmt.Errorf("gguf: %s[%d] = %d is too large", key, i, x)
			}
			out[i] = int32(x)
		}
		return out, true, nil
	}
	return nil, true, fmt.Errorf("gguf: %s is not an array of 32-bit integers", key)
}

// Keys returns the metadata keys in sorted order.
func (f *File) Keys() []string {
	keys := make([]string, 0, len(f.KVs))
	for _, kv := range f.KVs {
		keys = append(keys, kv.Key)
	}
	sort.Strings(keys)
	return keys
}
