// Package safetensors reads the safetensors tensor format used by Hugging
// Face: an 8-byte little-endian header length, a JSON header that maps each
// tensor name to its dtype, shape and byte range, and the raw tensor bytes.
//
// Files are memory-mapped where the system allows it, so opening a large
// checkpoint costs no copy; Parse works on bytes already in memory (such as
// a model embedded in the binary).
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
)

// MaxHeaderSize bounds the JSON header; larger claims are rejected before
// anything is allocated.
const MaxHeaderSize = 100 << 20

// DType is a tensor element type as spelled in the header.
type DType string

// The element types lmzip reads.
const (
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I32  DType = "I32"
	I64  DType = "I64"
)

// Size returns the byte size of one element, or 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case F32, I32:
		return 4
	case F16, BF16:
		return 2
	case I64, "F64", "U64":
		return 8
	case "I16", "U16":
		return 2
	case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2":
		return 1
	case "U32":
		return 4
	}
	return 0
}

// Tensor is one named tensor of a file. Data aliases the file's bytes.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// Elements returns the number of elements (the product of the shape).
func (t *Tensor) Elements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// File is a parsed safetensors file.
type File struct {
	Tensors  map[string]*Tensor
	Metadata map[string]string
	unmap    func() error
}

// Names returns the tensor names in sorted order.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.Tensors))
	for n := range f.Tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Close releases the file's mapping, if any. Tensors must not be used after.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	u := f.unmap
	f.unmap = nil
	return u()
}

type headerEntry struct {
	DType       DType   `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// Parse reads a safetensors file held in b. The tensors alias b.
func Parse(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, errors.New("safetensors: file shorter than its 8-byte header length")
	}
	n := binary.LittleEndian.Uint64(b)
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(len(b)-8) {
		return nil, fmt.Errorf("safetensors: header length %d exceeds the file (%d bytes)", n, len(b))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		return nil, fmt.Errorf("safetensors: header: %v", err)
	}
	data := b[8+n:]
	f := &File{Tensors: make(map[string]*Tensor, len(raw))}
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.Metadata); err != nil {
				return nil, fmt.Errorf("safetensors: __metadata__: %v", err)
			}
			continue
		}
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %v", name, err)
		}
		t, err := e.tensor(name, data)
		if err != nil {
			return nil, err
		}
		f.Tensors[name] = t
	}
	return f, nil
}

func (e *headerEntry) tensor(name string, data []byte) (*Tensor, error) {
	size := e.DType.Size()
	if size == 0 {
		return nil, fmt.Errorf("safetensors: tensor %q: unknown dtype %q", name, e.DType)
	}
	if len(e.DataOffsets) != 2 {
		return nil, fmt.Errorf("safetensors: tensor %q: data_offsets must hold 2 values", name)
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > int64(len(data)) {
		return nil, fmt.Errorf("safetensors: tensor %q: byte range [%d, %d) outside the data (%d bytes)", name, begin, end, len(data))
	}
	elems := int64(1)
	shape := make([]int, len(e.Shape))
	for i, d := range e.Shape {
		if d < 0 || (d > 0 && elems > math.MaxInt32/d) {
			return nil, fmt.Errorf("safetensors: tensor %q: bad shape %v", name, e.Shape)
		}
		elems *= d
		shape[i] = int(d)
	}
	if elems*int64(size) != end-begin {
		return nil, fmt.Errorf("safetensors: tensor %q: shape %v of %s needs %d bytes, range holds %d", name, e.Shape, e.DType, elems*int64(size), end-begin)
	}
	return &Tensor{Name: name, DType: e.DType, Shape: shape, Data: data[begin:end:end]}, nil
}

// Float32 returns the tensor's values as float32, converting F16 and BF16
// exactly.
func (t *Tensor) Float32() ([]float32, error) {
	n := t.Elements()
	out := make([]float32, n)
	switch t.DType {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.Data[2*i:])) << 16)
		}
	case F16:
		for i := range out {
			out[i] = HalfToFloat32(binary.LittleEndian.Uint16(t.Data[2*i:]))
		}
	default:
		return nil, fmt.Errorf("safetensors: tensor %q: %s is not a floating-point type", t.Name, t.DType)
	}
	return out, nil
}

// Int32 returns the values of an I32 or I64 tensor as int32 (I64 values
// must fit).
func (t *Tensor) Int32() ([]int32, error) {
	n := t.Elements()
	out := make([]int32, n)
	switch t.DType {
	case I32:
		for i := range out {
			out[i] = int32(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
	case I64:
		for i := range out {
			v := int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
			if v < math.MinInt32 || v > math.MaxInt32 {
				return nil, fmt.Errorf("safetensors: tensor %q: value %d does not fit int32", t.Name, v)
			}
			out[i] = int32(v)
		}
	default:
		return nil, fmt.Errorf("safetensors: tensor %q: %s is not an integer type", t.Name, t.DType)
	}
	return out, nil
}

// HalfToFloat32 converts an IEEE 754 half-precision bit pattern to float32
// exactly.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal half: normalise.
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}
