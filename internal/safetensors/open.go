package safetensors

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Open maps the safetensors file at path and parses it.
func Open(path string) (*File, error) {
	data, unmap, err := mapFile(path)
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

// Set is the tensors of a checkpoint, which may be split over several files
// (shards) listed by a model.safetensors.index.json.
type Set struct {
	Tensors map[string]*Tensor
	files   []*File
}

// Close releases every shard.
func (s *Set) Close() error {
	var first error
	for _, f := range s.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	s.files = nil
	return first
}

// Names returns the tensor names in sorted order.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.Tensors))
	for n := range s.Tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NewSet makes a Set of already parsed files. A tensor name present in two
// files is an error.
func NewSet(files ...*File) (*Set, error) {
	s := &Set{Tensors: map[string]*Tensor{}, files: files}
	for _, f := range files {
		for name, t := range f.Tensors {
			if _, dup := s.Tensors[name]; dup {
				return nil, fmt.Errorf("safetensors: tensor %q appears in two shards", name)
			}
			s.Tensors[name] = t
		}
	}
	return s, nil
}

// OpenDir opens the checkpoint of a Hugging Face model directory:
// model.safetensors, or the shards that model.safetensors.index.json lists.
func OpenDir(dir string) (*Set, error) {
	single := filepath.Join(dir, "model.safetensors")
	if _, err := os.Stat(single); err == nil {
		f, err := Open(single)
		if err != nil {
			return nil, err
		}
		return NewSet(f)
	}
	indexPath := filepath.Join(dir, "model.safetensors.index.json")
	raw, err := os.ReadFile(indexPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no model.safetensors or model.safetensors.index.json", dir)
		}
		return nil, err
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		return nil, fmt.Errorf("%s: %v", indexPath, err)
	}
	shardNames := map[string]bool{}
	for _, shard := range index.WeightMap {
		if shard == "" || strings.ContainsAny(shard, `/\`) || shard == ".." {
			return nil, fmt.Errorf("%s: bad shard name %q", indexPath, shard)
		}
		shardNames[shard] = true
	}
	if len(shardNames) == 0 {
		return nil, fmt.Errorf("%s: empty weight_map", indexPath)
	}
	names := make([]string, 0, len(shardNames))
	for n := range shardNames {
		names = append(names, n)
	}
	sort.Strings(names)
	var files []*File
	for _, n := range names {
		f, err := Open(filepath.Join(dir, n))
		if err != nil {
			for _, g := range files {
				g.Close()
			}
			return nil, err
		}
		files = append(files, f)
	}
	s, err := NewSet(files...)
	if err != nil {
		s.Close()
		return nil, err
	}
	for name, shard := range index.WeightMap {
		if _, ok := s.Tensors[name]; !ok {
			s.Close()
			return nil, fmt.Errorf("%s: tensor %q listed for %s is not in it", indexPath, name, shard)
		}
	}
	return s, nil
}

// MapFile returns the contents of the file at path, memory-mapped where the
// system allows it, and the function that releases them.
func MapFile(path string) ([]byte, func() error, error) { return mapFile(path) }

// SetOf makes a Set of tensors held in memory (converted from another
// format, for instance). A name given twice is an error.
func SetOf(tensors ...*Tensor) (*Set, error) {
	s := &Set{Tensors: make(map[string]*Tensor, len(tensors))}
	for _, t := range tensors {
		if _, dup := s.Tensors[t.Name]; dup {
			return nil, fmt.Errorf("safetensors: tensor %q given twice", t.Name)
		}
		if t.DType.Size() == 0 || t.Elements()*t.DType.Size() != len(t.Data) {
			return nil, fmt.Errorf("safetensors: tensor %q: %d bytes for shape %v of %s", t.Name, len(t.Data), t.Shape, t.DType)
		}
		s.Tensors[t.Name] = t
	}
	return s, nil
}
