package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/lmzip/lmzip/internal/kernel"
	"github.com/lmzip/lmzip/internal/safetensors"
)

// Storage is how a matrix or embedding table is kept in memory: the
// checkpoint's own precision, or one of package kernel's storage kinds.
//
// A storage that keeps exactly the checkpoint's values does not change
// what a model computes (every kernel widens exactly before it
// multiplies). One that approximates them (bfloat16 rounding of a float32
// checkpoint, int8 quantization) changes the probabilities, so it belongs to
// a numeric recipe, which archives record (internal/recipe).
type Storage uint8

const (
	// StoreNative keeps the checkpoint's precision wherever a kernel
	// computes on it exactly: bfloat16 weights stay bfloat16 (half the
	// memory of float32, and MatMul reads half the bytes); float32 stays
	// float32, and float16 is widened to float32 (there is no float16
	// matrix kernel). Results are bit-identical to StoreFloat32.
	StoreNative Storage = iota
	// StoreFloat32 widens every weight to float32 (kernel.Float32), the
	// reference.
	StoreFloat32
	// StoreBFloat16 keeps bfloat16 weights as they are and rounds others
	// to bfloat16 (kernel.BFloat16): exact for a bfloat16 checkpoint, an
	// approximation of a float32 or float16 one.
	StoreBFloat16
	// StoreInt8 quantizes each output's weights to int8 with a float32
	// scale, and the rows they multiply likewise at every product
	// (kernel.Int8): a quarter of float32's memory, an approximation.
	// Matrices only, not embedding tables.
	StoreInt8
)

func (s Storage) String() string {
	switch s {
	case StoreNative:
		return "native"
	case StoreFloat32:
		return "float32"
	case StoreBFloat16:
		return "bfloat16"
	case StoreInt8:
		return "int8"
	}
	return fmt.Sprintf("Storage(%d)", s)
}

// Options choose how a model is built from its checkpoint. The zero value
// (and a nil *Options) keep every weight as StoreNative.
type Options struct {
	// Linear is the storage of the linear layers' matrices: the
	// attention and MLP projections, the bulk of a model.
	Linear Storage
	// Head is the storage of the output head (lm_head, or the token
	// embedding where the two are tied).
	Head Storage
	// Embedding is the storage of embedding tables (tokens, positions),
	// which are read a row at a time.
	Embedding Storage
}

// Role is what a matrix is for; Options give each role its storage.
type Role uint8

// The roles of matrices.
const (
	RoleLinear Role = iota
	RoleHead
	RoleEmbedding
)

func (o *Options) storage(r Role) Storage {
	switch r {
	case RoleHead:
		return o.Head
	case RoleEmbedding:
		return o.Embedding
	}
	return o.Linear
}

// Weights gives an architecture checked access to a checkpoint's tensors,
// kept in the storage that Options choose for each role.
//
// Errors are sticky, as in bufio.Scanner: after the first one every call
// returns a zero value and Err reports it, so that a constructor can read
// every tensor it needs and check once. Weights also records which tensors
// were read: New refuses a checkpoint with tensors that its architecture
// did not use (and did not Skip), because a model that silently ignores
// part of its weights computes something else.
type Weights struct {
	set  *safetensors.Set
	opts Options
	used map[string]bool
	err  error
	// check finds the tensors and checks their shapes but reads none of
	// a matrix or an embedding table (Check): they are left empty.
	check bool

	bf16 []uint16  // scratch of Matrix
	f32  []float32 // scratch of Matrix
}

func newWeights(set *safetensors.Set, opts *Options) *Weights {
	w := &Weights{set: set, used: map[string]bool{}}
	if opts != nil {
		w.opts = *opts
	}
	return w
}

// Err returns the first error of any call.
func (w *Weights) Err() error { return w.err }

func (w *Weights) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// Has reports whether the checkpoint holds a tensor.
func (w *Weights) Has(name string) bool {
	_, ok := w.set.Tensors[name]
	return ok
}

// Skip marks tensors that the architecture deliberately does not use
// (buffers such as GPT-2's attention masks), where present.
func (w *Weights) Skip(names ...string) {
	for _, n := range names {
		if w.Has(n) {
			w.used[n] = true
		}
	}
}

// SkipSuffix marks every tensor whose name ends in suffix as deliberately
// unused.
func (w *Weights) SkipSuffix(suffix string) {
	for n := range w.set.Tensors {
		if strings.HasSuffix(n, suffix) {
			w.used[n] = true
		}
	}
}

// unused returns an error naming the tensors nothing read or skipped.
func (w *Weights) unused() error {
	var names []string
	for n := range w.set.Tensors {
		if !w.used[n] {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	more := ""
	if len(names) > 5 {
		more = fmt.Sprintf(" and %d more", len(names)-5)
		names = names[:5]
	}
	return fmt.Errorf("the checkpoint has tensors this architecture does not use (%s%s): config.json does not describe these weights", strings.Join(names, ", "), more)
}

// tensor returns a tensor after checking its shape, and marks it used.
func (w *Weights) tensor(name string, shape ...int) *safetensors.Tensor {
	if w.err != nil {
		return nil
	}
	t, ok := w.set.Tensors[name]
	if !ok {
		w.fail(fmt.Errorf("tensor %s is missing", name))
		return nil
	}
	if len(t.Shape) != len(shape) {
		w.fail(fmt.Errorf("tensor %s has shape %v, want %v", name, t.Shape, shape))
		return nil
	}
	for i := range shape {
		if t.Shape[i] != shape[i] {
			w.fail(fmt.Errorf("tensor %s has shape %v, want %v", name, t.Shape, shape))
			return nil
		}
	}
	switch t.DType {
	case safetensors.F32, safetensors.F16, safetensors.BF16:
	default:
		w.fail(fmt.Errorf("tensor %s: element type %s is not supported (F32, F16 and BF16 are)", name, t.DType))
		return nil
	}
	w.used[name] = true
	return t
}

// Vector returns a 1-D tensor of n values as float32.
func (w *Weights) Vector(name string, n int) []float32 {
	t := w.tensor(name, n)
	if t == nil {
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = float32At(t, i)
	}
	return out
}

// Part is one block of outputs of a linear layer: the module Name, whose
// tensors are Name+".weight" and Name+".bias", with Out outputs.
//
// A part may be a selection of the stored tensor's rows: Rows lists them in
// order (then Out is len(Rows) and Total the number of rows stored). That is
// how a fused projection is split and reordered; reordering outputs does
// not change any output's value. Conv1D says the weight is stored
// transposed, [in, outputs], as GPT-2's Conv1D modules store it.
type Part struct {
	Name   string
	Out    int
	Rows   []int
	Total  int
	Conv1D bool
}

func (p *Part) stored() int {
	if p.Rows != nil {
		return p.Total
	}
	return p.Out
}

func (p *Part) row(o int) int {
	if p.Rows != nil {
		return p.Rows[o]
	}
	return o
}

// Vectors returns the concatenated bias vectors (Name+".bias") of parts.
func (w *Weights) Vectors(parts ...Part) []float32 {
	var out []float32
	for _, p := range parts {
		t := w.tensor(p.Name+".bias", p.stored())
		if t == nil {
			return nil
		}
		for o := 0; o < p.Out; o++ {
			out = append(out, float32At(t, p.row(o)))
		}
	}
	return out
}

// Matrix returns the weights (Name+".weight") of parts stacked into one
// matrix of in inputs, whose outputs are the parts' in order, kept in the
// storage Options give role. A product with it gives bit-identical columns
// to products with each part alone.
func (w *Weights) Matrix(role Role, in int, parts ...Part) *kernel.Matrix {
	if err := checkParts(parts); err != nil {
		w.fail(err)
		return nil
	}
	total := 0
	ts := make([]*safetensors.Tensor, len(parts))
	allBF16 := true
	for i := range parts {
		p := &parts[i]
		if p.Conv1D {
			ts[i] = w.tensor(p.Name+".weight", in, p.stored())
		} else {
			ts[i] = w.tensor(p.Name+".weight", p.stored(), in)
		}
		if ts[i] == nil {
			return nil
		}
		total += p.Out
		allBF16 = allBF16 && ts[i].DType == safetensors.BF16
	}
	if total < 1 || in < 1 {
		w.fail(fmt.Errorf("matrix %s: %d×%d", parts[0].Name, total, in))
		return nil
	}
	if w.check {
		return &kernel.Matrix{K: in, N: total}
	}
	// The parts are gathered into a scratch matrix (reused from one
	// matrix to the next, so that loading leaves no garbage behind) and
	// packed from there: as bfloat16 bits where the checkpoint holds them
	// and the storage keeps them, else as float32 values.
	storage := w.opts.storage(role)
	var kind kernel.Kind
	switch storage {
	case StoreNative, StoreBFloat16:
		if allBF16 {
			w.bf16 = grow(w.bf16, total*in)
			o := 0
			for i := range parts {
				readRows(w.bf16[o*in:], ts[i], &parts[i], in, bf16Row, bf16At)
				o += parts[i].Out
			}
			return kernel.NewMatrixBF16Packed(w.bf16, total, in)
		}
		kind = kernel.Float32
		if storage == StoreBFloat16 {
			kind = kernel.BFloat16
		}
	case StoreFloat32:
		kind = kernel.Float32
	case StoreInt8:
		if in > kernel.MaxInt8K {
			w.fail(fmt.Errorf("matrix %s: %d inputs are too many for int8 storage (at most %d)", parts[0].Name, in, kernel.MaxInt8K))
			return nil
		}
		// Quantized a row at a time straight from the tensors: no
		// float32 copy of the matrix (the head of a large vocabulary
		// would take hundreds of megabytes).
		part, first := make([]int, total), make([]int, len(parts))
		o := 0
		for i := range parts {
			first[i] = o
			for j := 0; j < parts[i].Out; j++ {
				part[o+j] = i
			}
			o += parts[i].Out
		}
		return kernel.NewMatrixFunc(kernel.Int8, total, in, func(o, i int) float32 {
			pi := part[o]
			p, t := &parts[pi], ts[pi]
			r := p.row(o - first[pi])
			if p.Conv1D {
				return float32At(t, i*p.stored()+r)
			}
			return float32At(t, r*in+i)
		})
	default:
		w.fail(fmt.Errorf("storage %v is not supported", storage))
		return nil
	}
	w.f32 = grow(w.f32, total*in)
	o := 0
	for i := range parts {
		readRows(w.f32[o*in:], ts[i], &parts[i], in, float32Row, float32At)
		o += parts[i].Out
	}
	return kernel.NewMatrixOf(kind, w.f32, total, in)
}

// grow returns s with room for n values.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func checkParts(parts []Part) error {
	if len(parts) == 0 {
		return errors.New("a matrix of no parts")
	}
	for _, p := range parts {
		if p.Rows == nil {
			continue
		}
		if len(p.Rows) != p.Out {
			return fmt.Errorf("%s: %d rows selected for %d outputs", p.Name, len(p.Rows), p.Out)
		}
		for _, r := range p.Rows {
			if r < 0 || r >= p.Total {
				return fmt.Errorf("%s: row %d of %d", p.Name, r, p.Total)
			}
		}
	}
	return nil
}

// readRows writes the part's rows of t (each of in values, as nn.Linear
// stores them: output-major) to dst: whole stored rows with row, single
// elements of a transposed (Conv1D) weight with at.
func readRows[T any](dst []T, t *safetensors.Tensor, p *Part, in int, row func([]T, *safetensors.Tensor, int), at func(*safetensors.Tensor, int) T) {
	stored := p.stored()
	for o := 0; o < p.Out; o++ {
		r, out := p.row(o), dst[o*in:(o+1)*in]
		if !p.Conv1D {
			row(out, t, r*in)
			continue
		}
		for i := range out {
			out[i] = at(t, i*stored+r)
		}
	}
}

// float32Row sets dst to the len(dst) elements of t from element i on,
// widened exactly.
func float32Row(dst []float32, t *safetensors.Tensor, i int) {
	switch t.DType {
	case safetensors.BF16:
		b := t.Data[2*i : 2*(i+len(dst))]
		for j := range dst {
			dst[j] = kernel.BF16ToFloat32(binary.LittleEndian.Uint16(b[2*j:]))
		}
	case safetensors.F16:
		b := t.Data[2*i : 2*(i+len(dst))]
		for j := range dst {
			dst[j] = safetensors.HalfToFloat32(binary.LittleEndian.Uint16(b[2*j:]))
		}
	default:
		b := t.Data[4*i : 4*(i+len(dst))]
		for j := range dst {
			dst[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
		}
	}
}

// bf16Row sets dst to the len(dst) elements of a BF16 tensor from element
// i on, as bit patterns.
func bf16Row(dst []uint16, t *safetensors.Tensor, i int) {
	b := t.Data[2*i : 2*(i+len(dst))]
	for j := range dst {
		dst[j] = binary.LittleEndian.Uint16(b[2*j:])
	}
}

// float32At returns element i of a floating-point tensor, widened exactly.
func float32At(t *safetensors.Tensor, i int) float32 {
	switch t.DType {
	case safetensors.BF16:
		return kernel.BF16ToFloat32(binary.LittleEndian.Uint16(t.Data[2*i:]))
	case safetensors.F16:
		return safetensors.HalfToFloat32(binary.LittleEndian.Uint16(t.Data[2*i:]))
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
}

// bf16At returns element i of a BF16 tensor as its bit pattern.
func bf16At(t *safetensors.Tensor, i int) uint16 {
	return binary.LittleEndian.Uint16(t.Data[2*i:])
}

// embedding is a table of rows vectors of dim values (token or position
// embeddings), kept as bfloat16 or float32 and widened a row at a time.
type embedding struct {
	rows, dim int
	f32       []float32
	bf16      []uint16
	// packed, when set, holds the table as the columns of a float32
	// matrix (row i is column i): a learning model's embedding tied to its
	// output head (see NewAdapter).
	packed *kernel.Matrix
}

// Embedding returns the table of module name (name+".weight", rows ×
// dim), kept in the storage Options give embeddings.
func (w *Weights) Embedding(name string, rows, dim int) embedding {
	t := w.tensor(name+".weight", rows, dim)
	if t == nil {
		return embedding{}
	}
	e := embedding{rows: rows, dim: dim}
	if w.check {
		return e
	}
	n := rows * dim
	switch storage := w.opts.storage(RoleEmbedding); {
	case t.DType == safetensors.BF16 && (storage == StoreNative || storage == StoreBFloat16):
		e.bf16 = make([]uint16, n)
		bf16Row(e.bf16, t, 0)
	case storage == StoreBFloat16:
		e.bf16 = make([]uint16, n)
		row := make([]float32, dim)
		for r := 0; r < rows; r++ {
			float32Row(row, t, r*dim)
			for j, v := range row {
				e.bf16[r*dim+j] = kernel.RoundBF16(v)
			}
		}
	case storage == StoreNative || storage == StoreFloat32:
		e.f32 = make([]float32, n)
		float32Row(e.f32, t, 0)
	default:
		w.fail(fmt.Errorf("storage %v is not supported for embeddings", storage))
	}
	return e
}

// row writes row i of the table to dst.
func (e *embedding) row(dst []float32, i int) {
	if e.packed != nil {
		e.packed.Column(dst[:e.dim], i)
		return
	}
	lo := i * e.dim
	if e.bf16 != nil {
		for j, b := range e.bf16[lo : lo+e.dim] {
			dst[j] = kernel.BF16ToFloat32(b)
		}
		return
	}
	copy(dst[:e.dim], e.f32[lo:lo+e.dim])
}
