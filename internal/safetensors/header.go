package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// TensorInfo is a tensor's entry in a file's header: what it is, without
// its data.
type TensorInfo struct {
	Name  string
	DType DType
	Shape []int64
}

// Elements returns the number of elements, or -1 if it overflows int64.
func (t *TensorInfo) Elements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		if d < 0 || (d > 0 && n > math.MaxInt64/d) {
			return -1
		}
		n *= d
	}
	return n
}

// ReadHeader reads only the header of the safetensors file at path (a few
// kilobytes, however large the file), sorted by name, so that a checkpoint
// can be described without mapping or reading its weights.
func ReadHeader(path string) ([]TensorInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(f, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("%s: safetensors: file shorter than its 8-byte header length", path)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize || n > uint64(st.Size()-8) {
		return nil, fmt.Errorf("%s: safetensors: header length %d exceeds the file or the limit", path, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: safetensors: header: %v", path, err)
	}
	infos := make([]TensorInfo, 0, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			continue
		}
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("%s: safetensors: tensor %q: %v", path, name, err)
		}
		infos = append(infos, TensorInfo{Name: name, DType: e.DType, Shape: e.Shape})
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	return infos, nil
}
