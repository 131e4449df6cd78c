package safetensors

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lmzip/lmzip/internal/testutil"
)

// build writes a safetensors file from a JSON header and a data section.
func build(header string, data []byte) []byte {
	b := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func TestParse(t *testing.T) {
	data := make([]byte, 8+4)
	binary.LittleEndian.PutUint32(data[0:], math.Float32bits(1.5))
	binary.LittleEndian.PutUint32(data[4:], math.Float32bits(-2))
	binary.LittleEndian.PutUint16(data[8:], 0x3f80)  // bf16 1.0
	binary.LittleEndian.PutUint16(data[10:], 0x3c00) // f16 1.0
	f, err := Parse(build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[1,1],"data_offsets":[8,10]},"c":{"dtype":"F16","shape":[1],"data_offsets":[10,12]},"__metadata__":{"k":"v"}}`, data))
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["k"] != "v" || strings.Join(f.Names(), ",") != "a,b,c" {
		t.Fatalf("metadata %v names %v", f.Metadata, f.Names())
	}
	for name, want := range map[string][]float32{"a": {1.5, -2}, "b": {1}, "c": {1}} {
		got, err := f.Tensors[name].Float32()
		if err != nil || len(got) != len(want) || got[0] != want[0] {
			t.Fatalf("%s: %v %v, want %v", name, got, err, want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, 1<<62)
	cases := map[string][]byte{
		"short":        {1, 2, 3},
		"huge header":  huge,
		"past end":     build(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, make([]byte, 8)),
		"size":         build(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)),
		"dtype":        build(`{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1)),
		"negative":     build(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, nil),
		"overflow":     build(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, nil),
		"bad json":     build(`{"a":`, nil),
		"offsets":      build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, make([]byte, 8)),
		"reversed":     build(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, make([]byte, 8)),
		"header > len": build(`{}`, nil)[:9],
	}
	for name, b := range cases {
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestHalfToFloat32(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		got := HalfToFloat32(uint16(h))
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		e, m := (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case e == 0x1f && m == 0:
			want = math.Inf(int(sign))
		case e == 0x1f:
			if !math.IsNaN(float64(got)) {
				t.Fatalf("%#04x: %g, want NaN", h, got)
			}
			continue
		case e == 0:
			want = sign * float64(m) * math.Pow(2, -24)
		default:
			want = sign * (1 + float64(m)/1024) * math.Pow(2, float64(e-15))
		}
		if float64(got) != want || math.Signbit(float64(got)) != (sign < 0) {
			t.Fatalf("%#04x: %g, want %g", h, got, want)
		}
	}
}

func TestOpenDirSharded(t *testing.T) {
	dir := t.TempDir()
	a := build(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4))
	b := build(`{"y":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4))
	os.WriteFile(filepath.Join(dir, "model-00001-of-00002.safetensors"), a, 0o644)
	os.WriteFile(filepath.Join(dir, "model-00002-of-00002.safetensors"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(`{"metadata":{},"weight_map":{"x":"model-00001-of-00002.safetensors","y":"model-00002-of-00002.safetensors"}}`), 0o644)
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if strings.Join(s.Names(), ",") != "x,y" {
		t.Fatalf("names %v", s.Names())
	}
	os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(`{"weight_map":{"x":"../evil.safetensors"}}`), 0o644)
	if _, err := OpenDir(dir); err == nil {
		t.Fatal("path escape accepted")
	}
}

func TestOpenRealModel(t *testing.T) {
	s, err := OpenDir(testutil.Data(t, "archs", "llama"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := s.Tensors["model.embed_tokens.weight"]
	if e == nil || e.DType != F32 || e.Shape[0] != 320 || e.Shape[1] != 64 {
		t.Fatalf("embed_tokens: %+v", e)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}`, make([]byte, 8)))
	f.Add(build(`{"a":{"dtype":"BF16","shape":[2,1],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err != nil {
			return
		}
		for _, tn := range file.Tensors {
			if tn.Elements()*tn.DType.Size() != len(tn.Data) {
				t.Fatalf("tensor %q: %d bytes for shape %v", tn.Name, len(tn.Data), tn.Shape)
			}
			tn.Float32()
		}
	})
}

func TestWriteParse(t *testing.T) {
	in := []*Tensor{
		{Name: "b", DType: BF16, Shape: []int{2, 1}, Data: []byte{0x80, 0x3f, 0, 0xc0}},
		{Name: "a", DType: F32, Shape: []int{1}, Data: []byte{0, 0, 0x80, 0x3f}},
		{Name: "scalar", DType: F32, Shape: nil, Data: []byte{0, 0, 0, 0x40}},
	}
	var buf bytes.Buffer
	if err := Write(&buf, in, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(buf.Bytes()); n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	f, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" || len(f.Tensors) != 3 {
		t.Fatalf("read back %v, %v", f.Metadata, f.Names())
	}
	for _, want := range in {
		got := f.Tensors[want.Name]
		if got == nil || got.DType != want.DType || got.Elements() != want.Elements() || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("%s: read back %+v", want.Name, got)
		}
	}
	if v, _ := f.Tensors["b"].Float32(); v[0] != 1 || v[1] != -2 {
		t.Errorf("b = %v", v)
	}
	for _, bad := range [][]*Tensor{
		{{Name: "x", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}},
		{{Name: "x", DType: F32, Shape: []int{1}, Data: make([]byte, 4)}, {Name: "x", DType: F32, Shape: []int{1}, Data: make([]byte, 4)}},
		{{Name: "x", DType: "Q9", Shape: []int{1}, Data: make([]byte, 4)}},
	} {
		if err := Write(io.Discard, bad, nil); err == nil {
			t.Errorf("wrote %+v", bad[0])
		}
	}
}

func TestReadHeader(t *testing.T) {
	path := testutil.Data(t, "archs", "llama", "model.safetensors")
	infos, err := ReadHeader(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(infos) != len(f.Tensors) {
		t.Fatalf("%d tensors in the header, %d parsed", len(infos), len(f.Tensors))
	}
	for _, in := range infos {
		tn := f.Tensors[in.Name]
		if tn == nil || tn.DType != in.DType || int64(tn.Elements()) != in.Elements() {
			t.Errorf("%s: header %+v, parsed %+v", in.Name, in, tn)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(bad, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '{'}, 0o644)
	if _, err := ReadHeader(bad); err == nil {
		t.Error("a header longer than the file was accepted")
	}
}
