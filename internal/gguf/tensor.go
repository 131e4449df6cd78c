package gguf

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/lmzip/lmzip/internal/safetensors"
)

// GGMLType is a tensor element type (ggml_type).
type GGMLType uint32

// The tensor types whose sizes are known. Only F32, F16, BF16 and Q8_0
// convert to float32.
const (
	F32  GGMLType = 0
	F16  GGMLType = 1
	Q4_0 GGMLType = 2
	Q4_1 GGMLType = 3
	Q5_0 GGMLType = 6
	Q5_1 GGMLType = 7
	Q8_0 GGMLType = 8
	Q8_1 GGMLType = 9
	Q2_K GGMLType = 10
	Q3_K GGMLType = 11
	Q4_K GGMLType = 12
	Q5_K GGMLType = 13
	Q6_K GGMLType = 14
	Q8_K GGMLType = 15
	I8   GGMLType = 24
	I16  GGMLType = 25
	I32  GGMLType = 26
	I64  GGMLType = 27
	F64  GGMLType = 28
	BF16 GGMLType = 30
)

// typeInfo is a type's block: elements per block and bytes per block.
type typeInfo struct {
	name  string
	block int
	bytes int
}

var typeInfos = map[GGMLType]typeInfo{
	F32:  {"F32", 1, 4},
	F16:  {"F16", 1, 2},
	Q4_0: {"Q4_0", 32, 18},
	Q4_1: {"Q4_1", 32, 20},
	Q5_0: {"Q5_0", 32, 22},
	Q5_1: {"Q5_1", 32, 24},
	Q8_0: {"Q8_0", 32, 34},
	Q8_1: {"Q8_1", 32, 36},
	Q2_K: {"Q2_K", 256, 84},
	Q3_K: {"Q3_K", 256, 110},
	Q4_K: {"Q4_K", 256, 144},
	Q5_K: {"Q5_K", 256, 176},
	Q6_K: {"Q6_K", 256, 210},
	Q8_K: {"Q8_K", 256, 292},
	I8:   {"I8", 1, 1},
	I16:  {"I16", 1, 2},
	I32:  {"I32", 1, 4},
	I64:  {"I64", 1, 8},
	F64:  {"F64", 1, 8},
	BF16: {"BF16", 1, 2},
}

func (t GGMLType) String() string {
	if ti, ok := typeInfos[t]; ok {
		return ti.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// Tensor is one tensor of a file.
type Tensor struct {
	Name string
	Type GGMLType
	// Dims are ggml's ne: Dims[0] is the number of elements of a row (the
	// fastest-varying index), the reverse of the PyTorch shape.
	Dims []int
	// Offset is the position of the data in the data section.
	Offset uint64
	// Data is the tensor's bytes (aliasing the file).
	Data []byte

	size int64 // bytes of data
}

// Elements returns the number of elements.
func (t *Tensor) Elements() int {
	n := 1
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Shape returns the dimensions in PyTorch order (outermost first): a
// matrix of ggml dims [in, out] has shape [out, in].
func (t *Tensor) Shape() []int {
	s := make([]int, len(t.Dims))
	for i, d := range t.Dims {
		s[len(t.Dims)-1-i] = d
	}
	return s
}

// maxElements bounds a tensor's elements (and so its float32 expansion).
const maxElements = 1 << 40

func (r *reader) tensorInfo() *Tensor {
	t := &Tensor{Name: r.str("tensor name")}
	if r.err == nil && (len(t.Name) == 0 || len(t.Name) > maxKeyLen) {
		r.fail(fmt.Errorf("tensor name of %d bytes", len(t.Name)))
	}
	nd := r.u32()
	if r.err == nil && nd > maxDims {
		r.fail(fmt.Errorf("tensor %q has %d dimensions (at most %d)", t.Name, nd, maxDims))
	}
	if r.err != nil {
		return t
	}
	t.Dims = make([]int, nd)
	n := uint64(1)
	for i := range t.Dims {
		d := r.u64()
		if r.err != nil {
			return t
		}
		if d == 0 || d > maxElements || n > maxElements/d {
			r.fail(fmt.Errorf("tensor %q: bad dimensions (dimension %d is %d)", t.Name, i, d))
			return t
		}
		n *= d
		t.Dims[i] = int(d)
	}
	t.Type = GGMLType(r.u32())
	t.Offset = r.u64()
	if r.err != nil {
		return t
	}
	ti, ok := typeInfos[t.Type]
	if !ok {
		r.fail(fmt.Errorf("tensor %q: unknown type %d", t.Name, uint32(t.Type)))
		return t
	}
	row := uint64(1)
	if len(t.Dims) > 0 {
		row = uint64(t.Dims[0])
	}
	if row%uint64(ti.block) != 0 {
		r.fail(fmt.Errorf("tensor %q: row of %d elements is not a multiple of %s's block of %d", t.Name, row, ti.name, ti.block))
		return t
	}
	t.size = int64(n / uint64(ti.block) * uint64(ti.bytes))
	return t
}

// Float32 returns the tensor's values as float32 in ggml order (row after
// row). F16 and BF16 convert exactly; Q8_0 blocks are dequantized as ggml
// does: the block's float16 scale, widened to float32, times each int8
// value, rounded once to float32.
func (t *Tensor) Float32() ([]float32, error) {
	n := t.Elements()
	switch t.Type {
	case F32:
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		}
		return out, nil
	case F16:
		out := make([]float32, n)
		for i := range out {
			out[i] = safetensors.HalfToFloat32(binary.LittleEndian.Uint16(t.Data[2*i:]))
		}
		return out, nil
	case BF16:
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.Data[2*i:])) << 16)
		}
		return out, nil
	case Q8_0:
		out := make([]float32, n)
		DequantizeQ8_0(out, t.Data)
		return out, nil
	}
	return nil, fmt.Errorf("gguf: tensor %q: type %s is not supported (F32, F16, BF16 and Q8_0 are)", t.Name, t.Type)
}

// DequantizeQ8_0 expands Q8_0 blocks (a float16 scale d and 32 int8 values
// q) into dst: dst[i] = float32(q[i]) * float32(d). len(dst) must be 32
// times the number of 34-byte blocks in src.
func DequantizeQ8_0(dst []float32, src []byte) {
	for b := 0; b*32 < len(dst); b++ {
		blk := src[34*b : 34*b+34]
		d := safetensors.HalfToFloat32(binary.LittleEndian.Uint16(blk))
		out := dst[32*b : 32*b+32]
		for j := range out {
			out[j] = float32(int8(blk[2+j])) * d
		}
	}
}
