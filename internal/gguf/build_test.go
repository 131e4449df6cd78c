package gguf

import (
	"encoding/binary"
	"math"
)

// buildGGUF writes a GGUF file (version 3 unless set) with the given
// metadata and tensors, for tests. Tensor data is laid out in order, each
// aligned to the file's alignment (32 unless general.alignment says).
func buildGGUF(version uint32, kvs []KV, tensors []*Tensor) []byte {
	if version == 0 {
		version = 3
	}
	b := []byte(Magic)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(tensors)))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(kvs)))
	align := uint64(DefaultAlignment)
	for _, kv := range kvs {
		b = appendString(b, kv.Key)
		b = binary.LittleEndian.AppendUint32(b, uint32(kv.Value.Type))
		b = appendValue(b, kv.Value)
		if kv.Key == "general.alignment" {
			if a, ok := kv.Value.Uint(); ok && a > 0 {
				align = a
			}
		}
	}
	var data []byte
	for _, t := range tensors {
		b = appendString(b, t.Name)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(t.Dims)))
		for _, d := range t.Dims {
			b = binary.LittleEndian.AppendUint64(b, uint64(d))
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(t.Type))
		for uint64(len(data))%align != 0 {
			data = append(data, 0)
		}
		b = binary.LittleEndian.AppendUint64(b, uint64(len(data)))
		data = append(data, t.Data...)
	}
	if len(tensors) > 0 {
		for uint64(len(b))%align != 0 {
			b = append(b, 0)
		}
		b = append(b, data...)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

func appendValue(b []byte, v Value) []byte {
	switch x := v.V.(type) {
	case uint8:
		return append(b, x)
	case int8:
		return append(b, byte(x))
	case uint16:
		return binary.LittleEndian.AppendUint16(b, x)
	case int16:
		return binary.LittleEndian.AppendUint16(b, uint16(x))
	case uint32:
		return binary.LittleEndian.AppendUint32(b, x)
	case int32:
		return binary.LittleEndian.AppendUint32(b, uint32(x))
	case float32:
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	case bool:
		if x {
			return append(b, 1)
		}
		return append(b, 0)
	case string:
		return appendString(b, x)
	case uint64:
		return binary.LittleEndian.AppendUint64(b, x)
	case int64:
		return binary.LittleEndian.AppendUint64(b, uint64(x))
	case float64:
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(v.Elem))
	b = binary.LittleEndian.AppendUint64(b, uint64(v.Len()))
	switch a := v.V.(type) {
	case []string:
		for _, s := range a {
			b = appendString(b, s)
		}
	case []float32:
		for _, f := range a {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
	case []int32:
		for _, x := range a {
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		}
	case []uint32:
		for _, x := range a {
			b = binary.LittleEndian.AppendUint32(b, x)
		}
	case []uint8:
		b = append(b, a...)
	case []Value:
		for _, e := range a {
			b = appendValue(b, e)
		}
	default:
		panic("buildGGUF: unsupported array")
	}
	return b
}

// Shorthands for metadata values.
func vStr(s string) Value     { return Value{Type: TypeString, V: s} }
func vU32(x uint32) Value     { return Value{Type: TypeUint32, V: x} }
func vF32(x float32) Value    { return Value{Type: TypeFloat32, V: x} }
func vBool(x bool) Value      { return Value{Type: TypeBool, V: x} }
func vStrs(a []string) Value  { return Value{Type: TypeArray, Elem: TypeString, V: a} }
func vF32s(a []float32) Value { return Value{Type: TypeArray, Elem: TypeFloat32, V: a} }
func vI32s(a []int32) Value   { return Value{Type: TypeArray, Elem: TypeInt32, V: a} }
func kv(k string, v Value) KV { return KV{Key: k, Value: v} }
