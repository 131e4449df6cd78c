package model

import (
	"fmt"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/safetensors"
)

// Weights gives architectures checked access to a checkpoint's tensors.
type Weights struct {
	set *safetensors.Set
}

// Has reports whether the checkpoint holds a tensor.
func (w *Weights) Has(name string) bool {
	_, ok := w.set.Tensors[name]
	return ok
}

// Tensor returns a tensor as float32 after checking its shape.
func (w *Weights) Tensor(name string, shape ...int) ([]float32, error) {
	t, ok := w.set.Tensors[name]
	if !ok {
		return nil, fmt.Errorf("tensor %s is missing", name)
	}
	if len(t.Shape) != len(shape) {
		return nil, fmt.Errorf("tensor %s has shape %v, want %v", name, t.Shape, shape)
	}
	for i := range shape {
		if t.Shape[i] != shape[i] {
			return nil, fmt.Errorf("tensor %s has shape %v, want %v", name, t.Shape, shape)
		}
	}
	return t.Float32()
}

// Vector returns a 1-D tensor of n values.
func (w *Weights) Vector(name string, n int) ([]float32, error) {
	return w.Tensor(name, n)
}

// Matrix returns a Linear weight (out × in, as PyTorch stores it) packed
// for kernel.MatMul.
func (w *Weights) Matrix(name string, out, in int) (*kernel.Matrix, error) {
	v, err := w.Tensor(name, out, in)
	if err != nil {
		return nil, err
	}
	return kernel.NewMatrix(v, out, in), nil
}

// Stacked returns several Linear weights with the same input size packed
// as one matrix whose outputs are theirs, in order. A product with it
// gives bit-identical columns to products with each part.
func (w *Weights) Stacked(in int, parts ...Part) (*kernel.Matrix, error) {
	total := 0
	for _, p := range parts {
		total += p.Out
	}
	all := make([]float32, 0, total*in)
	for _, p := range parts {
		v, err := w.Tensor(p.Name, p.Out, in)
		if err != nil {
			return nil, err
		}
		all = append(all, v...)
	}
	return kernel.NewMatrix(all, total, in), nil
}

// Part is one tensor of a stacked matrix.
type Part struct {
	Name string
	Out  int
}
