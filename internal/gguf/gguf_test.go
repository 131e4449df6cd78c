package gguf

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/safetensors"
)

// q8Block writes one Q8_0 block: a float16 scale and 32 int8 values.
func q8Block(scale uint16, q [32]int8) []byte {
	b := binary.LittleEndian.AppendUint16(nil, scale)
	for _, v := range q {
		b = append(b, byte(v))
	}
	return b
}

func f32Bytes(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

// sample is a small file with every kind of metadata value and tensors of
// the four supported types, aligned to 64 bytes.
func sample() []byte {
	var q [32]int8
	for i := range q {
		q[i] = int8(i*9 - 127)
	}
	q8 := append(q8Block(0x3c00, q), q8Block(0xb555, q)...) // scales 1 and -0.333...
	return buildGGUF(3, []KV{
		kv("general.alignment", vU32(64)),
		kv("u8", Value{Type: TypeUint8, V: uint8(200)}),
		kv("i8", Value{Type: TypeInt8, V: int8(-5)}),
		kv("u16", Value{Type: TypeUint16, V: uint16(60000)}),
		kv("i16", Value{Type: TypeInt16, V: int16(-30000)}),
		kv("u32", vU32(4000000000)),
		kv("i32", Value{Type: TypeInt32, V: int32(-7)}),
		kv("f32", vF32(0.5)),
		kv("bool", vBool(true)),
		kv("str", vStr("héllo\x00")),
		kv("u64", Value{Type: TypeUint64, V: uint64(1) << 63}),
		kv("i64", Value{Type: TypeInt64, V: int64(-1) << 40}),
		kv("f64", Value{Type: TypeFloat64, V: 1e300}),
		kv("strs", vStrs([]string{"a", "", "b c"})),
		kv("f32s", vF32s([]float32{1, -2})),
		kv("i32s", vI32s([]int32{3, -4})),
		kv("nested", Value{Type: TypeArray, Elem: TypeArray, V: []Value{vI32s([]int32{1}), vI32s(nil)}}),
	}, []*Tensor{
		{Name: "f32", Type: F32, Dims: []int{2, 3}, Data: f32Bytes(1, 2, 3, 4, 5, 6)},
		{Name: "f16", Type: F16, Dims: []int{2}, Data: []byte{0x00, 0x3c, 0x00, 0xc0}},   // 1, -2
		{Name: "bf16", Type: BF16, Dims: []int{2}, Data: []byte{0x80, 0x3f, 0x40, 0xc0}}, // 1, -3
		{Name: "q8", Type: Q8_0, Dims: []int{32, 2}, Data: q8},
	})
}

func TestParse(t *testing.T) {
	b := sample()
	// Version 2 has the same layout.
	v2 := append([]byte(nil), b...)
	v2[4] = 2
	if f, err := Parse(v2); err != nil || f.Version != 2 || len(f.Tensors) != 4 {
		t.Fatalf("version 2: %v", err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 3 || f.Alignment != 64 || f.DataOffset%64 != 0 || len(f.KVs) != 17 || len(f.Tensors) != 4 {
		t.Fatalf("version %d alignment %d data at %d, %d kvs %d tensors", f.Version, f.Alignment, f.DataOffset, len(f.KVs), len(f.Tensors))
	}
	want := map[string]any{"u8": uint8(200), "i8": int8(-5), "u16": uint16(60000), "i16": int16(-30000), "u32": uint32(4000000000),
		"i32": int32(-7), "f32": float32(0.5), "bool": true, "str": "héllo\x00", "u64": uint64(1) << 63, "i64": int64(-1) << 40, "f64": 1e300}
	for k, w := range want {
		if v, ok := f.Get(k); !ok || v.V != w {
			t.Errorf("%s = %v (%T), want %v", k, v.V, v.V, w)
		}
	}
	if s, _, _ := f.Strings("strs"); !slices.Equal(s, []string{"a", "", "b c"}) {
		t.Errorf("strs = %q", s)
	}
	if v, _, _ := f.Float32s("f32s"); !slices.Equal(v, []float32{1, -2}) {
		t.Errorf("f32s = %v", v)
	}
	if v, _, _ := f.Int32s("i32s"); !slices.Equal(v, []int32{3, -4}) {
		t.Errorf("i32s = %v", v)
	}
	if v, _ := f.Get("nested"); v.Len() != 2 || v.V.([]Value)[0].Len() != 1 {
		t.Errorf("nested = %v", v.V)
	}
	if n, ok, err := f.Uint("u64"); !ok || err != nil || n != 1<<63 {
		t.Errorf("Uint(u64) = %d %v %v", n, ok, err)
	}
	if _, _, err := f.Uint("i8"); err == nil {
		t.Error("Uint of a negative value")
	}
	if _, _, err := f.String("u8"); err == nil {
		t.Error("String of a number")
	}
	for name, w := range map[string][]float32{"f32": {1, 2, 3, 4, 5, 6}, "f16": {1, -2}, "bf16": {1, -3}} {
		tt := f.Tensor(name)
		got, err := tt.Float32()
		if err != nil || !slices.Equal(got, w) {
			t.Errorf("%s = %v %v", name, got, err)
		}
		if tt.Offset%64 != 0 {
			t.Errorf("%s at offset %d", name, tt.Offset)
		}
	}
	if s := f.Tensor("f32").Shape(); !slices.Equal(s, []int{3, 2}) {
		t.Errorf("shape %v", s)
	}
	// Q8_0: scale times value, in float32, as ggml computes it.
	got, err := f.Tensor("q8").Float32()
	if err != nil {
		t.Fatal(err)
	}
	for blk, scale := range []float32{1, safetensors.HalfToFloat32(0xb555)} {
		for i := 0; i < 32; i++ {
			if w := float32(int8(i*9-127)) * scale; got[32*blk+i] != w {
				t.Fatalf("q8[%d][%d] = %v, want %v", blk, i, got[32*blk+i], w)
			}
		}
	}
	if _, err := (&Tensor{Name: "x", Type: Q4_K}).Float32(); err == nil {
		t.Error("Q4_K converted")
	}
}

// TestParseRejects checks that damaged and hostile files are refused with
// an error: every prefix of a valid file, and headers that claim more than
// the file holds.
func TestParseRejects(t *testing.T) {
	good := sample()
	for n := 0; n < len(good); n++ {
		if _, err := Parse(good[:n]); err == nil {
			t.Fatalf("a file cut to %d of %d bytes parses", n, len(good))
		}
	}
	u64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	u32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	head := func(version uint32, tensors, kvs uint64) []byte {
		return slices.Concat([]byte("GGUF"), u32(version), u64(tensors), u64(kvs))
	}
	key := func(k string) []byte { return append(u64(uint64(len(k))), k...) }
	tensor := func(name string, dims []uint64, typ uint32, off uint64) []byte {
		b := slices.Concat(key(name), u32(uint32(len(dims))))
		for _, d := range dims {
			b = append(b, u64(d)...)
		}
		return slices.Concat(b, u32(typ), u64(off))
	}
	pad := make([]byte, 256)
	for name, b := range map[string][]byte{
		"magic":           slices.Concat([]byte("GGUX"), u32(3), u64(0), u64(0)),
		"version 1":       head(1, 0, 0),
		"version 4":       head(4, 0, 0),
		"big-endian":      slices.Concat([]byte("GGUF"), []byte{0, 0, 0, 3}, u64(0), u64(0)),
		"huge tensors":    head(3, 1<<60, 0),
		"huge kvs":        head(3, 0, 1<<62),
		"huge key":        slices.Concat(head(3, 0, 1), u64(1<<40), pad),
		"empty key":       slices.Concat(head(3, 0, 1), key(""), u32(uint32(TypeUint8)), []byte{1}),
		"bad type":        slices.Concat(head(3, 0, 1), key("k"), u32(13), pad),
		"bad bool":        slices.Concat(head(3, 0, 1), key("k"), u32(uint32(TypeBool)), []byte{2}),
		"huge string":     slices.Concat(head(3, 0, 1), key("k"), u32(uint32(TypeString)), u64(1<<50), pad),
		"huge array":      slices.Concat(head(3, 0, 1), key("k"), u32(uint32(TypeArray)), u32(uint32(TypeUint32)), u64(1<<61), pad),
		"huge str array":  slices.Concat(head(3, 0, 1), key("k"), u32(uint32(TypeArray)), u32(uint32(TypeString)), u64(1<<40), pad),
		"array elem type": slices.Concat(head(3, 0, 1), key("k"), u32(uint32(TypeArray)), u32(99), u64(1), pad),
		"deep arrays":     slices.Concat(head(3, 0, 1), key("k"), bytes.Repeat(slices.Concat(u32(uint32(TypeArray)), u32(uint32(TypeArray)), u64(1)), 8)[4:], pad),
		"duplicate key":   slices.Concat(head(3, 0, 2), key("k"), u32(uint32(TypeUint8)), []byte{1}, key("k"), u32(uint32(TypeUint8)), []byte{1}),
		"alignment 3":     slices.Concat(head(3, 0, 1), key("general.alignment"), u32(uint32(TypeUint32)), u32(3)),
		"alignment 0":     slices.Concat(head(3, 0, 1), key("general.alignment"), u32(uint32(TypeUint32)), u32(0)),
		"alignment str":   slices.Concat(head(3, 0, 1), key("general.alignment"), u32(uint32(TypeString)), key("32")),
		"5 dims":          slices.Concat(head(3, 1, 0), tensor("t", []uint64{1, 1, 1, 1, 1}, 0, 0), pad),
		"zero dim":        slices.Concat(head(3, 1, 0), tensor("t", []uint64{0}, 0, 0), pad),
		"dims overflow":   slices.Concat(head(3, 1, 0), tensor("t", []uint64{1 << 32, 1 << 32, 1 << 32}, 0, 0), pad),
		"unknown type":    slices.Concat(head(3, 1, 0), tensor("t", []uint64{1}, 99, 0), pad),
		"partial block":   slices.Concat(head(3, 1, 0), tensor("t", []uint64{31}, uint32(Q8_0), 0), pad),
		"misaligned":      slices.Concat(head(3, 1, 0), tensor("t", []uint64{1}, 0, 4), pad),
		"past the end":    slices.Concat(head(3, 1, 0), tensor("t", []uint64{1 << 20}, 0, 0), pad),
		"offset overflow": slices.Concat(head(3, 1, 0), tensor("t", []uint64{1}, 0, 1<<63), pad),
		"duplicate name":  slices.Concat(head(3, 2, 0), tensor("t", []uint64{1}, 0, 0), tensor("t", []uint64{1}, 0, 32), pad),
		"empty name":      slices.Concat(head(3, 1, 0), tensor("", []uint64{1}, 0, 0), pad),
	} {
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: parsed", name)
		} else if !strings.HasPrefix(err.Error(), "gguf: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.gguf")
	if err := os.WriteFile(path, sample(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := f.Float32s("f32s"); len(v) != 2 {
		t.Error("f32s")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.gguf")); err == nil {
		t.Error("opened a missing file")
	}
	os.WriteFile(path, []byte("GGUF"), 0o644)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("short file: %v", err)
	}
}
