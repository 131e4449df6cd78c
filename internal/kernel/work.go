package kernel

import "sync/atomic"

// Work counts the arithmetic the kernels have done, so that a benchmark can
// say how close a run came to the machine's ceiling (lmzip bench). A
// multiply-add counts as two operations.
type Work struct {
	// MatMul is the operations of matrix products, by the matrix's
	// storage kind (Float32 and BFloat16 products are float32 arithmetic,
	// Int8 products integer arithmetic).
	MatMul [numKinds]uint64
	// Attention is the float32 operations of attention over the KV cache
	// (the scores and the weighted sums of values) that engines report
	// with AddAttention.
	Attention uint64
	// Bytes is what the kernels must at least read from memory: the
	// weights of each call of MatMul once, and the keys and values that
	// engines report with AddCacheRead. Products of many rows reread their
	// weights from the processor's caches; a decoding step runs one group
	// of rows per thread (model.ForwardSteps), each group's products
	// reading every weight, and each row reads its own cache.
	Bytes uint64
}

var work struct {
	matmul    [numKinds]atomic.Uint64
	attention atomic.Uint64
	bytes     atomic.Uint64
}

// WorkDone returns the work done since the program started.
func WorkDone() Work {
	var w Work
	for k := range w.MatMul {
		w.MatMul[k] = work.matmul[k].Load()
	}
	w.Attention = work.attention.Load()
	w.Bytes = work.bytes.Load()
	return w
}

// Sub returns the work done between before and w.
func (w Work) Sub(before Work) Work {
	for k := range w.MatMul {
		w.MatMul[k] -= before.MatMul[k]
	}
	w.Attention -= before.Attention
	w.Bytes -= before.Bytes
	return w
}

// Float returns the float32 operations of w: the Float32 and BFloat16
// products and attention.
func (w Work) Float() uint64 { return w.MatMul[Float32] + w.MatMul[BFloat16] + w.Attention }

// Int8 returns the integer operations of w: the Int8 products.
func (w Work) Int8() uint64 { return w.MatMul[Int8] }

// AddAttention records ops operations of attention.
func AddAttention(ops uint64) { work.attention.Add(ops) }

// AddCacheRead records bytes of keys and values read by attention.
func AddCacheRead(bytes uint64) { work.bytes.Add(bytes) }
